/* image.h — the image store: an OCI image layout (lab 04).
 *
 * An image is three kinds of JSON and tar files, each stored once under the
 * SHA-256 of its bytes (content addressing), in ROOT/images:
 *
 *   oci-layout                 {"imageLayoutVersion": "1.0.0"}
 *   index.json                 the entry points: one per manifest, tagged with
 *                              the annotation org.opencontainers.image.ref.name
 *   blobs/sha256/<hex>         manifests, configs and layers
 *
 *   index.json --> manifest --> config  (Env, Cmd..., rootfs.diff_ids: the image ID is its digest)
 *                          \--> layers  (tar+gzip blobs, bottom first)
 *
 * Layers are unpacked once per ChainID in ROOT/layers/<chain hex>/, with
 * whiteouts in overlay's form, and shared by every image that has the same
 * stack of layers.  References are parsed like Docker's: "busybox" is
 * docker.io/library/busybox:latest.
 *
 * Changes to index.json are atomic (written to a temporary file, renamed) and
 * serialised by a lock (flock on ROOT/images/.lock).  Blobs are verified
 * against their digest before they are renamed into place.
 *
 * All functions return 0 or a negative errno, with a message in the error slot.
 */
#ifndef MD_IMAGE_H
#define MD_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "layer.h"
#include "str.h"

#define IMAGE_MEDIA_INDEX    "application/vnd.oci.image.index.v1+json"
#define IMAGE_MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MEDIA_CONFIG   "application/vnd.oci.image.config.v1+json"
#define IMAGE_MEDIA_LAYER    "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_REF_ANNOTATION "org.opencontainers.image.ref.name"

/* ---- references ---------------------------------------------------------------------------- */

struct image_ref {
    char domain[256];              /* "docker.io", "localhost:5000" */
    char path[256];                /* "library/busybox", "a/b" */
    char tag[129];                 /* "latest" by default; "" with a digest and no tag */
    char digest[LAYER_DIGEST_LEN]; /* "" or "sha256:<hex>" */
};

/* Parse a reference as Docker does: [DOMAIN/]PATH[:TAG][@DIGEST].  Invalid
 * names get Docker's messages ("invalid reference format", "... must be
 * lowercase"). */
int image_ref_parse(const char *s, struct image_ref *ref);

/* The full form: "docker.io/library/busybox:latest" ("...@sha256:..." with a digest). */
void image_ref_string(const struct image_ref *ref, char *buf, size_t size);

/* The short repository name Docker shows: "busybox", "user/repo", "localhost:5000/a/b". */
void image_ref_repository(const struct image_ref *ref, char *buf, size_t size);

/* ---- the store ----------------------------------------------------------------------------- */

struct image_store;

/* Open (creating if needed) the store under root: ROOT/images and ROOT/layers. */
int image_store_open(const char *root, struct image_store **out);
void image_store_close(struct image_store *st);

/* The store's lock (flock on ROOT/images/.lock; it nests).  The functions
 * below take it when they change index.json.  Hold it yourself while you
 * store blobs that no index entry references yet (layers, then image_add()):
 * a garbage collection by another process would otherwise delete them. */
int image_store_lock(struct image_store *st);
void image_store_unlock(struct image_store *st);

/* Path of a blob (it may not exist). */
int image_blob_path(const struct image_store *st, const char *digest, char *buf, size_t size);

/* Store buf as a blob.  When expected is not NULL, the content must hash to
 * it: a mismatch is refused, and nothing is stored.  *digest_out (may be
 * NULL) gets the blob's digest. */
int image_blob_put(struct image_store *st, const char *expected, const void *buf, size_t len,
                   char digest_out[LAYER_DIGEST_LEN]);

/* Move the file tmp_path (same file system) into the store as blob
 * `expected`, after checking its digest; the file is removed on mismatch. */
int image_blob_put_file(struct image_store *st, const char *tmp_path, const char *expected);

/* Read a whole blob, verifying its digest.  The caller frees *out. */
int image_blob_read(struct image_store *st, const char *digest, char **out, size_t *len);

/* ---- images -------------------------------------------------------------------------------- */

