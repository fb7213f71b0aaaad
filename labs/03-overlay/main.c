/* ovl — layered root file systems and volumes, by hand (lab 03).
 *
 *   ovl mount [--lower DIR]... [--upper DIR --work DIR] TARGET
 *   ovl umount TARGET
 *   ovl diff UPPER [--lower DIR]...
 *   ovl layer UPPER OUT.tar|-
 *   ovl volume create|inspect|rm NAME [--root DIR]
 *   ovl volume ls [--root DIR]
 *   ovl attach [--root DIR] [-v SPEC]... [--mount SPEC]... [--tmpfs SPEC]... ROOTFS
 *
 * mount leaves the overlay mounted (like the rootfs of a running container)
 * until `ovl umount`.  diff prints Docker's A/C/D lines, layer writes the
 * upper dir as an OCI layer tar.  volume manages named volumes under
 * ROOT/volumes (ROOT: --root, else $MINIDOCK_ROOT, else /var/lib/minidock).
 * attach does what `docker run` does with -v, --mount and --tmpfs, on a
 * directory standing for the container's root: create the named volumes,
 * fill new ones from ROOTFS, and mount everything under ROOTFS.
 *
 * A thin driver over overlay.c and volumes.c: parse, call, print.  Errors are
 * printed as "ovl: <context>: <cause>" with exit status 125.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "overlay.h"
#include "str.h"
#include "volumes.h"

#define EXIT_OVL     125 /* ovl's own errors, as Docker's */
#define DEFAULT_ROOT "/var/lib/minidock"
#define MAX_MOUNTS   64

static void usage(FILE *out)
{
    fprintf(out, "usage: ovl mount [--lower DIR]... [--upper DIR --work DIR] TARGET\n"
                 "       ovl umount TARGET\n"
                 "       ovl diff UPPER [--lower DIR]...        changes, as docker diff\n"
                 "       ovl layer UPPER OUT.tar|-              the upper dir as an OCI layer\n"
                 "       ovl volume create|inspect|rm NAME [--root DIR]\n"
                 "       ovl volume ls [--root DIR]\n"
                 "       ovl attach [--root DIR] [-v SPEC]... [--mount SPEC]... [--tmpfs SPEC]... "
                 "ROOTFS\n"
                 "\n"
                 "--lower is given top layer first, as overlayfs's lowerdir=.\n"
                 "ROOT: --root, else $MINIDOCK_ROOT, else " DEFAULT_ROOT ".\n");
}

/* Print the error slot; `return fail(err_wrap(ret, "context"))` reads as one step. */
static int fail(int ret)
{
    fprintf(stderr, "ovl: %s\n", err_msg());
    return EXIT_OVL;
}

/* ---- command lines ------------------------------------------------------------------------- */

/* What the verbs take: repeated --lower, one --upper/--work/--root, mount
 * specs, and positional arguments. */
struct args {
    const char *lowers[512];
    size_t n_lowers;
    const char *upper, *work, *root;
    char root_buf[PATH_MAX];
    struct vol_spec mounts[MAX_MOUNTS];
    size_t n_mounts;
    char *pos[4];
    int n_pos;
};

static void free_args(struct args *a)
{
    for (size_t i = 0; i < a->n_mounts; i++)
        vol_spec_free(&a->mounts[i]);
}

static int add_mount(struct args *a, const char *flag, const char *spec)
{
    struct vol_spec *m = &a->mounts[a->n_mounts];
    int ret;

    if (a->n_mounts == MAX_MOUNTS)
        return err_setx(E2BIG, "%s: more than %d mounts", flag, MAX_MOUNTS);
    if (strcmp(flag, "--mount") == 0)
        ret = vol_parse_mount(spec, m);
    else if (strcmp(flag, "--tmpfs") == 0)
        ret = vol_parse_tmpfs(spec, m);
    else
        ret = vol_parse_volume(spec, m);
    if (ret == 0)
        a->n_mounts++;
    return ret;
}

