/* buildcopy.c — COPY and ADD for `minidock build`.
 *
 * A COPY or ADD step goes in three moves:
 *   1. gather the sources, each one a path in a directory of the host: files
 *      of the context (or of --from's stage), wildcards expanded; heredocs
 *      (COPY <<EOF /dest) written out and, for ADD, URLs downloaded (fetch.c),
 *      these two into the step's scratch directory;
 *   2. hash them (names, modes, contents) for the cache key: the step runs
 *      again only when what it copies changed;
 *   3. copy them (with --chown and --chmod applied on the way) into an overlay of the current
 * image, in a mount namespace of our own (a child process), so nothing shows on the host; the
 *      overlay's upper directory becomes the step's layer.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <dirent.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "container.h"
#include "copy.h"
#include "err.h"
#include "fetch.h"
#include "file.h"
#include "layer.h"
#include "overlay.h"

/* One source: a path in a directory of the host. */
struct copy_src {
    char *dir;                     /* the context, --from's root, or one of ours */
    char *path;                    /* relative to dir */
    bool unpack;                   /* ADD of a local archive: extracted, not copied */
    char digest[LAYER_DIGEST_LEN]; /* a download: its content's SHA-256 */
};

struct copy_job {
    const char *context; /* the context, or --from's root */
    const char *tmp;     /* the step's scratch directory */
    struct copy_src *v;
    size_t n;
    char *dest; /* absolute in the image */
    bool add;
    bool has_chown, has_chmod;
    char chown[128];
    mode_t chmod;
};

/* "Dockerfile:3:1: <message>": errors in an instruction name its place. */
static int ins_error(const struct builder *b, const struct df_instruction *ins, int errnum,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int ins_error(const struct builder *b, const struct df_instruction *ins, int errnum,
                     const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return err_setx(errnum, "%s:%d:%d: %s", b->df_name, ins->line, ins->column, msg);
}

/* ---------------------------------------------------------------------------
 * 1. The flags and the sources.
 * ------------------------------------------------------------------------- */

/* --chown=USER[:GROUP], --chmod=MODE (octal) and --from=STAGE; the values of
 * --chown and --chmod may use variables.  Any other flag is an error. */
static int parse_flags(struct builder *b, struct stage *s, const struct df_instruction *ins,
                       struct copy_job *j, char *from, size_t size)
{
    int r = 0;
    for (size_t i = 0; i < ins->flags.len && r == 0; i++) {
        const char *f = ins->flags.v[i];
        char *value = NULL;
        if (str_has_prefix(f, "--from=")) {
            snprintf(from, size, "%s", f + 7);
        } else if (str_has_prefix(f, "--chown=")) {
            r = bld_expand(b, s, f + 8, &value);
            j->has_chown = r == 0;
            if (r == 0)
                snprintf(j->chown, sizeof(j->chown), "%s", value);
        } else if (str_has_prefix(f, "--chmod=")) {
            r = bld_expand(b, s, f + 8, &value);
            if (r == 0 && bld_parse_chmod(value, &j->chmod) < 0)
                r = ins_error(b, ins, EINVAL,
                              "invalid --chmod=%s: expected an octal mode such as 0755", value);
            j->has_chmod = r == 0;
        } else {
            /* the parser knows BuildKit's flags (--link...): we do not */
            r = ins_error(b, ins, ENOTSUP, "%s %s is not supported", ins->cmd, f);
        }
        free(value);
    }
    return r;
}

/* A new source in dir (copied) at path (copied). */
static int add_source(struct copy_job *j, const char *dir, const char *path, struct copy_src **out)
{
    struct copy_src *v = realloc(j->v, (j->n + 1) * sizeof(*v));
    if (!v)
        return err_set(ENOMEM, "sources");
    j->v = v;
    struct copy_src *src = &v[j->n];
    *src = (struct copy_src){.dir = strdup(dir), .path = strdup(path)};
    if (!src->dir || !src->path) {
        free(src->dir);
        free(src->path);
        return err_set(ENOMEM, "sources");
    }
    j->n++;
    if (out)
        *out = src;
    return 0;
}

/* A source we make (a download, a heredoc): the file name in a directory of
 * its own in the scratch directory. */
static int add_own_source(struct copy_job *j, const char *name, struct copy_src **out)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/src-%zu", j->tmp, j->n);
    if (mkdir(dir, 0700) < 0)
        return err_set(errno, "mkdir %s", dir);
    return add_source(j, dir, name, out);
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

/* ---- sources inside the context ----------------------------------------------------------
 *
 * The context is untrusted: a symlink in it ("link -> /etc") must not lead
 * a COPY, a wildcard, the hash or ADD's unpacking to the host.  So every
 * source is resolved inside the context, as if it were the root (openat2
 * RESOLVE_IN_ROOT: "link/x" is context/etc/x), and turned into its real path
 * below the context, where no component but the last can be a symlink.
 * Nothing after that follows the last component.
 */

static int open_in(int rootfd, const char *rel, int flags)
{
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
}

/* The path of fd below the directory whose real path is root ("" for root
 * itself); -EXDEV if it is not below it. */
static int path_below(int fd, const char *root, char *out, size_t size)
{
    char proc[64], real[PATH_MAX];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, real, sizeof(real) - 1);
    if (n < 0)
        return -errno;
    real[n] = '\0';
    size_t len = strlen(root);
    if (strncmp(real, root, len) != 0 || (real[len] != '/' && real[len] != '\0'))
        return -EXDEV;
    snprintf(out, size, "%s", real[len] == '/' ? real + len + 1 : "");
    return 0;
}

