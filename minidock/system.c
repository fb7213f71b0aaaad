/* system.c — housekeeping, and Docker's management commands.
 *
 *   container prune   remove the stopped containers
 *   system df         what images, containers and volumes take on disk
 *   system prune      stopped containers, unused images (and volumes)
 *   container SUBVERB, system SUBVERB: the `container` and `system` groups
 *
 * The prune verbs remove only what is stopped or unused. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlist.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "image.h"
#include "minidock.h"
#include "parents.h"
#include "table.h"

/* ---- 1. prune ------------------------------------------------------------------------------- */

/* Does a container of the list use this image (container.json "Image")? */
static bool image_in_use(const struct ctr_list *l, const char *image_id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(jstr(l->v[i].doc, "Image"), image_id) == 0)
            return true;
    return false;
}

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
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
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

/* Images no container uses: dangling ones, or all of them (-a); image
 * prune's own pruning (images.c). */
static void prune_images(const struct md_global *g, bool all, int64_t *bytes)
{
    struct image_store *ist = NULL;
    strv_t deleted = {0};
    char dir[PATH_MAX], layers[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/images", g->root);
    snprintf(layers, sizeof(layers), "%s/layers", g->root);
    if (!path_exists(dir))
        return; /* no image was ever stored */
    if (image_store_open(g->root, &ist) < 0) {
        fprintf(stderr, "minidock: image prune: %s\n", err_msg());
        err_clear();
        return;
    }
    int64_t before = tree_bytes(dir) + tree_bytes(layers);
    if (md_prune_images(g, ist, all, &deleted) < 0)
        fprintf(stderr, "minidock: image prune: %s\n", err_msg());
    for (size_t j = 0; j < deleted.len; j++)
        printf("%s%s\n", j ? "" : "Deleted Images:\n", deleted.v[j]);
    if (deleted.len) {
        image_gc(ist);
        printf("\n");
    }
    strv_free(&deleted);
    int64_t after = tree_bytes(dir) + tree_bytes(layers);
    *bytes += before > after ? before - after : 0;
    err_clear();
    image_store_close(ist);
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
    while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
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
    if (volumes && volume_prune(g, false, &bytes) < 0) {
        fprintf(stderr, "minidock: volume prune: %s\n", err_msg());
        err_clear();
    }
    prune_images(g, all, &bytes);
    char human[32];
    human_size(human, sizeof(human), bytes);
    printf("Total reclaimed space: %s\n", human);
    return 0;
}

/* ---- 2. disk usage -------------------------------------------------------------------------- */

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
        bool using = volume_users(l, names.v[i], NULL) > 0;
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
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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

/* ---- 3. The management commands: container SUBVERB, system SUBVERB -------------------------- */

int md_dispatch(const struct md_global *g, int argc, char **argv, const char *group,
                const char *summary, const struct md_subverb *subs, size_t n)
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
    static const struct md_subverb subs[] = {
        {"attach", cmd_attach,
         "Attach local standard input, output, and error streams to a "
         "running container"},
        {"commit", cmd_commit, "Create a new image from a container's changes"},
        {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
        {"create", cmd_create, "Create a new container"},
        {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
        {"exec", cmd_exec, "Execute a command in a running container"},
        {"export", cmd_export, "Export a container's filesystem as a tar archive"},
        {"inspect", cmd_container_inspect,
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
    return md_dispatch(g, argc, argv, "container", "Manage containers", subs,
                       sizeof(subs) / sizeof(subs[0]));
}

int cmd_system(const struct md_global *g, int argc, char **argv)
{
    static const struct md_subverb subs[] = {
        {"df", system_df_cmd, "Show minidock disk usage"},
        {"info", cmd_info, "Display system-wide information"},
        {"prune", system_prune_cmd, "Remove unused data"},
    };
    return md_dispatch(g, argc, argv, "system", "Manage minidock", subs,
                       sizeof(subs) / sizeof(subs[0]));
}
