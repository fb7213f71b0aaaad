/* layer.c — image layers: tar streams, whiteouts and digests (lab 04).
 *
 * A layer is a tar archive: the files one step of a build added or changed,
 * plus ".wh." whiteouts for what it deleted.  This file does three things with
 * layers, in the order of the code:
 *
 *   1. Name them: SHA-256 digests ("sha256:<hex>") and ChainIDs.
 *   2. Apply them onto a directory.  The archive is untrusted: every entry
 *      name is checked, every parent directory is opened *inside* the target
 *      (openat2 with RESOLVE_IN_ROOT, or a walk with O_NOFOLLOW), and files are
 *      created relative to that directory, never by a path the archive chose.
 *      Whiteouts become overlay's form (char device 0/0, opaque xattr), or are
 *      applied by deleting when the tree is flattened.  A size limit stops
 *      zip bombs and files declaring terabytes of holes.
 *   3. Create them: a directory (or an overlay upper, through lab 03) becomes a
 *      tar stream, gzip-compressed into a blob.
 *
 * Both digests are computed while the data flows, in a single pass: the
 * compressed bytes are hashed as they are read from (or written to) the file,
 * and the uncompressed tar as it comes out of (or goes into) the compressor.
 * libarchive does the decompression with its "raw" format (a stream with no
 * archive structure), and a second archive object parses the tar from it:
 *
 *   file --read_packed (hash: digest)--> [gunzip, raw] --read_plain (hash: diff_id)--> [tar] -->
 * entries
 *
 * The blocks marked LAB(4) are the parts you write in the student version.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "layer.h"
#include "overlay.h"
#include "str.h"

#define BLOCK_SIZE      (64 * 1024)
#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER   ".wh..wh..opq"
#define OPAQUE_XATTR    "trusted.overlay.opaque"

/* libarchive's message about its last error (never NULL). */
static const char *why(struct archive *a)
{
    const char *msg = archive_error_string(a);
    return msg ? msg : "unexpected end of data";
}

/* ---- 1. Digests ----------------------------------------------------------------------------- */

static const char hexdigits[] = "0123456789abcdef";

void layer_digest_format(const unsigned char sha[32], char out[LAYER_DIGEST_LEN])
{
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hexdigits[sha[i] >> 4];
        out[7 + 2 * i + 1] = hexdigits[sha[i] & 15];
    }
    out[LAYER_DIGEST_LEN - 1] = '\0';
}

int layer_digest_check(const char *s)
{
    /* LAB(4): accept only "sha256:" followed by exactly 64 lower-case hex digits */
    if (!str_has_prefix(s, "sha256:"))
        return err_setx(EINVAL, "invalid digest '%s': expected sha256:<64 hex digits>", s);
    const char *hex = s + 7;
    if (strlen(hex) != LAYER_HEX_LEN || strspn(hex, hexdigits) != LAYER_HEX_LEN)
        return err_setx(EINVAL, "invalid digest '%s': expected sha256:<64 hex digits>", s);
    return 0;
    /* END LAB */
}

const char *layer_digest_hex(const char *digest)
{
    return layer_digest_check(digest) == 0 ? digest + 7 : NULL;
}

/* A running SHA-256 (OpenSSL's EVP interface). */
static int hash_start(EVP_MD_CTX **ctx)
{
    *ctx = EVP_MD_CTX_new();
    if (!*ctx || EVP_DigestInit_ex(*ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(*ctx);
        *ctx = NULL;
        return err_setx(ENOMEM, "cannot start a SHA-256 hash");
    }
    return 0;
}

static void hash_end(EVP_MD_CTX *ctx, char out[LAYER_DIGEST_LEN])
{
    unsigned char sha[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, sha, &len);
    layer_digest_format(sha, out);
}

int layer_sha256_buf(const void *buf, size_t len, char out[LAYER_DIGEST_LEN])
{
    EVP_MD_CTX *ctx;
    int ret = hash_start(&ctx);
    if (ret < 0)
        return ret;
    EVP_DigestUpdate(ctx, buf, len);
    hash_end(ctx, out);
    EVP_MD_CTX_free(ctx);
    return 0;
}

int layer_sha256_file(const char *path, char out[LAYER_DIGEST_LEN])
{
    unsigned char *buf = NULL;
    EVP_MD_CTX *ctx = NULL;
    int ret;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "open %s", path);
    buf = malloc(BLOCK_SIZE);
    if (!buf) {
        ret = err_set(ENOMEM, "hash %s", path);
        goto out;
    }
    ret = hash_start(&ctx);
    if (ret < 0)
        goto out;
    for (;;) {
        ssize_t n = read(fd, buf, BLOCK_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = err_set(errno, "read %s", path);
            goto out;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(ctx, buf, (size_t)n);
    }
    hash_end(ctx, out);
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return ret;
}

int layer_chain_id(const char *parent, const char *diff_id, char out[LAYER_DIGEST_LEN])
{
    /* LAB(4): ChainID: the diff_id itself for the first layer, else sha256("PARENT DIFF_ID") */
    int ret = layer_digest_check(diff_id);
    if (ret < 0)
        return ret;
    if (!parent || !parent[0]) {
        memcpy(out, diff_id, LAYER_DIGEST_LEN);
        return 0;
    }
    ret = layer_digest_check(parent);
    if (ret < 0)
        return ret;
    char both[2 * LAYER_DIGEST_LEN];
    int n = snprintf(both, sizeof(both), "%s %s", parent, diff_id);
    return layer_sha256_buf(both, (size_t)n, out);
    /* END LAB */
}

/* ---- 2. Applying a layer: entry names --------------------------------------------------------
 *
 * A tar entry's name is just bytes chosen by whoever made the archive.  Before
 * anything touches the disk, it becomes a clean relative path: no leading
 * "./", no empty or "." components, and never "..".  Absolute names are
 * refused rather than silently re-rooted: a well-made layer has none.
 */

int layer_clean_name(const char *raw, char *out, size_t size)
{
    /* LAB(4): copy raw into out as a clean relative path; refuse "/..." and any ".." component */
    if (raw[0] == '/')
        return err_setx(EPERM, "entry '%s': absolute names are not allowed in a layer", raw);
    size_t n = 0;
    const char *p = raw;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return err_setx(EPERM, "entry '%s': '..' is not allowed in a layer", raw);
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n + len + 2 > size)
                return err_setx(ENAMETOOLONG, "entry '%s': name too long", raw);
            if (n > 0)
                out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
        p += strspn(p, "/");
    }
    out[n] = '\0';
    return 0;
    /* END LAB */
}

