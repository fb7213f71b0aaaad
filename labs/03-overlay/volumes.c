/* volumes.c — data that outlives the container (lab 03).
 *
 * A container's writable layer dies with the container (docker rm), and it
 * is slow: every write goes through overlayfs's copy-up.  Data that matters
 * lives outside of it, mounted into the container's tree:
 *
 *   1. Read what the user asked for: -v, --mount and --tmpfs have three
 *      syntaxes for the same thing, parsed here into one struct vol_spec.
 *   2. Named volumes: a directory ROOT/volumes/<name>/_data that the engine
 *      manages, created on first use.
 *   3. A new, empty volume is filled with what the image holds at the mount
 *      path (so that `-v data:/var/lib/mysql` starts from the image's files).
 *   4. Bind mounts: the same directory seen at a second place; read-only
 *      needs a second step, or it does not hold.
 *   5. tmpfs: a file system in memory, with a size limit.
 *
 * The blocks marked LAB(3) are the parts you write in the student version.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "str.h"
#include "volumes.h"

#define TMPFS_DEFAULT_MODE 01777 /* like /tmp: everyone writes, only owners delete */
#define COPY_BUFSIZE       65536

/* ---- 1. Parsing -v, --mount and --tmpfs ---------------------------------------------------- */

void vol_spec_free(struct vol_spec *spec)
{
    free(spec->source);
    free(spec->target);
    memset(spec, 0, sizeof(*spec));
}

/* Record "<what> '<arg>': <why>", free the half-built spec, return -EINVAL. */
__attribute__((format(printf, 4, 5))) static int bad_spec(struct vol_spec *spec, const char *what,
                                                          const char *arg, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    vol_spec_free(spec);
    return err_setx(EINVAL, "%s '%s': %s", what, arg, why);
}

