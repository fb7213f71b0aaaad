/* buildctx.c — the build context of `minidock build`: the directory given
 * (or a tar on stdin), minus what .dockerignore excludes.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build.h"
#include "container.h"
#include "copy.h"
#include "ctrlist.h"
#include "err.h"
#include "file.h"
#include "layer.h"
#include "log.h"

/* ---------------------------------------------------------------------------
 * .dockerignore: the context the build sees is the directory minus what
 * the file excludes (Docker sends only that to its daemon).
 * ------------------------------------------------------------------------- */

static strv_t ignore_patterns;
static const char *ignore_from, *ignore_to;

static bool pattern_matches(const char *pattern, const char *path)
{
    int flags = strstr(pattern, "**") ? 0 : FNM_PATHNAME;
    if (fnmatch(pattern, path, flags) == 0)
        return true;
    /* a pattern naming a directory excludes what is inside it */
    char prefix[PATH_MAX];
    for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - path), path);
        if (fnmatch(pattern, prefix, flags) == 0)
            return true;
    }
    return false;
}

static bool ignored(const char *rel)
{
    bool out = false;
    if (strcmp(rel, "Dockerfile") == 0 || strcmp(rel, ".dockerignore") == 0)
        return false;
    for (size_t i = 0; i < ignore_patterns.len; i++) {
        const char *p = ignore_patterns.v[i];
        bool neg = p[0] == '!';
        if (pattern_matches(neg ? p + 1 : p, rel))
            out = !neg;
    }
    return out;
}

static int copy_kept(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    const char *rel = path + strlen(ignore_from);
    while (*rel == '/')
        rel++;
    if (!*rel)
        return FTW_CONTINUE;
    char dst[PATH_MAX * 2];
    snprintf(dst, sizeof(dst), "%s/%s", ignore_to, rel);
    bool skip = ignored(rel);
    if (type == FTW_D) {
        /* a directory is kept when it or something re-included below it is */
        if (skip) {
            bool reinclude = false;
            for (size_t i = 0; i < ignore_patterns.len; i++)
                reinclude |= ignore_patterns.v[i][0] == '!' &&
                             strncmp(ignore_patterns.v[i] + 1, rel, strlen(rel)) == 0;
            if (!reinclude)
                return FTW_SKIP_SUBTREE;
        }
        return mkdir(dst, st->st_mode & 07777) < 0 && errno != EEXIST ? FTW_STOP : FTW_CONTINUE;
    }
    if (skip)
        return FTW_CONTINUE;
    if (type == FTW_SL) {
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
            return FTW_STOP;
        target[n] = '\0';
        return symlink(target, dst) < 0 ? FTW_STOP : FTW_CONTINUE;
    }
    if (!S_ISREG(st->st_mode))
        return FTW_CONTINUE;
    /* cp's copy: streamed (a sparse file stays sparse), mode and times kept */
    int r = md_copy_path(-1, path, -1, dst, "the build context", &(struct cp_opts){0});
    if (r < 0)
        errno = -r;
    return r < 0 ? FTW_STOP : FTW_CONTINUE;
}

