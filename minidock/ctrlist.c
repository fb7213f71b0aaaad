/* ctrlist.c — what the verbs that read containers share (see ctrlist.h):
 * the list of every container, sizes on disk, ps's filters (container prune
 * takes them too), the prune prompt and the "unknown flag" message. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctrlist.h"
#include "err.h"
#include "image.h"

/* ---- 1. Small readers ----------------------------------------------------------------------- */

double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Docker's State: a running container whose cgroup is frozen is "paused". */
const char *ctr_state(const struct ctr *c)
{
    if (strcmp(ctr_status(c), "running") == 0 && json_is_true(json_object_get(c->state, "Paused")))
        return "paused";
    return ctr_status(c);
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

int64_t tree_bytes(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? 0 : tree_bytes_at(fd);
}

/* The writable layer of a container: what removing it gives back. */
int64_t ctr_rw_bytes(const struct ctr *c)
{
    char upper[PATH_MAX + 8];
    snprintf(upper, sizeof(upper), "%s/upper", c->dir);
    return tree_bytes(upper);
}

/* Ask before a prune, as Docker does; anything but y/Y is a no. */
bool confirm(const char *warning)
{
    char answer[16] = "";
    printf("%s\nAre you sure you want to continue? [y/N] ", warning);
    fflush(stdout);
    bool yes = fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
    if (!yes)
        printf("\n");
    return yes;
}

int unknown_flag(const char *verb, char **argv)
{
    err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
    fprintf(stderr, "minidock: %s: %s\nSee 'minidock %s --help'.\n", verb, err_msg(), verb);
    return 125;
}

/* ---- 2. Every container, newest first ------------------------------------------------------- */

int ctr_list_load(struct store *s, struct ctr_list *l)
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

void ctr_list_free(struct ctr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ctr_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The containers whose Mounts hold the named volume: their count, and with
 * ids non-NULL their full ids (volume rm names them, as Docker does). */
size_t volume_users(const struct ctr_list *l, const char *name, strv_t *ids)
{
    size_t i, j, users = 0;
    json_t *m;
    for (i = 0; i < l->n; i++)
        json_array_foreach(json_object_get(l->v[i].doc, "Mounts"), j, m)
        {
            if (strcmp(jstr(m, "Type"), "volume") == 0 && strcmp(jstr(m, "Name"), name) == 0) {
                users++;
                if (ids)
                    strv_push(ids, l->v[i].id);
                break;
            }
        }
    return users;
}

/* ---- 3. ps filters -------------------------------------------------------------------------- */

static const char *const filter_names[F_N] = {"ancestor", "before", "exited", "id",
                                              "label",    "name",   "since",  "status"};

void filters_free(struct filters *f)
{
    for (int k = 0; k < F_N; k++)
        strv_free(&f->values[k]);
    strv_free(&f->image_ids);
}

int filters_add(struct filters *f, const char *arg)
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
int filters_resolve(const struct md_global *g, struct store *s, struct filters *f)
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

bool filters_match(const struct filters *f, const struct ctr *c)
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
