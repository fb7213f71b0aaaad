/* images.c — Docker's image verbs: images (image ls), tag, rmi,
 * history, image inspect, image prune, and the `image` group.
 *
 * The store itself is lab 04's (image.c): an OCI image layout in ROOT/images,
 * layers unpacked once in ROOT/layers.  This file adds what Docker shows
 * about images and Docker's rules around them:
 *
 *   1. Reading the store: short names ("busybox:latest"), sizes, the
 *      containers that use an image (ROOT/containers/<id>/container.json).
 *   2. images: the table and --format rows.
 *   3. tag and rmi, with Docker's conflicts when a container uses the image.
 *   4. history and image inspect: in imginspect.c.
 *   5. image prune, and the `image` group.
 *
 * import is in import.c. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "file.h"
#include "human.h"
#include "image.h"
#include "images.h"
#include "minidock.h"
#include "parents.h"
#include "store.h"
#include "str.h"
#include "table.h"
#include "template.h"

#define NONE "<none>"

/* ---- 1. Reading the store -------------------------------------------------------------------- */

/* Print a failed verb's error; "No such image" needs no context, as Docker's. */
int image_fail(const char *context, int ret)
{
    return md_fail(ret == -ENOENT ? NULL : context);
}

/* "docker.io/library/busybox:latest" -> repository "busybox", tag "latest". */
static void short_ref(const char *full, char *repo, size_t repo_size, char *tag, size_t tag_size)
{
    struct image_ref ref;
    snprintf(repo, repo_size, NONE);
    snprintf(tag, tag_size, NONE);
    if (!full || image_ref_parse(full, &ref) < 0)
        return;
    image_ref_repository(&ref, repo, repo_size);
    if (ref.tag[0])
        snprintf(tag, tag_size, "%s", ref.tag);
}

/* "busybox:latest", as Docker's RepoTags and messages name a tag. */
static char *short_tag(const char *full)
{
    char repo[300], tag[140];
    short_ref(full, repo, sizeof(repo), tag, sizeof(tag));
    return str_printf("%s:%s", repo, tag);
}

/* Docker's image size: the bytes of the files of its layers. */
int64_t image_size(struct image_store *st, const struct image *img)
{
    int64_t *sizes = calloc(img->nlayers + 1, sizeof(*sizes)), total = 0;
    if (sizes && image_layer_sizes(st, img, sizes) == 0)
        for (size_t i = 0; i < img->nlayers; i++)
            total += sizes[i];
    else
        total = img->size;
    free(sizes);
    return total;
}

/* Bytes of every distinct layer of the store (prune reports the difference). */
static int64_t store_size(struct image_store *st)
{
    struct image *imgs;
    size_t n;
    strv_t seen = {0};
    int64_t total = 0;
    if (image_list(st, &imgs, &n) < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int64_t *sizes = calloc(imgs[i].nlayers + 1, sizeof(*sizes));
        char chain[LAYER_DIGEST_LEN] = "";
        if (!sizes || image_layer_sizes(st, &imgs[i], sizes) < 0) {
            free(sizes);
            continue;
        }
        for (size_t l = 0; l < imgs[i].nlayers; l++) {
            if (layer_chain_id(chain, imgs[i].layers[l].diff_id, chain) < 0 ||
                strv_env_get(&seen, chain))
                continue;
            strv_push_owned(&seen, str_printf("%s=", chain));
            total += sizes[l];
        }
        free(sizes);
    }
    strv_free(&seen);
    image_list_free(imgs, n);
    return total;
}

/* Does the container's state say it runs?  (state.json: Status or State.Status) */
static bool container_running(const struct store *s, const char *id)
{
    json_t *state = NULL;
    if (store_read_json(s, id, "state.json", &state) < 0)
        return false;
    json_t *nested = json_object_get(state, "State");
    const char *status = json_string_value(json_object_get(state, "Status"));
    if (!status)
        status = json_string_value(json_object_get(nested, "Status"));
    bool running = (status && !strcmp(status, "running")) ||
                   json_is_true(json_object_get(state, "Running")) ||
                   json_is_true(json_object_get(nested, "Running"));
    json_decref(state);
    return running;
}

