/* volume.c — `minidock volume create|ls|inspect|rm|prune`.
 *
 * The volumes themselves are lab 03's (volumes.c): ROOT/volumes/<name>/_data.
 * This file adds what Docker shows about them: a creation time and labels
 * kept in ROOT/volumes/<name>/meta.json, the tables and the inspect JSON,
 * and Docker's rule that a volume a container mounts is not removed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctrlist.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "minidock.h"
#include "store.h"
#include "str.h"
#include "table.h"
#include "template.h"
#include "volumes.h"

static void meta_path(const struct md_global *g, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/volumes/%s/meta.json", g->root, name);
}

/* Docker's inspect document of one volume. */
static int volume_document(const struct md_global *g, const char *name, json_t **out)
{
    char data[4096], meta[4096];
    json_t *m = NULL;
    int r = vol_path(g->root, name, data, sizeof(data));
    if (r < 0)
        return r;
    if (!path_exists(data))
        return err_setx(ENOENT, "No such volume: %s", name);
    meta_path(g, name, meta, sizeof(meta));
    m = json_load_file(meta, 0, NULL);
    json_t *labels = m ? json_object_get(m, "Labels") : NULL;
    json_t *created = m ? json_object_get(m, "CreatedAt") : NULL;
    *out = json_pack("{s:s, s:s, s:O, s:s, s:s, s:n, s:s}", "CreatedAt",
                     json_is_string(created) ? json_string_value(created) : "", "Driver", "local",
                     "Labels", labels ? labels : json_null(), "Mountpoint", data, "Name", name,
                     "Options", "Scope", "local");
    json_decref(m);
    return *out ? 0 : err_set(ENOMEM, "volume %s", name);
}

static int write_meta(const struct md_global *g, const char *name, json_t *labels)
{
    char meta[4096], when[64];
    store_timestamp(when, sizeof(when), (double)time(NULL));
    when[19] = 'Z', when[20] = '\0'; /* seconds, as Docker shows it */
    json_t *m = json_pack("{s:s, s:O}", "CreatedAt", when, "Labels",
                          json_object_size(labels) ? labels : json_null());
    char *text = m ? json_dumps(m, JSON_INDENT(2)) : NULL;
    json_decref(m);
    if (!text)
        return err_set(ENOMEM, "volume %s", name);
    meta_path(g, name, meta, sizeof(meta));
    int r = file_write_atomic(meta, text, strlen(text), 0600);
    free(text);
    return r;
}

static int add_label(json_t *labels, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char *key = strndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));
    int r = key && *key ? json_object_set_new(labels, key, json_string(eq ? eq + 1 : ""))
                        : err_setx(EINVAL, "invalid label '%s': expected KEY=VALUE", kv);
    free(key);
    return r < 0 ? r : 0;
}

/* Create a volume: a name of its own, or 64 hex digits for an anonymous
 * one (then labelled com.docker.volume.anonymous, as Docker does). */
int volume_create(const struct md_global *g, const char *name, json_t *labels, char *out,
                  size_t size)
{
    bool created;
    if (!name) {
        char id[STORE_ID_LEN + 1];
        int r = store_random_id(id);
        if (r < 0)
            return r;
        snprintf(out, size, "%s", id);
        json_object_set_new(labels, ANONYMOUS_VOLUME_LABEL, json_string(""));
    } else {
        snprintf(out, size, "%s", name);
    }
    int r = vol_create(g->root, out, &created);
    if (r == 0 && created)
        r = write_meta(g, out, labels);
    return r;
}

static int volume_create_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"label", required_argument, NULL, 'l'},
        {"driver", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    json_t *labels = json_object();
    char name[128];
    int c, code = 125;
    while ((c = getopt_long(argc, argv, "l:d:", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock volume create [OPTIONS] [VOLUME]\n\nCreate a volume\n\n"
                   "Options:\n  -d, --driver string   Volume driver name (only \"local\")\n"
                   "      --label KEY=VALUE Set metadata for a volume\n");
            code = 0;
            goto out;
        }
        if (c == 'd' && strcmp(optarg, "local") != 0) {
            err_setx(EINVAL, "volume driver '%s' is not supported: only 'local'", optarg);
            goto fail;
        }
        if (c == 'l' && add_label(labels, optarg) < 0)
            goto fail;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            goto fail;
        }
    }
    if (argc - optind > 1) {
        err_setx(EINVAL, "\"volume create\" requires at most 1 argument");
        goto fail;
    }
    if (volume_create(g, optind < argc ? argv[optind] : NULL, labels, name, sizeof(name)) < 0)
        goto fail;
    printf("%s\n", name);
    code = 0;
    goto out;
