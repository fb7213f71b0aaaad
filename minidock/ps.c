/* ps.c — the verbs that read one or more containers without touching them.
 *
 *   ps         one row per container, newest first, Docker's columns and --format
 *   inspect    container.json with the live State, as Docker prints it; images too
 *   port       the published ports of NetworkSettings.Ports
 *
 * They read container.json and state.json through ctr_load() (which notices a
 * monitor that died).  top and stats are in top.c; prune, df and the
 * `container` and `system` groups in system.c; what they share in ctrlist.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "ctrlist.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "image.h"
#include "minidock.h"
#include "table.h"
#include "template.h"

/* ---- 1. ps: the cells of a row -------------------------------------------------------------- */

/* A timestamp of container.json or state.json as a Unix time; 0 when unset
 * (Docker writes "0001-01-01T00:00:00Z"). */
static double jtime(const json_t *o, const char *key)
{
    double t = 0;
    if (store_parse_timestamp(jstr(o, key), &t) < 0 || t < 0) {
        err_clear();
        return 0;
    }
    return t;
}

/* "2024-05-01 10:00:00 +0200 CEST": Go's time.String(), as CreatedAt shows. */
static void local_time(char *buf, size_t size, double t)
{
    time_t secs = (time_t)t;
    struct tm tm;
    localtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

/* Unpacked bytes of an image (0 when it is unknown). */
static int64_t image_bytes(struct image_store *ist, const char *id)
{
    struct image img = {0};
    int64_t total = 0;
    if (!ist || !*id || image_lookup(ist, id, &img) < 0) {
        err_clear();
        return 0;
    }
    int64_t *sizes = calloc(img.nlayers + 1, sizeof(*sizes));
    if (sizes && image_layer_sizes(ist, &img, sizes) == 0)
        for (size_t i = 0; i < img.nlayers; i++)
            total += sizes[i];
    free(sizes);
    image_free(&img);
    err_clear();
    return total;
}

/* Keys of an object, sorted; ports sort by number first ("8080/tcp" after "80/tcp"). */
static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_port(const void *a, const void *b)
{
    long x = atol(*(char *const *)a), y = atol(*(char *const *)b);
    return x != y ? (x > y) - (x < y) : by_string(a, b);
}

static int sorted_keys(const json_t *o, int (*cmp)(const void *, const void *), strv_t *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int r = strv_push(keys, k);
        if (r < 0)
            return r;
    }
    if (keys->len)
        qsort(keys->v, keys->len, sizeof(*keys->v), cmp);
    return 0;
}

/* Path and Args, as Docker's COMMAND holds them before quoting. */
static char *command_line(const json_t *doc)
{
    char *buf = NULL;
    size_t len = 0, i;
    json_t *a;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputs(jstr(doc, "Path"), f);
    json_array_foreach(json_object_get(doc, "Args"), i, a) fprintf(f, " %s", json_string_value(a));
    fclose(f);
    return buf;
}

/* Docker's Ellipsis: at most max characters, the last one "…" when cut.
 * Takes s (malloc'ed) and returns the result. */
static char *ellipsis(char *s, size_t max)
{
    size_t chars = 0, cut = 0;
    for (size_t i = 0; s && s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue; /* inside a UTF-8 character */
        if (chars++ == max - 1)
            cut = i;
    }
    if (!s || chars <= max)
        return s;
    char *out = str_printf("%.*s…", (int)cut, s);
    free(s);
    return out;
}

/* Go's strconv.Quote, which Docker applies to the COMMAND column. */
static char *go_quote(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
    fclose(f);
    return buf;
}

