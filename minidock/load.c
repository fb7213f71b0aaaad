/* load.c — `minidock load`: images in from a tar file.
 *
 * `load` reads what save.c writes, older docker-archives (<id>/layer.tar,
 * <id>.json), and OCI archives (index.json, possibly nested indexes).  The
 * archive is untrusted, and the file that describes it may come after the
 * blobs, so:
 *
 *   1. spool (loadspool.c): every regular entry is copied into a private directory
 *      ROOT/images/.tmp-load-XXXXXX (names with ".." or "/..." are refused);
 *   2. check: every config, manifest and layer is hashed and compared with
 *      what names it (blob paths, descriptors, rootfs.diff_ids); layers that
 *      are not gzip are recompressed, as the store keeps gzip layers;
 *   3. store: under the store's lock, the checked files are renamed into
 *      blobs/, then each image is added with its config kept byte for byte.
 *
 * Nothing reaches blobs/ or index.json before step 3, so bad input leaves the
 * store as it was.  The spool directory is flock'ed while it is in use: a
 * later load removes the ones whose owner died (SIGKILL). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "image.h"
#include "layer.h"
#include "loadspool.h"
#include "minidock.h"
#include "str.h"
#include "tarball.h"

#define JSON_MAX (64 * 1024 * 1024) /* a config or manifest larger than this is abuse */

/* ==== load, step 2: check what the archive says ============================================== */

struct loaded {
    char manifest[LAYER_DIGEST_LEN]; /* OCI: the manifest it came from ("" otherwise) */
    char *config;                    /* the config's bytes, kept verbatim */
    size_t config_len;
    char id[LAYER_DIGEST_LEN];
    struct entry **layers; /* bottom first */
    size_t nlayers;
    strv_t refs;
};

struct load_set {
    struct loaded *v;
    size_t n;
};

static void load_set_free(struct load_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].config);
        free(set->v[i].layers);
        strv_free(&set->v[i].refs);
    }
    free(set->v);
}

/* "blobs/sha256/<hex>" or "<hex>.json": the digest a name claims, or "" for none. */
static void digest_of_name(const char *name, char out[LAYER_DIGEST_LEN])
{
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    char d[LAYER_DIGEST_LEN + 8];
    snprintf(d, sizeof(d), "sha256:%.*s", LAYER_HEX_LEN, base);
    bool blob = str_has_prefix(name, "blobs/sha256/") && strlen(base) == LAYER_HEX_LEN;
    bool json =
        !strchr(name, '/') && strlen(base) == LAYER_HEX_LEN + 5 && str_has_suffix(base, ".json");
    out[0] = '\0';
    if ((blob || json) && layer_digest_check(d) == 0)
        snprintf(out, LAYER_DIGEST_LEN, "%s", d);
}

/* Read a small entry (JSON) whole; when expected is set, its bytes must hash to it. */
static int read_entry(struct loader *ld, const char *name, const char *expected, char **out,
                      size_t *len)
{
    char got[LAYER_DIGEST_LEN], claimed[LAYER_DIGEST_LEN];
    struct entry *e = find_entry(ld, name);
    struct stat sb;
    if (!e)
        return err_setx(ENOENT, "%s: not in the archive", name);
    if (stat(e->file, &sb) < 0)
        return err_set(errno, "%s", name);
    if (sb.st_size > JSON_MAX)
        return err_setx(EFBIG, "%s: too large for a JSON document", name);
    int ret = file_read_all(e->file, out, len);
    if (ret < 0)
        return err_wrap(ret, "%s", name);
    digest_of_name(name, claimed);
    layer_sha256_buf(*out, *len, got);
    const char *want = expected ? expected : claimed;
    if (want[0] && strcmp(want, got) != 0) {
        free(*out);
        *out = NULL;
        return err_setx(EBADMSG, "%s: digest mismatch: expected %s, got %s", name, want, got);
    }
    return 0;
}

static int read_json(struct loader *ld, const char *name, const char *expected, json_t **out,
                     char **text, size_t *len)
{
    char *buf;
    size_t n;
    json_error_t jerr;
    int ret = read_entry(ld, name, expected, &buf, &n);
    if (ret < 0)
        return ret;
    *out = json_loadb(buf, n, 0, &jerr);
    if (!*out) {
        free(buf);
        return err_setx(EINVAL, "%s: invalid JSON: %s (line %d)", name, jerr.text, jerr.line);
    }
    if (text) {
        *text = buf;
        *len = n;
    } else {
        free(buf);
    }
    return 0;
}

/* libarchive pulls the layer file through here: hash the bytes as archived. */
struct hashed_input {
    int fd;
    EVP_MD_CTX *sha;
    unsigned char *buf;
};