/* The first container whose container.json has "Image": image_id.  Returns
 * true and fills user (and *running) when there is one. */
static bool container_using(const struct md_global *g, const char *image_id,
                            char user[STORE_ID_LEN + 1], bool *running)
{
    char dir[4096];
    struct store s;
    strv_t ids = {0};
    bool found = false;
    snprintf(dir, sizeof(dir), "%s/containers", g->root);
    if (!path_exists(dir) || store_open(g->root, &s) < 0 || store_list(&s, &ids) < 0) {
        err_clear();
        return false;
    }
    for (size_t i = 0; !found && i < ids.len; i++) {
        json_t *doc = NULL;
        if (store_read_json(&s, ids.v[i], "container.json", &doc) < 0)
            continue; /* being created or removed */
        const char *image = json_string_value(json_object_get(doc, "Image"));
        if (image && !strcmp(image, image_id)) {
            snprintf(user, STORE_ID_LEN + 1, "%s", ids.v[i]);
            *running = container_running(&s, ids.v[i]);
            found = true;
        }
        json_decref(doc);
    }
    err_clear();
    strv_free(&ids);
    return found;
}

/* Parse a --filter-less verb's flags that all verbs here share: -h/--help. */
static bool wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("%s", usage);
            return true;
        }
    }
    return false;
}

/* ---- 2. images ------------------------------------------------------------------------------- */

/* Images newest first, as Docker lists them. */
static int by_created_desc(const void *a, const void *b)
{
    const struct image *x = a, *y = b;
    return (y->created > x->created) - (y->created < x->created);
}

/* "2024-05-01 10:00:00 +0200 CEST", Go's time.String() of CreatedAt. */
static void local_time(char *buf, size_t size, time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

/* The row `images` renders for one tag (full NULL: an untagged image). */
static json_t *image_row(const struct image *img, const char *full, int64_t bytes, bool no_trunc)
{
    char repo[300], tag[140], id[LAYER_DIGEST_LEN], since[64], at[64], size[32];
    struct image_ref ref;
    const char *digest =
        full && image_ref_parse(full, &ref) == 0 && ref.digest[0] ? ref.digest : NONE;
    short_ref(full, repo, sizeof(repo), tag, sizeof(tag));
    snprintf(id, sizeof(id), no_trunc ? "%s" : "%.12s", no_trunc ? img->id : img->id + 7);
    human_ago(since, sizeof(since), difftime(time(NULL), img->created));
    local_time(at, sizeof(at), img->created);
    human_size_precision(size, sizeof(size), bytes, HUMAN_TABLE_PRECISION);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers", "N/A",
                     "CreatedAt", at, "CreatedSince", since, "Digest", digest, "ID", id,
                     "Repository", repo, "SharedSize", "N/A", "Size", size, "Tag", tag,
                     "UniqueSize", "N/A", "VirtualSize", size);
}

/* `images [REPOSITORY[:TAG]]` and --filter reference=: glob patterns on the
 * short name, with or without the tag, as Docker matches them. */
static bool row_matches(json_t *row, const char *pattern)
{
    const char *repo = json_string_value(json_object_get(row, "Repository"));
    const char *tag = json_string_value(json_object_get(row, "Tag"));
    if (!pattern)
        return true;
    if (!strcmp(repo, NONE))
        return false;
    char *both = str_printf("%s:%s", repo, tag);
    bool match = fnmatch(pattern, repo, FNM_PATHNAME) == 0 ||
                 (both && fnmatch(pattern, both, FNM_PATHNAME) == 0);
    free(both);
    return match;
}