/* "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp" (exposed, not published). */
static char *ports_text(const json_t *doc)
{
    const json_t *ports = json_object_get(json_object_get(doc, "NetworkSettings"), "Ports");
    strv_t keys = {0};
    char *buf = NULL;
    size_t len = 0, j;
    json_t *b;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    sorted_keys(ports, by_port, &keys);
    for (size_t i = 0; i < keys.len; i++) {
        const json_t *bindings = json_object_get(ports, keys.v[i]);
        if (json_array_size(bindings) == 0)
            fprintf(f, "%s%s", ftell(f) ? ", " : "", keys.v[i]);
        json_array_foreach(bindings, j, b)
        {
            const char *ip = *jstr(b, "HostIp") ? jstr(b, "HostIp") : "0.0.0.0";
            fprintf(f, "%s%s:%s->%s", ftell(f) ? ", " : "", ip, jstr(b, "HostPort"), keys.v[i]);
        }
    }
    fclose(f);
    strv_free(&keys);
    return buf;
}

/* "a=1,b=2", sorted by key. */
static char *labels_text(const json_t *labels)
{
    strv_t keys = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    sorted_keys(labels, by_string, &keys);
    for (size_t i = 0; i < keys.len; i++)
        fprintf(f, "%s%s=%s", i ? "," : "", keys.v[i], jstr(labels, keys.v[i]));
    fclose(f);
    strv_free(&keys);
    return buf;
}

/* Volume names and bind sources, each cut at 15 characters unless --no-trunc. */
static char *mounts_text(const json_t *doc, bool no_trunc)
{
    char *buf = NULL;
    size_t len = 0, i;
    json_t *m;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    json_array_foreach(json_object_get(doc, "Mounts"), i, m)
    {
        const char *what = *jstr(m, "Name") ? jstr(m, "Name") : jstr(m, "Source");
        char *cell = strdup(what);
        if (cell && !no_trunc)
            cell = ellipsis(cell, 15);
        fprintf(f, "%s%s", i ? "," : "", cell ? cell : "");
        free(cell);
    }
    fclose(f);
    return buf;
}

/* The networks the container is attached to, or its network mode ("none", "host"). */
static char *networks_text(const json_t *doc)
{
    const json_t *nets = json_object_get(json_object_get(doc, "NetworkSettings"), "Networks");
    strv_t keys = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    sorted_keys(nets, by_string, &keys);
    for (size_t i = 0; i < keys.len; i++)
        fprintf(f, "%s%s", i ? "," : "", keys.v[i]);
    if (!keys.len)
        fputs(jstr(json_object_get(doc, "HostConfig"), "NetworkMode"), f);
    fclose(f);
    strv_free(&keys);
    return buf;
}

static int local_volumes(const json_t *doc)
{
    size_t i;
    json_t *m;
    int n = 0;
    json_array_foreach(json_object_get(doc, "Mounts"), i, m) n +=
        strcmp(jstr(m, "Type"), "volume") == 0;
    return n;
}

/* "12B (virtual 4.26MB)": the writable layer, and with the image below it. */
static void size_text(const struct ctr *c, struct image_store *ist, char *buf, size_t size)
{
    int64_t rw = ctr_rw_bytes(c), image = image_bytes(ist, jstr(c->doc, "Image"));
    char a[32], b[32];
    human_size_precision(a, sizeof(a), rw, HUMAN_TABLE_PRECISION);
    human_size_precision(b, sizeof(b), rw + image, HUMAN_TABLE_PRECISION);
    if (image > 0)
        snprintf(buf, size, "%s (virtual %s)", a, b);
    else
        snprintf(buf, size, "%s", a);
}

/* What the user typed as the image; a --rootfs container shows its directory. */
static const char *image_text(const struct ctr *c)
{
    const char *typed = jstr(json_object_get(c->doc, "Config"), "Image");
    if (*typed)
        return typed;
    if (*jstr(c->doc, "Image"))
        return jstr(c->doc, "Image");
    return jstr(json_object_get(c->doc, "Minidock"), "Rootfs");
}

struct ps_opts {
    bool all, quiet, no_trunc, size;
    long last; /* -n; -1: no limit */
    const char *format;
};