static la_ssize_t read_hashed(struct archive *a, void *data, const void **buf)
{
    struct hashed_input *h = data;
    ssize_t n;
    do
        n = read(h->fd, h->buf, BLOCK_SIZE);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        archive_set_error(a, errno, "read the layer");
        return -1;
    }
    EVP_DigestUpdate(h->sha, h->buf, (size_t)n);
    *buf = h->buf;
    return n;
}

/* Decompress a layer, hashing it as archived and as a plain tar. */
static int hash_layer(struct entry *e, struct hashed_input *h, EVP_MD_CTX *plain, bool *gzip)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    const void *buf;
    size_t len;
    la_int64_t off;
    int r, ret = a ? 0 : err_set(ENOMEM, "read the layer");
    if (ret == 0) {
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        if (archive_read_open(a, h, NULL, read_hashed, NULL) != ARCHIVE_OK ||
            archive_read_next_header(a, &ae) != ARCHIVE_OK)
            ret = err_setx(EINVAL, "%s: %s", e->name, tar_error_string(a));
    }
    while (ret == 0 && (r = archive_read_data_block(a, &buf, &len, &off)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN)
            ret = err_setx(EINVAL, "%s: %s", e->name, tar_error_string(a));
        else
            EVP_DigestUpdate(plain, buf, len);
    }
    *gzip = ret == 0 && archive_filter_count(a) == 2 &&
            archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP;
    la_ssize_t n = 1;
    while (ret == 0 && n > 0) /* what the decompressor left: the digest covers it all */
        n = read_hashed(a, h, &buf);
    if (ret == 0 && n < 0)
        ret = err_set(errno, "%s: read", e->name);
    if (a)
        archive_read_free(a);
    return ret;
}

/* Hash a layer as archived and uncompressed (one read).  Returns 1 when it is
 * not gzip: it must be recompressed, as the store keeps gzip layers. */
static int check_layer(struct entry *e)
{
    struct hashed_input h = {.fd = open(e->file, O_RDONLY | O_CLOEXEC), .buf = malloc(BLOCK_SIZE)};
    EVP_MD_CTX *plain = NULL;
    struct stat sb;
    bool gzip = false;
    int ret = h.fd < 0 || fstat(h.fd, &sb) < 0 ? err_set(errno, "open %s", e->file) : 0;
    if (ret == 0 && !h.buf)
        ret = err_set(ENOMEM, "read the layer");
    if (ret == 0)
        ret = sha256_start(&h.sha);
    if (ret == 0)
        ret = sha256_start(&plain);
    if (ret == 0)
        ret = hash_layer(e, &h, plain, &gzip);
    if (ret == 0) {
        sha256_end(h.sha, e->original);
        sha256_end(plain, e->layer.diff_id);
        snprintf(e->blob, sizeof(e->blob), "%s", e->file);
        snprintf(e->layer.digest, sizeof(e->layer.digest), "%s", e->original);
        e->layer.size = (int64_t)sb.st_size;
    }
    EVP_MD_CTX_free(plain);
    EVP_MD_CTX_free(h.sha);
    free(h.buf);
    if (h.fd >= 0)
        close(h.fd);
    return ret < 0 || gzip ? ret : 1;
}