/* rel (relative to the directory root, a real path) as a real path below
 * root: the directories on the way resolved inside root, the last
 * component kept as it is ("a/link" stays a link).  -ENOENT when missing. */
static int resolve_source(const char *root, const char *rel, char *out, size_t size)
{
    char dir[PATH_MAX], base[NAME_MAX + 1] = "";
    snprintf(dir, sizeof(dir), "%s", rel);
    size_t len = strlen(dir);
    bool trailing = len > 0 && dir[len - 1] == '/'; /* "link/": what the link leads to */
    while (len > 0 && dir[len - 1] == '/')
        dir[--len] = '\0';
    char *slash = strrchr(dir, '/');
    const char *last = slash ? slash + 1 : dir;
    if (!trailing && strcmp(last, ".") != 0 && strcmp(last, "..") != 0 &&
        strlen(last) <= NAME_MAX) {
        snprintf(base, sizeof(base), "%s", last);
        if (slash)
            *slash = '\0';
        else
            dir[0] = '\0';
    }
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -errno;
    int fd = open_in(rootfd, dir, O_PATH | O_DIRECTORY);
    int r = fd < 0 ? -errno : 0;
    struct stat st;
    if (r == 0 && base[0] && fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        r = -errno;
    char below[PATH_MAX];
    if (r == 0)
        r = path_below(fd, root, below, sizeof(below));
    if (r == 0 &&
        snprintf(out, size, "%s%s%s", below, below[0] && base[0] ? "/" : "", base) >= (int)size)
        r = -ENAMETOOLONG;
    if (fd >= 0)
        close(fd);
    close(rootfd);
    return r;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expand the wildcards of pattern (* ? [...], per component, as glob(3))
 * inside root: each directory is opened inside it, so a symlink cannot take
 * the match out.  The matches (relative to root) are sorted. */
static int glob_in_root(const char *root, const char *pattern, strv_t *out)
{
    strv_t cur = {0}, next = {0};
    char *copy = strdup(pattern), *save = NULL;
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int r = !copy ? -ENOMEM : rootfd < 0 ? -errno : strv_push(&cur, "");
    for (char *part = r == 0 ? strtok_r(copy, "/", &save) : NULL; part && r == 0;
         part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        for (size_t i = 0; r == 0 && i < cur.len; i++) {
            const char *at = cur.v[i];
            if (!strpbrk(part, "*?[")) { /* a plain name: keep it if it exists */
                char *path = str_printf("%s%s%s", at, at[0] ? "/" : "", part);
                int fd = path ? open_in(rootfd, path, O_PATH) : -1;
                if (fd >= 0) {
                    close(fd);
                    r = strv_push(&next, path);
                }
                free(path);
                continue;
            }
            int fd = open_in(rootfd, at, O_RDONLY | O_DIRECTORY);
            DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
            if (fd >= 0 && !d)
                close(fd);
            for (struct dirent *e; d && r == 0 && (e = readdir(d));) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                    fnmatch(part, e->d_name, FNM_PERIOD) != 0)
                    continue;
                char *path = str_printf("%s%s%s", at, at[0] ? "/" : "", e->d_name);
                r = path ? strv_push(&next, path) : -ENOMEM;
                free(path);
            }
            if (d)
                closedir(d);
        }
        strv_free(&cur);
        cur = next;
        next = (strv_t){0};
    }
    if (r == 0 && cur.len == 1 && !cur.v[0][0]) /* nothing but "/" or "." */
        strv_free(&cur);
    if (r == 0)
        qsort(cur.v, cur.len, sizeof(*cur.v), by_string);
    if (r == 0)
        *out = cur;
    else
        strv_free(&cur);
    free(copy);
    if (rootfd >= 0)
        close(rootfd);
    return r;
}