/* Split "a/b/c" into parent "a/b" and base "c" (parent "" for a top-level name). */
static const char *split_parent(const char *path, char *parent, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        parent[0] = '\0';
        return path;
    }
    snprintf(parent, size, "%.*s", (int)(slash - path), path);
    return slash + 1;
}

/* A relative symlink must not climb above the target: "a/b -> ../../x" is
 * refused, as Docker does.  Absolute targets are fine: inside a container (and
 * inside our RESOLVE_IN_ROOT walks) "/" is the target itself. */
static int check_symlink_target(const char *name, const char *target)
{
    if (target[0] == '/')
        return 0;
    int depth = 0;
    for (const char *p = name; (p = strchr(p, '/')); p++)
        depth++;
    for (const char *p = target; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            depth--;
        else if (len > 0 && !(len == 1 && p[0] == '.'))
            depth++;
        if (depth < 0)
            return err_setx(EPERM, "entry '%s': symlink to '%s' points outside the layer", name,
                            target);
        p += len;
        p += strspn(p, "/");
    }
    return 0;
}

/* ---- 2. Applying a layer: opening paths inside the target ------------------------------------
 *
 * "etc/passwd" must mean target/etc/passwd, even if an earlier entry (or an
 * earlier layer) made "etc" a symlink to "/etc".  A well-made layer never goes
 * through a symlink (tar records real paths), so we refuse any path that
 * does, and confine the rest with RESOLVE_IN_ROOT.  Kernels before 5.6 have
 * no openat2: walk the path one component at a time with O_NOFOLLOW.
 */

static int open_dir_walk(int rootfd, const char *rel, int *out)
{
    char buf[PATH_MAX], *save = NULL;
    int fd = dup(rootfd);
    if (fd < 0)
        return -errno;
    snprintf(buf, sizeof(buf), "%s", rel);
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        if (next < 0)
            return -saved;
        fd = next;
    }
    *out = fd;
    return 0;
}

/* Open directory rel ("" = the target itself) inside rootfd; -errno, no message. */
static int open_dir_in_root(int rootfd, const char *rel, int *out)
{
    /* LAB(4): openat2(rootfd, rel) with RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS; ENOSYS: walk */
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
    if (fd < 0 && errno == ENOSYS)
        return open_dir_walk(rootfd, rel, out);
    if (fd < 0)
        return -errno;
    *out = fd;
    return 0;
    /* END LAB */
}

/* Create the missing directories of rel (layers may omit parent entries, as
 * `tar` does), one component at a time, never following a symlink. */
static int make_dirs_in_root(int rootfd, const char *rel)
{
    char buf[PATH_MAX], *save = NULL;
    int fd = dup(rootfd);
    if (fd < 0)
        return -errno;
    snprintf(buf, sizeof(buf), "%s", rel);
    for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
            int saved = errno;
            close(fd);
            return -saved;
        }
        int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int saved = errno;
        close(fd);
        if (next < 0)
            return -saved;
        fd = next;
    }
    close(fd);
    return 0;
}

/* The parent directory of entry `name`, opened inside the target (created if
 * missing).  Explains a refusal in terms of the entry. */
static int open_parent(int rootfd, const char *name, const char *parent, int *out)
{
    int ret = open_dir_in_root(rootfd, parent, out);
    if (ret == -ENOENT) {
        ret = make_dirs_in_root(rootfd, parent);
        if (ret == 0)
            ret = open_dir_in_root(rootfd, parent, out);
    }
    if (ret == -ELOOP || ret == -ENOTDIR || ret == -EXDEV)
        return err_setx(EPERM, "entry '%s': '%s' goes through a symlink or a file in the target",
                        name, parent);
    return ret < 0 ? err_set(-ret, "entry '%s': open %s", name, parent) : 0;
}