static int recompress_layer(struct entry *e)
{
    struct layer_info info;
    snprintf(e->blob, sizeof(e->blob), "%s.gz", e->file);
    int in = open(e->file, O_RDONLY | O_CLOEXEC);
    int out = open(e->blob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int ret = in < 0 || out < 0 ? err_set(errno, "%s: recompress", e->name) : 0;
    if (ret == 0)
        ret = layer_compress_fd(in, out, &info);
    if (ret == 0 && fsync(out) < 0)
        ret = err_set(errno, "write %s", e->blob);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    if (ret == 0 && strcmp(info.diff_id, e->layer.diff_id) != 0)
        ret = err_setx(EIO, "%s: changed while being recompressed", e->name);
    if (ret == 0) {
        e->layer = info;
        unlink(e->file); /* the spool need not hold both */
    }
    return ret < 0 ? err_wrap(ret, "%s", e->name) : 0;
}

/* The layer at name: its digest as archived must be expected (when set, and
 * when the name claims one), its diff_id the config's. */
static int use_layer(struct loader *ld, const char *name, const char *expected, const char *diff_id,
                     struct entry **out)
{
    char claimed[LAYER_DIGEST_LEN];
    struct entry *e = find_entry(ld, name);
    if (!e)
        return err_setx(ENOENT, "layer %s: not in the archive", name);
    int ret = 0;
    if (!e->checked) {
        ret = check_layer(e);
        if (ret == 1)
            ret = recompress_layer(e);
        if (ret < 0)
            return ret;
        e->checked = true;
    }
    digest_of_name(name, claimed);
    const char *want = expected ? expected : claimed;
    if (want[0] && strcmp(want, e->original) != 0)
        return err_setx(EBADMSG, "layer %s: digest mismatch: expected %s, got %s", name, want,
                        e->original);
    if (!diff_id || strcmp(diff_id, e->layer.diff_id) != 0)
        return err_setx(EBADMSG, "layer %s: diff_id mismatch: the config says %s, got %s", name,
                        diff_id ? diff_id : "(none)", e->layer.diff_id);
    *out = e;
    return 0;
}

/* The image of config `cfg_name` with the layers at `names` (json strings, or
 * descriptors when descs), checked and added to set with refs. */
static int add_loaded(struct loader *ld, struct load_set *set, const char *cfg_name,
                      const char *cfg_digest, json_t *layers, bool descs, const strv_t *refs)
{
    json_t *config = NULL;
    struct loaded *v = realloc(set->v, (set->n + 1) * sizeof(*v));
    if (!v)
        return err_set(ENOMEM, "load");
    set->v = v;
    struct loaded *img = &set->v[set->n++];
    memset(img, 0, sizeof(*img));
    int ret = read_json(ld, cfg_name, cfg_digest, &config, &img->config, &img->config_len);
    if (ret < 0)
        return err_wrap(ret, "config");
    layer_sha256_buf(img->config, img->config_len, img->id);
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    size_t n = json_array_size(layers);
    if (!json_is_array(layers) || json_array_size(diff_ids) != n)
        ret = err_setx(EINVAL, "config %s: rootfs.diff_ids does not list the %zu layers", cfg_name,
                       n);
    if (ret == 0 && !(img->layers = calloc(n ? n : 1, sizeof(*img->layers))))
        ret = err_set(ENOMEM, "load");
    for (size_t i = 0; ret == 0 && i < n; i++) {
        json_t *l = json_array_get(layers, i);
        const char *digest = descs ? json_string_value(json_object_get(l, "digest")) : NULL;
        char path[LAYER_DIGEST_LEN + 16];
        snprintf(path, sizeof(path), "blobs/sha256/%s", digest ? digest + 7 : "");
        const char *name = descs ? path : json_string_value(l);
        if (!name || (descs && (!digest || layer_digest_check(digest) < 0)))
            ret = err_setx(EINVAL, "layer %zu: invalid description", i + 1);
        else
            ret = use_layer(ld, name, digest, json_string_value(json_array_get(diff_ids, i)),
                            &img->layers[i]);
        img->nlayers = i + 1;
    }
    for (size_t i = 0; ret == 0 && refs && i < refs->len; i++) {
        struct image_ref ref;
        if (image_ref_parse(refs->v[i], &ref) < 0)
            ret = err_wrap(-EINVAL, "tag '%s'", refs->v[i]);
        else if (strv_push(&img->refs, refs->v[i]) < 0)
            ret = err_set(ENOMEM, "load");
    }
    json_decref(config);
    return ret;
}

/* Docker's manifest.json: [{"Config": NAME, "RepoTags": [...], "Layers": [NAME...]}]. */
static int read_docker_manifest(struct loader *ld, struct load_set *set)
{
    json_t *doc, *item;
    size_t i;
    int ret = read_json(ld, "manifest.json", NULL, &doc, NULL, NULL);
    if (ret < 0)
        return ret;
    if (!json_is_array(doc) || json_array_size(doc) == 0)
        ret = err_setx(EINVAL, "manifest.json: expected a list of images");
    json_array_foreach(doc, i, item)
    {
        strv_t refs = {0};
        json_t *tags = json_object_get(item, "RepoTags"), *tag;
        const char *config = json_string_value(json_object_get(item, "Config"));
        size_t t;
        if (ret < 0)
            break;
        json_array_foreach(tags, t, tag)
        {
            if (json_is_string(tag) && strv_push(&refs, json_string_value(tag)) < 0)
                ret = err_set(ENOMEM, "load");
        }
        if (ret == 0 && !config)
            ret = err_setx(EINVAL, "image %zu has no Config", i + 1);
        if (ret == 0)
            ret = add_loaded(ld, set, config, NULL, json_object_get(item, "Layers"), false, &refs);
        strv_free(&refs);
        if (ret < 0)
            ret = err_wrap(ret, "manifest.json");
    }
    json_decref(doc);
    return ret;
}

/* The host's architecture as the OCI spec names it (Go's GOARCH). */
static const char *host_arch(void)
{
    static const char *const names[][2] = {
        {"x86_64", "amd64"},    {"aarch64", "arm64"}, {"armv7l", "arm"},      {"i686", "386"},
        {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
    };
    struct utsname u;
    if (uname(&u) == 0)
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (!strcmp(u.machine, names[i][0]))
                return names[i][1];
    return "amd64";
}

/* A descriptor for another platform (or an attestation: "unknown") is skipped. */
static bool other_platform(json_t *desc)
{
    json_t *p = json_object_get(desc, "platform");
    const char *os = json_string_value(json_object_get(p, "os"));
    const char *arch = json_string_value(json_object_get(p, "architecture"));
    return p && ((os && strcmp(os, "linux") != 0) || (arch && strcmp(arch, host_arch()) != 0));
}

/* The tags an index entry gives: containerd's full name, else ref.name when it
 * is a reference ("busybox:1.36"); a bare tag ("latest") names no repository. */
static int desc_refs(json_t *desc, const strv_t *inherited, strv_t *refs)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *name = json_string_value(json_object_get(ann, CONTAINERD_NAME));
    const char *ref = json_string_value(json_object_get(ann, IMAGE_REF_ANNOTATION));
    if (!name && ref && strpbrk(ref, ":/@"))
        name = ref;
    if (name)
        return strv_push(refs, name) < 0 ? err_set(ENOMEM, "load") : 0;
    for (size_t i = 0; inherited && i < inherited->len; i++)
        if (strv_push(refs, inherited->v[i]) < 0)
            return err_set(ENOMEM, "load");
    return 0;
}

/* Several entries of index.json name one manifest (one per tag): the image is
 * read once, and the later entries only add their tags. */
static int merge_tags(struct load_set *set, const char *manifest, const strv_t *refs, bool *merged)
{
    *merged = false;
    for (size_t i = 0; i < set->n && !*merged; i++) {
        if (strcmp(set->v[i].manifest, manifest) != 0)
            continue;
        *merged = true;
        for (size_t r = 0; r < refs->len; r++)
            if (strv_push(&set->v[i].refs, refs->v[r]) < 0)
                return err_set(ENOMEM, "load");
    }
    return 0;
}

static int read_oci_index(struct loader *ld, struct load_set *set, json_t *index,
                          const strv_t *inherited, int depth);

/* One descriptor of an index: a manifest, or a nested index. */
static int read_oci_desc(struct loader *ld, struct load_set *set, json_t *desc, const strv_t *refs,
                         int depth)
{
    char name[LAYER_DIGEST_LEN + 16];
    json_t *doc = NULL;
    const char *digest = json_string_value(json_object_get(desc, "digest"));
    if (!digest || layer_digest_check(digest) < 0)
        return err_setx(EINVAL, "invalid descriptor digest '%s'", digest ? digest : "");
    snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
    bool merged;
    int ret = merge_tags(set, digest, refs, &merged);
    if (ret < 0 || merged)
        return ret;
    ret = read_json(ld, name, digest, &doc, NULL, NULL);
    if (ret < 0)
        return ret;
    json_t *config = json_object_get(doc, "config");
    const char *cfg = json_string_value(json_object_get(config, "digest"));
    if (json_is_array(json_object_get(doc, "manifests"))) {
        ret = read_oci_index(ld, set, doc, refs, depth + 1);
    } else if (!cfg || layer_digest_check(cfg) < 0) {
        ret = err_setx(EINVAL, "%s: not a manifest: no valid config digest", name);
    } else {
        char cfg_name[LAYER_DIGEST_LEN + 16];
        snprintf(cfg_name, sizeof(cfg_name), "blobs/sha256/%s", cfg + 7);
        ret = add_loaded(ld, set, cfg_name, cfg, json_object_get(doc, "layers"), true, refs);
        if (ret == 0)
            snprintf(set->v[set->n - 1].manifest, LAYER_DIGEST_LEN, "%s", digest);
    }
    json_decref(doc);
    return ret;
}

static int read_oci_index(struct loader *ld, struct load_set *set, json_t *index,
                          const strv_t *inherited, int depth)
{
    json_t *desc;
    size_t i, before = set->n;
    int ret = 0;
    if (depth > 4)
        return err_setx(ELOOP, "indexes nested too deep");
    json_array_foreach(json_object_get(index, "manifests"), i, desc)
    {
        strv_t refs = {0};
        if (other_platform(desc))
            continue;
        ret = desc_refs(desc, inherited, &refs);
        if (ret == 0)
            ret = read_oci_desc(ld, set, desc, &refs, depth);
        strv_free(&refs);
        if (ret < 0)
            return ret;
    }
    if (set->n == before)
        return err_setx(ENOENT, "no image for linux/%s in the index", host_arch());
    return 0;
}

/* Which description to follow: index.json (OCI, Docker >= 25), else manifest.json. */
static int read_archive_images(struct loader *ld, struct load_set *set)
{
    json_t *index;
    if (find_entry(ld, "index.json")) {
        int ret = read_json(ld, "index.json", NULL, &index, NULL, NULL);
        if (ret == 0 && !json_is_array(json_object_get(index, "manifests")))
            ret = err_setx(EINVAL, "index.json: no manifests list");
        if (ret == 0)
            ret = read_oci_index(ld, set, index, NULL, 0);
        json_decref(index);
        return ret < 0 && !find_entry(ld, "manifest.json") ? err_wrap(ret, "index.json") : ret;
    }
    if (find_entry(ld, "manifest.json"))
        return read_docker_manifest(ld, set);
    return err_setx(EINVAL, "not an image archive: no manifest.json or index.json");
}

/* ==== load, step 3: store ===================================================================== */

static int store_layers(struct image_store *st, struct loaded *img, struct layer_info *infos)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < img->nlayers; i++) {
        struct entry *e = img->layers[i];
        infos[i] = e->layer;
        if (e->stored)
            continue;
        image_blob_path(st, e->layer.digest, path, sizeof(path));
        if (!path_exists(path)) {
            int ret = image_blob_put_file(st, e->blob, e->layer.digest);
            if (ret < 0)
                return err_wrap(ret, "layer %s", e->name);
        }
        e->stored = true;
    }
    return 0;
}

