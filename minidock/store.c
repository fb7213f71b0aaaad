/* store.c — where minidock keeps its containers (see store.h). */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "names.h"
#include "store.h"

int store_open(const char *root, struct store *s)
{
    snprintf(s->dir, sizeof(s->dir), "%s/containers", root);
    snprintf(s->names, sizeof(s->names), "%s/containers/.names", root);
    s->sync = true;
    int r = mkdir_p(s->names, 0700);
    return r < 0 ? err_wrap(r, "open the container store") : 0;
}

void store_path(const struct store *s, const char *id, const char *file, char *out, size_t size)
{
    snprintf(out, size, "%s/%s%s%s", s->dir, id, file ? "/" : "", file ? file : "");
}

void store_timestamp(char *buf, size_t size, double unix_time)
{
    time_t secs = (time_t)unix_time;
    long nsec = (long)((unix_time - (double)secs) * 1e9);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%09ldZ", base, nsec < 0 ? 0 : nsec);
}

int store_parse_timestamp(const char *text, double *unix_time)
{
    struct tm tm = {0};
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return err_setx(EINVAL, "invalid timestamp '%s'", text);
    double frac = 0;
    if (*rest == '.') {
        char *end;
        frac = strtod(rest, &end);
        rest = end;
    }
    if (strcmp(rest, "Z") != 0)
        return err_setx(EINVAL, "invalid timestamp '%s': expected UTC (Z)", text);
    *unix_time = (double)timegm(&tm) + frac;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int store_random_id(char id[STORE_ID_LEN + 1])
{
    unsigned char raw[STORE_ID_LEN / 2];
    if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
        return err_set(errno, "getrandom");
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* A name whose container directory is gone was left by an interrupted
 * `rm`: it is free again. */
static bool stale_name(const struct store *s, const char *link, char other[STORE_ID_LEN + 1])
{
    char dir[PATH_MAX];
    ssize_t n = readlink(link, other, STORE_ID_LEN);
    other[n > 0 ? n : 0] = '\0';
    store_path(s, other, NULL, dir, sizeof(dir));
    return n > 0 && !path_exists(dir);
}

/* Reserve a name: the symlink .names/<name> -> <id> exists or it does not.
 * A taken name is freed only when its container's directory is gone, which
 * store_create makes before the name; and only under a lock on .names, or
 * two of us could both find it stale and both take it. */
static int reserve_name(struct store *s, const char *name, const char *id)
{
    char link[PATH_MAX], other[STORE_ID_LEN + 1] = "";
    snprintf(link, sizeof(link), "%s/%s", s->names, name);
    if (symlink(id, link) == 0)
        return 0;
    if (errno != EEXIST)
        return err_set(errno, "reserve the name %s", name);
    int lock = open(s->names, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock < 0 || flock(lock, LOCK_EX) < 0) {
        int e = errno;
        if (lock >= 0)
            close(lock);
        return err_set(e, "lock %s", s->names);
    }
    bool taken = !(stale_name(s, link, other) && unlink(link) == 0 && symlink(id, link) == 0);
    close(lock);
    if (!taken)
        return 0;
    return err_setx(EEXIST,
                    "Conflict. The container name \"/%s\" is already in use by container "
                    "\"%s\". You have to remove (or rename) that container to be able to "
                    "reuse that name.",
                    name, other);
}

static int write_file(const struct store *s, const char *path, const char *text)
{
    return s->sync ? file_write_atomic(path, text, strlen(text), 0600)
                   : file_write_atomic_nosync(path, text, strlen(text), 0600);
}

int store_create(struct store *s, const char *name, char id[STORE_ID_LEN + 1], char *name_out,
                 size_t name_size)
{
    char dir[PATH_MAX], created[64];
    int r = store_random_id(id);
    if (r < 0)
        return r;
    if (name && !names_valid(name))
        return err_setx(EINVAL,
                        "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                        name);
    /* the directory before the name: a name without one is stale */
    store_path(s, id, NULL, dir, sizeof(dir));
    if (mkdir(dir, 0700) < 0)
        return err_set(errno, "mkdir %s", dir);
    if (name) {
        r = reserve_name(s, name, id);
        snprintf(name_out, name_size, "%s", name);
    } else {
        r = -EEXIST;
        for (unsigned attempt = 0; r == -EEXIST && attempt < 10; attempt++) {
            names_generate(name_out, name_size, attempt);
            r = reserve_name(s, name_out, id);
        }
    }
    if (r < 0) {
        remove_tree(dir);
        return r;
    }
    store_timestamp(created, sizeof(created), now());
    store_path(s, id, "created", dir, sizeof(dir));
    r = write_file(s, dir, created);
    if (r == 0)
        return 0;
    snprintf(dir, sizeof(dir), "%s/%s", s->names, name_out);
    unlink(dir);
    store_path(s, id, NULL, dir, sizeof(dir));
    remove_tree(dir);
    return r;
}

static bool is_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return false;
    return true;
}

int store_resolve(struct store *s, const char *ref, char id[STORE_ID_LEN + 1])
{
    char link[PATH_MAX];
    const char *name = ref[0] == '/' ? ref + 1 : ref;

    /* a name first, as Docker does */
    snprintf(link, sizeof(link), "%s/%s", s->names, name);
    ssize_t n = *name && !strchr(name, '/') ? readlink(link, id, STORE_ID_LEN) : -1;
    if (n == STORE_ID_LEN) {
        id[n] = '\0';
        return 0;
    }
    /* then an id or a unique prefix of one */
    int found = 0;
    if (is_hex(ref) && strlen(ref) <= STORE_ID_LEN) {
        DIR *d = opendir(s->dir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strlen(e->d_name) == STORE_ID_LEN && strncmp(e->d_name, ref, strlen(ref)) == 0) {
                if (found++ == 0)
                    snprintf(id, STORE_ID_LEN + 1, "%s", e->d_name);
            }
        }
        if (d)
            closedir(d);
    }
    if (found == 1)
        return 0;
    if (found > 1)
        return err_setx(EINVAL, "multiple IDs found with provided prefix: %s", ref);
    return err_setx(ENOENT, "No such container: %s", ref);
}

int store_read_json(const struct store *s, const char *id, const char *file, json_t **out)
{
    char path[PATH_MAX];
    json_error_t je;
    store_path(s, id, file, path, sizeof(path));
    *out = json_load_file(path, 0, &je);
    if (!*out)
        return err_setx(errno == ENOENT ? ENOENT : EINVAL, "read %s: %s", path, je.text);
    return 0;
}

int store_write_json(const struct store *s, const char *id, const char *file, json_t *doc)
{
    char path[PATH_MAX];
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (!text)
        return err_set(ENOMEM, "encode %s", file);
    store_path(s, id, file, path, sizeof(path));
    int r = write_file(s, path, text);
    free(text);
    return r;
}

int store_name_of(const struct store *s, const char *id, char *name, size_t size)
{
    DIR *d = opendir(s->names);
    struct dirent *e;
    int r = -ENOENT;
    while (d && (e = readdir(d))) {
        char link[PATH_MAX], target[STORE_ID_LEN + 1];
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "%s/%s", s->names, e->d_name);
        ssize_t n = readlink(link, target, STORE_ID_LEN);
        if (n == STORE_ID_LEN && strncmp(target, id, STORE_ID_LEN) == 0) {
            snprintf(name, size, "%s", e->d_name);
            r = 0;
            break;
        }
    }
    if (d)
        closedir(d);
    /* the message only on failure: callers look names up while an error
     * they want to report is in the slot */
    return r == 0 ? 0 : err_setx(ENOENT, "container %.12s has no name", id);
}

