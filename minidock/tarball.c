/* tarball.c — what save.c and load.c share (see tarball.h). */
#include <archive.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "err.h"
#include "image.h"
#include "layer.h"
#include "tarball.h"

const char *tar_error_string(struct archive *a)
{
    const char *msg = archive_error_string(a);
    return msg ? msg : "unknown error";
}

/* A running SHA-256, as "sha256:<hex>" at the end. */
int sha256_start(EVP_MD_CTX **ctx)
{
    *ctx = EVP_MD_CTX_new();
    if (!*ctx || EVP_DigestInit_ex(*ctx, EVP_sha256(), NULL) != 1)
        return err_setx(ENOMEM, "start a SHA-256");
    return 0;
}

void sha256_end(EVP_MD_CTX *ctx, char out[LAYER_DIGEST_LEN])
{
    unsigned char sha[32];
    EVP_DigestFinal_ex(ctx, sha, NULL);
    layer_digest_format(sha, out);
}

/* "docker.io/library/busybox:latest" -> "busybox:latest" (Docker's RepoTags form),
 * repo "busybox" and tag "latest" (both may be NULL).  -EINVAL for a digest-only reference. */
int familiar_ref(const char *full, char *buf, size_t size, char *repo, char *tag)
{
    struct image_ref ref;
    char name[600];
    if (image_ref_parse(full, &ref) < 0 || !ref.tag[0])
        return -EINVAL;
    image_ref_repository(&ref, name, sizeof(name));
    snprintf(buf, size, "%s:%s", name, ref.tag);
    if (repo)
        snprintf(repo, sizeof(name), "%s", name);
    if (tag)
        snprintf(tag, sizeof(ref.tag), "%s", ref.tag);
    return 0;
}
