/* tarball.h — what save.c and load.c share: libarchive's messages, a running
 * SHA-256 (blobs are checked against their digest both ways), and Docker's
 * short form of a reference. */
#ifndef MD_TARBALL_H
#define MD_TARBALL_H

#include <archive.h>
#include <openssl/evp.h>
#include <stddef.h>

#include "layer.h"

#define BLOCK_SIZE      (64 * 1024) /* what we read and write at a time */
#define CONTAINERD_NAME "io.containerd.image.name"

/* libarchive's last error on a, or "unknown error". */
const char *tar_error_string(struct archive *a);

/* Start a SHA-256 (*ctx is the caller's, freed with EVP_MD_CTX_free);
 * sha256_end writes "sha256:<hex>". */
int sha256_start(EVP_MD_CTX **ctx);
void sha256_end(EVP_MD_CTX *ctx, char out[LAYER_DIGEST_LEN]);

/* "docker.io/library/busybox:latest" -> "busybox:latest" (Docker's RepoTags
 * form) in buf, repo "busybox" (600 bytes) and tag "latest" (130 bytes), both
 * may be NULL.  -EINVAL for a reference without a tag. */
int familiar_ref(const char *full, char *buf, size_t size, char *repo, char *tag);

#endif