/* ---- 2. Applying a layer: the size limit -----------------------------------------------------
 *
 * A few MiB of gzip can hold terabytes of zeros (a "zip bomb"), and a sparse
 * file can declare a terabyte of holes around one byte of data.  One limit
 * counts both: the bytes coming out of the decompressor (see next_plain), and
 * the sizes the files declare, checked at each file's header so that nothing
 * of a file too big is ever written.
 */

int layer_parse_size(const char *s, int64_t *out)
{
    static const char units[] = "kmgt"; /* powers of 1024 */
    char *end;
    if (!s || !isdigit((unsigned char)s[0]))
        goto bad;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    int shift = 0;
    const char *unit = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
    if (unit) {
        shift = 10 * (int)(unit - units + 1);
        end++;
        if (end[0] == 'i' && end[1] == 'B')
            end += 2;
        else if (*end == 'B' || *end == 'b')
            end++;
    }
    if (errno || *end || n == 0 || n > (unsigned long long)(INT64_MAX >> shift))
        goto bad;
    *out = (int64_t)(n << shift);
    return 0;
bad:
    return err_setx(EINVAL, "invalid size '%s': expected a number of bytes, or one like 64M or 4G",
                    s ? s : "");
}

int layer_max_size(int64_t *out)
{
    const char *env = getenv(LAYER_MAX_SIZE_ENV);
    if (!env || !env[0]) {
        *out = LAYER_MAX_SIZE_DEFAULT;
        return 0;
    }
    int ret = layer_parse_size(env, out);
    return ret < 0 ? err_wrap(ret, "$%s", LAYER_MAX_SIZE_ENV) : 0;
}

/* ---- 2. Applying a layer: one entry ---------------------------------------------------------- */

struct dir_time {
    char *path;
    struct timespec mtime;
};

struct apply_ctx {
    struct archive *tar;
    int rootfd;
    unsigned flags;
    strv_t seen;           /* paths this layer wrote, for opaque dirs when flattening */
    struct dir_time *dirs; /* directory mtimes, set last: creating children changes them */
    size_t ndirs;
    int64_t max_size;   /* the size limit (<= 0: none) */
    int64_t files_size; /* what the files written so far declared */
};

/* Which extended attributes a layer may set: user.* and trusted.*, except
 * overlay's own (a layer must not forge an opaque dir or a redirect). */
static bool xattr_allowed(const char *name)
{
    if (str_has_prefix(name, "trusted.overlay."))
        return false;
    return str_has_prefix(name, "user.") || str_has_prefix(name, "trusted.");
}

static int set_xattrs(int fd, struct archive_entry *e, const char *name)
{
    const char *key;
    const void *value;
    size_t size;

    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &key, &value, &size) == ARCHIVE_OK) {
        if (!xattr_allowed(key))
            continue;
        if (fsetxattr(fd, key, value, size, 0) < 0 && errno != ENOTSUP)
            return err_set(errno, "entry '%s': set xattr %s", name, key);
    }
    return 0;
}

/* Owner first: chown clears the setuid and setgid bits, so chmod comes after. */
static int set_metadata_fd(int fd, struct archive_entry *e, const char *name, bool set_times)
{
    if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
        return err_set(errno, "entry '%s': chown", name);
    if (fchmod(fd, archive_entry_perm(e)) < 0)
        return err_set(errno, "entry '%s': chmod", name);
    int ret = set_xattrs(fd, e, name);
    if (ret < 0 || !set_times)
        return ret;
    struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    return futimens(fd, ts) < 0 ? err_set(errno, "entry '%s': set times", name) : 0;
}

/* For what cannot be opened (symlinks, fifos, devices): by name in dirfd. */
static int set_metadata_at(int dirfd, const char *base, struct archive_entry *e, const char *name)
{
    if (fchownat(dirfd, base, archive_entry_uid(e), archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "entry '%s': chown", name);
    if (archive_entry_filetype(e) != AE_IFLNK &&
        fchmodat(dirfd, base, archive_entry_perm(e), 0) < 0)
        return err_set(errno, "entry '%s': chmod", name);
    struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    if (utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return err_set(errno, "entry '%s': set times", name);
    return 0;
}

/* Make room for a new entry: tar semantics, the last entry of a name wins.  An
 * existing directory stays when the new entry is a directory too (merge). */
static int make_room(int dirfd, const char *base, bool new_is_dir, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "entry '%s': stat", name);
    if (new_is_dir && S_ISDIR(st.st_mode))
        return 0;
    int ret = remove_tree_at(dirfd, base);
    return ret < 0 ? err_set(-ret, "entry '%s': replace the existing file", name) : 0;
}

/* Count a file's declared size against the limit, before writing any of it. */
static int reserve_size(struct apply_ctx *c, struct archive_entry *e, const char *name)
{
    int64_t size = archive_entry_size(e);
    if (size < 0)
        return err_setx(EINVAL, "entry '%s': invalid size", name);
    if (c->max_size > 0 && size > c->max_size - c->files_size)
        return err_setx(
            EFBIG, "entry '%s': %lld bytes would take the layer over its size limit of %lld bytes",
            name, (long long)size, (long long)c->max_size);
    c->files_size += size;
    return 0;
}

static int write_file(struct apply_ctx *c, int dirfd, const char *base, struct archive_entry *e,
                      const char *name)
{
    int ret = reserve_size(c, e, name);
    if (ret < 0)
        return ret;
    int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(errno, "entry '%s': create", name);
    int64_t size = archive_entry_size(e);
    const void *buf;
    size_t len;
    la_int64_t offset;
    for (;;) {
        int r = archive_read_data_block(c->tar, &buf, &len, &offset);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            ret = err_setx(EIO, "entry '%s': %s", name, why(c->tar));
            goto out;
        }
        /* sparse files come as blocks with holes between them, all within the
         * declared size (a block far beyond it would make a huge hole) */
        if (offset < 0 || (int64_t)len > size - offset) {
            ret = err_setx(EFBIG, "entry '%s': data past the end of the file", name);
            goto out;
        }
        if (lseek(fd, offset, SEEK_SET) < 0 || fd_write_all(fd, buf, len) < 0) {
            ret = err_set(errno, "entry '%s': write", name);
            goto out;
        }
    }
    if (ftruncate(fd, size) < 0) {
        ret = err_set(errno, "entry '%s': truncate", name);
        goto out;
    }
    ret = set_metadata_fd(fd, e, name, true);
out:
    close(fd);
    return ret;
}