int vol_check_name(const char *name)
{
    size_t len = strlen(name);
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /* LAB(3): Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (and a file name: at most NAME_MAX) */
    if (len < 2 || len > NAME_MAX || !strchr(alnum, name[0]) ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
        return err_setx(EINVAL,
                        "invalid volume name '%s': use 2 or more letters, digits, '_', '.' or "
                        "'-', starting with a letter or a digit",
                        name);
    return 0;
    /* END LAB */
}

static int set_str(char **field, const char *s, size_t len)
{
    free(*field);
    *field = strndup(s, len);
    return *field ? 0 : err_set(ENOMEM, "mount specification");
}

/* The container side: absolute, and not the root itself. */
static const char *target_problem(const char *target)
{
    if (!target || !*target)
        return "the container path (target) is missing";
    if (target[0] != '/')
        return "the container path must be absolute";
    if (strspn(target, "/") == strlen(target))
        return "the container path cannot be '/'";
    /* "/data/../../etc" would leave the container's root once joined to it */
    for (const char *p = strstr(target, ".."); p; p = strstr(p + 2, ".."))
        if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
            return "the container path cannot contain '..'";
    return NULL;
}

/* -v options: "ro", "rw,nocopy", "z"... */
static int parse_volume_options(struct vol_spec *spec, const char *arg, const char *opts)
{
    bool ro = false, rw = false;
    const char *o = opts;

    while (*o) {
        size_t n = strcspn(o, ",");
        if (n == 2 && strncmp(o, "ro", 2) == 0)
            ro = true;
        else if (n == 2 && strncmp(o, "rw", 2) == 0)
            rw = true;
        else if (n == 6 && strncmp(o, "nocopy", 6) == 0)
            spec->nocopy = true;
        else if (!(n == 1 && (*o == 'z' || *o == 'Z'))) /* SELinux labels: nothing to do */
            return bad_spec(spec, "invalid volume specification", arg,
                            "unknown option '%.*s' (expected ro, rw or nocopy)", (int)n, o);
        o += n + (o[n] == ',');
    }
    if (ro && rw)
        return bad_spec(spec, "invalid volume specification", arg, "both ro and rw given");
    if (spec->nocopy && spec->type != VOL_VOLUME)
        return bad_spec(spec, "invalid volume specification", arg,
                        "nocopy only applies to a volume");
    spec->readonly = ro;
    return 0;
}

/* HOST or NAME: an absolute path is a bind mount, anything else must be a
 * volume name ("./data" is neither: Docker's CLI would make it absolute). */
static int parse_volume_source(struct vol_spec *spec, const char *arg, const char *src, size_t n)
{
    int ret = set_str(&spec->source, src, n);
    if (ret < 0)
        return ret;
    if (n == 0)
        return bad_spec(spec, "invalid volume specification", arg, "the source is empty");
    if (src[0] == '/') {
        spec->type = VOL_BIND;
        return 0;
    }
    spec->type = VOL_VOLUME;
    if (vol_check_name(spec->source) < 0)
        return bad_spec(spec, "invalid volume specification", arg,
                        "'%s' is neither an absolute host path nor a valid volume name",
                        spec->source);
    return 0;
}

int vol_parse_volume(const char *arg, struct vol_spec *spec)
{
    const char *colon1 = strchr(arg, ':'), *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
    const char *target = arg, *problem;
    int ret;

    memset(spec, 0, sizeof(*spec));
    if (colon2 && strchr(colon2 + 1, ':'))
        return bad_spec(spec, "invalid volume specification", arg,
                        "too many ':' (expected SOURCE:TARGET[:OPTIONS])");
    if (!colon1) {
        spec->type = VOL_VOLUME; /* "-v /data": an anonymous volume */
    } else {
        ret = parse_volume_source(spec, arg, arg, (size_t)(colon1 - arg));
        if (ret < 0)
            return ret;
        target = colon1 + 1;
    }
    ret = set_str(&spec->target, target, colon2 ? (size_t)(colon2 - target) : strlen(target));
    if (ret < 0)
        return ret;
    if ((problem = target_problem(spec->target)))
        return bad_spec(spec, "invalid volume specification", arg, "%s", problem);
    if (colon2)
        return parse_volume_options(spec, arg, colon2 + 1);
    return 0;
}

/* "true", "1", or no value at all mean true (--mount ...,readonly). */
static int parse_bool(const char *value, bool *out)
{
    if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
        *out = true;
    else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
        *out = false;
    else
        return -EINVAL;
    return 0;
}

static int parse_mode(const char *value, mode_t *out)
{
    char *end;
    errno = 0;
    unsigned long m = value ? strtoul(value, &end, 8) : 0;
    if (!value || !*value || *end || errno || m > 07777 || *value == '-')
        return -EINVAL;
    *out = (mode_t)m;
    return 0;
}

static int parse_type(const char *value, enum vol_type *type)
{
    if (value && strcmp(value, "bind") == 0)
        *type = VOL_BIND;
    else if (value && strcmp(value, "volume") == 0)
        *type = VOL_VOLUME;
    else if (value && strcmp(value, "tmpfs") == 0)
        *type = VOL_TMPFS;
    else
        return -EINVAL;
    return 0;
}

static bool key_is(const char *key, const char *a, const char *b, const char *c)
{
    return strcmp(key, a) == 0 || (b && strcmp(key, b) == 0) || (c && strcmp(key, c) == 0);
}

/* One "key=value" (or bare "key") of --mount.  *tmpfs_opts / *nocopy_set
 * remember options that only suit one type, checked once the type is known. */
static int parse_mount_field(struct vol_spec *spec, const char *arg, char *field, bool *tmpfs_opts,
                             bool *nocopy_set)
{
    char *value = strchr(field, '=');
    int ret = 0;

    if (value)
        *value++ = '\0';
    if (key_is(field, "type", NULL, NULL))
        ret = parse_type(value, &spec->type);
    else if (key_is(field, "source", "src", NULL))
        ret = value ? set_str(&spec->source, value, strlen(value)) : -EINVAL;
    else if (key_is(field, "target", "destination", "dst"))
        ret = value ? set_str(&spec->target, value, strlen(value)) : -EINVAL;
    else if (key_is(field, "readonly", "ro", NULL))
        ret = parse_bool(value, &spec->readonly);
    else if (key_is(field, "volume-nocopy", NULL, NULL))
        *nocopy_set = true, ret = parse_bool(value, &spec->nocopy);
    else if (key_is(field, "tmpfs-size", NULL, NULL))
        *tmpfs_opts = true, ret = value ? parse_size(value, &spec->tmpfs_size) : -EINVAL;
    else if (key_is(field, "tmpfs-mode", NULL, NULL))
        *tmpfs_opts = true, ret = parse_mode(value, &spec->tmpfs_mode);
    else
        return bad_spec(spec, "invalid --mount", arg, "unknown key '%s'", field);
    if (ret == -ENOMEM)
        return ret;
    if (ret < 0)
        return bad_spec(spec, "invalid --mount", arg, "invalid value '%s' for '%s'",
                        value ? value : "", field);
    return 0;
}

/* What a complete --mount must satisfy, once every field is read. */
static const char *mount_problem(const struct vol_spec *spec, bool tmpfs_opts, bool nocopy_set)
{
    const char *problem = target_problem(spec->target);
    if (problem)
        return problem;
    if (spec->type == VOL_BIND && (!spec->source || spec->source[0] != '/'))
        return "a bind mount needs an absolute source path";
    if (spec->type == VOL_VOLUME && spec->source && vol_check_name(spec->source) < 0)
        return "the source is not a valid volume name";
    if (spec->type == VOL_TMPFS && spec->source)
        return "a tmpfs mount takes no source";
    if (spec->type == VOL_TMPFS && spec->readonly)
        return "a read-only tmpfs would stay empty";
    if (spec->type != VOL_TMPFS && tmpfs_opts)
        return "tmpfs-size and tmpfs-mode need type=tmpfs";
    if (spec->type != VOL_VOLUME && nocopy_set)
        return "volume-nocopy needs type=volume";
    return NULL;
}

int vol_parse_mount(const char *arg, struct vol_spec *spec)
{
    bool tmpfs_opts = false, nocopy_set = false;
    char *copy = strdup(arg), *save = NULL;
    const char *problem;
    int ret = 0;

    memset(spec, 0, sizeof(*spec));
    if (!copy)
        return err_set(ENOMEM, "--mount");
    spec->type = VOL_VOLUME; /* Docker's default */
    for (char *f = strtok_r(copy, ",", &save); ret == 0 && f; f = strtok_r(NULL, ",", &save))
        ret = parse_mount_field(spec, arg, f, &tmpfs_opts, &nocopy_set);
    free(copy);
    if (ret < 0)
        return ret;
    if (spec->source && !*spec->source) {
        free(spec->source);
        spec->source = NULL;
    }
    if ((problem = mount_problem(spec, tmpfs_opts, nocopy_set)))
        return bad_spec(spec, "invalid --mount", arg, "%s", problem);
    return 0;
}

/* --tmpfs options: "size=64m,mode=1777" (and "rw", the default). */
static int parse_tmpfs_option(struct vol_spec *spec, const char *arg, char *opt)
{
    int ret;
    if (str_has_prefix(opt, "size="))
        ret = parse_size(opt + 5, &spec->tmpfs_size);
    else if (str_has_prefix(opt, "mode="))
        ret = parse_mode(opt + 5, &spec->tmpfs_mode);
    else if (strcmp(opt, "rw") == 0)
        ret = 0;
    else if (strcmp(opt, "ro") == 0)
        return bad_spec(spec, "invalid --tmpfs", arg, "a read-only tmpfs would stay empty");
    else
        return bad_spec(spec, "invalid --tmpfs", arg,
                        "unknown option '%s' (expected size=SIZE, mode=OCTAL or rw)", opt);
    if (ret < 0)
        return bad_spec(spec, "invalid --tmpfs", arg, "invalid value in '%s'", opt);
    return 0;
}

int vol_parse_tmpfs(const char *arg, struct vol_spec *spec)
{
    const char *colon = strchr(arg, ':'), *problem;
    char *opts = NULL, *save = NULL;
    int ret;

    memset(spec, 0, sizeof(*spec));
    spec->type = VOL_TMPFS;
    ret = set_str(&spec->target, arg, colon ? (size_t)(colon - arg) : strlen(arg));
    if (ret < 0)
        return ret;
    if ((problem = target_problem(spec->target)))
        return bad_spec(spec, "invalid --tmpfs", arg, "%s", problem);
    if (!colon)
        return 0;
    if (!(opts = strdup(colon + 1))) {
        vol_spec_free(spec);
        return err_set(ENOMEM, "--tmpfs");
    }
    for (char *o = strtok_r(opts, ",", &save); ret == 0 && o; o = strtok_r(NULL, ",", &save))
        ret = parse_tmpfs_option(spec, arg, o);
    free(opts);
    return ret;
}

/* ---- 2. Named volumes ---------------------------------------------------------------------- */

int vol_path(const char *root, const char *name, char *buf, size_t size)
{
    int ret = vol_check_name(name);
    if (ret < 0)
        return ret;
    if ((size_t)snprintf(buf, size, "%s/volumes/%s/_data", root, name) >= size)
        return err_setx(ENAMETOOLONG, "volume path under %s: too long", root);
    return 0;
}

int vol_create(const char *root, const char *name, bool *created)
{
    char dir[PATH_MAX], data[PATH_MAX];
    int ret = vol_path(root, name, data, sizeof(data));

    if (ret < 0)
        return ret;
    snprintf(dir, sizeof(dir), "%s/volumes", root);
    if ((ret = mkdir_p(dir, 0701)) < 0) /* 0701: others may pass, not list the names */
        return err_wrap(ret, "create volume %s", name);
    snprintf(dir, sizeof(dir), "%s/volumes/%s", root, name);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return err_set(errno, "create volume %s: mkdir %s", name, dir);
    if (mkdir(data, 0755) == 0) {
        if (created)
            *created = true;
        return 0;
    }
    if (errno != EEXIST)
        return err_set(errno, "create volume %s: mkdir %s", name, data);
    if (created)
        *created = false;
    return 0;
}

int vol_remove(const char *root, const char *name)
{
    char dir[PATH_MAX];
    int ret = vol_check_name(name);

    if (ret < 0)
        return ret;
    snprintf(dir, sizeof(dir), "%s/volumes/%s", root, name);
    if (!path_exists(dir))
        return err_setx(ENOENT, "no such volume: %s", name);
    ret = remove_tree(dir);
    return ret < 0 ? err_wrap(ret, "remove volume %s", name) : 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vol_list(const char *root, strv_t *names)
{
    char dir[PATH_MAX], data[PATH_MAX];
    struct dirent *de;
    size_t first = names->len;
    DIR *d;

    snprintf(dir, sizeof(dir), "%s/volumes", root);
    if (!(d = opendir(dir)))
        return errno == ENOENT ? 0 : err_set(errno, "list volumes in %s", dir);
    while ((de = readdir(d))) {
        struct stat st;
        snprintf(data, sizeof(data), "%s/%s/_data", dir, de->d_name);
        if (de->d_name[0] == '.' || stat(data, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (strv_push(names, de->d_name) < 0) {
            closedir(d);
            return err_set(ENOMEM, "list volumes");
        }
    }
    closedir(d);
    qsort(names->v + first, names->len - first, sizeof(char *), compare_names);
    return 0;
}

/* ---- 3. Filling a new volume from the image ------------------------------------------------ */

int vol_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int empty = 1;

    if (!d)
        return err_set(errno, "open %s", dir);
    while (empty && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

static int copy_tree(const char *from, const char *to);

/* Owner, then mode (chown clears setuid bits), then times: in that order. */
static int copy_metadata(const char *to, const struct stat *st)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};

    if (lchown(to, st->st_uid, st->st_gid) < 0)
        return err_set(errno, "chown %s", to);
    if (!S_ISLNK(st->st_mode) && chmod(to, st->st_mode & 07777) < 0)
        return err_set(errno, "chmod %s", to);
    if (utimensat(AT_FDCWD, to, times, AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "set times of %s", to);
    return 0;
}

static int copy_file(const char *from, const char *to)
{
    char buf[COPY_BUFSIZE];
    ssize_t n = 0;
    int ret = 0, in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1;

    if (in < 0)
        return err_set(errno, "open %s", from);
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0)
        ret = err_set(errno, "create %s", to);
    while (ret == 0 && (n = read(in, buf, sizeof(buf))) > 0)
        ret = fd_write_all(out, buf, (size_t)n) < 0 ? err_set(errno, "write %s", to) : 0;
    if (ret == 0 && n < 0)
        ret = err_set(errno, "read %s", from);
    close(in);
    if (out >= 0)
        close(out);
    return ret;
}

/* One entry of the image's directory, copied into the volume. */
static int copy_entry(const char *from, const char *to)
{
    char target[PATH_MAX];
    struct stat st;
    int ret = 0;

    if (lstat(from, &st) < 0)
        return err_set(errno, "stat %s", from);
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(to, 0700) < 0)
            return err_set(errno, "mkdir %s", to);
        ret = copy_tree(from, to);
    } else if (S_ISREG(st.st_mode)) {
        ret = copy_file(from, to);
    } else if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(from, target, sizeof(target) - 1);
        if (n < 0)
            return err_set(errno, "readlink %s", from);
        target[n] = '\0';
        if (symlink(target, to) < 0)
            return err_set(errno, "symlink %s", to);
    } else if (mknod(to, st.st_mode, st.st_rdev) < 0) { /* fifos, devices */
        return err_set(errno, "mknod %s", to);
    }
    return ret < 0 ? ret : copy_metadata(to, &st);
}

