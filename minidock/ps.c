/* ps.c — the verbs that read containers, and the housekeeping around them.
 *
 *   ps         one row per container, newest first, Docker's columns and --format
 *   inspect    container.json with the live State, as Docker prints it
 *   top        the processes of the container's cgroup, in `ps -ef` columns
 *   port       the published ports of NetworkSettings.Ports
 *   stats      CPU, memory, network, block I/O and pids, from the cgroup and /proc
 *   container prune, system df, system prune
 *   container SUBVERB, system SUBVERB: Docker's management commands
 *
 * These verbs never change a running container: they read container.json and
 * state.json through ctr_load() (which notices a monitor that died), the
 * container's cgroup and /proc.  The prune verbs remove only what is stopped
 * or unused.  minidock runs no host tool: top reads /proc itself, as ps does.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "image.h"
#include "minidock.h"
#include "table.h"
#include "template.h"

#define ANONYMOUS_VOLUME_LABEL "com.docker.volume.anonymous"

/* ---- 1. Small readers shared by the verbs ------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

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

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Docker's State: a running container whose cgroup is frozen is "paused". */
static const char *ctr_state(const struct ctr *c)
{
    if (strcmp(ctr_status(c), "running") == 0 && json_is_true(json_object_get(c->state, "Paused")))
        return "paused";
    return ctr_status(c);
}

/* "2024-05-01 10:00:00 +0200 CEST": Go's time.String(), as CreatedAt shows. */
static void local_time(char *buf, size_t size, double t)
{
    time_t secs = (time_t)t;
    struct tm tm;
    localtime_r(&secs, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
}

/* Bytes of the files below a directory, as Docker counts a container's or a
 * volume's size; 0 when it does not exist.  Symbolic links are not followed. */
static int64_t tree_bytes_at(int fd)
{
    DIR *d = fdopendir(fd);
    struct dirent *e;
    int64_t total = 0;
    if (!d) {
        close(fd);
        return 0;
    }
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            total += sub >= 0 ? tree_bytes_at(sub) : 0;
        } else {
            total += st.st_size;
        }
    }
    closedir(d);
    return total;
}

static int64_t tree_bytes(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? 0 : tree_bytes_at(fd);
}

/* The writable layer of a container: what removing it gives back. */
static int64_t ctr_rw_bytes(const struct ctr *c)
{
    char upper[PATH_MAX + 8];
    snprintf(upper, sizeof(upper), "%s/upper", c->dir);
    return tree_bytes(upper);
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

/* Ask before a prune, as Docker does; anything but y/Y is a no. */
static bool confirm(const char *warning)
{
    char answer[16] = "";
    printf("%s\nAre you sure you want to continue? [y/N] ", warning);
    fflush(stdout);
    bool yes = fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
    if (!yes)
        printf("\n");
    return yes;
}

static int unknown_flag(const char *verb, char **argv)
{
    err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
    fprintf(stderr, "minidock: %s: %s\nSee 'minidock %s --help'.\n", verb, err_msg(), verb);
    return 125;
}

/* ---- 2. Every container, newest first ----------------------------------------------------- */

struct ctr_list {
    struct ctr *v;
    size_t n;
};

static int ctr_list_load(struct store *s, struct ctr_list *l)
{
    strv_t ids = {0};
    int r = store_list(s, &ids);
    l->n = 0;
    l->v = r == 0 ? calloc(ids.len + 1, sizeof(*l->v)) : NULL;
    if (r == 0 && !l->v)
        r = err_set(ENOMEM, "list containers");
    for (size_t i = ids.len; r == 0 && i-- > 0;)
        if (ctr_load_id(s, ids.v[i], &l->v[l->n]) == 0)
            l->n++; /* one being created or removed is skipped */
    err_clear();
    strv_free(&ids);
    return r;
}

static void ctr_list_free(struct ctr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ctr_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Does a container of the list use this image (container.json "Image")? */
static bool image_in_use(const struct ctr_list *l, const char *image_id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(jstr(l->v[i].doc, "Image"), image_id) == 0)
            return true;
    return false;
}

/* ... or this named volume? */
static bool volume_in_use(const struct ctr_list *l, const char *name)
{
    size_t i, j;
    json_t *m;
    for (i = 0; i < l->n; i++)
        json_array_foreach(json_object_get(l->v[i].doc, "Mounts"), j, m)
        {
            if (strcmp(jstr(m, "Type"), "volume") == 0 && strcmp(jstr(m, "Name"), name) == 0)
                return true;
        }
    return false;
}

/* ---- 3. ps: the cells of a row -------------------------------------------------------------- */

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
    human_size(a, sizeof(a), rw);
    human_size(b, sizeof(b), rw + image);
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
    if (quoted && ports && mounts && labels && nets && nvol)
        row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                        "Command", quoted, "CreatedAt", created_at, "ID", id, "Image",
                        image_text(c), "Labels", labels, "LocalVolumes", nvol, "Mounts", mounts,
                        "Names", c->name, "Networks", nets, "Ports", ports, "RunningFor",
                        running_for, "Size", size, "State", ctr_state(c), "Status", status);
    free(cmd);
    free(quoted);
    free(ports);
    free(mounts);
    free(labels);
    free(nets);
    free(nvol);
    return row;
}

/* ---- 4. ps: filters ----------------------------------------------------------------------- */

enum filter_key { F_ANCESTOR, F_BEFORE, F_EXITED, F_ID, F_LABEL, F_NAME, F_SINCE, F_STATUS, F_N };

static const char *const filter_names[F_N] = {"ancestor", "before", "exited", "id",
                                              "label",    "name",   "since",  "status"};

/* Values of the same key are alternatives; different keys must all match. */
struct filters {
    strv_t values[F_N];
    strv_t image_ids; /* ancestor= resolved to image IDs */
};

static void filters_free(struct filters *f)
{
    for (int k = 0; k < F_N; k++)
        strv_free(&f->values[k]);
    strv_free(&f->image_ids);
}

