/* save.c — `minidock save`: images out to a tar file.
 *
 * `save` writes one tar that two kinds of readers understand, as Docker >= 25
 * does:
 *
 *   oci-layout, index.json, blobs/sha256/<hex>   an OCI image layout: each tag is
 *                                                an index entry annotated with
 *                                                io.containerd.image.name (the full
 *                                                reference) and ...ref.name (the tag)
 *   manifest.json, repositories                  Docker's legacy description, whose
 *                                                Config and Layers point at the same
 *                                                blobs (our layers are gzip tars:
 *                                                `docker load` and skopeo decompress)
 *
 * The small JSON documents come first, then the blobs, streamed from the store
 * and checked against their digest on the way.  With -o, the tar is written to
 * FILE.tmp and renamed: a killed save leaves no half FILE.  load.c reads it
 * back. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "image.h"
#include "layer.h"
#include "minidock.h"
#include "str.h"
#include "tarball.h"

#define TERMINAL_REFUSAL "cowardly refusing to save to a terminal. Use the -o flag or redirect"

struct saved {
    struct image img;
    strv_t refs; /* full references to write; none when saved by ID */
};

struct save_set {
    struct saved *v;
    size_t n;
};

static void save_set_free(struct save_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        image_free(&set->v[i].img);
        strv_free(&set->v[i].refs);
    }
    free(set->v);
}

/* The entry of img in set (added if missing); ref (may be NULL) joins its refs. */
static int save_set_add(struct save_set *set, const struct image *img, const char *ref)
{
    struct saved *s = NULL;
    for (size_t i = 0; i < set->n && !s; i++)
        if (!strcmp(set->v[i].img.manifest, img->manifest))
            s = &set->v[i];
    if (!s) {
        struct saved *v = realloc(set->v, (set->n + 1) * sizeof(*v));
        if (!v)
            return err_set(ENOMEM, "save");
        set->v = v;
        s = &set->v[set->n++];
        memset(s, 0, sizeof(*s));
        memcpy(&s->img, img, sizeof(*img));
        s->img.tags = (strv_t){0};
        s->img.layers = malloc((img->nlayers ? img->nlayers : 1) * sizeof(*img->layers));
        if (!s->img.layers)
            return err_set(ENOMEM, "save");
        memcpy(s->img.layers, img->layers, img->nlayers * sizeof(*img->layers));
    }
    for (size_t i = 0; ref && i < s->refs.len; i++)
        if (!strcmp(s->refs.v[i], ref))
            return 0;
    if (ref && strv_push(&s->refs, ref) < 0)
        return err_set(ENOMEM, "save");
    return 0;
}

/* Docker's rules: "busybox" (a name alone) saves every tag of the repository,
 * "busybox:1.36" that tag, an ID (or a prefix of one) the image, untagged. */
static int select_image(struct image_store *st, struct image *all, size_t n, const char *name,
                        struct save_set *set)
{
    struct image_ref want, have;
    bool found = false;
    const char *last = strrchr(name, '/');
    bool name_only = !strchr(last ? last : name, ':') && !strchr(name, '@');
    if (image_ref_parse(name, &want) == 0) {
        char full[600];
        image_ref_string(&want, full, sizeof(full));
        for (size_t i = 0; i < n; i++) {
            for (size_t t = 0; t < all[i].tags.len; t++) {
                const char *tag = all[i].tags.v[t];
                bool same_repo = image_ref_parse(tag, &have) == 0 &&
                                 !strcmp(have.domain, want.domain) && !strcmp(have.path, want.path);
                if ((name_only && same_repo) || !strcmp(tag, full)) {
                    int ret = save_set_add(set, &all[i], tag);
                    if (ret < 0)
                        return ret;
                    found = true;
                }
            }
        }
    }
    if (found)
        return 0;
    struct image img = {0};
    int ret = image_lookup(st, name, &img);
    if (ret == 0)
        ret = save_set_add(set, &img, NULL);
    image_free(&img);
    return ret;
}

/* One tar entry's header: a regular file or a directory, owned by root, time 0
 * (the same images always give the same bytes). */
static int tar_header(struct archive *a, const char *name, int64_t size, bool dir)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return err_set(ENOMEM, "write %s", name);
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : size);
    archive_entry_set_mtime(e, 0, 0);
    int ret = archive_write_header(a, e) == ARCHIVE_OK
                  ? 0
                  : err_setx(EIO, "write %s: %s", name, tar_error_string(a));
    archive_entry_free(e);
    return ret;
}

static int tar_add_json(struct archive *a, const char *name, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (!text)
        return err_set(ENOMEM, "write %s", name);
    size_t len = strlen(text);
    int ret = tar_header(a, name, (int64_t)len, false);
    if (ret == 0 && archive_write_data(a, text, len) != (la_ssize_t)len)
        ret = err_setx(EIO, "write %s: %s", name, tar_error_string(a));
    free(text);
    return ret;
}