static int copy_tree(const char *from, const char *to)
{
    char src[PATH_MAX], dst[PATH_MAX];
    struct dirent *de;
    int ret = 0;
    DIR *d = opendir(from);

    if (!d)
        return err_set(errno, "open %s", from);
    while (ret == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(src, sizeof(src), "%s/%s", from, de->d_name);
        snprintf(dst, sizeof(dst), "%s/%s", to, de->d_name);
        ret = copy_entry(src, dst);
    }
    closedir(d);
    return ret;
}

int vol_populate(const char *data, const char *from)
{
    struct stat st;
    int ret;

    if (lstat(from, &st) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "stat %s", from);
    if (!S_ISDIR(st.st_mode))
        return 0; /* a file in the image: Docker copies nothing either */
    ret = vol_is_empty(data);
    if (ret <= 0)
        return ret;
    /* LAB(3): copy the image's directory into the volume, and its owner and mode to the volume */
    ret = copy_tree(from, data);
    if (ret == 0)
        ret = copy_metadata(data, &st);
    return ret < 0 ? err_wrap(ret, "fill volume from %s", from) : 0;
    /* END LAB */
}

/* ---- 4. Bind mounts ------------------------------------------------------------------------ */

/* The flags a read-only remount must keep.  The kernel refuses to clear
 * nosuid, nodev, noexec or atime flags that a less privileged mount namespace
 * inherited "locked" (EPERM), and we do not want to clear them anyway. */