struct ls_options {
    const char *format;
    const char *reference; /* REPOSITORY[:TAG] argument or reference= filter */
    int dangling;          /* dangling= filter: -1 any, 0 tagged only, 1 untagged only */
    bool no_trunc;
    bool all; /* -a: intermediate images too */
};

static int parse_ls_filter(struct ls_options *o, const char *filter)
{
    if (str_has_prefix(filter, "dangling=")) {
        const char *v = filter + strlen("dangling=");
        if (strcmp(v, "true") && strcmp(v, "false"))
            return err_setx(EINVAL, "invalid filter 'dangling=%s'", v);
        o->dangling = !strcmp(v, "true");
    } else if (str_has_prefix(filter, "reference=")) {
        o->reference = filter + strlen("reference=");
    } else {
        return err_setx(EINVAL, "invalid filter '%s'", filter);
    }
    return 0;
}

/* An untagged image that another image was built on (a step of `build`):
 * its layers begin the other's, which is newer.  Docker hides these
 * intermediate images unless -a. */
static bool is_intermediate(const char *root, const struct image *imgs, size_t n, size_t i)
{
    const struct image *p = &imgs[i];
    if (p->tags.len)
        return false;
    if (md_parent_has_children(root, p->id)) /* a build step's image: Docker's rule */
        return true;
    /* images made before parents were recorded: another image extends its layers */
    for (size_t k = 0; k < n; k++) {
        const struct image *c = &imgs[k];
        if (k == i || c->nlayers < p->nlayers ||
            (c->nlayers == p->nlayers && (c->created < p->created || c->tags.len == 0)))
            continue;
        bool prefix = true;
        for (size_t l = 0; prefix && l < p->nlayers; l++)
            prefix = strcmp(c->layers[l].digest, p->layers[l].digest) == 0;
        if (prefix)
            return true;
    }
    return false;
}

/* Add the rows of one image (one per tag) that the options keep. */
static int add_image_rows(struct table *t, struct image_store *st, const struct image *img,
                          const struct ls_options *o)
{
    int64_t bytes = image_size(st, img);
    size_t n = img->tags.len ? img->tags.len : 1;
    if (o->dangling >= 0 && o->dangling != (img->tags.len == 0))
        return 0;
    for (size_t i = 0; i < n; i++) {
        json_t *row = image_row(img, img->tags.len ? img->tags.v[i] : NULL, bytes, o->no_trunc);
        int r = !row ? err_set(ENOMEM, "images") : 0;
        if (r == 0 && row_matches(row, o->reference))
            r = table_add(t, row);
        json_decref(row);
        if (r < 0)
            return r;
    }
    return 0;
}

static int images_usage(void)
{
    printf("Usage:  minidock images [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n\nOptions:\n"
           "  -a, --all             Show all images (default hides intermediate images)\n"
           "      --digests         Show digests\n"
           "  -f, --filter filter   Filter output based on conditions provided\n"
           "                        (dangling=true|false, reference=PATTERN)\n"
           "      --format string   Format output using a Go template\n"
           "      --no-trunc        Don't truncate output\n"
           "  -q, --quiet           Only show image IDs\n");
    return 0;
}