static int filters_add(struct filters *f, const char *arg)
{
    static const char *const states[] = {"created", "restarting", "running", "removing",
                                         "paused",  "exited",     "dead"};
    const char *eq = strchr(arg, '=');
    int64_t code;
    if (!eq)
        return err_setx(EINVAL, "bad format of filter (expected name=value)");
    for (int k = 0; k < F_N; k++) {
        if (strlen(filter_names[k]) != (size_t)(eq - arg) ||
            strncmp(arg, filter_names[k], (size_t)(eq - arg)) != 0)
            continue;
        bool ok = k != F_STATUS;
        for (size_t i = 0; !ok && i < sizeof(states) / sizeof(states[0]); i++)
            ok = strcmp(eq + 1, states[i]) == 0;
        if (!ok)
            return err_setx(EINVAL, "Unrecognised filter value for status: %s", eq + 1);
        if (k == F_EXITED && str_to_i64(eq + 1, -1000, 1000, &code) < 0)
            return err_setx(EINVAL, "invalid filter 'exited=%s': expected an exit code", eq + 1);
        return strv_push(&f->values[k], eq + 1);
    }
    return err_setx(EINVAL, "invalid filter '%.*s'", (int)(eq - arg), arg);
}

/* before= and since= name containers: keep their creation times instead;
 * ancestor= names an image: keep its ID too. */
static int filters_resolve(const struct md_global *g, struct store *s, struct filters *f)
{
    static const int by_time[] = {F_BEFORE, F_SINCE};
    for (size_t t = 0; t < 2; t++) {
        int k = by_time[t];
        for (size_t i = 0; i < f->values[k].len; i++) {
            struct ctr c;
            int r = ctr_load(s, f->values[k].v[i], &c);
            if (r < 0)
                return r;
            free(f->values[k].v[i]);
            f->values[k].v[i] = strdup(jstr(c.doc, "Created"));
            ctr_free(&c);
            if (!f->values[k].v[i])
                return err_set(ENOMEM, "filter");
        }
    }
    struct image_store *ist = NULL;
    if (f->values[F_ANCESTOR].len && image_store_open(g->root, &ist) == 0) {
        for (size_t i = 0; i < f->values[F_ANCESTOR].len; i++) {
            struct image img = {0};
            if (image_lookup(ist, f->values[F_ANCESTOR].v[i], &img) == 0)
                strv_push(&f->image_ids, img.id);
            image_free(&img);
        }
        image_store_close(ist);
    }
    err_clear(); /* an unknown ancestor matches nothing, as in Docker */
    return 0;
}