static int make_dir(struct apply_ctx *c, int dirfd, const char *base, struct archive_entry *e,
                    const char *name)
{
    if (mkdirat(dirfd, base, 0700) < 0 && errno != EEXIST)
        return err_set(errno, "entry '%s': mkdir", name);
    int fd = openat(dirfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "entry '%s': open", name);
    int ret = set_metadata_fd(fd, e, name, false);
    close(fd);
    if (ret < 0)
        return ret;

    struct dir_time *bigger = realloc(c->dirs, (c->ndirs + 1) * sizeof(*c->dirs));
    if (!bigger)
        return err_set(ENOMEM, "entry '%s'", name);
    c->dirs = bigger;
    c->dirs[c->ndirs].path = strdup(name);
    c->dirs[c->ndirs].mtime =
        (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    if (!c->dirs[c->ndirs].path)
        return err_set(ENOMEM, "entry '%s'", name);
    c->ndirs++;
    return 0;
}

/* A hard link's target is another name of the archive: it gets the same
 * checks, and must already exist inside the target. */
static int make_hardlink(struct apply_ctx *c, int dirfd, const char *base, const char *link,
                         const char *name)
{
    /* LAB(4): link to an existing file of the target, opened inside it like any entry */
    char clean[PATH_MAX], parent[PATH_MAX];
    int ret = layer_clean_name(link, clean, sizeof(clean));
    if (ret < 0)
        return err_wrap(ret, "entry '%s': hard link", name);
    const char *src = split_parent(clean, parent, sizeof(parent));
    int srcdir;
    ret = open_dir_in_root(c->rootfd, parent, &srcdir);
    if (ret < 0)
        return err_setx(EPERM, "entry '%s': hard link to '%s', which is not in the target", name,
                        link);
    struct stat st;
    if (fstatat(srcdir, src, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode))
        ret = err_setx(EPERM, "entry '%s': hard link to '%s', which is not a file of the target",
                       name, link);
    else if (linkat(srcdir, src, dirfd, base, 0) < 0)
        ret = err_set(errno, "entry '%s': hard link to '%s'", name, link);
    close(srcdir);
    return ret;
    /* END LAB */
}

static int make_node(struct apply_ctx *c, int dirfd, const char *base, struct archive_entry *e,
                     const char *name)
{
    mode_t type = archive_entry_filetype(e);
    if ((type == AE_IFCHR || type == AE_IFBLK) && !(c->flags & LAYER_ALLOW_DEVICES))
        return err_setx(EPERM, "entry '%s': device nodes are not allowed in a layer", name);
    if (mknodat(dirfd, base, type | 0600, archive_entry_rdev(e)) < 0)
        return err_set(errno, "entry '%s': mknod", name);
    return set_metadata_at(dirfd, base, e, name);
}

static int make_symlink(int dirfd, const char *base, struct archive_entry *e, const char *name)
{
    const char *target = archive_entry_symlink(e);
    int ret = check_symlink_target(name, target);
    if (ret < 0)
        return ret;
    if (symlinkat(target, dirfd, base) < 0)
        return err_set(errno, "entry '%s': symlink", name);
    return set_metadata_at(dirfd, base, e, name);
}

/* Did this layer itself write `path`?  (Opaque dirs hide only older content.) */
static bool seen_in_layer(const struct apply_ctx *c, const char *path)
{
    for (size_t i = 0; i < c->seen.len; i++)
        if (strcmp(c->seen.v[i], path) == 0)
            return true;
    return false;
}

/* Flattening an opaque directory: delete what older layers put there. */
static int clear_opaque_dir(struct apply_ctx *c, int dirfd, const char *dir)
{
    int fd = dup(dirfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return err_set(errno, "opaque directory '%s'", dir);
    }
    int ret = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) && ret == 0) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s%s%s", dir, dir[0] ? "/" : "", ent->d_name);
        if (!seen_in_layer(c, path) && (ret = remove_tree_at(dirfd, ent->d_name)) < 0)
            ret = err_set(-ret, "opaque directory '%s': remove %s", dir, ent->d_name);
    }
    closedir(d);
    return ret;
}