/* The row `ps` renders, with Docker's field names. */
static json_t *ps_row(const struct ctr *c, const struct ps_opts *o, struct image_store *ist,
                      double now)
{
    char id[STORE_ID_LEN + 1], created_at[80], running_for[80], status[96], size[96] = "0B";
    double created = jtime(c->doc, "Created");
    json_t *row = NULL;

    snprintf(id, sizeof(id), o->no_trunc ? "%s" : "%.12s", c->id);
    local_time(created_at, sizeof(created_at), created);
    human_ago(running_for, sizeof(running_for), now - created);
    human_status(status, sizeof(status), ctr_status(c),
                 (int)json_integer_value(json_object_get(c->state, "ExitCode")),
                 json_is_true(json_object_get(c->state, "Paused")), jtime(c->state, "StartedAt"),
                 jtime(c->state, "FinishedAt"), now);
    if (o->size)
        size_text(c, ist, size, sizeof(size));
    char *cmd = command_line(c->doc);
    if (!o->no_trunc)
        cmd = ellipsis(cmd, 20);
    char *quoted = cmd ? go_quote(cmd) : NULL;
    char *ports = ports_text(c->doc), *mounts = mounts_text(c->doc, o->no_trunc);
    char *labels = labels_text(json_object_get(json_object_get(c->doc, "Config"), "Labels"));
    char *nets = networks_text(c->doc), *nvol = str_printf("%d", local_volumes(c->doc));
    char image[600]; /* an image given by its ID shows as a short ID, as Docker */
    const char *typed = image_text(c);
    snprintf(image, sizeof(image), "%.*s",
             str_has_prefix(typed, "sha256:") && !o->no_trunc ? 12 : (int)sizeof(image),
             str_has_prefix(typed, "sha256:") && !o->no_trunc ? typed + 7 : typed);
    if (quoted && ports && mounts && labels && nets && nvol)
        row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                        "Command", quoted, "CreatedAt", created_at, "ID", id, "Image", image,
                        "Labels", labels, "LocalVolumes", nvol, "Mounts", mounts, "Names", c->name,
                        "Networks", nets, "Ports", ports, "RunningFor", running_for, "Size", size,
                        "State", ctr_state(c), "Status", status);
    free(cmd);
    free(quoted);
    free(ports);
    free(mounts);
    free(labels);
    free(nets);
    free(nvol);
    return row;
}

/* ---- 2. ps ---------------------------------------------------------------------------------- */

static int ps_usage(void)
{
    printf("Usage:  minidock ps [OPTIONS]\n\nList containers\n\nAliases:\n"
           "  minidock container ls, minidock container list, minidock container ps, "
           "minidock ps\n\nOptions:\n"
           "  -a, --all             Show all containers (default shows just running)\n"
           "  -f, --filter filter   Filter output based on conditions provided: status=,\n"
           "                        name=, label=KEY[=VALUE], ancestor=, id=, exited=,\n"
           "                        before=, since=\n"
           "      --format string   Format output using a Go template ('table ...', 'json')\n"
           "  -n, --last int        Show n last created containers (includes all states)\n"
           "  -l, --latest          Show the latest created container (includes all states)\n"
           "      --no-trunc        Don't truncate output\n"
           "  -q, --quiet           Only display container IDs\n"
           "  -s, --size            Display total file sizes\n");
    return 0;
}

static json_t *ps_titles(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                     "CONTAINER ID", "Image", "IMAGE", "Command", "COMMAND", "CreatedAt",
                     "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "Status", "STATUS",
                     "State", "STATE", "Names", "NAMES", "Labels", "LABELS", "Mounts", "MOUNTS",
                     "Networks", "NETWORKS", "Size", "SIZE", "LocalVolumes", "LOCAL VOLUMES");
}