/* name= is a regular expression, as in Docker (which matches "/name"). */
static bool name_matches(const char *pattern, const char *name)
{
    regex_t re;
    char slashed[300];
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return strstr(name, pattern) != NULL;
    snprintf(slashed, sizeof(slashed), "/%s", name);
    bool m = regexec(&re, name, 0, NULL, 0) == 0 || regexec(&re, slashed, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

static bool label_matches(const char *want, const json_t *labels)
{
    const char *eq = strchr(want, '=');
    char *key = strndup(want, eq ? (size_t)(eq - want) : strlen(want));
    const json_t *v = key ? json_object_get(labels, key) : NULL;
    free(key);
    return v && (!eq || strcmp(json_string_value(v) ? json_string_value(v) : "", eq + 1) == 0);
}

static bool filter_matches(int k, const char *v, const struct ctr *c)
{
    const json_t *config = json_object_get(c->doc, "Config");
    switch (k) {
    case F_ANCESTOR:
        return strcmp(jstr(config, "Image"), v) == 0;
    case F_BEFORE:
        return strcmp(jstr(c->doc, "Created"), v) < 0;
    case F_SINCE:
        return strcmp(jstr(c->doc, "Created"), v) > 0;
    case F_EXITED:
        return strcmp(ctr_status(c), "exited") == 0 &&
               json_integer_value(json_object_get(c->state, "ExitCode")) == atoi(v);
    case F_ID:
        return strncmp(c->id, v, strlen(v)) == 0;
    case F_LABEL:
        return label_matches(v, json_object_get(config, "Labels"));
    case F_NAME:
        return name_matches(v, c->name);
    case F_STATUS:
        return strcmp(ctr_state(c), v) == 0;
    default:
        return false;
    }
}

static bool filters_match(const struct filters *f, const struct ctr *c)
{
    for (int k = 0; k < F_N; k++) {
        bool any = f->values[k].len == 0;
        for (size_t i = 0; !any && i < f->values[k].len; i++)
            any = filter_matches(k, f->values[k].v[i], c);
        for (size_t i = 0; !any && k == F_ANCESTOR && i < f->image_ids.len; i++)
            any = strcmp(jstr(c->doc, "Image"), f->image_ids.v[i]) == 0;
        if (!any)
            return false;
    }
    return true;
}

/* ---- 5. ps --------------------------------------------------------------------------------- */

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
    while ((c = getopt_long(argc, argv, "+aqn:lsf:h", opts, NULL)) != -1) {
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

/* ---- 6. inspect --------------------------------------------------------------------------- */

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

/* One reference: a container first, then (unless --type container) an image.
 * *doc is NULL with a message in the error slot when there is neither. */
static int inspect_one(struct store *s, const char *type, const char *ref, bool sizes,
                       struct image_store *ist, json_t **doc)
{
    struct ctr c;
    int r = -ENOENT;
    *doc = NULL;
    if (!type || strcmp(type, "container") == 0) {
        r = ctr_load(s, ref, &c);
        if (r == 0) {
            *doc = ctr_inspect_document(&c, sizes, ist);
            ctr_free(&c);
            return *doc ? 0 : err_set(ENOMEM, "inspect %s", ref);
        }
        if (r != -ENOENT)
            return r; /* an ambiguous prefix, a broken container */
    }
    return err_setx(ENOENT, "No such %s: %s", type ? type : "object", ref);
}

/* Does one of refs name a container (an ambiguous prefix counts), or an image? */
static bool any_container(struct store *s, char **refs, int n)
{
    char id[STORE_ID_LEN + 1];
    bool found = false;
    for (int i = 0; i < n && !found; i++)
        found = store_resolve(s, refs[i], id) != -ENOENT;
    err_clear();
    return found;
}

static bool any_image(const struct md_global *g, char **refs, int n)
{
    struct image_store *ist = NULL;
    char dir[PATH_MAX];
    bool found = false;
    snprintf(dir, sizeof(dir), "%s/images", g->root);
    if (!path_exists(dir) || image_store_open(g->root, &ist) < 0)
        return false;
    for (int i = 0; i < n && !found; i++) {
        struct image img = {0};
        found = image_lookup(ist, refs[i], &img) == 0;
        image_free(&img);
    }
    image_store_close(ist);
    err_clear();
    return found;
}

/* Images are `image inspect`'s (images.c), which builds their document:
 * hand it the whole command. */
static int image_inspect(const struct md_global *g, const char *format, char **refs, int n)
{
    char **argv = calloc((size_t)n + 5, sizeof(*argv));
    int argc = 0;
    if (!argv) {
        err_set(ENOMEM, "inspect");
        return md_fail("inspect");
    }
    argv[argc++] = "image";
    argv[argc++] = "inspect";
    if (format) {
        argv[argc++] = "--format";
        argv[argc++] = (char *)format;
    }
    for (int i = 0; i < n; i++)
        argv[argc++] = refs[i];
    optind = 0;
    int code = cmd_image(g, argc, argv);
    free(argv);
    return code;
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
    while ((c = getopt_long(argc, argv, "+f:sh", opts, NULL)) != -1) {
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
    struct store s;
    struct image_store *ist = NULL;
    strv_t errors = {0};
    json_t *all = json_array();
    if (ctr_store(g, &s) < 0)
        return md_fail("inspect");
    /* only images named: image inspect; containers first otherwise, as Docker */
    if ((type && strcmp(type, "image") == 0) ||
        (!type && !any_container(&s, argv + optind, argc - optind) &&
         any_image(g, argv + optind, argc - optind)))
        return image_inspect(g, format, argv + optind, argc - optind);
    if (sizes && image_store_open(g->root, &ist) < 0)
        err_clear();
    for (int i = optind; i < argc; i++) {
        json_t *doc;
        char *text = NULL;
        if (inspect_one(&s, type, argv[i], sizes, ist, &doc) < 0) {
            strv_push(&errors, err_msg());
        } else if (!format) {
            json_array_append_new(all, doc);
        } else if (tmpl_render(format, doc, &text) < 0) {
            json_decref(doc);
            code = md_fail("inspect");
            break; /* the same template fails on every document */
        } else {
            printf("%s\n", text);
            free(text);
            json_decref(doc);
        }
    }
    if (!format) {
        json_dumpf(all, stdout, JSON_INDENT(4));
        printf("\n");
    }
    fflush(stdout);
    for (size_t i = 0; i < errors.len; i++) {
        err_setx(ENOENT, "%s", errors.v[i]);
        code = md_fail(NULL);
    }
    if (ist)
        image_store_close(ist);
    strv_free(&errors);
    json_decref(all);
    return code;
}

int cmd_inspect(const struct md_global *g, int argc, char **argv)
{
    return inspect_cmd(g, argc, argv, NULL);
}

static int container_inspect_cmd(const struct md_global *g, int argc, char **argv)
{
    return inspect_cmd(g, argc, argv, "container");
}

/* ---- 7. top: the container's processes, as `ps -ef` shows them --------------------------- */

/* The pids of the container's cgroup, sorted.  cgroup.procs is the same in
 * every hierarchy; read the cgroup2 one when there is one. */
static int cgroup_pids(const char *id, pid_t **pids, size_t *n)
{
    struct cg_host host;
    struct cgroup *cg = NULL;
    char name[128], path[PATH_MAX + 16], *text = NULL, *save = NULL;
    const char *dir = NULL;
    ctr_cgroup_name(id, name, sizeof(name));
    int r = cg_detect(&host);
    if (r == 0)
        r = cg_open(&host, name, &cg);
    if (r < 0)
        return r;
    dir = cg_unified_path(cg);
    for (int k = 0; !*dir && k < CG_NCONTROLLERS; k++)
        dir = cg_path(cg, (enum cg_controller)k);
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    r = *dir ? file_read_all(path, &text, NULL) : err_setx(ENOENT, "no cgroup for %.12s", id);
    cg_free(cg);
    *n = 0;
    *pids = r == 0 ? calloc(strlen(text) / 2 + 1, sizeof(**pids)) : NULL;
    if (r == 0 && !*pids)
        r = err_set(ENOMEM, "cgroup.procs");
    for (char *l = r == 0 ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
        (*pids)[(*n)++] = (pid_t)atoi(l);
    free(text);
    return r;
}

struct proc_info {
    int pid, ppid, tty;
    unsigned uid;
    unsigned long long cpu_ticks, start_ticks;
    char comm[64];
};

static int proc_read(int pid, struct proc_info *p)
{
    char path[64], *text = NULL;
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (file_read_all(path, &text, NULL) < 0)
        return -ESRCH; /* it just exited */
    char *open_paren = strchr(text, '('), *close_paren = strrchr(text, ')');
    unsigned long long utime = 0, stime = 0;
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    if (open_paren && close_paren > open_paren)
        snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close_paren - open_paren - 1),
                 open_paren + 1);
    int got = close_paren ? sscanf(close_paren + 1,
                                   " %*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu"
                                   " %*d %*d %*d %*d %*d %*d %llu",
                                   &p->ppid, &p->tty, &utime, &stime, &p->start_ticks)
                          : 0;
    free(text);
    p->cpu_ticks = utime + stime;
    /* the effective uid: second field of "Uid:" */
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if (file_read_all(path, &text, NULL) == 0) {
        char *uid = strstr(text, "\nUid:");
        if (uid)
            sscanf(uid + 5, "%*u %u", &p->uid);
        free(text);
    }
    return got == 5 ? 0 : -ESRCH;
}

/* The user name from the host's /etc/passwd, or the number. */
static void user_name(unsigned uid, char *buf, size_t size)
{
    FILE *f = fopen("/etc/passwd", "re");
    struct passwd *pw;
    snprintf(buf, size, "%u", uid);
    while (f && (pw = fgetpwent(f)))
        if (pw->pw_uid == uid) {
            snprintf(buf, size, "%s", pw->pw_name);
            break;
        }
    if (f)
        fclose(f);
}

/* "pts/0", "tty1", or "?" for none (tty_nr of /proc/PID/stat). */
static void tty_name(int tty, char *buf, size_t size)
{
    unsigned major = major((dev_t)tty), minor = minor((dev_t)tty);
    if (tty == 0)
        snprintf(buf, size, "?");
    else if (major >= 136 && major <= 143)
        snprintf(buf, size, "pts/%u", minor + (major - 136) * 256);
    else if (major == 4 && minor < 64)
        snprintf(buf, size, "tty%u", minor);
    else if (major == 4)
        snprintf(buf, size, "ttyS%u", minor - 64);
    else
        snprintf(buf, size, "?");
}

/* The command line, arguments separated by spaces; "[comm]" when empty. */
static char *proc_cmdline(const struct proc_info *p)
{
    char path[64], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", p->pid);
    if (file_read_all(path, &text, &len) < 0 || len == 0) {
        free(text);
        err_clear();
        return str_printf("[%s]", p->comm);
    }
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\0')
            text[i] = ' ';
    return text;
}

static double uptime_seconds(void)
{
    char line[128] = "";
    return file_read_line("/proc/uptime", line, sizeof(line)) == 0 ? atof(line) : 0;
}

/* One line of `ps -ef`: UID PID PPID C STIME TTY TIME CMD, cells separated by tabs. */
static char *top_line(const struct proc_info *p, double uptime, double now)
{
    long hz = sysconf(_SC_CLK_TCK);
    char user[64], stime[32], tty[32], cputime[32];
    double started = (double)p->start_ticks / (double)hz, age = uptime - started;
    unsigned long long secs = p->cpu_ticks / (unsigned long long)hz;
    int pcpu = age > 0 ? (int)((double)p->cpu_ticks / (double)hz * 100 / age) : 0;
    time_t when = (time_t)(now - age), today = (time_t)now;
    struct tm tw, tn;
    localtime_r(&when, &tw);
    localtime_r(&today, &tn);
    strftime(stime, sizeof(stime),
             tw.tm_year != tn.tm_year   ? "%Y"
             : tw.tm_yday != tn.tm_yday ? "%b%d"
                                        : "%H:%M",
             &tw);
    user_name(p->uid, user, sizeof(user));
    tty_name(p->tty, tty, sizeof(tty));
    if (secs >= 86400)
        snprintf(cputime, sizeof(cputime), "%llu-%02llu:%02llu:%02llu", secs / 86400,
                 secs / 3600 % 24, secs / 60 % 60, secs % 60);
    else
        snprintf(cputime, sizeof(cputime), "%02llu:%02llu:%02llu", secs / 3600, secs / 60 % 60,
                 secs % 60);
    char *cmd = proc_cmdline(p);
    char *line = cmd ? str_printf("%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s", user, p->pid, p->ppid,
                                  pcpu > 99 ? 99 : pcpu, stime, tty, cputime, cmd)
                     : NULL;
    free(cmd);
    return line;
}

/* Docker prints top with a tabwriter of minimum width 20 and padding 3. */
static void print_aligned(const strv_t *lines, size_t min_width)
{
    size_t widths[16] = {0};
    for (size_t i = 0; i < lines->len; i++) {
        const char *p = lines->v[i];
        for (size_t col = 0; col < 16 && p[strcspn(p, "\t")]; col++) {
            size_t len = strcspn(p, "\t");
            widths[col] = len + 3 > widths[col] ? len + 3 : widths[col];
            p += len + 1;
        }
    }
    for (size_t i = 0; i < lines->len; i++) {
        const char *p = lines->v[i];
        for (size_t col = 0;; col++) {
            size_t len = strcspn(p, "\t");
            if (!p[len] || col >= 16) {
                printf("%s\n", p);
                break;
            }
            size_t w = widths[col] < min_width ? min_width : widths[col];
            printf("%.*s%*s", (int)len, p, (int)(w - len), "");
            p += len + 1;
        }
    }
}

int cmd_top(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    struct ctr c = {0};
    strv_t lines = {0};
    pid_t *pids = NULL;
    size_t n = 0;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage:  minidock top CONTAINER [ps OPTIONS]\n\n"
               "Display the running processes of a container\n");
        return 0;
    }
    if (argc < 2) {
        err_setx(EINVAL, "\"top\" requires at least 1 argument");
        return md_fail("top");
    }
    int r = ctr_store(g, &s);
    if (r == 0)
        r = ctr_load(&s, argv[1], &c);
    if (r == 0 && !ctr_is_running(&c))
        r = err_setx(EINVAL, "container %s is not running", argv[1]);
    if (r == 0)
        r = cgroup_pids(c.id, &pids, &n);
    if (r == 0)
        r = strv_push(&lines, "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD");
    double uptime = uptime_seconds(), now = now_real();
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct proc_info p;
        if (proc_read(pids[i], &p) == 0)
            r = strv_push_owned(&lines, top_line(&p, uptime, now));
    }
    if (r == 0)
        print_aligned(&lines, 20);
    free(pids);
    strv_free(&lines);
    ctr_free(&c);
    return r < 0 ? md_fail(NULL) : 0;
}