/* A source of the context (rel: as written, relative to it), resolved
 * inside it; ADD extracts local archives (regular files only: a symlink is
 * copied as a symlink). */
static int add_context_path(const struct df_instruction *ins, struct copy_job *j, const char *rel)
{
    char real[PATH_MAX], path[PATH_MAX * 2];
    struct stat st;
    struct copy_src *src;
    int r = resolve_source(j->context, rel, real, sizeof(real));
    if (r == -ENOENT || r == -ENOTDIR)
        return err_setx(ENOENT,
                        "%s %s: file not found in build context or excluded by .dockerignore",
                        ins->cmd, rel);
    if (r < 0)
        return err_set(-r, "%s %s", ins->cmd, rel);
    snprintf(path, sizeof(path), "%s%s%s", j->context, real[0] ? "/" : "", real);
    r = add_source(j, j->context, real[0] ? real : ".", &src);
    if (r == 0 && j->add && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
        src->unpack = bld_is_archive(path);
    return r;
}

/* A source word of the context: a path, or a pattern with * ? [. */
static int add_context_source(const struct df_instruction *ins, const char *src, struct copy_job *j)
{
    int r = 0;
    while (*src == '/')
        src++;
    if (leaves_context(src))
        return err_setx(EPERM, "forbidden path outside the build context: %s", src);
    if (strpbrk(src, "*?[")) {
        strv_t matches = {0};
        r = glob_in_root(j->context, src, &matches);
        if (r < 0)
            return err_set(-r, "%s %s", ins->cmd, src);
        if (matches.len == 0)
            r = err_setx(ENOENT, "no source files were specified: %s", src);
        for (size_t k = 0; r == 0 && k < matches.len; k++)
            r = add_context_path(ins, j, matches.v[k]);
        strv_free(&matches);
        return r;
    }
    return add_context_path(ins, j, src[0] ? src : ".");
}

/* ADD URL: downloaded into the scratch directory.  The file's name is the
 * last component of the URL's path; Docker needs one only when the
 * destination is a directory ("ADD http://h/ /dir/" cannot name the file). */
static int add_download(const char *url, struct copy_job *j)
{
    char name[256];
    struct copy_src *src;
    struct fetch_result res;
    int r = fetch_url_filename(url, name, sizeof(name));
    if (r == 0 && !name[0] && str_has_suffix(j->dest, "/"))
        r = err_setx(EINVAL, "cannot determine filename for source %s", url);
    if (r == 0 && !name[0])
        snprintf(name, sizeof(name), "__unnamed__");
    if (r == 0)
        r = add_own_source(j, name, &src);
    if (r < 0)
        return r;
    int dirfd = open(src->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return err_set(errno, "open %s", src->dir);
    r = fetch_url(url, dirfd, name, &res);
    close(dirfd);
    if (r == 0)
        memcpy(src->digest, res.digest, sizeof(src->digest));
    return r;
}

/* The body with its quotes escaped, so that df_expand() expands $VARS but
 * leaves quotes as written (BuildKit does the same for COPY heredocs); an
 * escaped character stays escaped. */
static char *escape_quotes(const char *body, char escape)
{
    char *out = malloc(2 * strlen(body) + 1), *o = out;
    for (const char *p = body; out && *p; p++) {
        if (*p == escape && p[1]) {
            *o++ = *p++;
        } else if (*p == '"' || *p == '\'') {
            *o++ = escape;
        }
        *o++ = *p;
    }
    if (out)
        *o = '\0';
    return out;
}

/* COPY <<EOF /dest: the body is a file named after the heredoc (mode 0644),
 * with $VARS expanded unless the name was quoted (<<"EOF"). */
static int add_heredoc(struct builder *b, struct stage *s, const struct df_instruction *ins,
                       const struct df_heredoc *hd, struct copy_job *j)
{
    const char *name = hd->name;
    char *body = NULL, path[PATH_MAX];
    struct copy_src *src;
    int r = 0;
    if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return ins_error(b, ins, EINVAL, "heredoc <<%s cannot be a file name", name);
    if (hd->expand) {
        char *quoted = escape_quotes(hd->body, b->df.escape);
        r = quoted ? bld_expand(b, s, quoted, &body) : err_set(ENOMEM, "heredoc");
        free(quoted);
        if (r < 0)
            return ins_error(b, ins, -r, "heredoc <<%s: %s", name, err_msg());
    }
    const char *text = body ? body : hd->body;
    r = add_own_source(j, name, &src);
    if (r == 0) {
        snprintf(path, sizeof(path), "%s/%s", src->dir, name);
        r = file_write_atomic(path, text, strlen(text), 0644);
    }
    if (r == 0 && chmod(path, 0644) < 0) /* whatever the umask */
        r = err_set(errno, "chmod %s", path);
    free(body);
    return r;
}

/* The sources and the destination of COPY/ADD. */
static int collect_sources(struct builder *b, struct stage *s, const struct df_instruction *ins,
                           struct copy_job *j)
{
    size_t n = ins->args.len;
    const struct df_heredoc *hd;
    if (n < 2)
        return err_setx(EINVAL, "%s requires at least two arguments", ins->cmd);
    if (df_heredoc_of(ins, ins->args.v[n - 1]))
        return ins_error(b, ins, EINVAL, "%s: a heredoc cannot be the destination", ins->cmd);
    int r = bld_expand(b, s, ins->args.v[n - 1], &j->dest);
    for (size_t i = 0; r == 0 && i + 1 < n; i++) {
        char *src = NULL;
        if ((hd = df_heredoc_of(ins, ins->args.v[i]))) {
            r = add_heredoc(b, s, ins, hd, j);
            continue;
        }
        r = bld_expand(b, s, ins->args.v[i], &src);
        if (r == 0 && fetch_is_url(src) && !j->add)
            r = ins_error(b, ins, EINVAL, "source can't be a URL for COPY: %s (use ADD)", src);
        else if (r == 0 && fetch_is_url(src))
            r = add_download(src, j);
        else if (r == 0)
            r = add_context_source(ins, src, j);
        free(src);
    }
    if (r == 0 && j->dest[0] != '/') {
        const char *wd = json_string_value(json_object_get(bld_settings(s), "WorkingDir"));
        char *abs = str_printf("%s/%s", wd && *wd ? wd : "", j->dest);
        free(j->dest);
        j->dest = abs;
        r = abs ? 0 : err_set(ENOMEM, "destination");
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * 2. The hash of the sources, for the cache.
 * ------------------------------------------------------------------------- */

static int by_name(const FTSENT **a, const FTSENT **b)
{
    return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* One entry of a tree: its name (from the source's directory), mode, size,
 * then its content or link target.  Times are left out, as Docker does:
 * touching a file does not change it. */
static int hash_entry(EVP_MD_CTX *ctx, const FTSENT *e, size_t base)
{
    char head[PATH_MAX + 64], buf[65536];
    const struct stat *st = e->fts_statp;
    int n = snprintf(head, sizeof(head), "%s %o %lld\n", e->fts_path + base, (unsigned)st->st_mode,
                     (long long)(S_ISREG(st->st_mode) ? st->st_size : 0));
    EVP_DigestUpdate(ctx, head, (size_t)n);
    if (S_ISREG(st->st_mode)) {
        ssize_t k;
        int fd = open(e->fts_accpath, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return err_set(errno, "open %s", e->fts_path + base);
        while ((k = read(fd, buf, sizeof(buf))) > 0)
            EVP_DigestUpdate(ctx, buf, (size_t)k);
        close(fd);
        if (k < 0)
            return err_set(errno, "read %s", e->fts_path + base);
    } else if (S_ISLNK(st->st_mode)) {
        ssize_t k = readlink(e->fts_accpath, buf, sizeof(buf));
        if (k > 0)
            EVP_DigestUpdate(ctx, buf, (size_t)k);
    }
    return 0;
}

/* The tree of one source, in name order. */
static int hash_tree(EVP_MD_CTX *ctx, const struct copy_src *src)
{
    char root[PATH_MAX];
    snprintf(root, sizeof(root), "%s/%s", src->dir, src->path);
    char *const paths[] = {root, NULL};
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
    FTSENT *e;
    int r = fts ? 0 : err_set(errno, "open %s", src->path);
    while (r == 0 && (e = fts_read(fts))) {
        if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR || e->fts_info == FTS_NS)
            r = err_set(e->fts_errno, "read %s", e->fts_path + strlen(src->dir));
        else if (e->fts_info != FTS_DP)
            r = hash_entry(ctx, e, strlen(src->dir));
    }
    if (fts)
        fts_close(fts);
    return r;
}

static int hash_sources(const struct copy_job *j, char out[LAYER_DIGEST_LEN])
{
    unsigned char sha[32];
    unsigned len;
    int r = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        return err_set(ENOMEM, "sha256");
    }
    for (size_t i = 0; r == 0 && i < j->n; i++) {
        const struct copy_src *src = &j->v[i];
        EVP_DigestUpdate(ctx, src->path, strlen(src->path) + 1);
        if (src->digest[0]) /* a download: hashed on the way in */
            EVP_DigestUpdate(ctx, src->digest, strlen(src->digest));
        else
            r = hash_tree(ctx, src);
    }
    EVP_DigestFinal_ex(ctx, sha, &len);
    EVP_MD_CTX_free(ctx);
    layer_digest_format(sha, out);
    return r;
}

/* ---------------------------------------------------------------------------
 * 3. The copy: into an overlay of the current image, in our own mount
 *    namespace (a child process), so nothing shows on the host.
 * ------------------------------------------------------------------------- */

/* Is there something at path inside root? */
static bool exists_in_root(int rootfd, const char *path)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

/* ADD of a local archive: extracted in the directory dirfd. */
static int extract_archive(const struct copy_src *src, int dirfd)
{
    char at[PATH_MAX], proc[64], archive[PATH_MAX];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(proc, at, sizeof(at) - 1);
    if (n < 0)
        return err_set(errno, "readlink %s", proc);
    at[n] = '\0';
    snprintf(archive, sizeof(archive), "%s/%s", src->dir, src->path);
    int fd = open(archive, O_RDONLY | O_NOFOLLOW | O_CLOEXEC); /* resolved: see resolve_source */
    if (fd < 0)
        return err_set(errno, "open %s", src->path);
    int r = layer_apply_fd(fd, at, LAYER_FLATTEN, NULL);
    close(fd);
    return r;
}

/* A directory's contents, an archive's, or files, into the directory dest. */
static int copy_into_dir(const struct copy_job *j, const struct copy_src *src, bool is_dir,
                         int srcfd, int rootfd, const struct cp_opts *co)
{
    char spath[PATH_MAX + 4], dpath[PATH_MAX + 4], proc[64];
    int fd = -1;
    /* --chmod also sets the mode of a directory it creates (not of one that exists) */
    bool fresh = is_dir && j->has_chmod && !exists_in_root(rootfd, j->dest);
    int r = ctr_open_in_root(rootfd, j->dest, false, &fd);
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (r == 0 && fresh && chmod(proc, j->chmod) < 0)
        r = err_set(errno, "chmod %s", j->dest);
    if (r == 0 && src->unpack) {
        r = extract_archive(src, fd);
    } else if (r == 0) {
        snprintf(spath, sizeof(spath), "/%s%s", src->path, is_dir ? "/." : "");
        snprintf(dpath, sizeof(dpath), "%s/", j->dest);
        r = md_copy_path(srcfd, spath, rootfd, dpath, "the image", co);
    }
    if (fd >= 0)
        close(fd);
    return r;
}

/* One file to the path dest: its parent directories are created. */
static int copy_to_path(const struct copy_job *j, const struct copy_src *src, int srcfd, int rootfd,
                        const struct cp_opts *co)
{
    char parent[PATH_MAX], spath[PATH_MAX + 2];
    int fd = -1;
    snprintf(parent, sizeof(parent), "%s", j->dest);
    char *slash = strrchr(parent, '/');
    if (slash)
        *slash = '\0';
    int r = ctr_open_in_root(rootfd, parent[0] ? parent : "/", false, &fd);
    if (fd >= 0)
        close(fd);
    snprintf(spath, sizeof(spath), "/%s", src->path);
    return r < 0 ? r : md_copy_path(srcfd, spath, rootfd, j->dest, "the image", co);
}

/* --chown=NAME: looked up in the image's /etc/passwd and /etc/group by a
 * process chrooted into the image, so that a symlink in the image (/etc ->
 * /somewhere/on/the/host) resolves inside it, as it will in a container. */
struct owner_answer {
    int r;
    uid_t uid;
    gid_t gid;
    char msg[512];
};

static int resolve_owner(const char *root_path, const char *spec, uid_t *uid, gid_t *gid)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_set(errno, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        struct owner_answer a = {0};
        char home[64];
        close(p[0]);
        if (chroot(root_path) < 0 || chdir("/") < 0)
            a.r = err_set(errno, "chroot %s", root_path);
        else
            a.r = sec_resolve_user("/etc", spec, &a.uid, &a.gid, home, sizeof(home));
        if (a.r < 0)
            snprintf(a.msg, sizeof(a.msg), "%s", err_msg());
        _exit(fd_write_all(p[1], &a, sizeof(a)) < 0 ? 1 : 0);
    }
    close(p[1]);
    struct owner_answer a = {.r = -EIO};
    ssize_t n = pid > 0 ? read(p[0], &a, sizeof(a)) : -1;
    close(p[0]);
    if (pid < 0)
        return err_set(errno, "fork");
    waitpid(pid, NULL, 0);
    if (n != (ssize_t)sizeof(a))
        return err_setx(EIO, "--chown=%s: the lookup failed", spec);
    if (a.r < 0)
        return err_setx(-a.r, "%s", a.msg);
    *uid = a.uid;
    *gid = a.gid;
    return 0;
}

/* In the child: copy every source to dest inside root. */
static int copy_sources(const struct copy_job *j, int rootfd, const char *root_path)
{
    struct cp_opts co = {.chown = true, .chmod = j->has_chmod, .mode = j->chmod};
    int r = 0;
    if (j->has_chown)
        r = resolve_owner(root_path, j->chown, &co.uid, &co.gid);
    bool to_dir = str_has_suffix(j->dest, "/") || j->n > 1;
    for (size_t i = 0; r == 0 && i < j->n; i++) {
        const struct copy_src *src = &j->v[i];
        struct stat st;
        int srcfd = open(src->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (srcfd < 0)
            return err_set(errno, "open %s", src->dir);
        if (fstatat(srcfd, src->path, &st, AT_SYMLINK_NOFOLLOW) < 0)
            r = err_set(errno, "%s", src->path);
        else if (S_ISDIR(st.st_mode) || to_dir || src->unpack)
            r = copy_into_dir(j, src, S_ISDIR(st.st_mode), srcfd, rootfd, &co);
        else
            r = copy_to_path(j, src, srcfd, rootfd, &co);
        close(srcfd);
    }
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
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed build stops its copy too */
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

/* --from: the files of an earlier stage (or an image), unpacked flat in dir. */
static int unpack_from(struct builder *b, const char *from, const char *dir, char *inputs,
                       size_t size)
{
    const char *id = NULL;
    struct image img = {0};
    for (size_t i = 0; i < b->nstages; i++)
        if (strcmp(b->stages[i].name, from) == 0)
            id = b->stages[i].id;
    int r = image_lookup(b->st, id ? id : from, &img);
    if (r == 0)
        r = image_unpack(b->st, &img, dir);
    if (r == 0)
        snprintf(inputs, size, "from %s", img.id);
    image_free(&img);
    return r;
}

int bld_copy(struct builder *b, struct stage *s, const struct df_instruction *ins, const char *text,
             bool *cached)
{
    struct copy_job j = {.context = b->context, .add = strcmp(ins->cmd, "ADD") == 0};
    char from[PATH_MAX] = "", tmp[PATH_MAX], from_dir[PATH_MAX + 8];
    char inputs[LAYER_DIGEST_LEN * 2 + PATH_MAX + 256] = "", digest[LAYER_DIGEST_LEN], key[65];
    snprintf(tmp, sizeof(tmp), "%s/build-cache/tmp-%d", b->g->root, (int)getpid());
    snprintf(from_dir, sizeof(from_dir), "%s/from", tmp);
    j.tmp = tmp;
    remove_tree(tmp);
    int r = parse_flags(b, s, ins, &j, from, sizeof(from));
    if (r == 0)
        r = mkdir_p(tmp, 0700);
    if (r == 0 && from[0]) {
        r = unpack_from(b, from, from_dir, inputs, sizeof(inputs));
        j.context = from_dir;
    }
    if (r == 0)
        r = collect_sources(b, s, ins, &j);
    if (r == 0 && (r = hash_sources(&j, digest)) == 0) {
        /* what the words expanded to: another ARG value, another step */
        size_t used = strlen(inputs);
        snprintf(inputs + used, sizeof(inputs) - used, " %s %s %s %o", digest, j.dest,
                 j.has_chown ? j.chown : "-", j.has_chmod ? (unsigned)j.chmod : 0u);
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
    for (size_t i = 0; i < j.n; i++) {
        free(j.v[i].dir);
        free(j.v[i].path);
    }
    free(j.v);
    free(j.dest);
    return r;
}
