/* buildcopy.c — COPY and ADD for `minidock build`.
 *
 * The sources (from the context, or --from a stage or image) are resolved
 * and hashed for the cache, then copied into an overlay of the current
 * image in a mount namespace of our own (a child process), so nothing shows
 * on the host; the overlay's upper directory becomes the step's layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "container.h"
#include "copy.h"
#include "err.h"
#include "file.h"
#include "layer.h"
#include "overlay.h"

/* ---------------------------------------------------------------------------
 * COPY and ADD: into an overlay of the current image, in our own mount
 * namespace (a child process), so nothing shows on the host.
 * ------------------------------------------------------------------------- */

struct copy_job {
    const char *context; /* directory the sources resolve in */
    strv_t sources;      /* expanded, relative to the context */
    char *dest;          /* absolute in the image */
    bool add;            /* ADD: local archives are extracted */
    bool has_chown;
    char chown[128];
};

/* Add the hash of a file tree (names, modes, contents) to a digest. */
static EVP_MD_CTX *hash_ctx;
static const char *hash_base;
static int hash_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    char head[PATH_MAX + 64];
    int n = snprintf(head, sizeof(head), "%s %o %lld\n", path + strlen(hash_base),
                     (unsigned)st->st_mode, (long long)(S_ISREG(st->st_mode) ? st->st_size : 0));
    EVP_DigestUpdate(hash_ctx, head, (size_t)n);
    if (type == FTW_F && S_ISREG(st->st_mode)) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        char buf[65536];
        ssize_t k;
        while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
            EVP_DigestUpdate(hash_ctx, buf, (size_t)k);
        if (fd >= 0)
            close(fd);
    } else if (type == FTW_SL) {
        char target[PATH_MAX];
        ssize_t k = readlink(path, target, sizeof(target));
        if (k > 0)
            EVP_DigestUpdate(hash_ctx, target, (size_t)k);
    }
    return 0;
}

static int hash_sources(const struct copy_job *j, char out[LAYER_DIGEST_LEN])
{
    unsigned char sha[32];
    unsigned len;
    hash_ctx = EVP_MD_CTX_new();
    if (!hash_ctx || !EVP_DigestInit_ex(hash_ctx, EVP_sha256(), NULL))
        return err_set(ENOMEM, "sha256");
    hash_base = j->context;
    for (size_t i = 0; i < j->sources.len; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", j->context, j->sources.v[i]);
        EVP_DigestUpdate(hash_ctx, j->sources.v[i], strlen(j->sources.v[i]) + 1);
        nftw(path, hash_entry, 32, FTW_PHYS);
    }
    EVP_DigestFinal_ex(hash_ctx, sha, &len);
    EVP_MD_CTX_free(hash_ctx);
    layer_digest_format(sha, out);
    return 0;
}

/* "a/../../x" climbs out of the context: Docker refuses it. */
static bool leaves_context(const char *path)
{
    int depth = 0;
    char *copy = strdup(path), *save = NULL;
    bool out = false;
    for (char *p = copy ? strtok_r(copy, "/", &save) : NULL; p && !out;
         p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, "..") == 0)
            out = --depth < 0;
        else if (strcmp(p, ".") != 0)
            depth++;
    }
    free(copy);
    return out;
}

/* Sources of COPY/ADD, with wildcards expanded inside the context. */
static int collect_sources(struct builder *b, struct stage *s, const struct df_instruction *ins,
                           struct copy_job *j)
{
    size_t n = ins->args.len;
    if (n < 2)
        return err_setx(EINVAL, "%s requires at least two arguments", ins->cmd);
    int r = bld_expand(b, s, ins->args.v[n - 1], &j->dest);
    for (size_t i = 0; r == 0 && i + 1 < n; i++) {
        char *src = NULL;
        r = bld_expand(b, s, ins->args.v[i], &src);
        if (r < 0)
            break;
        if (j->add && (str_has_prefix(src, "http://") || str_has_prefix(src, "https://"))) {
            r = err_setx(ENOTSUP, "ADD %s: downloading URLs is not supported yet", src);
        } else if (src[0] == '/' ? leaves_context(src + 1) : leaves_context(src)) {
            r = err_setx(EPERM, "forbidden path outside the build context: %s", src);
        } else if (strpbrk(src, "*?[")) {
            char pattern[PATH_MAX];
            glob_t gl;
            snprintf(pattern, sizeof(pattern), "%s/%s", j->context, src);
            if (glob(pattern, 0, NULL, &gl) != 0)
                r = err_setx(ENOENT, "no source files were specified: %s", src);
            for (size_t k = 0; r == 0 && k < gl.gl_pathc; k++)
                r = strv_push(&j->sources, gl.gl_pathv[k] + strlen(j->context) + 1);
            if (r == 0 || gl.gl_pathc)
                globfree(&gl);
        } else {
            char path[PATH_MAX];
            struct stat st;
            snprintf(path, sizeof(path), "%s/%s", j->context, src);
            if (lstat(path, &st) < 0)
                r = err_setx(ENOENT,
                             "%s %s: file not found in build context or excluded by "
                             ".dockerignore",
                             ins->cmd, src);
            else
                r = strv_push(&j->sources, src[0] == '/' ? src + 1 : src);
        }
        free(src);
    }
    if (r == 0 && j->dest[0] != '/') {
        const char *wd = json_string_value(json_object_get(bld_settings(s), "WorkingDir"));
        char *abs = str_printf("%s/%s", wd && *wd ? wd : "", j->dest);
        free(j->dest);
        j->dest = abs;
    }
    return r;
}