/* ---- 8. port ------------------------------------------------------------------------------- */

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

/* ---- 9. stats ------------------------------------------------------------------------------ */

struct usage {
    int64_t cpu_ns, mem, limit, pids, net_rx, net_tx, blk_read, blk_write;
    double at;
};

/* One "key value" line of a file such as memory.stat, or 0. */
static int64_t file_key(const char *path, const char *key)
{
    char *text = NULL;
    int64_t v = 0;
    size_t klen = strlen(key);
    if (file_read_all(path, &text, NULL) < 0) {
        err_clear();
        return 0;
    }
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, klen) == 0 && l[klen] == ' ')
            v = strtoll(l + klen + 1, NULL, 10);
    free(text);
    return v;
}

/* The network namespace's counters, seen from its pid 1 (loopback excluded). */
static void read_net(int pid, struct usage *u)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/net/dev", pid);
    FILE *f = pid > 0 ? fopen(path, "re") : NULL;
    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        long long rx, tx;
        if (!colon || strncmp(str_trim(line), "lo:", 3) == 0)
            continue;
        if (sscanf(colon + 1, "%lld %*d %*d %*d %*d %*d %*d %*d %lld", &rx, &tx) == 2) {
            u->net_rx += rx;
            u->net_tx += tx;
        }
    }
    if (f)
        fclose(f);
}

