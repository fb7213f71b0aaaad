/* ctrfs.c — the verbs that read or write a container's file system: diff,
 * commit, cp and export.
 *
 * A container's files are an overlay: the image's layers (read-only, in
 * ROOT/layers) under the container's own upper/ directory, where every change
 * lands (lab 03).  The four verbs look at that stack in two ways:
 *
 *   1. upper/ alone is "what changed": diff lists it (ovl_diff), commit turns
 *      it into a new layer on top of the image's (lab 04's layer_create).
 *   2. The merged view is "what the container sees": cp and export need it.
 *      A running container's overlay is mounted in its monitor's private mount
 *      namespace, not on the host: we reach it as /proc/PID/root.  For a
 *      stopped container we mount the overlay ourselves, in a private mount
 *      namespace of our own, so nothing shows on the host and the kernel
 *      unmounts it when we exit, even if we are killed.
 *
 * The container's tree is untrusted: its symlinks may point anywhere.  Every
 * path inside it is resolved with openat2(RESOLVE_IN_ROOT), which treats the
 * container's root as "/" (an absolute symlink or ".." cannot leave it), and
 * every entry below is opened with O_NOFOLLOW, relative to its parent's file
 * descriptor: the copy never follows a name the container chose.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "changes.h"
#include "container.h"
#include "copy.h"
#include "err.h"
#include "file.h"
#include "image.h"
#include "layer.h"
#include "minidock.h"
#include "overlay.h"
#include "parents.h"
#include "str.h"

/* ---- 0. Shared steps ------------------------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int need_args(const char *verb, int argc, int min, int max)
{
    if (argc - optind >= min && (max < 0 || argc - optind <= max))
        return 0;
    if (max == min)
        fprintf(stderr, "minidock: \"%s\" requires exactly %d argument%s.\n", verb, min,
                min > 1 ? "s" : "");
    else
        fprintf(stderr, "minidock: \"%s\" requires at least %d and at most %d arguments.\n", verb,
                min, max);
    fprintf(stderr, "See 'minidock %s --help'.\n", verb);
    return 125;
}

/* A getopt '?' in Docker's words. */
static int bad_flag(const char *verb, char **argv)
{
    fprintf(stderr, "minidock: unknown flag: %s\nSee 'minidock %s --help'.\n", argv[optind - 1],
            verb);
    return 125;
}

/* A --rootfs container has no image and so no layers: nothing to diff or commit. */
static int require_image(const struct ctr *c)
{
    const char *image = jstr(c->doc, "Image");
    if (image && image[0])
        return 0;
    return err_setx(
        EINVAL, "container %.12s runs on a plain directory (--rootfs): it has no layers", c->id);
}

/* The image's layer directories, top first as overlayfs's lowerdir= wants them. */
static int lowers_top_first(const struct md_global *g, const struct ctr *c, strv_t *dirs,
                            const char ***lowers)
{
    int r = ctr_layer_dirs(g, c, dirs);
    if (r < 0)
        return r;
    *lowers = calloc(dirs->len + 1, sizeof(**lowers));
    if (!*lowers)
        return err_set(ENOMEM, "layers of %.12s", c->id);
    for (size_t i = 0; i < dirs->len; i++)
        (*lowers)[i] = dirs->v[dirs->len - 1 - i];
    return 0;
}

/* The live pid 1 of a running container, or 0. */
static pid_t live_pid(const struct ctr *c)
{
    pid_t pid = (pid_t)json_integer_value(json_object_get(c->state, "Pid"));
    long long start = json_integer_value(json_object_get(c->state, "PidStart"));
    return pid > 0 && proc_alive(pid, start) ? pid : 0;
}

/* Mount a stopped container's overlay on its rootfs/ directory, in a mount
 * namespace of our own: made private first, so the mount does not propagate
 * back to the host's namespace. */