/* Stream a blob of the store into the tar, checking its digest on the way
 * (a corrupt store must not produce an archive that looks fine). */
static int tar_add_blob(struct archive *a, struct image_store *st, const char *digest)
{
    char path[PATH_MAX], name[100], got[LAYER_DIGEST_LEN];
    struct stat sb;
    EVP_MD_CTX *sha = NULL;
    char *buf = malloc(BLOCK_SIZE);
    int ret = buf ? image_blob_path(st, digest, path, sizeof(path)) : err_set(ENOMEM, "save");
    int fd = ret == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (ret == 0 && (fd < 0 || fstat(fd, &sb) < 0))
        ret = err_set(errno, "blob %s", digest);
    snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
    if (ret == 0)
        ret = sha256_start(&sha);
    if (ret == 0)
        ret = tar_header(a, name, (int64_t)sb.st_size, false);
    for (off_t done = 0; ret == 0 && done < sb.st_size;) {
        ssize_t n = read(fd, buf, BLOCK_SIZE);
        if (n <= 0) {
            ret = n < 0 ? err_set(errno, "read %s", path) : err_setx(EIO, "%s: shrank", path);
            break;
        }
        EVP_DigestUpdate(sha, buf, (size_t)n);
        if (archive_write_data(a, buf, (size_t)n) != n)
            ret = err_setx(EIO, "write %s: %s", name, tar_error_string(a));
        done += n;
    }
    if (ret == 0) {
        sha256_end(sha, got);
        if (strcmp(got, digest) != 0)
            ret = err_setx(EBADMSG, "blob %s is corrupt: its content hashes to %s", path, got);
    }
    EVP_MD_CTX_free(sha);
    if (fd >= 0)
        close(fd);
    free(buf);
    return ret;
}

static int64_t blob_size(struct image_store *st, const char *digest)
{
    char path[PATH_MAX];
    struct stat sb;
    image_blob_path(st, digest, path, sizeof(path));
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* index.json: one entry per tag, and one without annotations for an image saved by ID. */
static json_t *make_index(struct image_store *st, const struct save_set *set)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < set->n; i++) {
        const struct saved *s = &set->v[i];
        for (size_t t = 0; t < (s->refs.len ? s->refs.len : 1); t++) {
            json_t *d =
                json_pack("{s:s, s:s, s:I}", "mediaType", IMAGE_MEDIA_MANIFEST, "digest",
                          s->img.manifest, "size", (json_int_t)blob_size(st, s->img.manifest));
            char familiar[600], tag[130];
            if (d && s->refs.len) {
                json_t *ann = json_pack("{s:s}", CONTAINERD_NAME, s->refs.v[t]);
                if (ann && familiar_ref(s->refs.v[t], familiar, sizeof(familiar), NULL, tag) == 0)
                    json_object_set_new(ann, IMAGE_REF_ANNOTATION, json_string(tag));
                json_object_set_new(d, "annotations", ann);
            }
            json_array_append_new(list, d);
        }
    }
    return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", IMAGE_MEDIA_INDEX,
                     "manifests", list);
}

/* manifest.json (Docker's legacy description) and repositories (older still). */
static int make_legacy(const struct save_set *set, json_t **manifest, json_t **repos)
{
    *manifest = json_array();
    *repos = json_object();
    for (size_t i = 0; *manifest && *repos && i < set->n; i++) {
        const struct saved *s = &set->v[i];
        json_t *tags = s->refs.len ? json_array() : json_null();
        json_t *layers = json_array();
        for (size_t l = 0; layers && l < s->img.nlayers; l++)
            json_array_append_new(layers,
                                  json_sprintf("blobs/sha256/%s", s->img.layers[l].digest + 7));
        for (size_t t = 0; tags && t < s->refs.len; t++) {
            char familiar[600], name[600], tag[130];
            if (familiar_ref(s->refs.v[t], familiar, sizeof(familiar), name, tag) < 0)
                continue;
            json_array_append_new(tags, json_string(familiar));
            if (s->img.nlayers == 0)
                continue;
            json_t *repo = json_object_get(*repos, name);
            if (!repo)
                json_object_set_new(*repos, name, repo = json_object());
            json_object_set_new(repo, tag,
                                json_string(s->img.layers[s->img.nlayers - 1].digest + 7));
        }
        json_array_append_new(*manifest, json_pack("{s:o, s:o*, s:o*}", "Config",
                                                   json_sprintf("blobs/sha256/%s", s->img.id + 7),
                                                   "RepoTags", tags, "Layers", layers));
    }
    return *manifest && *repos ? 0 : err_set(ENOMEM, "save");
}