fail:
    code = md_fail("volume create");
out:
    json_decref(labels);
    return code;
}

/* "a,b,c": the strings of v separated by sep (malloc'ed; NULL without memory). */
static char *join(const strv_t *v, const char *sep)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; f && i < v->len; i++)
        fprintf(f, "%s%s", i ? sep : "", v->v[i]);
    if (f)
        fclose(f);
    return out;
}

/* The row `volume ls` renders: Docker's field names. */
static json_t *volume_row(json_t *doc)
{
    json_t *labels = json_object_get(doc, "Labels");
    strv_t parts = {0};
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v)
    {
        char *kv = str_printf("%s=%s", k, json_string_value(v));
        strv_push_owned(&parts, kv);
    }
    char *joined = join(&parts, ",");
    json_t *row = json_pack(
        "{s:O, s:O, s:O, s:O, s:s, s:s}", "Driver", json_object_get(doc, "Driver"), "Name",
        json_object_get(doc, "Name"), "Mountpoint", json_object_get(doc, "Mountpoint"), "Scope",
        json_object_get(doc, "Scope"), "Labels", joined ? joined : "", "Size", "N/A");
    free(joined);
    strv_free(&parts);
    return row;
}

static int volume_ls_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table {{.Driver}}\t{{.Name}}";
    strv_t names = {0};
    struct table *t = NULL;
    int c, code = 125;
    while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n"
                   "      --format string   Format output using a Go template\n"
                   "  -q, --quiet           Only display volume names\n");
            return 0;
        }
        if (c == 'q')
            format = "{{.Name}}";
        else if (c == 'f')
            format = optarg;
        else {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            return md_fail("volume ls");
        }
    }
    json_t *titles =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Driver", "DRIVER", "Name", "VOLUME NAME",
                  "Mountpoint", "MOUNTPOINT", "Scope", "SCOPE", "Labels", "LABELS", "Size", "SIZE");
    if (table_open(format, titles, &t) < 0 || vol_list(g->root, &names) < 0)
        goto fail;
    for (size_t i = 0; i < names.len; i++) {
        json_t *doc = NULL, *row;
        if (volume_document(g, names.v[i], &doc) < 0)
            continue; /* removed meanwhile */
        row = volume_row(doc);
        int r = row ? table_add(t, row) : -ENOMEM;
        json_decref(row);
        json_decref(doc);
        if (r < 0)
            goto fail;
    }
    table_flush(t, stdout);
    t = NULL;
    code = 0;
    goto out;
fail:
    code = md_fail("volume ls");
out:
    table_free(t);
    json_decref(titles);
    strv_free(&names);
    return code;
}

static int volume_inspect_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *format = NULL;
    json_t *all = json_array();
    int c, code = 0;
    while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock volume inspect [OPTIONS] VOLUME [VOLUME...]\n\n"
                   "Display detailed information on one or more volumes\n");
            json_decref(all);
            return 0;
        }
        if (c == 'f')
            format = optarg;
        else {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            json_decref(all);
            return md_fail("volume inspect");
        }
    }
    if (optind >= argc) {
        err_setx(EINVAL, "\"volume inspect\" requires at least 1 argument");
        json_decref(all);
        return md_fail("volume inspect");
    }
    for (int i = optind; i < argc; i++) {
        json_t *doc;
        if (volume_document(g, argv[i], &doc) < 0) {
            code = md_fail(NULL);
            continue;
        }
        if (inspect_emit(all, doc, format) < 0)
            code = md_fail("volume inspect");
    }
    inspect_finish(all, format);
    json_decref(all);
    return code;
}

/* The containers that use a volume, with the container store they come from. */
static int load_containers(const struct md_global *g, struct ctr_list *l)
{
    struct store s;
    int r = ctr_store(g, &s);
    return r < 0 ? r : ctr_list_load(&s, l);
}

/* Docker refuses to remove a volume a container mounts, even a stopped one:
 * "remove NAME: volume is in use - [ID, ID]". */
