/* imginspect.c — `history` and `image inspect`: the image config's history
 * as Docker shows it, and Docker's inspect document for an image.
 * (The other image verbs are in images.c.) */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "human.h"
#include "image.h"
#include "images.h"
#include "minidock.h"
#include "parents.h"
#include "store.h"
#include "str.h"
#include "table.h"
#include "template.h"

/* ---- 4. history and image inspect ------------------------------------------------------------ */

/* Go's RFC 3339 in local time: "2024-05-01T10:00:00+02:00" ("Z" in UTC). */
static void rfc3339_local(char *buf, size_t size, time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff / 60;
    if (off == 0)
        snprintf(buf + n, size - n, "Z");
    else
        snprintf(buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60,
                 labs(off) % 60);
}

/* CREATED BY as Docker shows it: tabs as spaces, cut to 45 columns with "…". */
static char *created_by(const char *text, bool no_trunc)
{
    char *s = strdup(text ? text : "");
    for (char *p = s; p && *p; p++)
        if (*p == '\t')
            *p = ' ';
    if (s && !no_trunc && strlen(s) > 45)
        strcpy(s + 44, "…"); /* "…" is 3 bytes: room left by the cut */
    return s;
}

struct history_options {
    bool no_trunc, human;
};

static json_t *history_row(const char *id, json_t *entry, int64_t bytes,
                           const struct history_options *o)
{
    char since[64], at[64], size[32];
    double when = 0;
    const char *created = json_string_value(json_object_get(entry, "created"));
    const char *comment = json_string_value(json_object_get(entry, "comment"));
    if (!created || store_parse_timestamp(created, &when) < 0)
        err_clear();
    human_ago(since, sizeof(since), difftime(time(NULL), (time_t)when));
    rfc3339_local(at, sizeof(at), (time_t)when);
    if (o->human)
        human_size_precision(size, sizeof(size), bytes, HUMAN_TABLE_PRECISION);
    else
        snprintf(size, sizeof(size), "%lld", (long long)bytes);
    char *by = created_by(json_string_value(json_object_get(entry, "created_by")), o->no_trunc);
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedSince",
                            o->human ? since : at, "CreatedAt", at, "CreatedBy", by ? by : "",
                            "Size", size, "Comment", comment ? comment : "");
    free(by);
    return row;
}

/* Rows newest first: the image's ID on top, "<missing>" below (the lower
 * entries are not images of their own here); each entry that is not an
 * empty_layer owns the next layer, bottom first. */
static int history_rows(struct image_store *st, const struct image *img, json_t *config,
                        const struct history_options *o, struct table *t)
{
    json_t *history = json_object_get(config, "history"), *entry;
    if (json_array_size(history) == 0) /* no history: one row for the whole image */
        json_object_set_new(
            config, "history",
            history = json_pack("[{s:O?}]", "created", json_object_get(config, "created")));
    size_t n = json_array_size(history), i, layer = 0;
    int64_t *sizes = calloc(img->nlayers + 1, sizeof(*sizes)), *row_sizes;
    row_sizes = calloc(n + 1, sizeof(*row_sizes));
    int r = sizes && row_sizes ? image_layer_sizes(st, img, sizes) : err_set(ENOMEM, "history");
    json_array_foreach(history, i, entry)
    {
        if (!json_is_true(json_object_get(entry, "empty_layer")) && layer < img->nlayers)
            row_sizes[i] = sizes[layer++];
    }
    for (i = n; r == 0 && i-- > 0;) {
        char id[LAYER_DIGEST_LEN];
        if (i + 1 < n)
            snprintf(id, sizeof(id), "<missing>");
        else
            snprintf(id, sizeof(id), o->no_trunc ? "%s" : "%.12s",
                     o->no_trunc ? img->id : img->id + 7);
        json_t *row = history_row(id, json_array_get(history, i), row_sizes[i], o);
        r = row ? table_add(t, row) : err_set(ENOMEM, "history");
        json_decref(row);
    }
    free(sizes);
    free(row_sizes);
    return r;
}

int cmd_history(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'}, {"human", optional_argument, NULL, 'H'},
        {"no-trunc", no_argument, NULL, 'n'},     {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    struct history_options o = {.human = true};
    const char *format =
        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    struct image_store *st = NULL;
    struct image img = {0};
    struct table *t = NULL;
    json_t *config = NULL, *titles = NULL;
    int c, r, code = 125;
    bool quiet = false;
    while ((c = getopt_long(argc, argv, "qH::h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock history [OPTIONS] IMAGE\n\nShow the history of an image\n\n"
                   "Options:\n      --format string   Format output using a Go template\n"
                   "  -H, --human           Print sizes and dates in human readable format "
                   "(default true)\n      --no-trunc        Don't truncate output\n"
                   "  -q, --quiet           Only show image IDs\n");
            return 0;
        }
        if (c == 'F')
            format = optarg;
        if (c == 'H') { /* a boolean flag: -H, --human=false, -H=false */
            const char *v = optarg ? optarg + (optarg[0] == '=') : "true";
            o.human = strcmp(v, "false") != 0 && strcmp(v, "0") != 0;
        }
        if (c == 'n')
            o.no_trunc = true;
        if (c == 'q')
            quiet = true;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("history");
        }
    }
    if (argc - optind != 1) {
        err_setx(EINVAL, "\"history\" requires exactly 1 argument");
        return md_fail("history");
    }
    titles = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince", "CREATED",
                       "CreatedAt", "CREATED AT", "CreatedBy", "CREATED BY", "Size", "SIZE",
                       "Comment", "COMMENT");
    r = table_open(quiet ? "{{.ID}}" : format, titles, &t);
    if (r == 0)
        r = image_store_open(g->root, &st);
    if (r == 0)
        r = image_lookup(st, argv[optind], &img);
    if (r == 0)
        r = image_config(st, &img, &config);
    if (r == 0)
        r = history_rows(st, &img, config, &o, t);
    if (r == 0) {
        table_flush(t, stdout);
        t = NULL;
        code = 0;
    } else {
        code = image_fail("history", r);
    }
    table_free(t);
    json_decref(titles);
    json_decref(config);
    image_free(&img);
    image_store_close(st);
    return code;
}