/* Bytes read and written: io.stat of the cgroup when the io controller runs
 * there, else the sum of /proc/PID/io over the processes. */
static void read_block_io(const struct cgroup *cg, const char *id, struct usage *u)
{
    char path[PATH_MAX + 16], *text = NULL;
    snprintf(path, sizeof(path), "%s/io.stat", cg_unified_path(cg));
    if (*cg_unified_path(cg) && file_read_all(path, &text, NULL) == 0) {
        for (char *p = text; (p = strstr(p, "bytes=")); p += 6) {
            if (p - text >= 1 && p[-1] == 'r')
                u->blk_read += strtoll(p + 6, NULL, 10);
            else if (p - text >= 1 && p[-1] == 'w')
                u->blk_write += strtoll(p + 6, NULL, 10);
        }
        free(text);
        return;
    }
    pid_t *pids = NULL;
    size_t n = 0;
    if (cgroup_pids(id, &pids, &n) == 0)
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof(path), "/proc/%d/io", (int)pids[i]);
            u->blk_read += file_key(path, "read_bytes:");
            u->blk_write += file_key(path, "write_bytes:");
        }
    free(pids);
    err_clear();
}

static int64_t host_memory(void)
{
    return file_key("/proc/meminfo", "MemTotal:") * 1024;
}

/* Everything but the CPU rate; memory as Docker counts it, without the
 * inactive page cache; the limit is the host's memory when none is set. */
static int read_usage(const struct ctr *c, struct cgroup *cg, struct usage *u)
{
    struct cg_stats st;
    int r = cg_read_stats(cg, &st);
    if (r < 0)
        return r;
    u->at = now_real();
    u->cpu_ns = st.cpu_usage_ns;
    u->mem = st.memory_usage > 0 ? st.memory_usage : 0;
    const char *memdir = cg_path(cg, CG_MEMORY);
    if (*memdir) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof(path), "%s/memory.stat", memdir);
        /* v1 has both: total_ counts the subtree, as v2's inactive_file does */
        int64_t inactive = file_key(path, "total_inactive_file");
        if (inactive == 0)
            inactive = file_key(path, "inactive_file");
        u->mem = inactive < u->mem ? u->mem - inactive : u->mem;
    }
    u->limit =
        st.memory_limit > 0 && st.memory_limit < host_memory() ? st.memory_limit : host_memory();
    u->pids = st.pids_current;
    if (u->pids < 0) {
        int count = 0;
        u->pids = cg_count_procs(cg, &count) == 0 ? count : 0;
    }
    read_net((int)json_integer_value(json_object_get(c->state, "Pid")), u);
    read_block_io(cg, c->id, u);
    return 0;
}

static json_t *stats_row(const struct ctr *c, const char *typed, const struct usage *a,
                         const struct usage *b, bool no_trunc)
{
    char id[STORE_ID_LEN + 1], cpu[32], mem[64], memp[32], net[64], blk[64], pids[32];
    char x[32], y[32];
    double dt = (b->at - a->at) * 1e9;
    snprintf(id, sizeof(id), no_trunc ? "%s" : "%.12s", c->id);
    snprintf(cpu, sizeof(cpu), "%.2f%%",
             dt > 0 && b->cpu_ns >= a->cpu_ns ? (double)(b->cpu_ns - a->cpu_ns) / dt * 100 : 0.0);
    format_bytes(x, sizeof(x), b->mem);
    format_bytes(y, sizeof(y), b->limit);
    snprintf(mem, sizeof(mem), "%s / %s", x, y);
    snprintf(memp, sizeof(memp), "%.2f%%", b->limit > 0 ? (double)b->mem * 100 / b->limit : 0.0);
    human_size(x, sizeof(x), b->net_rx);
    human_size(y, sizeof(y), b->net_tx);
    snprintf(net, sizeof(net), "%s / %s", x, y);
    human_size(x, sizeof(x), b->blk_read);
    human_size(y, sizeof(y), b->blk_write);
    snprintf(blk, sizeof(blk), "%s / %s", x, y);
    snprintf(pids, sizeof(pids), "%lld", (long long)b->pids);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", blk,
                     "CPUPerc", cpu, "Container", typed ? typed : id, "ID", id, "MemPerc", memp,
                     "MemUsage", mem, "Name", c->name, "NetIO", net, "PIDs", pids, "Platform",
                     "linux");
}

/* One round: a first sample of every running container, 100 ms, a second one. */
static int stats_round(struct ctr_list *l, char **typed, const char *format, bool no_trunc)
{
    json_t *titles = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                               "CONTAINER ID", "Container", "CONTAINER", "Name", "NAME", "CPUPerc",
                               "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
                               "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    struct usage *first = calloc(l->n + 1, sizeof(*first)),
                 *second = calloc(l->n + 1, sizeof(*second));
    struct cgroup **cgs = calloc(l->n + 1, sizeof(*cgs));
    struct table *t = NULL;
    struct cg_host host;
    int r = first && second && cgs ? 0 : err_set(ENOMEM, "stats");
    bool host_ok = r == 0 && cg_detect(&host) == 0;
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        char name[128];
        ctr_cgroup_name(l->v[i].id, name, sizeof(name));
        if (host_ok && ctr_is_running(&l->v[i]) && cg_open(&host, name, &cgs[i]) == 0 &&
            read_usage(&l->v[i], cgs[i], &first[i]) < 0) {
            cg_free(cgs[i]);
            cgs[i] = NULL;
        }
    }
    err_clear();
    usleep(100 * 1000);
    if (r == 0)
        r = table_open(format, titles, &t);
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        if (cgs[i] && read_usage(&l->v[i], cgs[i], &second[i]) < 0)
            second[i] = first[i];
        err_clear();
        json_t *row = stats_row(&l->v[i], typed ? typed[i] : NULL, &first[i], &second[i], no_trunc);
        r = row ? table_add(t, row) : err_set(ENOMEM, "stats");
        json_decref(row);
    }
    if (r == 0) {
        table_flush(t, stdout);
        t = NULL;
    }
    for (size_t i = 0; cgs && i < l->n; i++)
        cg_free(cgs[i]);
    table_free(t);
    free(cgs);
    free(first);
    free(second);
    json_decref(titles);
    return r;
}