static int apply_whiteout(struct apply_ctx *c, int dirfd, const char *parent, const char *base,
                          const char *name)
{
    /* LAB(4): opaque marker -> xattr (or clear the dir); ".wh.X" -> char 0/0 X (or remove X) */
    bool flatten = c->flags & LAYER_FLATTEN;
    if (strcmp(base, OPAQUE_MARKER) == 0) {
        if (flatten)
            return clear_opaque_dir(c, dirfd, parent);
        if (fsetxattr(dirfd, OPAQUE_XATTR, "y", 1, 0) < 0)
            return err_set(errno, "entry '%s': set %s", name, OPAQUE_XATTR);
        return 0;
    }
    if (str_has_prefix(base, WHITEOUT_PREFIX WHITEOUT_PREFIX))
        return 0; /* other AUFS metadata (.wh..wh.plnk...): nothing to do */
    const char *victim = base + strlen(WHITEOUT_PREFIX);
    if (!victim[0] || !strcmp(victim, ".") || !strcmp(victim, ".."))
        return err_setx(EPERM, "entry '%s': invalid whiteout", name);
    int ret = remove_tree_at(dirfd, victim);
    if (ret < 0)
        return err_set(-ret, "entry '%s': remove %s", name, victim);
    if (!flatten && mknodat(dirfd, victim, S_IFCHR, makedev(0, 0)) < 0)
        return err_set(errno, "entry '%s': make the whiteout %s", name, victim);
    return 0;
    /* END LAB */
}

static int apply_entry(struct apply_ctx *c, struct archive_entry *e)
{
    char name[PATH_MAX], parent[PATH_MAX];
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        return err_setx(EINVAL, "an entry has no name");
    int ret = layer_clean_name(raw, name, sizeof(name));
    if (ret < 0 || !name[0])
        return ret; /* "./" itself: the target exists already */

    const char *base = split_parent(name, parent, sizeof(parent));
    int dirfd = -1;
    ret = open_parent(c->rootfd, name, parent, &dirfd);
    if (ret < 0)
        return ret;

    const char *link = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    if (str_has_prefix(base, WHITEOUT_PREFIX)) {
        ret = apply_whiteout(c, dirfd, parent, base, name);
        goto out;
    }
    ret = make_room(dirfd, base, !link && type == AE_IFDIR, name);
    if (ret < 0)
        goto out;
    if (link)
        ret = make_hardlink(c, dirfd, base, link, name);
    else if (type == AE_IFREG)
        ret = write_file(c, dirfd, base, e, name);
    else if (type == AE_IFDIR)
        ret = make_dir(c, dirfd, base, e, name);
    else if (type == AE_IFLNK)
        ret = make_symlink(dirfd, base, e, name);
    else if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)
        ret = make_node(c, dirfd, base, e, name);
    /* sockets (and unknown types) are skipped, as Docker does */
    if (ret == 0 && (c->flags & LAYER_FLATTEN))
        ret = strv_push(&c->seen, name) < 0 ? err_set(ENOMEM, "entry '%s'", name) : 0;
out:
    close(dirfd);
    return ret;
}

/* Last step: directory mtimes (children are all in place now). */
static void set_dir_times(struct apply_ctx *c)
{
    for (size_t i = 0; i < c->ndirs; i++) {
        int fd = -1;
        if (open_dir_in_root(c->rootfd, c->dirs[i].path, &fd) == 0) {
            struct timespec ts[2] = {c->dirs[i].mtime, c->dirs[i].mtime};
            futimens(fd, ts);
            close(fd);
        }
    }
}

/* ---- 2. Applying a layer: the stream --------------------------------------------------------- */

/* The input as it flows: packed (as stored) and plain (uncompressed) hashes. */
struct stream {
    int fd;
    struct archive *raw; /* decompresses the input, format "raw" */
    EVP_MD_CTX *packed, *plain;
    int64_t size;
    int64_t plain_size, max_plain; /* bytes uncompressed so far, and the limit (<= 0: none) */
    unsigned char *buf;
};

/* libarchive pulls the input through here: hash the bytes as stored. */
static la_ssize_t read_packed(struct archive *a, void *data, const void **buf)
{
    struct stream *s = data;
    ssize_t n;
    do
        n = read(s->fd, s->buf, BLOCK_SIZE);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "read the layer");
        return -1;
    }
    EVP_DigestUpdate(s->packed, s->buf, (size_t)n);
    s->size += n;
    *buf = s->buf;
    return n;
}

/* The next block of the uncompressed stream (0 at the end), hashed and
 * counted: past the limit, the stream stops with an error. */
static la_ssize_t next_plain(struct stream *s, struct archive *errs, const void **buf)
{
    size_t len;
    la_int64_t offset;
    int r = archive_read_data_block(s->raw, buf, &len, &offset);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r >= ARCHIVE_WARN && s->max_plain > 0 && (int64_t)len > s->max_plain - s->plain_size) {
        archive_set_error(s->raw, EFBIG,
                          "the uncompressed layer is over its size limit of %jd bytes",
                          (intmax_t)s->max_plain);
        r = ARCHIVE_FATAL;
    }
    if (r < ARCHIVE_WARN) {
        if (errs)
            archive_set_error(errs, archive_errno(s->raw), "%s", why(s->raw));
        return -1;
    }
    s->plain_size += (int64_t)len;
    EVP_DigestUpdate(s->plain, *buf, len);
    return (la_ssize_t)len;
}