/* Is name one of the space-separated words of list? */
static bool word_in(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *w = list; *w; w += strcspn(w, " "), w += *w == ' ')
        if (n > 0 && strncmp(w, name, n) == 0 && (w[n] == ' ' || w[n] == '\0'))
            return true;
    return false;
}

/* Volume paths are shown to the user (inspect's Mountpoint): make ROOT absolute. */
static int absolute_root(struct args *a)
{
    char cwd[PATH_MAX];

    if (a->root[0] == '/')
        return 0;
    if (!getcwd(cwd, sizeof(cwd)))
        return err_set(errno, "current directory");
    if ((size_t)snprintf(a->root_buf, sizeof(a->root_buf), "%s/%s", cwd, a->root) >=
        sizeof(a->root_buf))
        return err_setx(ENAMETOOLONG, "--root %s: path too long", a->root);
    a->root = a->root_buf;
    return 0;
}

/* Parse argv; `allowed` lists the options of the verb ("lower upper ..."). */
static int parse_args(int argc, char **argv, const char *allowed, int min_pos, int max_pos,
                      struct args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *name = arg + strspn(arg, "-");
        if (arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->n_pos == max_pos)
                return err_setx(EINVAL, "unexpected argument '%s' (see ovl --help)", arg);
            a->pos[a->n_pos++] = argv[i];
            continue;
        }
        if (strcmp(arg, "-v") == 0)
            name = "volume";
        if (!word_in(allowed, name))
            return err_setx(EINVAL, "unknown option '%s' (see ovl --help)", arg);
        if (i + 1 >= argc)
            return err_setx(EINVAL, "option '%s' needs a value", arg);
        const char *value = argv[++i];
        if (strcmp(name, "lower") == 0) {
            if (a->n_lowers == sizeof(a->lowers) / sizeof(a->lowers[0]))
                return err_setx(E2BIG, "--lower: too many layers");
            a->lowers[a->n_lowers++] = value;
        } else if (strcmp(name, "upper") == 0) {
            a->upper = value;
        } else if (strcmp(name, "work") == 0) {
            a->work = value;
        } else if (strcmp(name, "root") == 0) {
            a->root = value;
        } else {
            int ret = add_mount(a, arg, value);
            if (ret < 0)
                return ret;
        }
    }
    if (a->n_pos < min_pos)
        return err_setx(EINVAL, "missing argument (see ovl --help)");
    if (!a->root)
        a->root = getenv("MINIDOCK_ROOT") && *getenv("MINIDOCK_ROOT") ? getenv("MINIDOCK_ROOT")
                                                                      : DEFAULT_ROOT;
    return absolute_root(a);
}

/* ---- overlay verbs ------------------------------------------------------------------------- */

static int cmd_mount(int argc, char **argv)
{
    struct args a = {0};
    int ret = parse_args(argc, argv, "lower upper work", 1, 1, &a);

    if (ret == 0 && a.n_lowers == 0)
        ret = err_setx(EINVAL, "at least one --lower DIR is needed");
    if (ret == 0 && (!a.upper) != (!a.work))
        ret = err_setx(EINVAL, "--upper and --work go together");
    if (ret == 0)
        ret = ovl_mount(a.lowers, a.n_lowers, a.upper, a.work, a.pos[0]);
    if (ret < 0)
        return fail(err_wrap(ret, "mount"));
    return 0;
}

static int cmd_umount(int argc, char **argv)
{
    struct args a = {0};
    int ret = parse_args(argc, argv, "", 1, 1, &a);

    if (ret == 0)
        ret = ovl_umount(a.pos[0]);
    return ret < 0 ? fail(err_wrap(ret, "umount")) : 0;
}

static int print_change(char kind, const char *path, void *arg)
{
    printf("%c %s\n", kind, path);
    return 0;
}