static void print_loaded(const struct loaded *img)
{
    char familiar[600];
    for (size_t i = 0; i < img->refs.len; i++)
        if (familiar_ref(img->refs.v[i], familiar, sizeof(familiar), NULL, NULL) == 0)
            printf("Loaded image: %s\n", familiar);
    if (img->refs.len == 0)
        printf("Loaded image ID: %s\n", img->id);
}

static int store_images(struct image_store *st, struct load_set *set)
{
    int ret = image_store_lock(st); /* a gc must not collect blobs no index entry names yet */
    if (ret < 0)
        return ret;
    for (size_t i = 0; ret == 0 && i < set->n; i++) {
        struct loaded *img = &set->v[i];
        char id[LAYER_DIGEST_LEN];
        struct layer_info *infos = calloc(img->nlayers + 1, sizeof(*infos));
        ret = infos ? store_layers(st, img, infos) : err_set(ENOMEM, "load");
        if (ret == 0)
            ret = image_add_verbatim(st, img->config, img->config_len, img->id, infos, img->nlayers,
                                     &img->refs, id);
        if (ret == 0)
            print_loaded(img);
        free(infos);
    }
    if (ret < 0)
        image_gc(st); /* blobs stored for an image that did not make it */
    image_store_unlock(st);
    return ret;
}

