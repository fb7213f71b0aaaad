/* layer.h — image layers: tar streams, whiteouts and digests (lab 04).
 *
 * An image is a stack of layers.  A layer is a tar archive (often gzip- or
 * zstd-compressed) holding the files that changed compared to the layers
 * below it.  A deleted file is recorded as an empty file named ".wh.NAME"
 * (a "whiteout"); a directory whose old content is hidden holds a file named
 * ".wh..wh..opq" (an "opaque" directory).
 *
 * Two digests name a layer, both "sha256:<64 hex>":
 *   - the digest of the blob, the compressed bytes as stored and sent by a
 *     registry (the manifest lists these);
 *   - the diff_id, the SHA-256 of the uncompressed tar (the image config lists
 *     these).
 * The ChainID of layer n names the whole stack 1..n:
 *   chain(1) = diff_id(1),  chain(n) = sha256(chain(n-1) + " " + diff_id(n)).
 * minidock unpacks each stack of layers once, in ROOT/layers/<chainid>/.
 *
 * Layers come from the network: they are untrusted input.  layer_apply()
 * never writes outside the target directory, whatever the archive says.
 *
 * All functions return 0 or a negative errno, with a message in the error slot.
 */
#ifndef MD_LAYER_H
#define MD_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAYER_HEX_LEN    64                      /* SHA-256 in hexadecimal */
#define LAYER_DIGEST_LEN (7 + LAYER_HEX_LEN + 1) /* "sha256:" + hex + NUL */

/* What a layer blob is known by. */
struct layer_info {
    char digest[LAYER_DIGEST_LEN];  /* SHA-256 of the blob (compressed bytes) */
    char diff_id[LAYER_DIGEST_LEN]; /* SHA-256 of the uncompressed tar */
    int64_t size;                   /* bytes of the blob */
};

/* ---- digests ------------------------------------------------------------------------------- */

/* Is s a well-formed "sha256:<64 lower-case hex>"?  On error, the slot names s. */
int layer_digest_check(const char *s);

/* The hex part of a valid digest ("sha256:abc..." -> "abc..."), or NULL. */
const char *layer_digest_hex(const char *digest);

/* Format a raw 32-byte SHA-256 as "sha256:<hex>". */
void layer_digest_format(const unsigned char sha[32], char out[LAYER_DIGEST_LEN]);

/* SHA-256 of a buffer / of a whole file, as "sha256:<hex>". */
int layer_sha256_buf(const void *buf, size_t len, char out[LAYER_DIGEST_LEN]);
int layer_sha256_file(const char *path, char out[LAYER_DIGEST_LEN]);

/* ChainID of a layer: parent is the ChainID of the layers below ("" or NULL
 * for the first layer), diff_id the layer's own. */
int layer_chain_id(const char *parent, const char *diff_id, char out[LAYER_DIGEST_LEN]);

/* ---- applying a layer ----------------------------------------------------------------------- */

enum layer_apply_flags {
    /* Apply whiteouts by deleting the files they name, for a flat tree
     * (export, unpack).  Without it, whiteouts become overlay's own form: a
     * character device 0/0 NAME, and the xattr trusted.overlay.opaque=y. */
    LAYER_FLATTEN = 1 << 0,
    /* Create device nodes found in the layer (only root asks for this). */
    LAYER_ALLOW_DEVICES = 1 << 1,
};

/* A layer may not be bigger than this once uncompressed (a zip bomb is a few
 * MiB of gzip that expand to terabytes).  The environment variable overrides
 * it, in bytes or with a K, M, G or T suffix (powers of 1024): "64G". */
#define LAYER_MAX_SIZE_DEFAULT ((int64_t)64 << 30)
#define LAYER_MAX_SIZE_ENV     "MINIDOCK_LAYER_MAX_SIZE"

/* Parse a size such as "4096", "64M", "64MiB" or "1g" into *out (> 0).  On
 * error, the slot names s. */
int layer_parse_size(const char *s, int64_t *out);

/* The size limit for layers: $MINIDOCK_LAYER_MAX_SIZE if set, else
 * LAYER_MAX_SIZE_DEFAULT.  A malformed variable is an error. */
int layer_max_size(int64_t *out);

/* A tar entry's name as a clean relative path ("./a//b" -> "a/b") into out;
 * -EPERM for an absolute name or a ".." component, the error naming raw.
 * (load uses it too, for the names of the archive it reads.) */
int layer_clean_name(const char *raw, char *out, size_t size);

/* Unpack the layer tar at fd (plain, gzip or zstd: detected) onto the
 * existing directory target, in one read of the input.  Fills *info (may be
 * NULL) with the digest and size of the bytes read and the diff_id.  Refuses
 * entries with ".." or an absolute name, paths going through a symlink,
 * symlinks pointing above the target, hard links to names that are not in the
 * target, and device nodes unless LAYER_ALLOW_DEVICES: the error names the
 * entry.  Refuses a layer bigger than max_size bytes (<= 0: no limit), counting
 * both the uncompressed stream and the sizes the files declare (a sparse file
 * counts its full size): a file is refused at its header, before a byte of it
 * is written.  On error, the target may hold part of the layer: unpack into a
 * temporary directory and rename it once done. */
int layer_apply_fd_max(int fd, const char *target, unsigned flags, int64_t max_size,
                       struct layer_info *info);

/* The same with the limit of layer_max_size(), from an fd or a file. */
int layer_apply_fd(int fd, const char *target, unsigned flags, struct layer_info *info);
int layer_apply(const char *tar_path, const char *target, unsigned flags, struct layer_info *info);

/* ---- creating a layer ----------------------------------------------------------------------- */

enum layer_source {
    LAYER_FROM_DIR,   /* a whole directory tree (import, commit of a plain rootfs) */
    LAYER_FROM_UPPER, /* an overlay upper directory: whiteouts become ".wh." files */
};

/* Write a gzip layer blob made from dir to out_path, crash-safely: the blob
 * goes to a temporary file, is synced, and is renamed to out_path only once
 * complete.  *info gets its digest, size and diff_id (one pass over the data). */
int layer_create(const char *dir, enum layer_source source, const char *out_path,
                 struct layer_info *info);

/* Compress the tar at in_fd (plain, gzip or zstd) into a gzip blob at out_fd,
 * hashing both sides on the way: info->diff_id is the SHA-256 of the
 * uncompressed tar, info->digest and size describe what was written. */
int layer_compress_fd(int in_fd, int out_fd, struct layer_info *info);

/* Write the tree dir as a plain (uncompressed) pax tar to out_fd, which stays
 * open and owned by the caller: names relative to dir, owners as numbers,
 * hard links kept, sockets skipped, mount points below dir kept as empty
 * directories (`export` of a running container must not archive its /proc). */
int layer_write_tree(const char *dir, int out_fd);

#endif