static int mount_stopped(const struct md_global *g, const struct ctr *c, char *rootfs, size_t size)
{
    char upper[PATH_MAX + 8], work[PATH_MAX + 8];
    strv_t dirs = {0};
    const char **lowers = NULL;
    if (unshare(CLONE_NEWNS) < 0)
        return err_set(errno, "unshare the mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return err_set(errno, "make / private");
    snprintf(rootfs, size, "%s/rootfs", c->dir);
    snprintf(upper, sizeof(upper), "%s/upper", c->dir);
    snprintf(work, sizeof(work), "%s/work", c->dir);
    int r = lowers_top_first(g, c, &dirs, &lowers);
    if (r == 0 && mkdir(rootfs, 0700) < 0 && errno != EEXIST)
        r = err_set(errno, "mkdir %s", rootfs);
    if (r == 0)
        r = ovl_mount(lowers, dirs.len, upper, work, rootfs);
    free(lowers);
    strv_free(&dirs);
    return r;
}

/* An O_PATH descriptor of the container's merged root: /proc/PID/root when it
 * runs, else its overlay mounted privately (or its --rootfs directory).
 * Volumes of a stopped container are not mounted: cp and export see the
 * container's own files only. */
static int open_root(const struct md_global *g, const struct ctr *c, int *rootfd)
{
    char path[PATH_MAX + 16];
    const char *plain = jstr(json_object_get(c->doc, "Minidock"), "Rootfs");
    pid_t pid = 0;
    int r = 0;
    if (ctr_is_running(c)) {
        pid = live_pid(c);
        if (!pid)
            return err_setx(EAGAIN, "container %.12s is starting or restarting: try again", c->id);
        snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
    } else if (plain && plain[0]) {
        snprintf(path, sizeof(path), "%s", plain);
    } else if ((r = mount_stopped(g, c, path, sizeof(path))) < 0) {
        return r;
    }
    *rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*rootfd < 0)
        return err_set(errno, "open the root of %.12s", c->id);
    /* the pid may have been recycled between the check and the open */
    if (pid && live_pid(c) != pid) {
        close(*rootfd);
        return err_setx(ESRCH, "container %.12s stopped", c->id);
    }
    return 0;
}

/* ---- 1. diff --------------------------------------------------------------------------------- */

static int print_change(char kind, const char *path, void *arg)
{
    (void)arg;
    printf("%c %s\n", kind, path);
    return 0;
}

int cmd_diff(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    struct ctr c = {0};
    strv_t dirs = {0};
    const char **lowers = NULL;
    char upper[PATH_MAX + 8];
    int code = 125;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage:  minidock diff CONTAINER\n\n"
               "Inspect changes to files or directories on a container's filesystem\n");
        return 0;
    }
    optind = 1;
    if (need_args("diff", argc, 1, 1))
        return 125;
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[1], &c) < 0)
        return md_fail(NULL);
    snprintf(upper, sizeof(upper), "%s/upper", c.dir);
    if (require_image(&c) < 0 || lowers_top_first(g, &c, &dirs, &lowers) < 0 ||
        ovl_diff(upper, lowers, dirs.len, print_change, NULL) < 0)
        code = md_fail("diff");
    else
        code = 0;
    free(lowers);
    strv_free(&dirs);
    ctr_free(&c);
    return code;
}

/* ---- 2. commit ------------------------------------------------------------------------------- */

struct commit_opts {
    const char *message, *author;
    bool pause;
    json_t *user; /* the config the -c instructions set */
    const char *ref;
};

/* The fields of the container's Config that Docker's commit keeps. */
static const char *const kept_fields[] = {
    "Cmd",          "Entrypoint", "Env",     "WorkingDir", "User",
    "ExposedPorts", "Labels",     "Volumes", "StopSignal",
};

/* Merge the -c settings over the container's: Env by variable, the maps by
 * key, the rest replaced.  An ENTRYPOINT without a CMD drops the old CMD. */
static int merge_user(json_t *settings, json_t *user)
{
    const char *key;
    json_t *v;
    json_object_foreach(user, key, v)
    {
        json_t *old = json_object_get(settings, key);
        if (!strcmp(key, "Env") && json_is_array(old)) {
            strv_t env = {0};
            size_t i;
            json_t *e;
            json_array_foreach(old, i, e) strv_push(&env, json_string_value(e));
            json_array_foreach(v, i, e) strv_env_set(&env, json_string_value(e));
            json_t *out = json_array();
            for (i = 0; i < env.len; i++)
                json_array_append_new(out, json_string(env.v[i]));
            json_object_set_new(settings, key, out);
            strv_free(&env);
        } else if (json_is_object(v) && json_is_object(old)) {
            json_object_update(old, v);
        } else {
            json_object_set(settings, key, v);
        }
    }
    if (json_object_get(user, "Entrypoint") && !json_object_get(user, "Cmd"))
        json_object_del(settings, "Cmd");
    return 0;
}

