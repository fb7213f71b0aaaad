/* loadspool.c — step 1 of `minidock load` (load.c): the archive's regular
 * entries are copied into a private, flock'ed spool directory
 * ROOT/images/.tmp-load-XXXXXX, names cleaned (".." and "/..." refused),
 * links resolved inside the archive; a later load removes the spools whose
 * owner died. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "loadspool.h"
#include "str.h"
#include "tarball.h"

#define ENTRIES_MAX  100000
#define SPOOL_PREFIX ".tmp-load-"

/* ==== load, step 1: spool the archive ========================================================= */

/* A link's target, as a name of the archive: relative to the link's directory
 * for a symlink ("a/layer.tar -> ../b/layer.tar" is "b/layer.tar"), from the top
 * for a hard link.  Targets leaving the archive are refused. */
static int resolve_link(const char *name, const char *target, bool symlink, char *out, size_t size)
{
    char joined[PATH_MAX * 2], parts[PATH_MAX];
    const char *slash = strrchr(name, '/');
    if (target[0] == '/')
        return err_setx(EPERM, "entry '%s': link to an absolute name '%s'", name, target);
    if (symlink && slash)
        snprintf(joined, sizeof(joined), "%.*s/%s", (int)(slash - name), name, target);
    else
        snprintf(joined, sizeof(joined), "%s", target);
    size_t n = 0;
    for (const char *p = joined; *p; p += strspn(p, "/")) {
        size_t len = strcspn(p, "/");
        if (len == 2 && !strncmp(p, "..", 2)) {
            if (n == 0)
                return err_setx(EPERM, "entry '%s': link '%s' leaves the archive", name, target);
            while (n > 0 && parts[n - 1] != '/')
                n--;
            n = n > 0 ? n - 1 : 0;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n + len + 2 > sizeof(parts))
                return err_setx(ENAMETOOLONG, "entry '%s': name too long", name);
            if (n > 0)
                parts[n++] = '/';
            memcpy(parts + n, p, len);
            n += len;
        }
        p += len;
    }
    parts[n] = '\0';
    snprintf(out, size, "%s", parts);
    return 0;
}

static struct entry *new_entry(struct loader *ld, const char *name)
{
    if (ld->n >= ENTRIES_MAX) {
        err_setx(E2BIG, "more than %d entries", ENTRIES_MAX);
        return NULL;
    }
    struct entry *v = realloc(ld->e, (ld->n + 1) * sizeof(*v));
    if (!v) {
        err_set(ENOMEM, "read the archive");
        return NULL;
    }
    ld->e = v;
    struct entry *e = &ld->e[ld->n];
    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(name))) {
        err_set(ENOMEM, "read the archive");
        return NULL;
    }
    ld->n++;
    return e;
}

/* Copy the data of the current entry into the spool, synced (it may become a blob). */
static int spool_data(struct loader *ld, struct archive *a, struct entry *e, char *buf)
{
    snprintf(e->file, sizeof(e->file), "%s/%zu", ld->spool, ld->n);
    int fd = open(e->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(errno, "create %s", e->file);
    int ret = 0;
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, BLOCK_SIZE)) > 0 && ret == 0)
        ret = fd_write_all(fd, buf, (size_t)n);
    if (ret == 0 && n < 0)
        ret = err_setx(EIO, "entry '%s': %s", e->name, tar_error_string(a));
    else if (ret < 0)
        ret = err_set(-ret, "write %s", e->file);
    if (ret == 0 && fsync(fd) < 0)
        ret = err_set(errno, "write %s", e->file);
    close(fd);
    return ret;
}

static int spool_entry(struct loader *ld, struct archive *a, struct archive_entry *ae, char *buf)
{
    char name[PATH_MAX], target[PATH_MAX];
    const char *raw = archive_entry_pathname(ae);
    int ret = layer_clean_name(raw ? raw : "", name, sizeof(name));
    if (ret < 0)
        return ret;
    const char *hard = archive_entry_hardlink(ae);
    mode_t type = archive_entry_filetype(ae);
    if (hard || type == AE_IFLNK) {
        ret = resolve_link(name, hard ? hard : archive_entry_symlink(ae), !hard, target,
                           sizeof(target));
        if (ret < 0)
            return ret;
        struct entry *e = new_entry(ld, name);
        if (!e || !(e->link = strdup(target)))
            return err_set(ENOMEM, "read the archive");
        return 0;
    }
    if (type != AE_IFREG || !name[0])
        return 0; /* directories and the rest say nothing about images */
    struct entry *e = new_entry(ld, name);
    return e ? spool_data(ld, a, e, buf) : -ENOMEM;
}

int spool_archive(struct loader *ld, int fd)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    char *buf = malloc(BLOCK_SIZE);
    int ret = a && buf ? 0 : err_set(ENOMEM, "read the archive");
    if (ret == 0) {
        archive_read_support_filter_all(a); /* `docker save | gzip` loads too */
        archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, BLOCK_SIZE) != ARCHIVE_OK)
            ret = err_setx(EINVAL, "not a tar archive: %s", tar_error_string(a));
    }
    while (ret == 0) {
        int r = archive_read_next_header(a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            ret = err_setx(EINVAL, "not a valid tar archive: %s", tar_error_string(a));
        else
            ret = spool_entry(ld, a, ae, buf);
    }
    if (a)
        archive_read_free(a);
    free(buf);
    return ret;
}

/* The entry named name (links followed), or NULL. */
struct entry *find_entry(struct loader *ld, const char *name)
{
    char clean[PATH_MAX];
    if (layer_clean_name(name, clean, sizeof(clean)) < 0)
        return NULL;
    for (int hops = 0; hops < 16; hops++) {
        struct entry *found = NULL;
        for (size_t i = 0; i < ld->n; i++)
            if (!strcmp(ld->e[i].name, clean))
                found = &ld->e[i]; /* tar semantics: the last one wins */
        if (!found || !found->link)
            return found;
        snprintf(clean, sizeof(clean), "%s", found->link);
    }
    return NULL;
}

/* Remove spool directories whose loader died: nobody holds their lock. */
static void sweep_dead_spools(const char *images)
{
    DIR *d = opendir(images);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!str_has_prefix(de->d_name, SPOOL_PREFIX))
            continue;
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            remove_tree_at(dirfd(d), de->d_name);
        if (fd >= 0)
            close(fd);
    }
    if (d)
        closedir(d);
}

/* The store's lock covers the sweep and the creation of our spool: a sweeper
 * never sees our directory before we lock it. */
int spool_open(struct loader *ld, const char *root)
{
    char images[PATH_MAX];
    int ret = image_store_lock(ld->st);
    if (ret < 0)
        return ret;
    snprintf(images, sizeof(images), "%s/images", root);
    sweep_dead_spools(images);
    snprintf(ld->spool, sizeof(ld->spool), "%s/" SPOOL_PREFIX "XXXXXX", images);
    if (!mkdtemp(ld->spool)) {
        ld->spool[0] = '\0';
        ret = err_set(errno, "create a temporary directory in %s", images);
    } else {
        ld->spool_fd = open(ld->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ld->spool_fd < 0 || flock(ld->spool_fd, LOCK_EX) < 0)
            ret = err_set(errno, "lock %s", ld->spool);
    }
    image_store_unlock(ld->st);
    return ret;
}

void loader_close(struct loader *ld)
{
    if (ld->spool[0])
        remove_tree(ld->spool);
    if (ld->spool_fd >= 0)
        close(ld->spool_fd);
    for (size_t i = 0; i < ld->n; i++) {
        free(ld->e[i].name);
        free(ld->e[i].link);
    }
    free(ld->e);
}