struct image {
    char id[LAYER_DIGEST_LEN];       /* the config's digest: Docker's image ID */
    char manifest[LAYER_DIGEST_LEN]; /* the manifest's digest */
    strv_t tags;                     /* full references ("docker.io/library/busybox:latest") */
    struct layer_info *layers;       /* bottom first: blob digest and size, diff_id */
    size_t nlayers;
    int64_t size; /* bytes of the layer blobs */
    time_t created;
};

void image_free(struct image *img);
void image_list_free(struct image *imgs, size_t n);

/* Every image of the store, one per manifest, in index order. */
int image_list(struct image_store *st, struct image **out, size_t *n);

/* Find an image by reference ("busybox", "busybox:1.36", full form), by ID
 * ("sha256:<hex>" or the bare hex) or by a unique prefix of its ID.
 * -ENOENT "No such image: NAME"; -EINVAL when a prefix is ambiguous. */
int image_lookup(struct image_store *st, const char *name, struct image *out);

/* The image's config (Docker's fields: config.Env, config.Cmd, rootfs...). */
int image_config(struct image_store *st, const struct image *img, json_t **config);

/* Store a new image: the layer blobs must already be in the store (bottom
 * first; hold the lock since storing them); config is completed with
 * rootfs.diff_ids, then stored with a manifest, and ref (full or short, may
 * be NULL) is pointed at it.  *id gets the image ID. */
int image_add(struct image_store *st, json_t *config, const struct layer_info *layers, size_t n,
              const char *ref, char id[LAYER_DIGEST_LEN]);

/* `docker import`: turn a root file system tar (plain, gzip, zstd) into a
 * one-layer image tagged ref (may be NULL).  settings (may be NULL) becomes
 * the config's "config" object: Cmd, Entrypoint, Env, WorkingDir...  The
 * layer is checked by unpacking it before anything is stored. */
int image_import(struct image_store *st, const char *tar_path, const char *ref, json_t *settings,
                 char id[LAYER_DIGEST_LEN]);

/* Point reference newref at the image `name`. */
int image_tag(struct image_store *st, const char *name, const char *newref);

/* Remove one tag (a reference); the image stays, untagged if it was the last. */
int image_untag(struct image_store *st, const char *ref);

/* `docker rmi`.  By reference: remove that tag, and the image when it was
 * its last tag.  By ID: remove the image, but only with force when it has
 * several tags.  Each step is reported in *report as "Untagged: REF" or
 * "Deleted: ID" lines.  Then unreferenced blobs and layers are collected. */
int image_remove(struct image_store *st, const char *name, bool force, strv_t *report);

/* Delete blobs and ROOT/layers directories no image references. */
int image_gc(struct image_store *st);

/* Unpack the image's layers (once per ChainID) and give their directories,
 * bottom first, for an overlay mount (lowerdir= wants them top first). */
int image_layer_dirs(struct image_store *st, const struct image *img, strv_t *dirs);

/* Apply every layer onto dir (created if missing), whiteouts applied: one
 * flat tree, as `docker export` gives. */
int image_unpack(struct image_store *st, const struct image *img, const char *dir);

/* image_import() with the caller's whole config document (Docker's import
 * sets history, comment and the config object itself); config is completed
 * with created, architecture, os and rootfs as image_add() does. */
int image_import_config(struct image_store *st, const char *tar_path, const char *ref,
                        json_t *config, char id[LAYER_DIGEST_LEN]);

/* Docker's SIZE of each layer: the bytes of its files once unpacked in
 * ROOT/layers/<chainid> (the blob's size if it is not unpacked yet).
 * sizes has img->nlayers entries. */
int image_layer_sizes(struct image_store *st, const struct image *img, int64_t *sizes);

/* `docker load`: store an image whose config comes as bytes to keep verbatim
 * (the image ID must survive a save/load round trip).  The config must hash
 * to config_digest (when not NULL) and list the layers' diff_ids in
 * rootfs.diff_ids; the layer blobs must be in the store (hold the lock since
 * storing them).  A manifest is made, and each of refs (full or short; may be
 * NULL or empty: the image is then kept untagged) points at it. */
int image_add_verbatim(struct image_store *st, const char *config, size_t len,
                       const char *config_digest, const struct layer_info *layers, size_t n,
                       const strv_t *refs, char id[LAYER_DIGEST_LEN]);

#endif