static int kept_flags(const char *path, unsigned long *flags)
{
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
        return err_set(errno, "statvfs %s", path);
    *flags = 0;
    if (sv.f_flag & ST_NOSUID)
        *flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        *flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        *flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME)
        *flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME)
        *flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME)
        *flags |= MS_RELATIME;
    return 0;
}

/* A remount changes one mount only: the mounts under dst (brought along by
 * MS_REC) would stay writable.  mount_setattr(2) (Linux 5.12) sets the flag
 * on the whole tree at once; on an older kernel only the top is read-only. */
static int make_tree_readonly(const char *dst)
{
#ifdef SYS_mount_setattr
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, AT_FDCWD, dst, AT_RECURSIVE, &attr, sizeof(attr)) < 0 &&
        errno != ENOSYS)
        return err_set(errno, "make the mounts under %s read-only", dst);
#endif
    return 0;
}

/* MS_BIND|MS_RDONLY in one call is silently ignored: the read-only flag of a
 * bind mount is set by a second call, a remount of the new mount. */
static int remount_readonly(const char *dst)
{
    unsigned long flags = 0;
    int ret = kept_flags(dst, &flags);
    if (ret < 0)
        return ret;
    /* LAB(3): remount dst with MS_REMOUNT | MS_BIND | MS_RDONLY, keeping flags */
    if (mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, NULL) < 0)
        return err_set(errno, "remount %s read-only", dst);
    return make_tree_readonly(dst);
    /* END LAB */
}

int vol_bind(const char *src, const char *dst, bool readonly)
{
    int ret;

    /* LAB(3): bind src on dst, with the mounts below src (MS_BIND | MS_REC) */
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return err_set(errno, "bind %s on %s", src, dst);
    /* END LAB */
    if (!readonly)
        return 0;
    ret = remount_readonly(dst);
    if (ret < 0)
        umount2(dst, MNT_DETACH); /* never leave a writable mount that should not be */
    return ret;
}

/* ---- 5. tmpfs ------------------------------------------------------------------------------ */

int vol_tmpfs(const char *dst, int64_t size, mode_t mode)
{
    char options[64];
    int n = snprintf(options, sizeof(options), "mode=%o", mode ? (unsigned)mode : 01777u);

    if (size < 0)
        return err_setx(EINVAL, "tmpfs on %s: negative size", dst);
    if (size > 0)
        snprintf(options + n, sizeof(options) - (size_t)n, ",size=%" PRId64, size);
    /* LAB(3): mount a "tmpfs" on dst, nosuid, nodev and noexec, with these options */
    if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options) < 0)
        return err_set(errno, "mount tmpfs on %s (%s)", dst, options);
    return 0;
    /* END LAB */
}