static int volume_remove_unused(const struct md_global *g, const struct ctr_list *l,
                                const char *name)
{
    strv_t users = {0};
    if (volume_users(l, name, &users) == 0)
        return vol_remove(g->root, name);
    char *list = join(&users, ", ");
    int r = err_setx(EBUSY, "remove %s: volume is in use - [%s]", name, list ? list : "");
    free(list);
    strv_free(&users);
    return r;
}

static int volume_rm_cmd(const struct md_global *g, int argc, char **argv)
{
    struct ctr_list l = {0};
    int code = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            printf("Usage:  minidock volume rm [OPTIONS] VOLUME [VOLUME...]\n\n"
                   "Remove one or more volumes\n");
            return 0;
        }
    }
    if (argc < 2) {
        err_setx(EINVAL, "\"volume rm\" requires at least 1 argument");
        return md_fail("volume rm");
    }
    if (load_containers(g, &l) < 0)
        return md_fail("volume rm");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
            continue;
        char data[4096];
        if (vol_path(g->root, argv[i], data, sizeof(data)) < 0) {
            code = md_fail(NULL);
        } else if (!path_exists(data)) {
            err_setx(ENOENT, "No such volume: %s", argv[i]);
            code = md_fail(NULL);
        } else if (volume_remove_unused(g, &l, argv[i]) < 0) {
            code = md_fail(NULL);
        } else {
            printf("%s\n", argv[i]);
        }
    }
    ctr_list_free(&l);
    return code;
}

int volume_prune(const struct md_global *g, bool all, int64_t *bytes)
{
    struct ctr_list l = {0};
    strv_t names = {0};
    bool header = false;
    int r = load_containers(g, &l);
    if (r == 0)
        r = vol_list(g->root, &names);
    for (size_t i = 0; r == 0 && i < names.len; i++) {
        json_t *doc;
        if (volume_document(g, names.v[i], &doc) < 0) {
            err_clear();
            continue;
        }
        bool anonymous = json_object_get(json_object_get(doc, "Labels"), ANONYMOUS_VOLUME_LABEL);
        bool unused = (all || anonymous) && volume_users(&l, names.v[i], NULL) == 0;
        int64_t size = unused ? tree_bytes(jstr(doc, "Mountpoint")) : 0;
        json_decref(doc);
        if (!unused || vol_remove(g->root, names.v[i]) < 0) {
            err_clear();
            continue;
        }
        printf("%s%s\n", header ? "" : "Deleted Volumes:\n", names.v[i]);
        header = true;
        *bytes += size;
    }
    if (header)
        printf("\n");
    ctr_list_free(&l);
    strv_free(&names);
    return r;
}

/* `prune` removes the anonymous volumes (all of them with -a) that no
 * container uses. */
static int volume_prune_cmd(const struct md_global *g, int argc, char **argv)
{
    bool force = false, all = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--force") == 0)
            force = true;
        else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0)
            all = true;
        else {
            err_setx(EINVAL, "unknown flag: %s", argv[i]);
            return md_fail("volume prune");
        }
    }
    char warning[128];
    snprintf(warning, sizeof(warning),
             "WARNING! This will remove %s local volumes not used by at least one container.",
             all ? "all" : "anonymous");
    if (!force && !confirm(warning))
        return 0;
    int64_t reclaimed = 0;
    if (volume_prune(g, all, &reclaimed) < 0)
        return md_fail("volume prune");
    char human[32];
    human_size(human, sizeof(human), reclaimed);
    printf("Total reclaimed space: %s\n", human);
    return 0;
}

int cmd_volume(const struct md_global *g, int argc, char **argv)
{
    static const struct md_subverb subs[] = {
        {"create", volume_create_cmd, "Create a volume"},
        {"inspect", volume_inspect_cmd, "Display detailed information on one or more volumes"},
        {"ls", volume_ls_cmd, "List volumes"},
        {"list", volume_ls_cmd, NULL},
        {"prune", volume_prune_cmd, "Remove unused local volumes"},
        {"rm", volume_rm_cmd, "Remove one or more volumes"},
        {"remove", volume_rm_cmd, NULL},
    };
    return md_dispatch(g, argc, argv, "volume", "Manage volumes", subs,
                       sizeof(subs) / sizeof(subs[0]));
}