/* The containers named on the command line, in that order. */
static int ctr_list_named(struct store *s, char **refs, int n, struct ctr_list *l)
{
    l->n = 0;
    l->v = calloc((size_t)n + 1, sizeof(*l->v));
    if (!l->v)
        return err_set(ENOMEM, "stats");
    for (int i = 0; i < n; i++) {
        int r = ctr_load(s, refs[i], &l->v[l->n]);
        if (r < 0)
            return r;
        l->n++;
    }
    return 0;
}

int cmd_stats(const struct md_global *g, int argc, char **argv)
{
    enum { OPT_NO_STREAM = 1000, OPT_NO_TRUNC, OPT_FORMAT };
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"no-stream", no_argument, NULL, OPT_NO_STREAM},
        {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t"
                         "{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    bool all = false, stream = true, no_trunc = false;
    int c, r;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock stats [OPTIONS] [CONTAINER...]\n\n"
                   "Display a live stream of container(s) resource usage statistics\n\n"
                   "Options:\n  -a, --all             Show all containers (default shows just "
                   "running)\n      --format string   Format output using a Go template\n"
                   "      --no-stream       Disable streaming stats and only pull the first "
                   "result\n      --no-trunc        Do not truncate output\n");
            return 0;
        }
        if (c == 'a')
            all = true;
        else if (c == OPT_NO_STREAM)
            stream = false;
        else if (c == OPT_NO_TRUNC)
            no_trunc = true;
        else if (c == OPT_FORMAT)
            format = optarg;
        else
            return unknown_flag("stats", argv);
    }
    struct store s;
    struct ctr_list l = {0};
    bool named = optind < argc;
    do {
        ctr_list_free(&l);
        r = ctr_store(g, &s);
        if (r == 0)
            r = named ? ctr_list_named(&s, argv + optind, argc - optind, &l)
                      : ctr_list_load(&s, &l);
        /* without names: the running containers (all of them with -a) */
        size_t kept = 0;
        for (size_t i = 0; r == 0 && i < l.n; i++) {
            if (named || all || ctr_is_running(&l.v[i]))
                l.v[kept++] = l.v[i];
            else
                ctr_free(&l.v[i]);
        }
        l.n = r == 0 ? kept : l.n;
        if (r == 0 && stream)
            printf("\033[2J\033[H"); /* Docker redraws the screen */
        if (r == 0)
            r = stats_round(&l, named ? argv + optind : NULL, format, no_trunc);
        fflush(stdout);
        if (r == 0 && stream)
            usleep(900 * 1000);
    } while (r == 0 && stream);
    ctr_list_free(&l);
    return r < 0 ? md_fail("stats") : 0;
}

/* ---- 10. prune and disk usage -------------------------------------------------------------- */

/* Remove the stopped containers that match; prints the header and the ids. */
static int prune_containers(const struct md_global *g, const struct filters *f, int64_t *bytes)
{
    struct store s;
    struct ctr_list l = {0};
    bool header = false;
    int r = ctr_store(g, &s);
    if (r == 0)
        r = ctr_list_load(&s, &l);
    for (size_t i = l.n; r == 0 && i-- > 0;) { /* oldest first, as Docker */
        struct ctr *c = &l.v[i];
        if (ctr_is_running(c) || (f && !filters_match(f, c)))
            continue;
        int64_t size = ctr_rw_bytes(c);
        if (ctr_remove(g, &s, c, false) < 0) {
            fprintf(stderr, "minidock: container prune: %s\n", err_msg());
            continue;
        }
        printf("%s%s\n", header ? "" : "Deleted Containers:\n", c->id);
        header = true;
        *bytes += size;
    }
    if (header)
        printf("\n");
    ctr_list_free(&l);
    return r;
}

static int container_prune_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"filter", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct filters f = {0};
    bool force = false;
    int64_t bytes = 0;
    int c, code = 0;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock container prune [OPTIONS]\n\nRemove all stopped "
                   "containers\n\nOptions:\n      --filter filter   Provide filter values "
                   "(e.g. label=<key>=<value>)\n  -f, --force           Do not prompt for "
                   "confirmation\n");
            goto out;
        }
        if (c == 'f') {
            force = true;
        } else if (c == 'F') {
            if (filters_add(&f, optarg) < 0) {
                code = md_fail("container prune");
                goto out;
            }
        } else {
            code = unknown_flag("container prune", argv);
            goto out;
        }
    }
    if (!force && !confirm("WARNING! This will remove all stopped containers."))
        goto out;
    if (prune_containers(g, &f, &bytes) < 0) {
        code = md_fail("container prune");
        goto out;
    }
    char human[32];
    human_size(human, sizeof(human), bytes);
    printf("Total reclaimed space: %s\n", human);
out:
    filters_free(&f);
    return code;
}