static la_ssize_t read_plain(struct archive *a, void *data, const void **buf)
{
    return next_plain(data, a, buf);
}

static int stream_open(struct stream *s, int fd)
{
    struct archive_entry *e;
    *s = (struct stream){.fd = fd};
    s->buf = malloc(BLOCK_SIZE);
    s->raw = archive_read_new();
    if (!s->buf || !s->raw)
        return err_set(ENOMEM, "read the layer");
    int ret = hash_start(&s->packed);
    if (ret == 0)
        ret = hash_start(&s->plain);
    if (ret < 0)
        return ret;
    archive_read_support_filter_all(s->raw);
    archive_read_support_format_raw(s->raw);
    if (archive_read_open(s->raw, s, NULL, read_packed, NULL) != ARCHIVE_OK ||
        archive_read_next_header(s->raw, &e) != ARCHIVE_OK)
        return err_setx(EINVAL, "read the layer: %s", why(s->raw));
    return 0;
}

/* Read what the tar reader left (end-of-archive padding, trailing bytes), so
 * that the digests cover the whole input, then finish both hashes. */
static int stream_finish(struct stream *s, struct layer_info *info)
{
    const void *buf;
    la_ssize_t n;
    while ((n = next_plain(s, NULL, &buf)) > 0)
        ;
    if (n < 0)
        return err_setx(EIO, "read the layer: %s", why(s->raw));
    while ((n = read_packed(s->raw, s, &buf)) > 0)
        ;
    if (n < 0)
        return err_set(errno, "read the layer");
    struct layer_info tmp;
    if (!info)
        info = &tmp;
    hash_end(s->packed, info->digest);
    hash_end(s->plain, info->diff_id);
    info->size = s->size;
    return 0;
}

static void stream_close(struct stream *s)
{
    if (s->raw)
        archive_read_free(s->raw);
    EVP_MD_CTX_free(s->packed);
    EVP_MD_CTX_free(s->plain);
    free(s->buf);
}

static int apply_entries(struct apply_ctx *c)
{
    struct archive_entry *e;
    for (;;) {
        int r = archive_read_next_header(c->tar, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return err_setx(EINVAL, "read the layer: %s", why(c->tar));
        int ret = apply_entry(c, e);
        if (ret < 0)
            return ret;
    }
}

int layer_apply_fd_max(int fd, const char *target, unsigned flags, int64_t max_size,
                       struct layer_info *info)
{
    struct stream s;
    struct apply_ctx c = {.flags = flags, .rootfd = -1, .max_size = max_size};
    int ret = stream_open(&s, fd);
    if (ret < 0)
        goto out;
    s.max_plain = max_size;
    c.rootfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.rootfd < 0) {
        ret = err_set(errno, "open %s", target);
        goto out;
    }
    c.tar = archive_read_new();
    if (!c.tar) {
        ret = err_set(ENOMEM, "read the layer");
        goto out;
    }
    archive_read_support_format_tar(c.tar);
    if (archive_read_open(c.tar, &s, NULL, read_plain, NULL) != ARCHIVE_OK) {
        ret = err_setx(EINVAL, "read the layer: %s", why(c.tar));
        goto out;
    }
    ret = apply_entries(&c);
    if (ret == 0)
        ret = stream_finish(&s, info);
    if (ret == 0)
        set_dir_times(&c);
out:
    if (c.tar)
        archive_read_free(c.tar);
    for (size_t i = 0; i < c.ndirs; i++)
        free(c.dirs[i].path);
    free(c.dirs);
    strv_free(&c.seen);
    if (c.rootfd >= 0)
        close(c.rootfd);
    stream_close(&s);
    return ret;
}

int layer_apply_fd(int fd, const char *target, unsigned flags, struct layer_info *info)
{
    int64_t max_size;
    int ret = layer_max_size(&max_size);
    return ret < 0 ? ret : layer_apply_fd_max(fd, target, flags, max_size, info);
}

int layer_apply(const char *tar_path, const char *target, unsigned flags, struct layer_info *info)
{
    int fd = open(tar_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "open %s", tar_path);
    int ret = layer_apply_fd(fd, target, flags, info);
    close(fd);
    return ret < 0 ? err_wrap(ret, "%s", tar_path) : 0;
}

/* ---- 3. Creating a layer: the gzip writer ----------------------------------------------------
 *
 * The mirror image of the reader: libarchive's "raw" writer compresses one
 * stream with no archive structure around it.  Bytes going in are hashed
 * (diff_id), bytes coming out are hashed and counted (digest, size).
 */

struct packer {
    int fd;
    struct archive *gz;
    EVP_MD_CTX *packed, *plain;
    int64_t size;
};

static la_ssize_t write_packed(struct archive *a, void *data, const void *buf, size_t len)
{
    struct packer *p = data;
    int ret = fd_write_all(p->fd, buf, len);
    if (ret < 0) {
        archive_set_error(a, -ret, "write the layer");
        return -1;
    }
    EVP_DigestUpdate(p->packed, buf, len);
    p->size += (int64_t)len;
    return (la_ssize_t)len;
}