/* Is digest already in the archive?  (Images share layers: each blob goes once.) */
static int blob_once(strv_t *written, const char *digest, bool *first)
{
    for (size_t i = 0; i < written->len; i++)
        if (!strcmp(written->v[i], digest)) {
            *first = false;
            return 0;
        }
    *first = true;
    return strv_push(written, digest) < 0 ? err_set(ENOMEM, "save") : 0;
}

static int write_blobs(struct archive *a, struct image_store *st, const struct save_set *set)
{
    strv_t written = {0};
    bool first;
    int ret = tar_header(a, "blobs", 0, true);
    if (ret == 0)
        ret = tar_header(a, "blobs/sha256", 0, true);
    for (size_t i = 0; ret == 0 && i < set->n; i++) {
        const struct image *img = &set->v[i].img;
        ret = blob_once(&written, img->manifest, &first);
        if (ret == 0 && first)
            ret = tar_add_blob(a, st, img->manifest);
        if (ret == 0 && (ret = blob_once(&written, img->id, &first)) == 0 && first)
            ret = tar_add_blob(a, st, img->id);
        for (size_t l = 0; ret == 0 && l < img->nlayers; l++) {
            ret = blob_once(&written, img->layers[l].digest, &first);
            if (ret == 0 && first)
                ret = tar_add_blob(a, st, img->layers[l].digest);
        }
    }
    strv_free(&written);
    return ret;
}

static int write_archive(int fd, struct image_store *st, const struct save_set *set)
{
    json_t *index = make_index(st, set), *manifest = NULL, *repos = NULL;
    json_t *layout = json_pack("{s:s}", "imageLayoutVersion", "1.0.0");
    struct archive *a = archive_write_new();
    int ret = a && index && layout ? make_legacy(set, &manifest, &repos) : err_set(ENOMEM, "save");
    if (ret == 0 && (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                     archive_write_open_fd(a, fd) != ARCHIVE_OK))
        ret = err_setx(EIO, "write the archive: %s", tar_error_string(a));
    if (ret == 0)
        ret = tar_add_json(a, "oci-layout", layout);
    if (ret == 0)
        ret = tar_add_json(a, "index.json", index);
    if (ret == 0)
        ret = tar_add_json(a, "manifest.json", manifest);
    if (ret == 0)
        ret = tar_add_json(a, "repositories", repos);
    if (ret == 0)
        ret = write_blobs(a, st, set);
    if (ret == 0 && archive_write_close(a) != ARCHIVE_OK)
        ret = err_setx(EIO, "write the archive: %s", tar_error_string(a));
    if (a)
        archive_write_free(a);
    json_decref(index);
    json_decref(layout);
    json_decref(manifest);
    json_decref(repos);
    return ret;
}

/* -o FILE: into FILE.tmp, synced, then renamed over FILE. */
static int save_to_file(const char *path, struct image_store *st, const struct save_set *set)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(errno, "open %s", tmp);
    int ret = write_archive(fd, st, set);
    if (ret == 0 && fsync(fd) < 0)
        ret = err_set(errno, "write %s", tmp);
    if (close(fd) < 0 && ret == 0)
        ret = err_set(errno, "write %s", tmp);
    if (ret == 0 && rename(tmp, path) < 0)
        ret = err_set(errno, "rename %s to %s", tmp, path);
    if (ret < 0)
        unlink(tmp);
    return ret;
}

int cmd_save(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *output = NULL;
    struct image_store *st = NULL;
    struct image *all = NULL;
    struct save_set set = {0};
    size_t n = 0;
    int c, code = 125;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock save [OPTIONS] IMAGE [IMAGE...]\n\n"
                   "Save one or more images to a tar archive (streamed to STDOUT by default)\n\n"
                   "Options:\n  -o, --output string   Write to a file, instead of STDOUT\n");
            return 0;
        }
        if (c == 'o')
            output = optarg;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            goto fail;
        }
    }
    if (optind >= argc) {
        err_setx(EINVAL, "\"save\" requires at least 1 argument");
        goto fail;
    }
    if (!output && isatty(STDOUT_FILENO)) {
        err_setx(ENOTTY, TERMINAL_REFUSAL);
        goto fail;
    }
    if (image_store_open(g->root, &st) < 0 || image_list(st, &all, &n) < 0)
        goto fail;
    for (int i = optind; i < argc; i++)
        if (select_image(st, all, n, argv[i], &set) < 0)
            goto fail;
    if ((output ? save_to_file(output, st, &set) : write_archive(STDOUT_FILENO, st, &set)) < 0)
        goto fail;
    code = 0;
    goto out;
fail:
    code = md_fail("save");
out:
    save_set_free(&set);
    image_list_free(all, n);
    image_store_close(st);
    return code;
}