/* Docker's history line for a commit: the container's command. */
static char *created_by(const struct ctr *c)
{
    json_t *cmd = json_object_get(json_object_get(c->doc, "Config"), "Cmd"), *v;
    char *text = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    if (json_array_size(cmd)) {
        json_array_foreach(cmd, i, v) fprintf(f, "%s%s", i ? " " : "", json_string_value(v));
    } else {
        fprintf(f, "%s", jstr(c->doc, "Path") ? jstr(c->doc, "Path") : "");
        json_array_foreach(json_object_get(c->doc, "Args"), i, v)
            fprintf(f, " %s", json_string_value(v));
    }
    fclose(f);
    return text;
}

/* The new image's config: the image's, with the container's Config, the -c
 * changes, and one more history entry. */
static json_t *commit_config(const json_t *base, const struct ctr *c, const struct commit_opts *o)
{
    char created[64];
    struct timespec now;
    json_t *cfg = json_deep_copy(base);
    json_t *ccfg = json_object_get(c->doc, "Config");
    char *by = created_by(c);
    if (!cfg || !by)
        goto fail;
    json_t *settings = json_object_get(cfg, "config");
    if (!json_is_object(settings))
        json_object_set_new(cfg, "config", settings = json_object());
    for (size_t i = 0; i < sizeof(kept_fields) / sizeof(kept_fields[0]); i++) {
        json_t *v = json_object_get(ccfg, kept_fields[i]);
        if (v && !json_is_null(v))
            json_object_set(settings, kept_fields[i], v);
        else if (v)
            json_object_del(settings, kept_fields[i]);
    }
    merge_user(settings, o->user);
    clock_gettime(CLOCK_REALTIME, &now);
    store_timestamp(created, sizeof(created), (double)now.tv_sec + now.tv_nsec / 1e9);
    json_object_set_new(cfg, "created", json_string(created));
    json_object_set_new(cfg, "container", json_string(c->id));
    json_object_del(cfg, "author");
    json_object_del(cfg, "comment");
    json_t *entry = json_pack("{s:s, s:s}", "created", created, "created_by", by);
    if (o->author) {
        json_object_set_new(cfg, "author", json_string(o->author));
        json_object_set_new(entry, "author", json_string(o->author));
    }
    if (o->message) {
        json_object_set_new(cfg, "comment", json_string(o->message));
        json_object_set_new(entry, "comment", json_string(o->message));
    }
    json_t *history = json_object_get(cfg, "history");
    if (!json_is_array(history))
        json_object_set_new(cfg, "history", history = json_array());
    json_array_append_new(history, entry);
    free(by);
    return cfg;
fail:
    free(by);
    json_decref(cfg);
    return NULL;
}

/* Freeze a running container for the time of the commit (lab 02's freezer),
 * so that its upper is not changing while we read it.  *cg stays NULL when
 * there is nothing to thaw afterwards. */
static int pause_for_commit(const struct ctr *c, struct cgroup **cg)
{
    struct cg_host host;
    char name[128];
    *cg = NULL;
    if (strcmp(ctr_status(c), "running") != 0)
        return 0; /* stopped, or paused by the user: leave it as it is */
    ctr_cgroup_name(c->id, name, sizeof(name));
    int r = cg_detect(&host);
    if (r == 0)
        r = cg_open(&host, name, cg);
    if (r == 0 && (r = cg_freeze(*cg, true)) < 0) {
        cg_free(*cg);
        *cg = NULL;
    }
    return r < 0 ? err_wrap(r, "pause %.12s", c->id) : 0;
}

static void unpause_after_commit(struct cgroup *cg)
{
    if (!cg)
        return;
    cg_freeze(cg, false);
    cg_free(cg);
}

/* upper/ as a new layer blob, stored under its digest.  The caller holds the
 * store's lock: no gc may collect the blob before image_add() references it. */