/* In the child: copy every source to dest inside root. */
static int copy_sources(const struct copy_job *j, int rootfd, const char *root_path)
{
    struct cp_opts co = {.chown = true};
    int ctxfd = open(j->context, O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0;
    if (ctxfd < 0)
        return err_set(errno, "open the context %s", j->context);
    if (j->has_chown) {
        char etc[PATH_MAX + 8], home[64];
        snprintf(etc, sizeof(etc), "%s/etc", root_path);
        r = sec_resolve_user(etc, j->chown, &co.uid, &co.gid, home, sizeof(home));
    }
    bool to_dir = str_has_suffix(j->dest, "/") || j->sources.len > 1;
    for (size_t i = 0; r == 0 && i < j->sources.len; i++) {
        char src[PATH_MAX];
        struct stat st;
        snprintf(src, sizeof(src), "%s/%s", j->context, j->sources.v[i]);
        if (lstat(src, &st) < 0) {
            r = err_set(errno, "%s", j->sources.v[i]);
            break;
        }
        int fd = -1;
        if (S_ISDIR(st.st_mode) || to_dir || (j->add && bld_is_archive(src))) {
            /* a directory's contents, or files into a directory */
            r = ctr_open_in_root(rootfd, j->dest, false, &fd);
            if (r == 0 && j->add && S_ISREG(st.st_mode) && bld_is_archive(src)) {
                char at[PATH_MAX], proc[64];
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
                ssize_t n = readlink(proc, at, sizeof(at) - 1);
                at[n > 0 ? n : 0] = '\0';
                r = layer_apply(src, at, LAYER_FLATTEN, NULL);
            } else if (r == 0) {
                char spath[PATH_MAX + 4], dpath[PATH_MAX + 4];
                snprintf(spath, sizeof(spath), "/%s%s", j->sources.v[i],
                         S_ISDIR(st.st_mode) ? "/." : "");
                snprintf(dpath, sizeof(dpath), "%s/", j->dest);
                r = md_copy_path(ctxfd, spath, rootfd, dpath, "the image", &co);
            }
        } else {
            /* one file to a path: its parent directories are created */
            char parent[PATH_MAX], dpath[PATH_MAX + 4];
            snprintf(parent, sizeof(parent), "%s", j->dest);
            char *slash = strrchr(parent, '/');
            if (slash)
                *slash = '\0';
            r = ctr_open_in_root(rootfd, parent[0] ? parent : "/", false, &fd);
            snprintf(dpath, sizeof(dpath), "%s", j->dest);
            char spath[PATH_MAX + 2];
            snprintf(spath, sizeof(spath), "/%s", j->sources.v[i]);
            if (r == 0)
                r = md_copy_path(ctxfd, spath, rootfd, dpath, "the image", &co);
        }
        if (fd >= 0)
            close(fd);
    }
    close(ctxfd);
    return r;
}

/* Run the copy in a child with its own mount namespace: an overlay of the
 * image's layers with a fresh upper (the new layer), or a plain directory
 * for scratch. */
static int copy_in_overlay(struct builder *b, struct stage *s, const struct copy_job *j,
                           const char *tmp, struct layer_info *layer)
{
    char upper[PATH_MAX + 8], work[PATH_MAX + 8], merged[PATH_MAX + 8];
    strv_t dirs = {0};
    struct image img = {0};
    int r = 0, pipefd[2];
    snprintf(upper, sizeof(upper), "%s/upper", tmp);
    snprintf(work, sizeof(work), "%s/work", tmp);
    snprintf(merged, sizeof(merged), "%s/merged", tmp);
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(merged, 0755) < 0)
        return err_set(errno, "mkdir in %s", tmp);
    if (s->id[0] && (r = image_lookup(b->st, s->id, &img)) == 0)
        r = image_layer_dirs(b->st, &img, &dirs);
    image_free(&img);
    if (r == 0 && pipe2(pipefd, O_CLOEXEC) < 0)
        r = err_set(errno, "pipe");
    if (r < 0) {
        strv_free(&dirs);
        return r;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        const char *root = upper;
        r = unshare(CLONE_NEWNS) < 0 ? err_set(errno, "unshare") : 0;
        if (r == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            r = err_set(errno, "make / private");
        if (r == 0 && dirs.len) {
            const char **lowers = calloc(dirs.len, sizeof(*lowers));
            for (size_t i = 0; lowers && i < dirs.len; i++)
                lowers[i] = dirs.v[dirs.len - 1 - i];
            r = lowers ? ovl_mount(lowers, dirs.len, upper, work, merged) : -ENOMEM;
            root = merged;
        }
        int rootfd = r == 0 ? open(root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
        if (r == 0 && rootfd < 0)
            r = err_set(errno, "open %s", root);
        if (r == 0)
            r = copy_sources(j, rootfd, root);
        if (r < 0) {
            const char *msg = err_msg();
            fd_write_all(pipefd[1], msg, strlen(msg));
        }
        _exit(r < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    char msg[4096];
    ssize_t n = pid > 0 ? read(pipefd[0], msg, sizeof(msg) - 1) : -1;
    close(pipefd[0]);
    int status = 0;
    if (pid < 0)
        r = err_set(errno, "fork");
    else if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        msg[n > 0 ? n : 0] = '\0';
        r = err_setx(EIO, "%s", n > 0 ? msg : "the copy failed");
    }
    strv_free(&dirs);
    if (r == 0)
        r = md_store_upper_layer(b->g, b->st, upper, layer);
    return r;
}

int bld_copy(struct builder *b, struct stage *s, const struct df_instruction *ins, const char *text,
             bool *cached)
{
    struct copy_job j = {.context = b->context, .add = strcmp(ins->cmd, "ADD") == 0};
    char from_root[PATH_MAX] = "", tmp[PATH_MAX], inputs[LAYER_DIGEST_LEN * 2] = "";
    int r = 0;
    for (size_t i = 0; i < ins->flags.len && r == 0; i++) {
        const char *f = ins->flags.v[i];
        if (str_has_prefix(f, "--chown=")) {
            j.has_chown = true;
            snprintf(j.chown, sizeof(j.chown), "%s", f + 8);
        } else if (str_has_prefix(f, "--from=")) {
            snprintf(from_root, sizeof(from_root), "%s", f + 7);
        } else if (!str_has_prefix(f, "--chmod=")) {
            r = err_setx(EINVAL, "%d:%d: unknown flag %s for %s", ins->line, ins->column, f,
                         ins->cmd);
        }
    }
    snprintf(tmp, sizeof(tmp), "%s/build-cache/tmp-%d", b->g->root, (int)getpid());
    remove_tree(tmp);
    if (r == 0)
        r = mkdir_p(tmp, 0700);
    /* --from: the files of an earlier stage (or an image), unpacked flat */
    char from_dir[PATH_MAX + 8];
    if (r == 0 && from_root[0]) {
        const char *id = NULL;
        for (size_t i = 0; i < b->nstages; i++)
            if (strcmp(b->stages[i].name, from_root) == 0)
                id = b->stages[i].id;
        struct image img = {0};
        snprintf(from_dir, sizeof(from_dir), "%s/from", tmp);
        r = image_lookup(b->st, id ? id : from_root, &img);
        if (r == 0)
            r = image_unpack(b->st, &img, from_dir);
        if (r == 0)
            snprintf(inputs, sizeof(inputs), "from %s", img.id);
        image_free(&img);
        j.context = from_dir;
    }
    if (r == 0)
        r = collect_sources(b, s, ins, &j);
    char digest[LAYER_DIGEST_LEN], key[65];
    if (r == 0 && (r = hash_sources(&j, digest)) == 0) {
        size_t used = strlen(inputs);
        snprintf(inputs + used, sizeof(inputs) - used, " %s", digest);
    }
    if (r == 0) {
        bld_cache_key(s->id, text, inputs, key);
        *cached = bld_cache_hit(b, s, key);
    }
    if (r == 0 && !*cached) {
        struct layer_info layer;
        r = copy_in_overlay(b, s, &j, tmp, &layer);
        char *by = r == 0 ? str_printf(NOP "%s %s in %s ", ins->cmd, digest, j.dest) : NULL;
        if (r == 0)
            r = bld_commit_step(b, s, by ? by : ins->cmd, &layer, key);
        free(by);
    }
    remove_tree(tmp);
    strv_free(&j.sources);
    free(j.dest);
    return r;
}