/* When the context has a .dockerignore, copy what it keeps to tmp. */
int bld_dockerignore(struct builder *b, const char *tmp)
{
    char *text = NULL;
    int r = bld_read_in_context(b->context, ".dockerignore", &text);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return err_wrap(r, ".dockerignore");
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *p = str_trim(l);
        if (!*p || *p == '#')
            continue;
        size_t size = strlen(p) + 2;
        char *pat = malloc(size);
        if (pat && bld_ignore_pattern(p, pat, size) == 0)
            strv_push(&ignore_patterns, pat);
        free(pat);
    }
    free(text);
    ignore_from = b->context;
    ignore_to = tmp;
    r = mkdir_p(tmp, 0700);
    if (r == 0 && nftw(b->context, copy_kept, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
        r = err_set(errno ? errno : EIO, "copy the build context");
    strv_free(&ignore_patterns);
    if (r == 0)
        snprintf(b->context, sizeof(b->context), "%s", tmp);
    return r;
}

/* ---------------------------------------------------------------------------
 * `minidock build -`: the context comes on stdin, as a tar (plain or
 * compressed), or stdin is the Dockerfile itself and the context is empty
 * (Docker tells them apart the same way: by the archive's magic bytes).
 * ------------------------------------------------------------------------- */

bool bld_is_archive(const char *path)
{
    unsigned char head[512];
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
    if (fd >= 0)
        close(fd);
    if (n < 6)
        return false;
    return (head[0] == 0x1f && head[1] == 0x8b) ||                    /* gzip */
           (head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') ||    /* bzip2 */
           (head[0] == 0xfd && memcmp(head + 1, "7zXZ", 4) == 0) ||   /* xz */
           (head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f) || /* zstd */
           (n >= 262 && memcmp(head + 257, "ustar", 5) == 0);         /* tar */
}

int bld_context_stdin(struct builder *b, const char *tmp, bool *dockerfile_only)
{
    char spool[PATH_MAX + 16], dir[PATH_MAX + 16];
    snprintf(spool, sizeof(spool), "%s/stdin", tmp);
    snprintf(dir, sizeof(dir), "%s/context", tmp);
    int r = mkdir_p(dir, 0700);
    int fd = r == 0 ? open(spool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (r == 0 && fd < 0)
        r = err_set(errno, "create %s", spool);
    int64_t max = 0, total = 0;
    if (r == 0)
        r = layer_max_size(&max);
    char buf[65536];
    ssize_t n = 0;
    while (r == 0 && (n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            r = err_set(errno, "read the build context from stdin");
        else if ((total += n) > max)
            r = err_setx(EFBIG, "the build context on stdin is bigger than %lld bytes (%s)",
                         (long long)max, LAYER_MAX_SIZE_ENV);
        else
            r = fd_write_all(fd, buf, (size_t)n);
    }
    if (fd >= 0)
        close(fd);
    if (r < 0)
        return r;
    *dockerfile_only = !bld_is_archive(spool);
    if (*dockerfile_only) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/Dockerfile", dir);
        if (rename(spool, path) < 0)
            return err_set(errno, "rename %s", spool);
    } else {
        r = layer_apply(spool, dir, LAYER_FLATTEN, NULL);
        unlink(spool);
        if (r < 0)
            return err_wrap(r, "the build context on stdin");
    }
    snprintf(b->context, sizeof(b->context), "%s", dir);
    return 0;
}

/* The RUN containers of builds that were killed (SIGKILL: no handler ran,
 * see build.c): their labels name a builder that is gone.  The containers
 * of a build that still runs, and those of no build, are left alone. */
static void sweep_run_containers(struct builder *b)
{
    struct ctr_list l;
    if (ctr_list_load(&b->cs, &l) < 0)
        return;
    for (size_t i = 0; i < l.n; i++) {
        struct ctr *c = &l.v[i];
        json_t *labels = json_object_get(json_object_get(c->doc, "Config"), "Labels");
        const char *pid = json_string_value(json_object_get(labels, BUILD_PID_LABEL));
        const char *start = json_string_value(json_object_get(labels, BUILD_START_LABEL));
        int64_t p, t = 0;
        if (!pid || str_to_i64(pid, 1, INT32_MAX, &p) < 0 ||
            (start && str_to_i64(start, 0, INT64_MAX, &t) < 0))
            continue;
        if (proc_alive((pid_t)p, t))
            continue;
        if (ctr_remove_force(b->g, &b->cs, c, true) < 0)
            log_warn("remove %.12s, the RUN container of a killed build: %s", c->id, err_msg());
    }
    ctr_list_free(&l);
    err_clear();
}

/* A build killed on the way leaves its scratch directories (tmp-PID,
 * context-PID, stdin-PID) in ROOT/build-cache, and perhaps the container of
 * the RUN step it was running: the next build removes those whose process
 * is gone.  Nothing is mounted there (the copies run in mount namespaces of
 * their own). */
void bld_sweep(struct builder *b)
{
    char dir[PATH_MAX];
    sweep_run_containers(b);
    snprintf(dir, sizeof(dir), "%s/build-cache", b->g->root);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *dash = strrchr(e->d_name, '-');
        if (!dash || !(str_has_prefix(e->d_name, "tmp-") || str_has_prefix(e->d_name, "context-") ||
                       str_has_prefix(e->d_name, "stdin-")))
            continue;
        char *end;
        long pid = strtol(dash + 1, &end, 10);
        if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        remove_tree(path);
    }
    if (d)
        closedir(d);
}

/* ---------------------------------------------------------------------------
 * Reading the Dockerfile and .dockerignore: regular files of reasonable size;
 * inside the context, resolved as if it were the root.
 * ------------------------------------------------------------------------- */

#define TEXT_MAX (16 << 20)

static int read_text_fd(int fd, const char *name, char **out)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return err_set(errno, "%s", name);
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
        return err_setx(EINVAL, "%s: not a regular file", name);
    size_t size = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        if (size + 4096 + 1 > cap) {
            if (cap > TEXT_MAX) {
                free(buf);
                return err_setx(EFBIG, "%s: bigger than %d MiB", name, TEXT_MAX >> 20);
            }
            char *more = realloc(buf, cap = cap ? cap * 2 : 8192);
            if (!more) {
                free(buf);
                return err_set(ENOMEM, "%s", name);
            }
            buf = more;
        }
        ssize_t n = read(fd, buf + size, cap - size - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return err_set(errno, "read %s", name);
        }
        if (n == 0)
            break;
        size += (size_t)n;
    }
    buf[size] = '\0';
    *out = buf;
    return 0;
}

int bld_read_in_context(const char *context, const char *rel, char **out)
{
    struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int root = open(context, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return err_set(errno, "%s", context);
    int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
    int r = fd < 0 ? -errno : 0;
    close(root);
    if (r == -ENOENT)
        return r; /* no message: a missing .dockerignore is no error */
    if (r < 0)
        return err_set(-r, "%s", rel);
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) /* no FIFO in a context */
        r = err_setx(EINVAL, "%s: not a regular file", rel);
    if (r == 0)
        r = read_text_fd(fd, rel, out);
    close(fd);
    return r;
}

int bld_read_file(const char *path, char **out)
{
    int fd = path ? open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0)
        return err_set(errno, "%s", path);
    int r = read_text_fd(fd, path ? path : "stdin", out);
    if (path)
        close(fd);
    return r;
}

/* The cache entries (ROOT/build-cache/<key>: an image ID) whose image is
 * gone: removed by image prune and system prune, so the cache does not grow
 * without end.  A build would only take them for misses. */
void bld_cache_gc(const char *root, struct image_store *st)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/build-cache", root);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strlen(e->d_name) != 64 || strspn(e->d_name, "0123456789abcdef") != 64)
            continue;
        char path[PATH_MAX + 80], *id = NULL;
        struct image img = {0};
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (file_read_all(path, &id, NULL) < 0)
            continue;
        if (image_lookup(st, str_trim(id), &img) == -ENOENT)
            unlink(path);
        image_free(&img);
        free(id);
    }
    if (d)
        closedir(d);
}