int md_store_upper_layer(const struct md_global *g, struct image_store *st, const char *upper,
                         struct layer_info *info)
{
    char tmp[PATH_MAX + 64];
    /* ".tmp-" in the blob directory: gc leaves a writer's files alone */
    snprintf(tmp, sizeof(tmp), "%s/images/blobs/sha256/.tmp-commit-%d", g->root, (int)getpid());
    int r = layer_create(upper, LAYER_FROM_UPPER, tmp, info);
    if (r == 0)
        r = image_blob_put_file(st, tmp, info->digest);
    if (r < 0)
        unlink(tmp);
    return r;
}

static int commit(const struct md_global *g, struct ctr *c, const struct commit_opts *o,
                  char id[LAYER_DIGEST_LEN])
{
    struct image_store *st = NULL;
    struct image img = {0};
    struct cgroup *cg = NULL;
    struct layer_info *layers = NULL;
    json_t *base = NULL, *cfg = NULL;
    bool locked = false;
    int r = require_image(c);
    if (r == 0)
        r = image_store_open(g->root, &st);
    if (r == 0)
        r = image_lookup(st, jstr(c->doc, "Image"), &img);
    if (r == 0)
        r = image_config(st, &img, &base);
    if (r == 0 && !(layers = calloc(img.nlayers + 1, sizeof(*layers))))
        r = err_set(ENOMEM, "commit");
    if (r == 0 && o->pause)
        r = pause_for_commit(c, &cg);
    if (r == 0 && (r = image_store_lock(st)) == 0)
        locked = true;
    char upper[PATH_MAX + 8];
    snprintf(upper, sizeof(upper), "%s/upper", c->dir);
    if (r == 0)
        r = md_store_upper_layer(g, st, upper, &layers[img.nlayers]);
    unpause_after_commit(cg);
    if (r == 0 && !(cfg = commit_config(base, c, o)))
        r = err_set(ENOMEM, "make the image config");
    for (size_t i = 0; r == 0 && i < img.nlayers; i++)
        layers[i] = img.layers[i];
    if (r == 0)
        r = image_add(st, cfg, layers, img.nlayers + 1, o->ref, id);
    if (r == 0) /* as Docker: the container's image is the new image's parent */
        r = md_parent_set(g->root, id, img.id);
    if (locked)
        image_store_unlock(st);
    json_decref(cfg);
    json_decref(base);
    free(layers);
    image_free(&img);
    image_store_close(st);
    return r;
}

static int commit_usage(void)
{
    printf("Usage:  minidock commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n\n"
           "Create a new image from a container's changes\n\nOptions:\n"
           "  -a, --author string    Author (e.g., \"John Hannibal Smith "
           "<hannibal@a-team.com>\")\n"
           "  -c, --change list      Apply Dockerfile instruction to the created image\n"
           "  -m, --message string   Commit message\n"
           "  -p, --pause            Pause container during commit (default true)\n");
    return 0;
}

/* -p, --pause, --pause=true|false */
static int parse_pause(const char *arg, bool *pause)
{
    if (!arg || !strcmp(arg, "true") || !strcmp(arg, "1"))
        *pause = true;
    else if (!strcmp(arg, "false") || !strcmp(arg, "0"))
        *pause = false;
    else
        return err_setx(EINVAL, "invalid argument \"%s\" for \"-p, --pause\" flag", arg);
    return 0;
}

int cmd_commit(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"author", required_argument, NULL, 'a'},  {"change", required_argument, NULL, 'c'},
        {"message", required_argument, NULL, 'm'}, {"pause", optional_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},          {0},
    };
    struct commit_opts o = {.pause = true, .user = json_object()};
    struct store s;
    struct ctr c = {0};
    struct image_ref ref;
    char id[LAYER_DIGEST_LEN];
    int opt, code = 125;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "a:c:m:ph", opts, NULL)) != -1) {
        if (opt == 'h') {
            code = commit_usage();
            goto out;
        }
        if (opt == '?') {
            code = bad_flag("commit", argv);
            goto out;
        }
        if ((opt == 'c' && change_apply(o.user, optarg) < 0) ||
            (opt == 'p' && parse_pause(optarg, &o.pause) < 0))
            goto fail;
        if (opt == 'a')
            o.author = optarg;
        if (opt == 'm')
            o.message = optarg;
    }
    if ((code = need_args("commit", argc, 1, 2)) != 0)
        goto out;
    o.ref = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (o.ref && image_ref_parse(o.ref, &ref) < 0)
        goto fail;
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[optind], &c) < 0) {
        code = md_fail(NULL);
        goto out;
    }
    if (commit(g, &c, &o, id) < 0)
        goto fail;
    printf("%s\n", id);
    code = 0;
    goto out;