static int cmd_diff(int argc, char **argv)
{
    struct args a = {0};
    int ret = parse_args(argc, argv, "lower", 1, 1, &a);

    if (ret == 0)
        ret = ovl_diff(a.pos[0], a.lowers, a.n_lowers, print_change, NULL);
    return ret < 0 ? fail(err_wrap(ret, "diff %s", a.pos[0])) : 0;
}

static int cmd_layer(int argc, char **argv)
{
    struct args a = {0};
    int fd = STDOUT_FILENO, ret = parse_args(argc, argv, "", 2, 2, &a);

    if (ret < 0)
        return fail(err_wrap(ret, "layer"));
    if (strcmp(a.pos[1], "-") != 0) {
        fd = open(a.pos[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail(err_set(errno, "layer: create %s", a.pos[1]));
    }
    ret = ovl_write_layer(a.pos[0], fd);
    if (fd != STDOUT_FILENO && close(fd) < 0 && ret == 0)
        ret = err_set(errno, "close %s", a.pos[1]);
    if (ret < 0) {
        if (fd != STDOUT_FILENO)
            unlink(a.pos[1]); /* no half layer left behind */
        return fail(ret);
    }
    return 0;
}

/* ---- volume verbs -------------------------------------------------------------------------- */

/* JSON string (the root may hold anything). */
static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

/* Docker's `volume inspect` fields, for the local driver. */
static int inspect_volume(const char *root, const char *name)
{
    char data[PATH_MAX], created[64];
    struct stat st;
    int ret = vol_path(root, name, data, sizeof(data));

    if (ret < 0)
        return ret;
    if (stat(data, &st) < 0)
        return err_setx(ENOENT, "no such volume: %s", name);
    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&st.st_mtim.tv_sec));
    printf("[\n    {\n        \"CreatedAt\": \"%s\",\n        \"Driver\": \"local\",\n"
           "        \"Labels\": null,\n        \"Mountpoint\": ",
           created);
    print_json_string(data);
    printf(",\n        \"Name\": \"%s\",\n        \"Options\": null,\n"
           "        \"Scope\": \"local\"\n    }\n]\n",
           name);
    return 0;
}

static int cmd_volume(int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : "";
    struct args a = {0};
    strv_t names = {0};
    bool ls = strcmp(sub, "ls") == 0;
    int ret = parse_args(argc - (argc > 0), argv + (argc > 0), "root", ls ? 0 : 1, ls ? 0 : 1, &a);

    if (ret < 0)
        return fail(err_wrap(ret, "volume %s", sub));
    if (strcmp(sub, "create") == 0) {
        ret = vol_create(a.root, a.pos[0], NULL);
        if (ret == 0)
            printf("%s\n", a.pos[0]);
    } else if (strcmp(sub, "rm") == 0) {
        ret = vol_remove(a.root, a.pos[0]);
        if (ret == 0)
            printf("%s\n", a.pos[0]);
    } else if (strcmp(sub, "inspect") == 0) {
        ret = inspect_volume(a.root, a.pos[0]);
    } else if (ls) {
        ret = vol_list(a.root, &names);
        printf("DRIVER    VOLUME NAME\n");
        for (size_t i = 0; ret == 0 && i < names.len; i++)
            printf("local     %s\n", names.v[i]);
        strv_free(&names);
    } else {
        ret = err_setx(EINVAL, "unknown verb '%s' (create, ls, inspect or rm)", sub);
    }
    return ret < 0 ? fail(err_wrap(ret, "volume %s", sub)) : 0;
}

/* ---- attach: the container's mounts -------------------------------------------------------- */

/* The mount point inside the root: a directory, or an empty file for a
 * bind mount of a file.  (minidock resolves targets inside the root, as
 * layers are untrusted; here ROOTFS is yours.) */
static int make_mount_point(const char *path, const char *source)
{
    struct stat st;
    char parent[PATH_MAX];
    int ret;

    if (lstat(path, &st) == 0)
        return 0;
    if (source && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) {
        snprintf(parent, sizeof(parent), "%s", path);
        *strrchr(parent, '/') = '\0';
        if ((ret = mkdir_p(parent, 0755)) < 0)
            return ret;
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return err_set(errno, "create %s", path);
        close(fd);
        return 0;
    }
    return mkdir_p(path, 0755);
}