static int packer_open(struct packer *p, int fd)
{
    *p = (struct packer){.fd = fd};
    int ret = hash_start(&p->packed);
    if (ret == 0)
        ret = hash_start(&p->plain);
    if (ret < 0)
        return ret;
    p->gz = archive_write_new();
    if (!p->gz)
        return err_set(ENOMEM, "write the layer");
    archive_write_add_filter_gzip(p->gz);
    archive_write_set_format_raw(p->gz);
    /* no time stamp in the gzip header: the same tar always gives the same blob */
    archive_write_set_filter_option(p->gz, "gzip", "timestamp", NULL);
    archive_write_set_bytes_in_last_block(p->gz, 1);
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return err_set(ENOMEM, "write the layer");
    archive_entry_set_pathname(e, "layer.tar");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    if (archive_write_open(p->gz, p, NULL, write_packed, NULL) != ARCHIVE_OK ||
        archive_write_header(p->gz, e) != ARCHIVE_OK)
        ret = err_setx(EIO, "write the layer: %s", why(p->gz));
    archive_entry_free(e);
    return ret;
}

static int packer_write(struct packer *p, const void *buf, size_t len)
{
    EVP_DigestUpdate(p->plain, buf, len);
    if (len > 0 && archive_write_data(p->gz, buf, len) < 0)
        return err_setx(EIO, "compress the layer: %s", why(p->gz));
    return 0;
}

static int packer_finish(struct packer *p, struct layer_info *info)
{
    if (archive_write_close(p->gz) != ARCHIVE_OK)
        return err_setx(EIO, "compress the layer: %s", why(p->gz));
    hash_end(p->packed, info->digest);
    hash_end(p->plain, info->diff_id);
    info->size = p->size;
    return 0;
}

static void packer_close(struct packer *p)
{
    if (p->gz)
        archive_write_free(p->gz);
    EVP_MD_CTX_free(p->packed);
    EVP_MD_CTX_free(p->plain);
}

int layer_compress_fd(int in_fd, int out_fd, struct layer_info *info)
{
    struct stream s;
    struct packer p;
    const void *buf;
    la_ssize_t n;
    int ret = stream_open(&s, in_fd);
    if (ret == 0)
        ret = packer_open(&p, out_fd);
    else
        p = (struct packer){0};
    while (ret == 0 && (n = next_plain(&s, NULL, &buf)) != 0) {
        if (n < 0)
            ret = err_setx(EIO, "read the layer: %s", why(s.raw));
        else
            ret = packer_write(&p, buf, (size_t)n);
    }
    if (ret == 0)
        ret = packer_finish(&p, info);
    packer_close(&p);
    stream_close(&s);
    return ret;
}

/* ---- 3. Creating a layer: from a directory ---------------------------------------------------
 *
 * libarchive walks the tree (archive_read_disk: lstat, readlink, xattrs) and
 * writes a pax tar, whose bytes go straight into the packer.  Names are made
 * relative to the directory; hard links are found by the link resolver.
 */

static la_ssize_t write_tar(struct archive *a, void *data, const void *buf, size_t len)
{
    if (packer_write(data, buf, len) < 0) {
        archive_set_error(a, EIO, "%s", err_msg());
        return -1;
    }
    return (la_ssize_t)len;
}

static int copy_entry_data(struct archive *disk, struct archive *tar, const char *name)
{
    char buf[16384];
    la_ssize_t n;
    while ((n = archive_read_data(disk, buf, sizeof(buf))) > 0) {
        if (archive_write_data(tar, buf, (size_t)n) < 0)
            return err_setx(EIO, "%s: %s", name, why(tar));
    }
    return n < 0 ? err_setx(EIO, "%s: %s", name, why(disk)) : 0;
}

static int write_dir_entries(const char *dir, struct archive *disk, struct archive *tar,
                             struct archive_entry_linkresolver *links)
{
    size_t skip = strlen(dir);
    for (;;) {
        struct archive_entry *e = archive_entry_new(), *spare = NULL;
        int r = archive_read_next_header2(disk, e);
        if (r == ARCHIVE_EOF) {
            archive_entry_free(e);
            return 0;
        }
        if (r < ARCHIVE_WARN) {
            archive_entry_free(e);
            return err_setx(EIO, "read %s: %s", dir, why(disk));
        }
        archive_read_disk_descend(disk);
        const char *path = archive_entry_pathname(e) + skip;
        path += strspn(path, "/");
        int ret = 0;
        if (path[0] && archive_entry_filetype(e) != AE_IFSOCK) {
            char *rel = strdup(path);
            archive_entry_set_pathname(e, rel);
            free(rel);
            archive_entry_linkify(links, &e, &spare);
            if (archive_write_header(tar, e) < ARCHIVE_WARN)
                ret = err_setx(EIO, "%s: %s", path, why(tar));
            else if (archive_entry_size(e) > 0)
                ret = copy_entry_data(disk, tar, archive_entry_pathname(e));
        }
        archive_entry_free(e);
        archive_entry_free(spare);
        if (ret < 0)
            return ret;
    }
}