int cmd_images(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},          {"digests", no_argument, NULL, 'd'},
        {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, 'F'},
        {"no-trunc", no_argument, NULL, 'n'},     {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    struct ls_options o = {.format = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}"
                                     "\t{{.Size}}",
                           .dangling = -1};
    struct image_store *st = NULL;
    struct image *imgs = NULL;
    struct table *t = NULL;
    size_t n = 0;
    bool quiet = false, format_set = false;
    int c, code = 125;
    while ((c = getopt_long(argc, argv, "adf:qh", opts, NULL)) != -1) {
        if (c == 'h')
            return images_usage();
        if (c == 'd' && !format_set)
            o.format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}"
                       "\t{{.Size}}";
        if (c == 'f' && parse_ls_filter(&o, optarg) < 0)
            return md_fail("images");
        if (c == 'F')
            o.format = optarg, format_set = true;
        if (c == 'n')
            o.no_trunc = true;
        if (c == 'a')
            o.all = true;
        if (c == 'q')
            quiet = true;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("images");
        }
    }
    if (argc - optind > 1) {
        err_setx(EINVAL, "\"images\" requires at most 1 argument");
        return md_fail("images");
    }
    if (optind < argc)
        o.reference = argv[optind];
    if (quiet)
        o.format = "{{.ID}}";
    json_t *titles = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY",
                               "Tag", "TAG", "ID", "IMAGE ID", "CreatedSince", "CREATED",
                               "CreatedAt", "CREATED AT", "Size", "SIZE", "Digest", "DIGEST");
    if (table_open(o.format, titles, &t) < 0 || image_store_open(g->root, &st) < 0 ||
        image_list(st, &imgs, &n) < 0)
        goto fail;
    qsort(imgs, n, sizeof(*imgs), by_created_desc);
    for (size_t i = 0; i < n; i++)
        if ((o.all || !is_intermediate(g->root, imgs, n, i)) &&
            add_image_rows(t, st, &imgs[i], &o) < 0)
            goto fail;
    table_flush(t, stdout);
    t = NULL;
    code = 0;
    goto out;
fail:
    code = md_fail("images");
out:
    table_free(t);
    json_decref(titles);
    image_list_free(imgs, n);
    image_store_close(st);
    return code;
}

/* ---- 3. tag and rmi -------------------------------------------------------------------------- */

int cmd_tag(const struct md_global *g, int argc, char **argv)
{
    struct image_store *st = NULL;
    int r;
    if (wants_help(argc, argv,
                   "Usage:  minidock tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
                   "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n"))
        return 0;
    if (argc != 3) {
        err_setx(EINVAL, "\"tag\" requires exactly 2 arguments");
        return md_fail("tag");
    }
    r = image_store_open(g->root, &st);
    if (r == 0)
        r = image_tag(st, argv[1], argv[2]);
    image_store_close(st);
    return r < 0 ? image_fail("tag", r) : 0;
}

/* Are all the tags in one repository?  Then Docker removes an image by ID
 * without force (busybox:latest and busybox:1.36 are one family). */
static bool one_repository(const struct image *img)
{
    char first[300] = "", repo[300] = "", tag[140];
    for (size_t i = 0; i < img->tags.len; i++) {
        short_ref(img->tags.v[i], i ? repo : first, sizeof(repo), tag, sizeof(tag));
        if (i && strcmp(repo, first))
            return false;
    }
    return true;
}

static int push_untagged(strv_t *report, const char *full)
{
    char *name = short_tag(full);
    char *line = name ? str_printf("Untagged: %s", name) : NULL;
    free(name);
    return line ? strv_push_owned(report, line) : err_set(ENOMEM, "rmi");
}

/* An image a container uses keeps its layers: with force, minidock only
 * untags it (Docker drops the image record but keeps the layers for the
 * container; here the layers belong to the image). */
static int untag_all(struct image_store *st, const struct image *img, strv_t *report)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < img->tags.len; i++) {
        r = image_untag(st, img->tags.v[i]);
        if (r == 0)
            r = push_untagged(report, img->tags.v[i]);
    }
    return r;
}

/* Docker's rules for one `rmi NAME`, with the containers that use the image. */
/* Did the report of a removal say "Deleted: id"? */
static bool deleted(const strv_t *report, const char *id)
{
    for (size_t i = 0; i < report->len; i++)
        if (str_has_prefix(report->v[i], "Deleted: ") && strcmp(report->v[i] + 9, id) == 0)
            return true;
    return false;
}

/* id was deleted: forget its parent record and, as Docker does, delete its
 * parents while they are untagged, unused and have no other child. */