/* An anonymous volume gets a random 64-hex name, as Docker's. */
static int anonymous_name(char *buf, size_t size)
{
    unsigned char r[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

    if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
        if (fd >= 0)
            close(fd);
        return err_set(errno ? errno : EIO, "random volume name");
    }
    close(fd);
    for (size_t i = 0; i < sizeof(r) && 2 * i + 2 < size; i++)
        snprintf(buf + 2 * i, 3, "%02x", r[i]);
    return 0;
}

static int attach_volume(const char *root, struct vol_spec *m, const char *dst)
{
    char name[65], data[PATH_MAX];
    bool created = false;
    int ret = 0;

    if (!m->source && (ret = anonymous_name(name, sizeof(name))) == 0)
        m->source = strdup(name);
    if (ret == 0 && !m->source)
        ret = err_set(ENOMEM, "volume name");
    if (ret == 0)
        ret = vol_create(root, m->source, &created);
    if (ret == 0)
        ret = vol_path(root, m->source, data, sizeof(data));
    /* Docker fills an empty volume each time it is mounted, unless nocopy */
    if (ret == 0 && !m->nocopy)
        ret = vol_populate(data, dst);
    if (ret == 0)
        ret = vol_bind(data, dst, m->readonly);
    if (ret == 0)
        printf("volume %s%s -> %s%s\n", m->source, created ? " (new)" : "", dst,
               m->readonly ? " (ro)" : "");
    return ret;
}

static int attach_one(const char *root, const char *rootfs, struct vol_spec *m)
{
    char dst[PATH_MAX];
    int ret;

    snprintf(dst, sizeof(dst), "%s%s", rootfs, m->target);
    if (m->type == VOL_BIND && !path_exists(m->source))
        return err_setx(ENOENT, "bind source path does not exist: %s", m->source);
    ret = make_mount_point(dst, m->type == VOL_BIND ? m->source : NULL);
    if (ret < 0)
        return ret;
    switch (m->type) {
    case VOL_BIND:
        ret = vol_bind(m->source, dst, m->readonly);
        if (ret == 0)
            printf("bind %s -> %s%s\n", m->source, dst, m->readonly ? " (ro)" : "");
        return ret;
    case VOL_VOLUME:
        return attach_volume(root, m, dst);
    case VOL_TMPFS:
        ret = vol_tmpfs(dst, m->tmpfs_size, m->tmpfs_mode);
        if (ret == 0)
            printf("tmpfs -> %s\n", dst);
        return ret;
    default:
        return err_setx(EINVAL, "unknown mount type %d", (int)m->type);
    }
}

static int cmd_attach(int argc, char **argv)
{
    struct args a = {0};
    char rootfs[PATH_MAX];
    int ret = parse_args(argc, argv, "root volume mount tmpfs", 1, 1, &a);

    /* every spec is parsed before anything is mounted: a bad one changes nothing */
    if (ret == 0 && !realpath(a.pos[0], rootfs))
        ret = err_set(errno, "ROOTFS %s", a.pos[0]);
    for (size_t i = 0; ret == 0 && i < a.n_mounts; i++)
        ret = attach_one(a.root, rootfs, &a.mounts[i]);
    free_args(&a);
    return ret < 0 ? fail(err_wrap(ret, "attach")) : 0;
}

/* ---- main ---------------------------------------------------------------------------------- */

static const struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {"mount", cmd_mount}, {"umount", cmd_umount}, {"diff", cmd_diff},
    {"layer", cmd_layer}, {"volume", cmd_volume}, {"attach", cmd_attach},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_OVL : 0;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 2, argv + 2);
    return fail(err_setx(EINVAL, "unknown command '%s' (see ovl --help)", argv[1]));
}