/* Docker's Config of an image: every field of a container config, in
 * Docker's order, then whatever else the image's config holds. */
static json_t *inspect_config(json_t *cfg)
{
    static const char *const keys[] = {
        "Hostname",     "Domainname",  "User",       "AttachStdin", "AttachStdout", "AttachStderr",
        "ExposedPorts", "Tty",         "OpenStdin",  "StdinOnce",   "Env",          "Cmd",
        "Healthcheck",  "ArgsEscaped", "Image",      "Volumes",     "WorkingDir",   "Entrypoint",
        "OnBuild",      "Labels",      "StopSignal", "StopTimeout", "Shell",
    };
    /* absent and Go's omitempty: left out; otherwise "" for strings, false, null */
    static const char *const defaults = "sss"
                                        "bbb"
                                        "-bbb"
                                        "nn"
                                        "--"
                                        "sns"
                                        "nnn"
                                        "---";
    json_t *out = json_object(), *v;
    const char *k;
    for (size_t i = 0; out && i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *value = json_object_get(cfg, keys[i]);
        char d = defaults[i];
        if (!value && d == '-')
            continue;
        json_object_set_new(out, keys[i],
                            value      ? json_incref(value)
                            : d == 's' ? json_string("")
                            : d == 'b' ? json_false()
                                       : json_null());
    }
    json_object_foreach(cfg, k, v)
    {
        if (!json_object_get(out, k))
            json_object_set(out, k, v);
    }
    return out;
}

static const char *config_string(json_t *config, const char *key)
{
    const char *s = json_string_value(json_object_get(config, key));
    return s ? s : "";
}

/* Docker's `image inspect` document. */
static int inspect_document(const char *root, struct image_store *st, const struct image *img,
                            json_t **out)
{
    char parent[MD_PARENT_LEN];
    md_parent_get(root, img->id, parent);
    json_t *config = NULL, *tags = json_array(), *digests = json_array();
    int r = image_config(st, img, &config);
    if (r < 0)
        goto out;
    for (size_t i = 0; i < img->tags.len; i++) {
        struct image_ref ref;
        char repo[300], name[600];
        if (image_ref_parse(img->tags.v[i], &ref) < 0)
            continue;
        image_ref_repository(&ref, repo, sizeof(repo));
        snprintf(name, sizeof(name), "%s:%s", repo, ref.tag);
        if (ref.tag[0])
            json_array_append_new(tags, json_string(name));
        snprintf(name, sizeof(name), "%s@%s", repo, ref.digest);
        if (ref.digest[0])
            json_array_append_new(digests, json_string(name));
    }
    json_t *rootfs = json_object_get(config, "rootfs");
    int64_t size = image_size(st, img);
    *out = json_pack(
        "{s:s, s:O, s:O, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:I, s:{s:s, s:O*}, "
        "s:{s:s}}",
        "Id", img->id, "RepoTags", tags, "RepoDigests", digests, "Parent", parent, "Comment",
        config_string(config, "comment"), "Created", config_string(config, "created"),
        "DockerVersion", config_string(config, "docker_version"), "Author",
        config_string(config, "author"), "Config",
        inspect_config(json_object_get(config, "config")), "Architecture",
        config_string(config, "architecture"), "Os", config_string(config, "os"), "Size",
        (json_int_t)size, "VirtualSize", (json_int_t)size, "RootFS", "Type", "layers", "Layers",
        json_object_get(rootfs, "diff_ids"), "Metadata", "LastTagTime", "0001-01-01T00:00:00Z");
    if (!*out)
        r = err_set(ENOMEM, "inspect %s", img->id);
out:
    json_decref(config);
    json_decref(tags);
    json_decref(digests);
    return r;
}

int image_inspect_doc(const char *root, struct image_store *st, const char *ref, json_t **doc)
{
    struct image img = {0};
    int r = image_lookup(st, ref, &img);
    *doc = NULL;
    if (r == 0)
        r = inspect_document(root, st, &img, doc);
    image_free(&img);
    return r;
}

int image_inspect_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *format = NULL;
    struct image_store *st = NULL;
    json_t *all = json_array();
    int c, code = 0;
    while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock image inspect [OPTIONS] IMAGE [IMAGE...]\n\n"
                   "Display detailed information on one or more images\n\nOptions:\n"
                   "  -f, --format string   Format output using a Go template\n");
            json_decref(all);
            return 0;
        }
        if (c == 'f')
            format = optarg;
        else {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            json_decref(all);
            return md_fail("image inspect");
        }
    }
    if (optind >= argc) {
        err_setx(EINVAL, "\"image inspect\" requires at least 1 argument");
        json_decref(all);
        return md_fail("image inspect");
    }
    if (image_store_open(g->root, &st) < 0) {
        json_decref(all);
        return md_fail("image inspect");
    }
    for (int i = optind; i < argc; i++) {
        json_t *doc = NULL;
        int r = image_inspect_doc(g->root, st, argv[i], &doc);
        if (r < 0) {
            code = image_fail("image inspect", r);
            continue;
        }
        if (inspect_emit(all, doc, format) < 0)
            code = md_fail("image inspect");
    }
    inspect_finish(all, format);
    json_decref(all);
    image_store_close(st);
    return code;
}