int store_lock(const struct store *s, const char *id, int *fd)
{
    char path[PATH_MAX];
    store_path(s, id, "lock", path, sizeof(path));
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return err_set(errno, "open %s", path);
    while (flock(*fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(*fd);
            return err_set(e, "lock %s", path);
        }
    }
    return 0;
}

void store_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* closing releases the flock */
}

int store_rename(struct store *s, const char *id, const char *new_name)
{
    char old[256], link[PATH_MAX];
    if (!names_valid(new_name))
        return err_setx(EINVAL,
                        "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                        new_name);
    int r = store_name_of(s, id, old, sizeof(old));
    if (r < 0)
        return r;
    if (strcmp(old, new_name) == 0)
        return err_setx(EINVAL, "Renaming a container with the same name as its current name");
    r = reserve_name(s, new_name, id);
    if (r < 0)
        return r;
    snprintf(link, sizeof(link), "%s/%s", s->names, old);
    unlink(link);
    return 0;
}

struct entry {
    char id[STORE_ID_LEN + 1];
    char created[64];
};

static int by_creation(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->created, y->created);
    return c ? c : strcmp(x->id, y->id);
}

int store_list(const struct store *s, strv_t *ids)
{
    DIR *d = opendir(s->dir);
    struct dirent *e;
    struct entry *v = NULL;
    size_t n = 0;
    int r = 0;
    if (!d)
        return err_set(errno, "open %s", s->dir);
    while ((e = readdir(d))) {
        if (strlen(e->d_name) != STORE_ID_LEN || !is_hex(e->d_name))
            continue;
        struct entry *bigger = realloc(v, (n + 1) * sizeof(*v));
        if (!bigger) {
            r = err_set(ENOMEM, "list containers");
            break;
        }
        v = bigger;
        snprintf(v[n].id, sizeof(v[n].id), "%s", e->d_name);
        char path[PATH_MAX];
        store_path(s, e->d_name, "created", path, sizeof(path));
        if (file_read_line(path, v[n].created, sizeof(v[n].created)) < 0)
            v[n].created[0] = '\0'; /* half-created: sorts first, still listed */
        n++;
    }
    closedir(d);
    qsort(v, n, sizeof(*v), by_creation);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = strv_push(ids, v[i].id);
    free(v);
    if (r == 0)
        err_clear(); /* a container still being created has no "created" yet */
    return r;
}

/* The directory is first renamed out of sight (atomic), so a removal that
 * is interrupted never leaves a half-deleted container in the list; its
 * name becomes stale, hence free. */
int store_retire(struct store *s, const char *id, char *trash, size_t size)
{
    char name[256], path[PATH_MAX];
    bool named = store_name_of(s, id, name, sizeof(name)) == 0;
    store_path(s, id, NULL, path, sizeof(path));
    snprintf(trash, size, "%s/.removing-%s", s->dir, id);
    if (rename(path, trash) < 0)
        return err_set(errno, "remove container %.12s", id);
    if (named) {
        snprintf(path, sizeof(path), "%s/%s", s->names, name);
        unlink(path);
    }
    return 0;
}

int store_remove(struct store *s, const char *id)
{
    char trash[PATH_MAX];
    int r = store_retire(s, id, trash, sizeof(trash));
    return r < 0 ? r : remove_tree(trash);
}