static int forget_and_prune(const struct md_global *g, struct image_store *st, const char *id,
                            bool prune, strv_t *report)
{
    char parent[MD_PARENT_LEN];
    int r = 0;
    md_parent_get(g->root, id, parent);
    md_parent_forget(g->root, id);
    while (r == 0 && prune && parent[0]) {
        struct image img = {0};
        char user[STORE_ID_LEN + 1], next[MD_PARENT_LEN];
        bool running;
        if (image_lookup(st, parent, &img) < 0 || img.tags.len ||
            md_parent_has_children(g->root, img.id) || container_using(g, img.id, user, &running)) {
            image_free(&img);
            break;
        }
        md_parent_get(g->root, img.id, next);
        r = image_remove(st, img.id, false, report);
        if (r == 0)
            md_parent_forget(g->root, img.id);
        image_free(&img);
        snprintf(parent, sizeof(parent), "%s", next);
    }
    return r;
}

static int remove_one(const struct md_global *g, struct image_store *st, const char *name,
                      bool force, bool prune, strv_t *report)
{
    struct image img = {0};
    struct image_ref ref;
    char full[600], user[STORE_ID_LEN + 1];
    bool running = false, by_tag = false;
    int r = image_lookup(st, name, &img);
    if (r == -ENOENT && image_ref_parse(name, &ref) < 0)
        return -EINVAL; /* Docker names the bad reference, not a missing image */
    if (r < 0)
        return r;
    if (image_ref_parse(name, &ref) == 0) {
        image_ref_string(&ref, full, sizeof(full));
        for (size_t i = 0; i < img.tags.len; i++)
            by_tag = by_tag || !strcmp(img.tags.v[i], full);
    }
    bool used = container_using(g, img.id, user, &running);
    if (by_tag && used && img.tags.len == 1 && !force)
        r = err_setx(EBUSY,
                     "conflict: unable to remove repository reference \"%s\" (must force) - "
                     "container %.12s is using its referenced image %.12s",
                     name, user, img.id + 7);
    else if (by_tag && used && img.tags.len == 1)
        r = untag_all(st, &img, report);
    else if (!by_tag && used && (running || !force))
        r = err_setx(EBUSY,
                     "conflict: unable to delete %.12s (%s) - image is being used by %s "
                     "container %.12s",
                     img.id + 7, running ? "cannot be forced" : "must be forced",
                     running ? "running" : "stopped", user);
    else if (!by_tag && used)
        r = untag_all(st, &img, report);
    else if (!by_tag && img.tags.len == 0 && md_parent_has_children(g->root, img.id))
        r = err_setx(EBUSY,
                     "conflict: unable to delete %.12s (cannot be forced) - image has dependent "
                     "child images",
                     img.id + 7);
    else
        r = image_remove(st, name, force || (!by_tag && one_repository(&img)), report);
    if (r == 0 && deleted(report, img.id))
        r = forget_and_prune(g, st, img.id, prune, report);
    image_free(&img);
    return r;
}

int cmd_rmi(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"no-prune", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct image_store *st = NULL;
    bool force = false, prune = true;
    int c, code = 0;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
                   "Remove one or more images\n\nOptions:\n"
                   "  -f, --force      Force removal of the image\n"
                   "      --no-prune   Do not delete untagged parents\n");
            return 0;
        }
        if (c == 'f')
            force = true;
        if (c == 'P')
            prune = false;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("rmi");
        }
    }
    if (optind >= argc) {
        err_setx(EINVAL, "\"rmi\" requires at least 1 argument");
        return md_fail("rmi");
    }
    if (image_store_open(g->root, &st) < 0)
        return md_fail("rmi");
    for (int i = optind; i < argc; i++) {
        strv_t report = {0};
        int r = remove_one(g, st, argv[i], force, prune, &report);
        for (size_t l = 0; l < report.len; l++)
            printf("%s\n", report.v[l]);
        strv_free(&report);
        if (r < 0)
            code = image_fail("rmi", r);
    }
    image_store_close(st);
    return code;
}

/* ---- 5. image prune and the `image` group ---------------------------------------------------- */