static int load(const struct md_global *g, const char *input, bool quiet)
{
    struct loader ld = {.source = input ? input : "stdin", .spool_fd = -1};
    struct load_set set = {0};
    int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0)
        return err_set(errno, "open %s", input);
    if (!input && isatty(fd))
        return err_setx(EINVAL, "requested load from stdin, but stdin is empty");
    int ret = image_store_open(g->root, &ld.st);
    if (ret == 0)
        ret = spool_open(&ld, g->root);
    if (ret == 0 && (ret = spool_archive(&ld, fd)) == 0)
        ret = read_archive_images(&ld, &set);
    if (ret < 0 && ld.spool_fd >= 0)
        ret = err_wrap(ret, "%s", ld.source); /* the archive's fault: name it */
    else if (ret == 0)
        ret = store_images(ld.st, &set);
    (void)quiet; /* Docker's -q hides progress bars; there are none here */
    load_set_free(&set);
    loader_close(&ld);
    image_store_close(ld.st);
    if (input && fd >= 0)
        close(fd);
    return ret;
}

int cmd_load(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *input = NULL;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "i:qh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock load [OPTIONS]\n\n"
                   "Load an image from a tar archive or STDIN\n\n"
                   "Options:\n  -i, --input string   Read from tar archive file, instead of STDIN\n"
                   "  -q, --quiet          Suppress the load output\n");
            return 0;
        }
        if (c == 'i')
            input = optarg;
        if (c == 'q')
            quiet = true;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("load");
        }
    }
    if (optind < argc) {
        err_setx(EINVAL, "\"load\" accepts no arguments");
        return md_fail("load");
    }
    return load(g, input, quiet) < 0 ? md_fail("load") : 0;
}