static int tar_dir(const char *dir, struct packer *p)
{
    int ret = 0;
    struct archive *disk = archive_read_disk_new(), *tar = archive_write_new();
    struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
    if (!disk || !tar || !links) {
        ret = err_set(ENOMEM, "read %s", dir);
        goto out;
    }
    archive_read_disk_set_standard_lookup(disk);
    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    archive_write_set_format_pax_restricted(tar);
    archive_entry_linkresolver_set_strategy(links, archive_format(tar));
    if (archive_read_disk_open(disk, dir) != ARCHIVE_OK ||
        archive_write_open(tar, p, NULL, write_tar, NULL) != ARCHIVE_OK) {
        ret = err_setx(EIO, "read %s: %s", dir, why(disk));
        goto out;
    }
    ret = write_dir_entries(dir, disk, tar, links);
    if (ret == 0 && archive_write_close(tar) != ARCHIVE_OK)
        ret = err_setx(EIO, "write the layer: %s", why(tar));
out:
    archive_entry_linkresolver_free(links);
    if (tar)
        archive_write_free(tar);
    if (disk)
        archive_read_free(disk);
    return ret;
}

/* ---- 3. Creating a layer: from an overlay upper ----------------------------------------------
 *
 * Lab 03 writes the tar of an upper (whiteouts turned into ".wh." files) to a
 * file descriptor.  A thread writes it into a pipe while we compress the
 * other end: still one pass, no temporary tar on disk.
 */

struct upper_job {
    const char *upper;
    int fd;
    int ret;
    char msg[512];
};

static void *write_upper(void *arg)
{
    struct upper_job *job = arg;
    sigset_t pipe_signal;
    /* if the reader stops early, write() must fail with EPIPE, not kill us */
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, NULL);
    job->ret = ovl_write_layer(job->upper, job->fd);
    if (job->ret < 0)
        snprintf(job->msg, sizeof(job->msg), "%s", err_msg()); /* the slot is per thread */
    close(job->fd);
    return NULL;
}

static int tar_upper(const char *upper, int out_fd, struct layer_info *info)
{
    int pipefd[2];
    pthread_t thread;
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return err_set(errno, "pipe");
    struct upper_job job = {.upper = upper, .fd = pipefd[1]};
    int ret = pthread_create(&thread, NULL, write_upper, &job);
    if (ret != 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return err_set(ret, "start a thread");
    }
    ret = layer_compress_fd(pipefd[0], out_fd, info);
    close(pipefd[0]); /* a writer still running gets EPIPE and stops */
    pthread_join(thread, NULL);
    if (job.ret < 0)
        return err_setx(-job.ret, "%s", job.msg);
    return ret;
}

static int write_layer(const char *dir, enum layer_source source, int fd, struct layer_info *info)
{
    if (source == LAYER_FROM_UPPER)
        return tar_upper(dir, fd, info);
    struct packer p;
    int ret = packer_open(&p, fd);
    if (ret == 0)
        ret = tar_dir(dir, &p);
    if (ret == 0)
        ret = packer_finish(&p, info);
    packer_close(&p);
    return ret;
}

int layer_create(const char *dir, enum layer_source source, const char *out_path,
                 struct layer_info *info)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", out_path) >= (int)sizeof(tmp))
        return err_setx(ENAMETOOLONG, "%s: path too long", out_path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "create a temporary file for %s", out_path);
    int ret = write_layer(dir, source, fd, info);
    if (ret == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
        ret = err_set(errno, "write %s", tmp);
    close(fd);
    if (ret == 0 && rename(tmp, out_path) < 0)
        ret = err_set(errno, "rename %s to %s", tmp, out_path);
    if (ret < 0)
        unlink(tmp);
    return ret < 0 ? err_wrap(ret, "create a layer from %s", dir) : 0;
}

/* ---- 4. A plain tar of a tree (export) ------------------------------------------------------- */

int layer_write_tree(const char *dir, int out_fd)
{
    int ret = 0;
    struct archive *disk = archive_read_disk_new(), *tar = archive_write_new();
    struct archive_entry_linkresolver *links = archive_entry_linkresolver_new();
    if (!disk || !tar || !links) {
        ret = err_set(ENOMEM, "read %s", dir);
        goto out;
    }
    /* no user name lookup: numeric ids are what a root file system means */
    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    archive_write_set_format_pax_restricted(tar);
    archive_write_set_bytes_in_last_block(tar, 1);
    archive_entry_linkresolver_set_strategy(links, archive_format(tar));
    if (archive_read_disk_open(disk, dir) != ARCHIVE_OK) {
        ret = err_setx(EIO, "read %s: %s", dir, why(disk));
        goto out;
    }
    if (archive_write_open_fd(tar, out_fd) != ARCHIVE_OK) {
        ret = err_setx(EIO, "write the tar of %s: %s", dir, why(tar));
        goto out;
    }
    ret = write_dir_entries(dir, disk, tar, links);
    if (ret == 0 && archive_write_close(tar) != ARCHIVE_OK)
        ret = err_setx(EIO, "write the tar of %s: %s", dir, why(tar));
out:
    archive_entry_linkresolver_free(links);
    if (tar)
        archive_write_free(tar);
    if (disk)
        archive_read_free(disk);
    return ret;
}