/* Anonymous volumes that no container uses. */
static void prune_volumes(const struct md_global *g, int64_t *bytes)
{
    struct store s;
    struct ctr_list l = {0};
    strv_t names = {0};
    bool header = false;
    if (ctr_store(g, &s) < 0 || ctr_list_load(&s, &l) < 0 || vol_list(g->root, &names) < 0) {
        fprintf(stderr, "minidock: volume prune: %s\n", err_msg());
        goto out;
    }
    for (size_t i = 0; i < names.len; i++) {
        char meta[PATH_MAX], data[PATH_MAX];
        snprintf(meta, sizeof(meta), "%s/volumes/%s/meta.json", g->root, names.v[i]);
        json_t *m = json_load_file(meta, 0, NULL);
        bool anonymous = json_object_get(json_object_get(m, "Labels"), ANONYMOUS_VOLUME_LABEL);
        json_decref(m);
        if (!anonymous || volume_in_use(&l, names.v[i]) ||
            vol_path(g->root, names.v[i], data, sizeof(data)) < 0)
            continue;
        int64_t size = tree_bytes(data);
        if (vol_remove(g->root, names.v[i]) == 0) {
            printf("%s%s\n", header ? "" : "Deleted Volumes:\n", names.v[i]);
            header = true;
            *bytes += size;
        }
    }
    if (header)
        printf("\n");
out:
    err_clear();
    ctr_list_free(&l);
    strv_free(&names);
}

/* Images no container uses: untagged ones, or all of them (-a). */
static void prune_images(const struct md_global *g, bool all, int64_t *bytes)
{
    struct store s;
    struct ctr_list l = {0};
    struct image_store *ist = NULL;
    struct image *imgs = NULL;
    size_t n = 0;
    bool header = false;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/images", g->root);
    if (!path_exists(dir))
        return; /* no image was ever stored */
    if (ctr_store(g, &s) < 0 || ctr_list_load(&s, &l) < 0 || image_store_open(g->root, &ist) < 0 ||
        image_list(ist, &imgs, &n) < 0) {
        fprintf(stderr, "minidock: image prune: %s\n", err_msg());
        goto out;
    }
    char layers[PATH_MAX];
    snprintf(layers, sizeof(layers), "%s/layers", g->root);
    int64_t before = tree_bytes(dir) + tree_bytes(layers);
    for (size_t i = 0; i < n; i++) {
        strv_t report = {0};
        if ((!all && imgs[i].tags.len) || image_in_use(&l, imgs[i].id))
            continue;
        if (image_remove(ist, imgs[i].id, true, &report) < 0)
            fprintf(stderr, "minidock: image prune: %s\n", err_msg());
        for (size_t j = 0; j < report.len; j++) {
            /* Docker's prune reports "untagged: REF" and "deleted: ID" */
            printf("%s%c%s\n", header ? "" : "Deleted Images:\n", tolower(report.v[j][0]),
                   report.v[j] + 1);
            header = true;
        }
        strv_free(&report);
    }
    if (header) {
        image_gc(ist);
        printf("\n");
    }
    int64_t after = tree_bytes(dir) + tree_bytes(layers);
    *bytes += before > after ? before - after : 0;
out:
    err_clear();
    image_list_free(imgs, n);
    if (ist)
        image_store_close(ist);
    ctr_list_free(&l);
}

static int system_prune_cmd(const struct md_global *g, int argc, char **argv)
{
    enum { OPT_VOLUMES = 1000 };
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"force", no_argument, NULL, 'f'},
        {"volumes", no_argument, NULL, OPT_VOLUMES},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool all = false, force = false, volumes = false;
    int64_t bytes = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+afh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock system prune [OPTIONS]\n\nRemove unused data\n\n"
                   "Options:\n  -a, --all             Remove all unused images not just "
                   "dangling ones\n  -f, --force           Do not prompt for confirmation\n"
                   "      --volumes         Prune anonymous volumes\n");
            return 0;
        }
        if (c == 'a')
            all = true;
        else if (c == 'f')
            force = true;
        else if (c == OPT_VOLUMES)
            volumes = true;
        else
            return unknown_flag("system prune", argv);
    }
    char *warning =
        str_printf("WARNING! This will remove:\n  - all stopped containers\n%s  - %s\n",
                   volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
                   all ? "all images without at least one container associated to them"
                       : "all dangling images");
    bool go = force || confirm(warning ? warning : "WARNING! This will remove unused data.");
    free(warning);
    if (!go)
        return 0;
    if (prune_containers(g, NULL, &bytes) < 0)
        return md_fail("system prune");
    if (volumes)
        prune_volumes(g, &bytes);
    prune_images(g, all, &bytes);
    char human[32];
    human_size(human, sizeof(human), bytes);
    printf("Total reclaimed space: %s\n", human);
    return 0;
}

/* One row of `system df`. */
static json_t *df_row(const char *type, size_t total, size_t active, int64_t size,
                      int64_t reclaimable, bool always_percent)
{
    char s[32], rec[64], t[32], a[32];
    human_size(s, sizeof(s), size);
    human_size(rec, sizeof(rec), reclaimable);
    if (size > 0 && (reclaimable > 0 || always_percent))
        snprintf(rec + strlen(rec), sizeof(rec) - strlen(rec), " (%d%%)",
                 (int)(reclaimable * 100 / size));
    snprintf(t, sizeof(t), "%zu", total);
    snprintf(a, sizeof(a), "%zu", active);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", type, "TotalCount", t, "Active", a,
                     "Size", s, "Reclaimable", rec);
}

/* Images: the unpacked size of every layer once; what no container uses is reclaimable. */
static json_t *df_images(const struct md_global *g, const struct ctr_list *l)
{
    struct image_store *ist = NULL;
    struct image *imgs = NULL;
    size_t n = 0, active = 0;
    strv_t seen = {0}, used = {0};
    int64_t total = 0, in_use = 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/images", g->root);
    if (path_exists(dir) && image_store_open(g->root, &ist) == 0 && image_list(ist, &imgs, &n) < 0)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        bool using = image_in_use(l, imgs[i].id);
        int64_t *sizes = calloc(imgs[i].nlayers + 1, sizeof(*sizes));
        active += using;
        if (!sizes || image_layer_sizes(ist, &imgs[i], sizes) < 0) {
            free(sizes);
            continue;
        }
        for (size_t k = 0; k < imgs[i].nlayers; k++) {
            const char *diff = imgs[i].layers[k].diff_id;
            if (!strv_env_get(&seen, diff)) {
                strv_push_owned(&seen, str_printf("%s=", diff));
                total += sizes[k];
            }
            if (using && !strv_env_get(&used, diff)) {
                strv_push_owned(&used, str_printf("%s=", diff));
                in_use += sizes[k];
            }
        }
        free(sizes);
    }
    err_clear();
    strv_free(&seen);
    strv_free(&used);
    image_list_free(imgs, n);
    if (ist)
        image_store_close(ist);
    return df_row("Images", n, active, total, total - in_use, true);
}