static int ps_parse(int argc, char **argv, struct ps_opts *o, struct filters *f)
{
    enum { OPT_NO_TRUNC = 1000, OPT_FORMAT };
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},          {"quiet", no_argument, NULL, 'q'},
        {"last", required_argument, NULL, 'n'},   {"latest", no_argument, NULL, 'l'},
        {"size", no_argument, NULL, 's'},         {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
        {"filter", required_argument, NULL, 'f'}, {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},         {0},
    };
    int64_t n;
    int c;
    while ((c = getopt_long(argc, argv, "aqn:lsf:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->all = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'n':
            if (str_to_i64(optarg, -1, INT32_MAX, &n) < 0)
                return err_setx(EINVAL, "invalid argument \"%s\" for \"-n, --last\" flag", optarg);
            o->last = (long)n;
            break;
        case 'l':
            o->last = 1;
            break;
        case 's':
            o->size = true;
            break;
        case OPT_NO_TRUNC:
            o->no_trunc = true;
            break;
        case 'f':
            if (filters_add(f, optarg) < 0)
                return -EINVAL;
            break;
        case OPT_FORMAT:
            o->format = optarg;
            break;
        case 'h':
            return 1;
        default:
            return err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return err_setx(EINVAL, "\"ps\" accepts no arguments");
    /* -n includes every state, and so does a status filter */
    if (o->last > 0 || f->values[F_STATUS].len)
        o->all = true;
    if (o->format && strstr(o->format, ".Size"))
        o->size = true;
    return 0;
}

int cmd_ps(const struct md_global *g, int argc, char **argv)
{
    struct ps_opts o = {.last = -1};
    struct filters f = {0};
    struct ctr_list l = {0};
    struct image_store *ist = NULL;
    struct table *t = NULL;
    struct store s;
    json_t *titles = ps_titles();
    int code = 125, r = ps_parse(argc, argv, &o, &f);
    if (r == 1) {
        code = ps_usage();
        goto out;
    }
    const char *format = o.format ? o.format
                         : o.size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
                                    "{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                                  : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
                                    "{{.Status}}\t{{.Ports}}\t{{.Names}}";
    if (o.quiet)
        format = "{{.ID}}";
    if (r < 0 || ctr_store(g, &s) < 0 || filters_resolve(g, &s, &f) < 0 ||
        table_open(format, titles, &t) < 0 || ctr_list_load(&s, &l) < 0)
        goto fail;
    if (o.size && image_store_open(g->root, &ist) < 0)
        err_clear(); /* sizes without the image part */
    double now = now_real();
    long shown = 0;
    for (size_t i = 0; i < l.n && (o.last < 0 || shown < o.last); i++) {
        if ((!o.all && !ctr_is_running(&l.v[i])) || !filters_match(&f, &l.v[i]))
            continue;
        json_t *row = ps_row(&l.v[i], &o, ist, now);
        r = row ? table_add(t, row) : err_set(ENOMEM, "ps");
        json_decref(row);
        if (r < 0)
            goto fail;
        shown++;
    }
    table_flush(t, stdout);
    t = NULL;
    code = 0;
    goto out;
fail:
    code = md_fail("ps");
out:
    if (ist)
        image_store_close(ist);
    table_free(t);
    ctr_list_free(&l);
    filters_free(&f);
    json_decref(titles);
    return code;
}

/* ---- 3. inspect ----------------------------------------------------------------------------- */

/* Docker's order of the inspect document; other keys of container.json follow. */
static const char *const inspect_order[] = {
    "Id",           "Created",         "Path",         "Args",       "State",
    "Image",        "ResolvConfPath",  "HostnamePath", "HostsPath",  "LogPath",
    "Name",         "RestartCount",    "Driver",       "Platform",   "MountLabel",
    "ProcessLabel", "AppArmorProfile", "ExecIDs",      "HostConfig", "GraphDriver",
    "SizeRw",       "SizeRootFs",      "Mounts",       "Config",     "NetworkSettings",
};

/* What Docker shows of state.json; MonitorPid and the like are ours. */
static const char *const state_keys[] = {
    "Running",  "Paused", "Restarting", "OOMKilled",  "Dead",   "Pid",
    "ExitCode", "Error",  "StartedAt",  "FinishedAt", "Health",
};

/* container.json with State from state.json, the current name and the restart count. */
static json_t *ctr_inspect_document(const struct ctr *c, bool sizes, struct image_store *ist)
{
    json_t *doc = json_deep_copy(c->doc), *out = json_object();
    json_t *state = json_pack("{s:s}", "Status", ctr_state(c));
    if (!doc || !out || !state) {
        json_decref(doc);
        json_decref(out);
        json_decref(state);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(state_keys) / sizeof(state_keys[0]); i++) {
        json_t *v = json_object_get(c->state, state_keys[i]);
        if (v)
            json_object_set(state, state_keys[i], v);
    }
    json_object_set_new(doc, "State", state);
    if (c->name[0])
        json_object_set_new(doc, "Name", json_sprintf("/%s", c->name));
    json_t *restarts = json_object_get(c->state, "RestartCount");
    json_object_set(doc, "RestartCount", restarts ? restarts : json_integer(0));
    if (sizes) {
        int64_t rw = ctr_rw_bytes(c);
        json_object_set_new(doc, "SizeRw", json_integer(rw));
        json_object_set_new(doc, "SizeRootFs",
                            json_integer(rw + image_bytes(ist, jstr(c->doc, "Image"))));
    }
    for (size_t i = 0; i < sizeof(inspect_order) / sizeof(inspect_order[0]); i++) {
        json_t *v = json_object_get(doc, inspect_order[i]);
        if (v) {
            json_object_set(out, inspect_order[i], v);
            json_object_del(doc, inspect_order[i]);
        }
    }
    json_object_update(out, doc);
    json_decref(doc);
    return out;
}

/* What inspect reads: the container store, and the image store when there is
 * one (opened on first use; inspect creates nothing). */
struct inspect_src {
    const struct md_global *g;
    struct store ctrs;
    struct image_store *images;
    bool images_tried;
};

static struct image_store *inspect_images(struct inspect_src *src)
{
    char dir[PATH_MAX];
    if (!src->images_tried) {
        src->images_tried = true;
        snprintf(dir, sizeof(dir), "%s/images", src->g->root);
        if (path_exists(dir) && image_store_open(src->g->root, &src->images) < 0) {
            src->images = NULL;
            err_clear();
        }
    }
    return src->images;
}

/* One reference: a container first, then (unless --type container) an image,
 * as Docker looks them up.  *doc is NULL with a message in the error slot
 * when there is neither. */
static int inspect_one(struct inspect_src *src, const char *type, const char *ref, bool sizes,
                       json_t **doc)
{
    struct ctr c;
    int r;
    *doc = NULL;
    if (!type || strcmp(type, "container") == 0) {
        r = ctr_load(&src->ctrs, ref, &c);
        if (r == 0) {
            *doc = ctr_inspect_document(&c, sizes, sizes ? inspect_images(src) : NULL);
            ctr_free(&c);
            return *doc ? 0 : err_set(ENOMEM, "inspect %s", ref);
        }
        if (r != -ENOENT)
            return r; /* an ambiguous prefix, a broken container */
    }
    if (!type || strcmp(type, "image") == 0) {
        r = inspect_images(src) ? image_inspect_doc(src->g->root, src->images, ref, doc) : -ENOENT;
        if (r != -ENOENT)
            return r;
    }
    err_clear();
    return err_setx(ENOENT, "No such %s: %s", type ? type : "object", ref);
}

static int inspect_usage(void)
{
    printf("Usage:  minidock inspect [OPTIONS] NAME|ID [NAME|ID...]\n\n"
           "Return low-level information on minidock objects\n\nOptions:\n"
           "  -f, --format string   Format output using a Go template\n"
           "  -s, --size            Display total file sizes if the type is container\n"
           "      --type string     Return JSON for specified type (container, image)\n");
    return 0;
}

/* `inspect` and `container inspect` (type "container"). */
static int inspect_cmd(const struct md_global *g, int argc, char **argv, const char *type)
{
    enum { OPT_TYPE = 1000 };
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"size", no_argument, NULL, 's'},
        {"type", required_argument, NULL, OPT_TYPE},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = NULL;
    bool sizes = false;
    int c, code = 0;
    while ((c = getopt_long(argc, argv, "f:sh", opts, NULL)) != -1) {
        if (c == 'h')
            return inspect_usage();
        else if (c == 'f')
            format = optarg;
        else if (c == 's')
            sizes = true;
        else if (c == OPT_TYPE)
            type = optarg;
        else
            return unknown_flag("inspect", argv);
    }
    if (type && strcmp(type, "container") != 0 && strcmp(type, "image") != 0) {
        err_setx(EINVAL, "\"%s\" is not a valid value for --type", type);
        return md_fail("inspect");
    }
    if (optind >= argc) {
        err_setx(EINVAL, "\"inspect\" requires at least 1 argument");
        return md_fail("inspect");
    }
    struct inspect_src src = {.g = g};
    strv_t errors = {0};
    if (ctr_store(g, &src.ctrs) < 0)
        return md_fail("inspect");
    json_t *all = json_array();
    for (int i = optind; i < argc; i++) {
        json_t *doc;
        if (inspect_one(&src, type, argv[i], sizes, &doc) < 0) {
            strv_push(&errors, err_msg());
        } else if (inspect_emit(all, doc, format) < 0) {
            code = md_fail("inspect");
            break; /* the same template fails on every document */
        }
    }
    inspect_finish(all, format);
    for (size_t i = 0; i < errors.len; i++) {
        err_setx(ENOENT, "%s", errors.v[i]);
        code = md_fail(NULL);
    }
    if (src.images)
        image_store_close(src.images);
    strv_free(&errors);
    json_decref(all);
    return code;
}

int cmd_inspect(const struct md_global *g, int argc, char **argv)
{
    return inspect_cmd(g, argc, argv, NULL);
}

int cmd_container_inspect(const struct md_global *g, int argc, char **argv)
{
    return inspect_cmd(g, argc, argv, "container");
}

/* ---- 4. port -------------------------------------------------------------------------------- */

/* "0.0.0.0:8080", "[::]:8080" */
static void host_address(const json_t *binding, char *buf, size_t size)
{
    const char *ip = *jstr(binding, "HostIp") ? jstr(binding, "HostIp") : "0.0.0.0";
    snprintf(buf, size, strchr(ip, ':') ? "[%s]:%s" : "%s:%s", ip, jstr(binding, "HostPort"));
}

int cmd_port(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    struct ctr c = {0};
    strv_t keys = {0};
    char addr[128], want[64] = "";
    size_t j;
    json_t *b;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage:  minidock port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
               "List port mappings or a specific mapping for the container\n");
        return 0;
    }
    if (argc < 2 || argc > 3) {
        err_setx(EINVAL, "\"port\" requires 1 or 2 arguments");
        return md_fail("port");
    }
    if (argc == 3)
        snprintf(want, sizeof(want), strchr(argv[2], '/') ? "%s" : "%s/tcp", argv[2]);
    int r = ctr_store(g, &s);
    if (r == 0)
        r = ctr_load(&s, argv[1], &c);
    const json_t *ports = json_object_get(json_object_get(c.doc, "NetworkSettings"), "Ports");
    if (r == 0 && *want) {
        json_array_foreach(json_object_get(ports, want), j, b)
        {
            host_address(b, addr, sizeof(addr));
            printf("%s\n", addr);
        }
        if (json_array_size(json_object_get(ports, want)) == 0)
            r = err_setx(ENOENT, "No public port '%s' published for %s", want, argv[1]);
    } else if (r == 0) {
        sorted_keys(ports, by_port, &keys);
        for (size_t i = 0; i < keys.len; i++)
            json_array_foreach(json_object_get(ports, keys.v[i]), j, b)
            {
                host_address(b, addr, sizeof(addr));
                printf("%s -> %s\n", keys.v[i], addr);
            }
    }
    strv_free(&keys);
    ctr_free(&c);
    return r < 0 ? md_fail(NULL) : 0;
}