fail:
    code = md_fail("commit");
out:
    ctr_free(&c);
    json_decref(o.user);
    return code;
}

/* ---- 3. cp ----------------------------------------------------------------------------------- *
 *
 * Docker's rules, for SRC and DEST:
 *   - DEST is an existing directory: SRC goes inside it (DEST/basename(SRC));
 *     "SRC/." copies only the contents of the directory SRC.
 *   - DEST does not exist: it is created (its parent must exist); a DEST
 *     ending in "/" must be an existing directory.
 *   - a directory never replaces a file.
 * A symlink named by SRC is copied as a link, unless -L (follow it).
 * One side is the container, whose paths resolve inside its root; the other
 * is the host, whose paths are the user's own and resolve as usual.
 */

struct side {
    int rootfd; /* the container's root, or -1 for the host */
    const char *workdir;
    const char *label; /* for messages: the container's name as typed */
};

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* An O_PATH descriptor for path on one side; follow: whether the last
 * component may be a symlink (the ones before always are followed, inside
 * the container's root for the container). */
static int side_open(const struct side *sd, const char *path, bool follow, int *fd)
{
    int flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
    if (sd->rootfd < 0) {
        *fd = open(path, flags);
        return *fd < 0 ? -errno : 0;
    }
    char rel[PATH_MAX];
    /* a relative path is relative to the container's working directory, as Docker */
    if (snprintf(rel, sizeof(rel), "%s/%s", path[0] == '/' ? "" : (sd->workdir ? sd->workdir : ""),
                 path) >= (int)sizeof(rel))
        return -ENAMETOOLONG;
    struct open_how how = {
        .flags = (uint64_t)flags,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long r = sys_openat2(sd->rootfd, rel, &how);
    if (r < 0 && errno == ENOSYS)
        return err_setx(ENOSYS, "cp needs openat2 (Linux 5.6 or later)");
    *fd = (int)r;
    return r < 0 ? -errno : 0;
}

/* "Could not find the file /x in container c", or the host's lstat message. */
static int not_found(const struct side *sd, const char *path, int r)
{
    if (r == -ENOENT && sd->rootfd >= 0)
        return err_setx(ENOENT, "Could not find the file %s in container %s", path, sd->label);
    return err_set(-r, "lstat %s", path);
}

/* "a/b/" -> dir "a", base "b"; "/x" -> "/", "x"; "x" -> ".", "x". */
static void split_path(const char *path, char *dir, size_t dsize, char *base, size_t bsize)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t cut = len;
    while (cut > 0 && path[cut - 1] != '/')
        cut--;
    snprintf(base, bsize, "%.*s", (int)(len - cut), path + cut);
    if (cut == 0)
        snprintf(dir, dsize, ".");
    else if (cut == 1)
        snprintf(dir, dsize, "/");
    else
        snprintf(dir, dsize, "%.*s", (int)(cut - 1), path);
}

static int copy_entry(int srcfd, const char *what, int dstdir, const char *name,
                      const struct cp_opts *o);

/* Make room for name in dstdir: 1 when an existing directory is to be
 * merged into, 0 when the name is free, <0 when a directory would be
 * replaced by a non-directory. */
static int make_room(int dstdir, const char *name, bool is_dir, const char *what)
{
    struct stat st;
    if (fstatat(dstdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "stat %s", what);
    if (S_ISDIR(st.st_mode)) {
        if (is_dir)
            return 1;
        return err_setx(EISDIR, "cannot overwrite directory %s with non-directory", what);
    }
    if (unlinkat(dstdir, name, 0) < 0)
        return err_set(errno, "remove %s", what);
    return 0;
}

/* Owner (with -a), mode and times of a new entry, set without following it. */
static int set_metadata(int dstdir, const char *name, const struct stat *st,
                        const struct cp_opts *o, const char *what)
{
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    if (o->chown && fchownat(dstdir, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "chown %s", what);
    if (!o->chown && o->archive &&
        fchownat(dstdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "chown %s", what);
    mode_t mode = o->chmod ? o->mode : st->st_mode & 07777;
    if (!S_ISLNK(st->st_mode) && fchmodat(dstdir, name, mode, 0) < 0)
        return err_set(errno, "chmod %s", what);
    if (utimensat(dstdir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "set the times of %s", what);
    return 0;
}

/* An O_PATH descriptor reopened for reading (it names the same inode). */
static int reopen(int pathfd, int flags)
{
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
    return open(proc, flags | O_CLOEXEC);
}

static int copy_file(int srcfd, const char *what, int dstdir, const char *name,
                     const struct stat *st)
{
    int r = 0, in = reopen(srcfd, O_RDONLY);
    if (in < 0)
        return err_set(errno, "open %s", what);
    int out = openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     st->st_mode & 0777);
    if (out < 0)
        r = err_set(errno, "create %s", what);
    if (r == 0 && (r = fd_copy_file(in, out)) < 0)
        r = err_set(-r, "copy %s", what);
    if (out >= 0)
        close(out);
    close(in);
    return r;
}

/* Copy every entry of the directory srcfd into the directory dstfd. */
static int copy_children(int srcfd, const char *what, int dstfd, const struct cp_opts *o)
{
    int dfd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    struct dirent *de;
    int r = 0;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return err_set(errno, "open %s", what);
    }
    while (r == 0 && (errno = 0, de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *sub = str_printf("%s/%s", what, de->d_name);
        int child = openat(srcfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
            r = err_set(errno, "open %s", sub);
        else
            r = copy_entry(child, sub, dstfd, de->d_name, o);
        if (child >= 0)
            close(child);
        free(sub);
    }
    if (r == 0 && errno)
        r = err_set(errno, "read %s", what);
    closedir(d);
    return r;
}

static int copy_dir(int srcfd, const char *what, int dstdir, const char *name,
                    const struct cp_opts *o)
{
    if (mkdirat(dstdir, name, 0700) < 0 && errno != EEXIST)
        return err_set(errno, "mkdir %s", what);
    int dst = openat(dstdir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0)
        return err_set(errno, "open %s", what);
    int r = copy_children(srcfd, what, dst, o);
    close(dst);
    return r;
}

/* Copy the entry srcfd (an O_PATH descriptor that was opened without
 * following a symlink, or deliberately following one) as dstdir/name. */
static int copy_entry(int srcfd, const char *what, int dstdir, const char *name,
                      const struct cp_opts *o)
{
    struct stat st;
    char target[PATH_MAX];
    if (fstat(srcfd, &st) < 0)
        return err_set(errno, "stat %s", what);
    if (S_ISSOCK(st.st_mode))
        return 0; /* a socket cannot be copied; Docker skips them too */
    int r = make_room(dstdir, name, S_ISDIR(st.st_mode), what);
    if (r < 0)
        return r;
    if (S_ISDIR(st.st_mode)) {
        r = copy_dir(srcfd, what, dstdir, name, o);
    } else if (S_ISREG(st.st_mode)) {
        r = copy_file(srcfd, what, dstdir, name, &st);
    } else if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlinkat(srcfd, "", target, sizeof(target) - 1);
        if (n < 0)
            return err_set(errno, "readlink %s", what);
        target[n] = '\0';
        if (symlinkat(target, dstdir, name) < 0)
            r = err_set(errno, "symlink %s", what);
    } else if (mknodat(dstdir, name, st.st_mode, st.st_rdev) < 0) {
        r = err_set(errno, "mknod %s", what);
    }
    return r < 0 ? r : set_metadata(dstdir, name, &st, o, what);
}

/* Where SRC goes on the destination side: an O_PATH directory and a name
 * in it, following Docker's rules.  *contents: copy the children of SRC
 * into dstdir itself ("SRC/." onto an existing directory). */
static int cp_target(const struct side *dst, const char *dest, const char *src_base,
                     const struct stat *src_st, bool src_dot, int *dstdir, char *name, size_t size,
                     bool *contents)
{
    char parent[PATH_MAX];
    struct stat st;
    int fd, r = side_open(dst, dest, true, &fd);
    *contents = false;
    if (r == 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        *dstdir = fd;
        *contents = src_dot && S_ISDIR(src_st->st_mode);
        snprintf(name, size, "%s", src_base);
        return 0;
    }
    if (r == 0)
        close(fd);
    if (r < 0 && r != -ENOENT)
        return err_set(-r, "open %s", dest);
    if (r == 0 && S_ISDIR(src_st->st_mode))
        return err_setx(ENOTDIR, "cannot copy a directory to a file: %s", dest);
    if (str_has_suffix(dest, "/"))
        return err_setx(ENOENT, "destination directory %s does not exist", dest);
    split_path(dest, parent, sizeof(parent), name, size);
    r = side_open(dst, parent, true, dstdir);
    if (r < 0)
        return not_found(dst, parent, r);
    if (fstat(*dstdir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        close(*dstdir);
        return err_setx(ENOTDIR, "%s is not a directory", parent);
    }
    return 0;
}

static int copy_path(const struct side *src, const char *spath, const struct side *dst,
                     const char *dpath, const struct cp_opts *o);

int md_copy_path(int src_root, const char *spath, int dst_root, const char *dpath,
                 const char *label, const struct cp_opts *o)
{
    struct side src = {.rootfd = src_root, .label = label},
                dst = {.rootfd = dst_root, .label = label};
    return copy_path(&src, spath, &dst, dpath, o);
}

static int copy_path(const struct side *src, const char *spath, const struct side *dst,
                     const char *dpath, const struct cp_opts *o)
{
    char dir[PATH_MAX], base[256], name[256];
    struct stat st;
    bool dot = str_has_suffix(spath, "/.") || !strcmp(spath, ".");
    bool slash = str_has_suffix(spath, "/");
    int srcfd = -1, dstdir = -1;
    bool contents;
    /* "dir/." and "dir/" name the directory itself: follow a symlink to it */
    int r = side_open(src, spath, o->follow || dot || slash, &srcfd);
    if (r < 0)
        return not_found(src, spath, r);
    split_path(spath, dir, sizeof(dir), base, sizeof(base));
    if (!strcmp(base, ".") || !strcmp(base, "/") || !base[0])
        snprintf(base, sizeof(base), "%s", dot ? "." : "/");
    if (fstat(srcfd, &st) < 0)
        r = err_set(errno, "stat %s", spath);
    else if ((dot || slash) && !S_ISDIR(st.st_mode))
        r = err_setx(ENOTDIR, "%s is not a directory", spath);
    if (r == 0)
        r = cp_target(dst, dpath, base, &st, dot, &dstdir, name, sizeof(name), &contents);
    if (r == 0 && (contents || !strcmp(name, ".") || !strcmp(name, "/")))
        r = copy_children(srcfd, spath, dstdir, o);
    else if (r == 0)
        r = copy_entry(srcfd, spath, dstdir, name, o);
    if (dstdir >= 0)
        close(dstdir);
    close(srcfd);
    return r;
}

/* "web:/etc" -> container "web", path "/etc"; a path with a '/' or starting
 * with '.' before its first ':' is a local path, as Docker decides. */
static bool split_container_arg(char *arg, char **container, char **path)
{
    char *colon = strchr(arg, ':');
    if (!colon || arg[0] == '/' || arg[0] == '.' || memchr(arg, '/', (size_t)(colon - arg)))
        return false;
    *colon = '\0';
    *container = arg;
    *path = colon + 1;
    return true;
}

/* One side is a container, the other the host; "-" (a tar stream) is not
 * supported yet. */
static int check_sides(bool from, bool to, const char *local)
{
    if (from && to)
        return err_setx(EINVAL, "copying between containers is not supported");
    if (!from && !to)
        return err_setx(EINVAL, "must specify at least one container source");
    if (!strcmp(local, "-"))
        return err_setx(ENOTSUP, "streaming a tar archive with '-' is not supported");
    return 0;
}

static int cp_usage(void)
{
    printf("Usage:  minidock cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH\n"
           "        minidock cp [OPTIONS] SRC_PATH CONTAINER:DEST_PATH\n\n"
           "Copy files/folders between a container and the local filesystem\n\nOptions:\n"
           "  -a, --archive       Archive mode (copy all uid/gid information)\n"
           "  -L, --follow-link   Always follow symbol link in SRC_PATH\n");
    return 0;
}

int cmd_cp(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"archive", no_argument, NULL, 'a'},
        {"follow-link", no_argument, NULL, 'L'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cp_opts o = {0};
    struct store s;
    struct ctr c = {0};
    struct side host = {.rootfd = -1, .label = "the host"}, inside = {.rootfd = -1};
    char *ctr_name = NULL, *other = NULL, *src_path, *dst_path;
    int opt, code = 125;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "aLqh", opts, NULL)) != -1) {
        if (opt == 'h')
            return cp_usage();
        if (opt == '?')
            return bad_flag("cp", argv);
        o.archive |= opt == 'a';
        o.follow |= opt == 'L';
    }
    if (need_args("cp", argc, 2, 2))
        return 125;
    src_path = argv[optind];
    dst_path = argv[optind + 1];
    bool from = split_container_arg(argv[optind], &ctr_name, &src_path);
    bool to = split_container_arg(argv[optind + 1], from ? &other : &ctr_name, &dst_path);
    if (check_sides(from, to, from ? dst_path : src_path) < 0)
        return md_fail("cp");
    if (ctr_store(g, &s) < 0 || ctr_load(&s, ctr_name, &c) < 0)
        return md_fail(NULL);
    if (open_root(g, &c, &inside.rootfd) < 0)
        goto fail;
    inside.workdir = jstr(json_object_get(c.doc, "Config"), "WorkingDir");
    inside.label = ctr_name;
    if (copy_path(from ? &inside : &host, src_path, from ? &host : &inside, dst_path, &o) < 0)
        goto fail;
    code = 0;
    goto out;
fail:
    code = md_fail(NULL);
out:
    if (inside.rootfd >= 0)
        close(inside.rootfd);
    ctr_free(&c);
    return code;
}

/* ---- 4. export ------------------------------------------------------------------------------- */

static int export_to(int rootfd, int out_fd)
{
    char path[64];
    /* the root through our descriptor: it stays the container's even if the
     * container stops and its pid is reused meanwhile */
    snprintf(path, sizeof(path), "/proc/self/fd/%d/.", rootfd);
    return layer_write_tree(path, out_fd);
}

/* Write the tar to FILE.tmp, then rename: a reader never sees half of it. */
static int export_file(int rootfd, const char *file)
{
    char *tmp = str_printf("%s.tmp", file);
    if (!tmp)
        return err_set(ENOMEM, "export");
    int r = 0, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        r = err_set(errno, "create %s", tmp);
    if (r == 0)
        r = export_to(rootfd, fd);
    if (r == 0 && fsync(fd) < 0)
        r = err_set(errno, "write %s", tmp);
    if (fd >= 0)
        close(fd);
    if (r == 0 && rename(tmp, file) < 0)
        r = err_set(errno, "rename %s to %s", tmp, file);
    if (r < 0)
        unlink(tmp);
    free(tmp);
    return r;
}

int cmd_export(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *output = NULL;
    struct store s;
    struct ctr c = {0};
    int opt, rootfd = -1, code = 125;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (opt == 'h') {
            printf("Usage:  minidock export [OPTIONS] CONTAINER\n\n"
                   "Export a container's filesystem as a tar archive\n\nOptions:\n"
                   "  -o, --output string   Write to a file, instead of STDOUT\n");
            return 0;
        }
        if (opt == '?')
            return bad_flag("export", argv);
        output = optarg;
    }
    if (need_args("export", argc, 1, 1))
        return 125;
    if (!output && isatty(STDOUT_FILENO)) {
        err_setx(EINVAL, "cowardly refusing to save to a terminal. Use the -o flag or redirect");
        return md_fail(NULL);
    }
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[optind], &c) < 0)
        return md_fail(NULL);
    if (open_root(g, &c, &rootfd) == 0 &&
        (output ? export_file(rootfd, output) : export_to(rootfd, STDOUT_FILENO)) == 0)
        code = 0;
    else
        code = md_fail("export");
    if (rootfd >= 0)
        close(rootfd);
    ctr_free(&c);
    return code;
}