static json_t *df_containers(const struct ctr_list *l)
{
    size_t active = 0;
    int64_t total = 0, stopped = 0;
    for (size_t i = 0; i < l->n; i++) {
        int64_t size = ctr_rw_bytes(&l->v[i]);
        bool running = ctr_is_running(&l->v[i]);
        active += running;
        total += size;
        stopped += running ? 0 : size;
    }
    return df_row("Containers", l->n, active, total, stopped, false);
}

static json_t *df_volumes(const struct md_global *g, const struct ctr_list *l)
{
    strv_t names = {0};
    size_t active = 0;
    int64_t total = 0, unused = 0;
    if (vol_list(g->root, &names) < 0)
        err_clear();
    for (size_t i = 0; i < names.len; i++) {
        char data[PATH_MAX];
        int64_t size =
            vol_path(g->root, names.v[i], data, sizeof(data)) == 0 ? tree_bytes(data) : 0;
        bool using = volume_in_use(l, names.v[i]);
        active += using;
        total += size;
        unused += using ? 0 : size;
    }
    json_t *row = df_row("Local Volumes", names.len, active, total, unused, false);
    strv_free(&names);
    return row;
}

static int system_df_cmd(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *format = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t"
                         "{{.Reclaimable}}";
    struct store s;
    struct ctr_list l = {0};
    struct table *t = NULL;
    int c, r;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage:  minidock system df [OPTIONS]\n\nShow minidock disk usage\n\n"
                   "Options:\n      --format string   Format output using a Go template\n");
            return 0;
        }
        if (c == 'F')
            format = optarg;
        else
            return unknown_flag("system df", argv);
    }
    json_t *titles = json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL",
                               "Active", "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
    r = ctr_store(g, &s);
    if (r == 0)
        r = ctr_list_load(&s, &l);
    if (r == 0)
        r = table_open(format, titles, &t);
    json_t *rows[] = {
        r == 0 ? df_images(g, &l) : NULL,
        r == 0 ? df_containers(&l) : NULL,
        r == 0 ? df_volumes(g, &l) : NULL,
        r == 0 ? df_row("Build Cache", 0, 0, 0, 0, false) : NULL,
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (r == 0)
            r = rows[i] ? table_add(t, rows[i]) : err_set(ENOMEM, "system df");
        json_decref(rows[i]);
    }
    if (r == 0) {
        table_flush(t, stdout);
        t = NULL;
    }
    table_free(t);
    ctr_list_free(&l);
    json_decref(titles);
    return r < 0 ? md_fail("system df") : 0;
}

/* ---- 11. The management commands: container SUBVERB, system SUBVERB ----------------------- */

struct subverb {
    const char *name;
    md_verb_fn fn;
    const char *summary;
};

static int dispatch(const struct md_global *g, int argc, char **argv, const char *group,
                    const char *summary, const struct subverb *subs, size_t n)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "Usage:  minidock %s COMMAND\n\n%s\n\nCommands:\n", group, summary);
        for (size_t i = 0; i < n; i++)
            if (subs[i].summary)
                fprintf(out, "  %-10s %s\n", subs[i].name, subs[i].summary);
        fprintf(out, "\nRun 'minidock %s COMMAND --help' for more information on a command.\n",
                group);
        return argc < 2 ? 125 : 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            optind = 0;
            return subs[i].fn(g, argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "minidock: '%s %s' is not a minidock command.\nSee 'minidock %s --help'.\n",
            group, argv[1], group);
    return 125;
}

int cmd_container(const struct md_global *g, int argc, char **argv)
{
    static const struct subverb subs[] = {
        {"attach", cmd_attach,
         "Attach local standard input, output, and error streams to a "
         "running container"},
        {"create", cmd_create, "Create a new container"},
        {"inspect", container_inspect_cmd,
         "Display detailed information on one or more "
         "containers"},
        {"kill", cmd_kill, "Kill one or more running containers"},
        {"logs", cmd_logs, "Fetch the logs of a container"},
        {"ls", cmd_ps, "List containers"},
        {"list", cmd_ps, NULL},
        {"ps", cmd_ps, NULL},
        {"pause", cmd_pause, "Pause all processes within one or more containers"},
        {"port", cmd_port, "List port mappings or a specific mapping for the container"},
        {"prune", container_prune_cmd, "Remove all stopped containers"},
        {"rename", cmd_rename, "Rename a container"},
        {"restart", cmd_restart, "Restart one or more containers"},
        {"rm", cmd_rm, "Remove one or more containers"},
        {"remove", cmd_rm, NULL},
        {"run", cmd_run, "Create and run a new container from an image"},
        {"start", cmd_start, "Start one or more stopped containers"},
        {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
        {"stop", cmd_stop, "Stop one or more running containers"},
        {"top", cmd_top, "Display the running processes of a container"},
        {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
        {"wait", cmd_wait,
         "Block until one or more containers stop, then print their exit "
         "codes"},
    };
    return dispatch(g, argc, argv, "container", "Manage containers", subs,
                    sizeof(subs) / sizeof(subs[0]));
}

int cmd_system(const struct md_global *g, int argc, char **argv)
{
    static const struct subverb subs[] = {
        {"df", system_df_cmd, "Show minidock disk usage"},
        {"info", cmd_info, "Display system-wide information"},
        {"prune", system_prune_cmd, "Remove unused data"},
    };
    return dispatch(g, argc, argv, "system", "Manage minidock", subs,
                    sizeof(subs) / sizeof(subs[0]));
}