/* Remove one image for prune; report lines as Docker's prune prints them
 * ("untagged: busybox:latest", "deleted: sha256:..."). */
static int prune_one(const struct md_global *g, struct image_store *st, const struct image *img,
                     strv_t *deleted)
{
    strv_t report = {0};
    int r = image_remove(st, img->id, true, &report);
    if (r == 0) /* and its untagged parents, as rmi does */
        r = forget_and_prune(g, st, img->id, true, &report);
    for (size_t i = 0; i < report.len; i++) {
        report.v[i][0] = (char)tolower((unsigned char)report.v[i][0]);
        strv_push(deleted, report.v[i]);
    }
    strv_free(&report);
    return r;
}

/* Dangling images (untagged, without children; every image with -a) that
 * no container uses. */
int md_prune_images(const struct md_global *g, struct image_store *st, bool all, strv_t *deleted)
{
    struct image *imgs;
    size_t n;
    int r = image_list(st, &imgs, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; r == 0 && i < n; i++) {
        char user[STORE_ID_LEN + 1];
        bool running;
        struct image again = {0};
        if (image_lookup(st, imgs[i].id, &again) < 0) /* pruned with a child */
            continue;
        image_free(&again);
        if ((all || (imgs[i].tags.len == 0 && !md_parent_has_children(g->root, imgs[i].id))) &&
            !container_using(g, imgs[i].id, user, &running))
            r = prune_one(g, st, &imgs[i], deleted);
    }
    image_list_free(imgs, n);
    bld_cache_gc(g->root, st);
    return r;
}

static int image_prune_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct image_store *st = NULL;
    strv_t deleted = {0};
    bool all = false, force = false;
    int c;
    while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock image prune [OPTIONS]\n\nRemove unused images\n\nOptions:\n"
                   "  -a, --all     Remove all unused images, not just dangling ones\n"
                   "  -f, --force   Do not prompt for confirmation\n");
            return 0;
        }
        if (c == 'a')
            all = true;
        if (c == 'f')
            force = true;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("image prune");
        }
    }
    if (!force) {
        printf("WARNING! This will remove all %s.\nAre you sure you want to continue? [y/N] ",
               all ? "images without at least one container associated to them"
                   : "dangling images");
        fflush(stdout);
        char answer[16] = "";
        if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
            printf("\n");
            return 0;
        }
    }
    if (image_store_open(g->root, &st) < 0)
        return md_fail("image prune");
    int64_t before = store_size(st);
    int r = md_prune_images(g, st, all, &deleted);
    int64_t reclaimed = before - store_size(st);
    if (deleted.len)
        printf("Deleted Images:\n");
    for (size_t i = 0; i < deleted.len; i++)
        printf("%s\n", deleted.v[i]);
    char human[32];
    human_size(human, sizeof(human), reclaimed > 0 ? reclaimed : 0);
    printf("%sTotal reclaimed space: %s\n", deleted.len ? "\n" : "", human);
    strv_free(&deleted);
    image_store_close(st);
    return r < 0 ? md_fail("image prune") : 0;
}

int cmd_image(const struct md_global *g, int argc, char **argv)
{
    static const struct md_subverb subs[] = {
        {"history", cmd_history, "Show the history of an image"},
        {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
        {"inspect", image_inspect_cmd, "Display detailed information on one or more images"},
        {"load", cmd_load, "Load an image from a tar archive or STDIN"},
        {"ls", cmd_images, "List images"},
        {"list", cmd_images, NULL},
        {"prune", image_prune_cmd, "Remove unused images"},
        {"rm", cmd_rmi, "Remove one or more images"},
        {"remove", cmd_rmi, NULL},
        {"save", cmd_save, "Save one or more images to a tar archive"},
        {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    };
    return md_dispatch(g, argc, argv, "image", "Manage images", subs,
                       sizeof(subs) / sizeof(subs[0]));
}
