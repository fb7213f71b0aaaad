/* build.c — `minidock build`: Docker's classic builder.
 *
 * The Dockerfile (lab 04's parser) is run one instruction at a time.  Every
 * step ends with an image in the store, so that the next step, the cache and
 * `--from` can name it:
 *
 *   FROM        the base image (or scratch: nothing)
 *   RUN         a container from the current image runs the command (same
 *               isolation as `run`); its upper directory becomes a layer
 *   COPY, ADD   files from the context (or --from a stage) are copied into an
 *               overlay of the current image, in a mount namespace of our own;
 *               the upper directory becomes a layer
 *   the rest    change the config only: a history entry, no layer
 *
 * The cache (ROOT/build-cache/<key>) maps the parent image, the instruction
 * and its inputs (the content of copied files) to the image the step made.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <getopt.h>
#include <glob.h>
#include <openssl/evp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "container.h"
#include "copy.h"
#include "dockerfile.h"
#include "err.h"
#include "file.h"
#include "image.h"
#include "log.h"
#include "overlay.h"
#include "parents.h"

/* ---------------------------------------------------------------------------
 * Small helpers.
 * ------------------------------------------------------------------------- */

json_t *bld_settings(struct stage *s)
{
    json_t *c = json_object_get(s->config, "config");
    if (!json_is_object(c))
        json_object_set_new(s->config, "config", c = json_object());
    return c;
}

static void stage_free(struct stage *s)
{
    json_decref(s->config);
    free(s->layers);
    strv_free(&s->args);
}

static void now_stamp(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    store_timestamp(buf, size, (double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* The environment variables are expanded with: the image's Env, then the
 * ARGs in scope (Env wins over ARG, as Docker). */
int bld_expansion_env(struct stage *s, strv_t *env)
{
    size_t i;
    json_t *v;
    int r = 0;
    for (i = 0; r == 0 && i < s->args.len; i++)
        r = strv_env_set(env, s->args.v[i]);
    json_array_foreach(json_object_get(bld_settings(s), "Env"), i, v) if (r == 0) r =
        strv_env_set(env, json_string_value(v));
    return r;
}

int bld_expand(struct builder *b, struct stage *s, const char *word, char **out)
{
    strv_t env = {0};
    int r = bld_expansion_env(s, &env);
    if (r == 0)
        r = df_expand(word, &env, b->df.escape, out);
    strv_free(&env);
    return r;
}

json_t *bld_strv_json(const strv_t *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, json_string(v->v[i]));
    return a;
}

/* SHELL (default /bin/sh -c) + the command, for shell-form instructions. */
static int shell_form(struct stage *s, const char *command, strv_t *argv)
{
    json_t *shell = json_object_get(bld_settings(s), "Shell"), *v;
    size_t i;
    int r = 0;
    if (json_array_size(shell)) {
        json_array_foreach(shell, i, v) if (r == 0) r = strv_push(argv, json_string_value(v));
    } else {
        r = strv_push(argv, "/bin/sh");
        if (r == 0)
            r = strv_push(argv, "-c");
    }
    return r == 0 ? strv_push(argv, command) : r;
}

/* The command of RUN, CMD, ENTRYPOINT: exec form as written, shell form
 * under the shell.  CMD and ENTRYPOINT are not expanded (Docker leaves that
 * to the shell at run time); RUN neither. */
int bld_command_of(struct stage *s, const struct df_instruction *ins, strv_t *argv)
{
    if (ins->json) {
        for (size_t i = 0; i < ins->args.len; i++)
            if (strv_push(argv, ins->args.v[i]) < 0)
                return -ENOMEM;
        return 0;
    }
    if (ins->nheredocs) {
        /* RUN <<EOF: the body is the script; RUN cmd <<A <<B: the shell
         * reads the line and then the bodies, each ended by its name */
        const char *line = ins->args.len ? ins->args.v[0] : "";
        const struct df_heredoc *first = &ins->heredocs[0];
        char *word = strdup(line);
        bool bare = word && ins->nheredocs == 1 && !strpbrk(str_trim(word), " \t") &&
                    df_heredoc_of(ins, str_trim(word)) == first;
        free(word);
        char *script = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&script, &size);
        if (f && bare)
            fputs(first->body, f);
        for (size_t i = 0; f && !bare && i <= ins->nheredocs; i++) {
            if (i == 0)
                fprintf(f, "%s\n", line);
            else
                fprintf(f, "%s%s\n", ins->heredocs[i - 1].body, ins->heredocs[i - 1].name);
        }
        int r = f && fclose(f) == 0 ? shell_form(s, script, argv) : -ENOMEM;
        free(script);
        return r;
    }
    return shell_form(s, ins->args.len ? ins->args.v[0] : "", argv);
}

/* ---------------------------------------------------------------------------
 * Steps: the cache, committing a step.
 * ------------------------------------------------------------------------- */

void bld_cache_key(const char *parent, const char *text, const char *inputs, char out[65])
{
    char digest[LAYER_DIGEST_LEN];
    char *all = str_printf("%s\n%s\n%s", parent, text, inputs ? inputs : "");
    layer_sha256_buf(all ? all : "", all ? strlen(all) : 0, digest);
    free(all);
    snprintf(out, 65, "%s", layer_digest_hex(digest));
}

static void cache_path(struct builder *b, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s/build-cache/%s", b->g->root, key);
}

/* Load image id into the stage (after FROM, or from the cache). */
static int stage_load(struct builder *b, struct stage *s, const char *id)
{
    struct image img = {0};
    json_t *cfg = NULL;
    int r = image_lookup(b->st, id, &img);
    if (r == 0)
        r = image_config(b->st, &img, &cfg);
    if (r == 0) {
        struct layer_info *l = calloc(img.nlayers + 1, sizeof(*l));
        if (!l) {
            r = err_set(ENOMEM, "layers");
        } else {
            memcpy(l, img.layers, img.nlayers * sizeof(*l));
            free(s->layers);
            s->layers = l;
            s->nlayers = img.nlayers;
            json_decref(s->config);
            s->config = cfg;
            cfg = NULL;
            snprintf(s->id, sizeof(s->id), "%s", img.id);
        }
    }
    json_decref(cfg);
    image_free(&img);
    return r;
}

/* A step found in the cache: its image becomes the stage's state. */
bool bld_cache_hit(struct builder *b, struct stage *s, const char *key)
{
    char path[PATH_MAX], *id = NULL;
    if (b->o->no_cache)
        return false;
    cache_path(b, key, path, sizeof(path));
    if (file_read_all(path, &id, NULL) < 0)
        return false;
    bool ok = stage_load(b, s, str_trim(id)) == 0;
    free(id);
    if (ok && !b->o->quiet)
        printf(" ---> Using cache\n");
    return ok;
}

/* Store the stage as an image: one more history entry, and the new layer
 * (layer NULL: a metadata-only step). */
int bld_commit_step(struct builder *b, struct stage *s, const char *created_by,
                    const struct layer_info *layer, const char *key)
{
    char created[64], path[PATH_MAX];
    now_stamp(created, sizeof(created));
    json_t *history = json_object_get(s->config, "history");
    if (!json_is_array(history))
        json_object_set_new(s->config, "history", history = json_array());
    json_t *entry = json_pack("{s:s, s:s}", "created", created, "created_by", created_by);
    if (!layer)
        json_object_set_new(entry, "empty_layer", json_true());
    json_array_append_new(history, entry);
    json_object_set_new(s->config, "created", json_string(created));
    if (layer) {
        struct layer_info *l = realloc(s->layers, (s->nlayers + 1) * sizeof(*l));
        if (!l)
            return err_set(ENOMEM, "layers");
        s->layers = l;
        s->layers[s->nlayers++] = *layer;
    }
    char parent[LAYER_DIGEST_LEN];
    snprintf(parent, sizeof(parent), "%s", s->id);
    int r = image_add(b->st, s->config, s->layers, s->nlayers, NULL, s->id);
    if (r == 0)
        r = md_parent_set(b->g->root, s->id, parent);
    if (r == 0 && key) {
        cache_path(b, key, path, sizeof(path));
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s/build-cache", b->g->root);
        if (mkdir_p(dir, 0700) == 0)
            file_write_atomic(path, s->id, strlen(s->id), 0600);
    }
    return r;
}

/* ---------------------------------------------------------------------------
 * The build.
 * ------------------------------------------------------------------------- */

static int do_from(struct builder *b, const struct df_instruction *ins, struct stage **cur)
{
    char *image = NULL;
    strv_t env = {0};
    int r = 0;
    for (size_t i = 0; r == 0 && i < b->global_args.len; i++)
        r = strv_env_set(&env, b->global_args.v[i]);
    if (r == 0 && ins->args.len == 0)
        r = err_setx(EINVAL, "FROM requires an image");
    if (r == 0)
        r = df_expand(ins->args.v[0], &env, b->df.escape, &image);
    strv_free(&env);
    if (r < 0)
        return r;
    struct stage *st = realloc(b->stages, (b->nstages + 1) * sizeof(*st));
    if (!st) {
        free(image);
        return err_set(ENOMEM, "stages");
    }
    b->stages = st;
    struct stage *s = &b->stages[b->nstages++];
    memset(s, 0, sizeof(*s));
    if (ins->args.len >= 3 && strcasecmp(ins->args.v[1], "AS") == 0)
        snprintf(s->name, sizeof(s->name), "%s", ins->args.v[2]);
    else
        snprintf(s->name, sizeof(s->name), "%zu", b->nstages - 1);
    /* an earlier stage by name, scratch, or an image */
    const char *base = image;
    for (size_t i = 0; i + 1 < b->nstages; i++)
        if (strcmp(b->stages[i].name, image) == 0)
            base = b->stages[i].id;
    if (strcmp(image, "scratch") == 0) {
        s->config =
            json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture", "amd64", "os",
                      "linux", "config", "rootfs", "type", "layers", "diff_ids", "history");
        r = s->config ? 0 : -ENOMEM;
    } else {
        r = stage_load(b, s, base);
        if (r < 0)
            r = err_wrap(r, "%s", image);
    }
    free(image);
    *cur = s;
    return r;
}

/* "ARG used before its definition": a variable the instruction refers to is
 * unset now but an ARG declares it further down, in the same stage (or, for
 * FROM, in a stage: FROM sees only the ARGs before the first FROM).  Docker
 * would silently expand it to ""; we say what happened. */
static bool expands_words(const char *cmd)
{
    static const char *const no[] = {"RUN",         "CMD",     "ENTRYPOINT", "SHELL",
                                     "HEALTHCHECK", "ONBUILD", "MAINTAINER"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strcmp(cmd, no[i]) == 0)
            return false;
    return true;
}

static int check_args_defined(struct builder *b, struct stage *s, const struct df_instruction *ins)
{
    if (ins < b->df.v || ins >= b->df.v + b->df.n || !expands_words(ins->cmd))
        return 0; /* an ONBUILD trigger, or words the shell expands */
    bool from = strcmp(ins->cmd, "FROM") == 0;
    strv_t env = {0}, unset = {0};
    int r = s && !from ? bld_expansion_env(s, &env) : 0;
    for (size_t i = 0; r == 0 && from && i < b->global_args.len; i++)
        r = strv_env_set(&env, b->global_args.v[i]);
    for (size_t i = 0; r == 0 && i < ins->args.len; i++)
        r = df_unset_refs(ins->args.v[i], &env, b->df.escape, &unset);
    /* the ARGs to look at: for FROM, those of every stage; else the rest of this stage */
    size_t first = (size_t)(ins - b->df.v) + 1;
    for (size_t i = 0; from && i < b->df.n; i++)
        if (strcmp(b->df.v[i].cmd, "FROM") == 0) {
            first = i + 1; /* after the first FROM */
            break;
        }
    for (size_t i = first; r == 0 && unset.len && i < b->df.n; i++) {
        const struct df_instruction *later = &b->df.v[i];
        if (strcmp(later->cmd, "FROM") == 0 && !from)
            break; /* the end of this stage */
        if (strcmp(later->cmd, "ARG") != 0 || later == ins)
            continue;
        strv_t names = {0};
        df_key_values(later, &(strv_t){0}, b->df.escape, &names);
        for (size_t k = 0; r == 0 && k < names.len; k++) {
            size_t n = strcspn(names.v[k], "=");
            for (size_t u = 0; r == 0 && u < unset.len; u++) {
                if (strlen(unset.v[u]) != n || strncmp(unset.v[u], names.v[k], n) != 0)
                    continue;
                if (from)
                    r = err_setx(EINVAL,
                                 "FROM uses $%s, but ARG %s (line %d) is declared in a "
                                 "stage: declare it before the first FROM",
                                 unset.v[u], unset.v[u], later->line);
                else
                    r = err_setx(EINVAL, "$%s is used before its definition (ARG %s on line %d)",
                                 unset.v[u], unset.v[u], later->line);
            }
        }
        strv_free(&names);
    }
    strv_free(&env);
    strv_free(&unset);
    return r;
}

static int run_step(struct builder *b, struct stage **cur, const struct df_instruction *ins);

/* One stored trigger, parsed as the line after a FROM.  The image config
 * may come from anywhere (load, pull): what Docker refuses as a trigger is
 * refused here too, FROM above all, which would start the build over (and
 * FROM an image with the trigger "FROM itself" would never end). */
static int parse_trigger(const char *trigger, struct dockerfile *df)
{
    if (!trigger)
        return err_setx(EINVAL, "the base image has an ONBUILD trigger that is not a string");
    char *text = str_printf("FROM scratch\n%s\n", trigger);
    int r = text ? df_parse("ONBUILD trigger", text, df) : err_set(ENOMEM, "ONBUILD");
    free(text);
    if (r < 0)
        return err_wrap(r, "ONBUILD trigger \"%s\"", trigger);
    const char *cmd = df->n == 2 ? df->v[1].cmd : NULL;
    if (!cmd)
        r = err_setx(EINVAL, "ONBUILD trigger \"%s\": not one instruction", trigger);
    else if (strcmp(cmd, "ONBUILD") == 0)
        r = err_setx(EINVAL,
                     "ONBUILD trigger \"%s\": chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                     trigger);
    else if (strcmp(cmd, "FROM") == 0 || strcmp(cmd, "MAINTAINER") == 0)
        r = err_setx(EINVAL, "ONBUILD trigger \"%s\": %s isn't allowed as an ONBUILD trigger",
                     trigger, cmd);
    return r;
}

/* FROM an image with ONBUILD triggers: they run now, in order, as steps of
 * this build, and the new image does not inherit them (as Docker).  All are
 * checked before the first one runs. */
static int run_triggers(struct builder *b, struct stage **cur)
{
    json_t *settings = bld_settings(*cur), *on = json_object_get(settings, "OnBuild");
    size_t n = json_array_size(on), i;
    if (n == 0)
        return 0;
    struct dockerfile *triggers = calloc(n, sizeof(*triggers));
    int r = triggers ? 0 : err_set(ENOMEM, "ONBUILD");
    for (i = 0; r == 0 && i < n; i++)
        r = parse_trigger(json_string_value(json_array_get(on, i)), &triggers[i]);
    if (r == 0 && !b->o->quiet)
        printf("# Executing %zu build trigger%s\n", n, n > 1 ? "s" : "");
    json_object_del(settings, "OnBuild");
    for (i = 0; r == 0 && i < n; i++) {
        r = run_step(b, cur, &triggers[i].v[1]);
        if (r < 0 && r > -1000)
            r = err_wrap(r, "ONBUILD %s", triggers[i].v[1].original);
    }
    for (i = 0; triggers && i < n; i++)
        df_free(&triggers[i]);
    free(triggers);
    return r;
}

/* The cache key of RUN and the metadata steps: the ARG values in scope are
 * part of it (another --build-arg, another RUN, another ENV X=$ARG). */
static void args_key(struct stage *s, const struct df_instruction *ins, char key[65])
{
    char *args = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&args, &len);
    for (size_t i = 0; f && i < s->args.len; i++)
        fprintf(f, "%s\n", s->args.v[i]);
    if (f)
        fclose(f);
    bld_cache_key(s->id, ins->original, args, key);
    free(args);
}

static int run_step(struct builder *b, struct stage **cur, const struct df_instruction *ins)
{
    struct stage *s = *cur;
    const char *cmd = ins->cmd;
    char key[65];
    bool cached = false;
    int r = check_args_defined(b, s, ins), exit_code = 0;
    if (r < 0)
        return r;
    if (strcmp(cmd, "FROM") == 0) {
        r = do_from(b, ins, cur);
        if (r == 0 && !b->o->quiet)
            printf(" ---> %.12s\n", (*cur)->id[0] ? layer_digest_hex((*cur)->id) : "scratch");
        return r == 0 ? run_triggers(b, cur) : r;
    }
    if (!s) { /* ARG before the first FROM */
        return strcmp(cmd, "ARG") == 0 ? bld_arg(b, NULL, ins, &b->global_args)
                                       : err_setx(EINVAL, "no FROM before %s", cmd);
    }
    if (strcmp(cmd, "ARG") == 0) {
        r = bld_arg(b, s, ins, &s->args);
    } else if (strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0) {
        r = bld_copy(b, s, ins, ins->original, &cached);
    } else if (strcmp(cmd, "RUN") == 0) {
        args_key(s, ins, key);
        cached = bld_cache_hit(b, s, key);
        if (!cached) {
            struct layer_info layer;
            r = bld_run(b, s, ins, &layer, &exit_code);
            if (r == 0) {
                strv_t argv = {0};
                bld_command_of(s, ins, &argv);
                char *by = NULL;
                size_t blen = 0;
                FILE *bf = open_memstream(&by, &blen);
                for (size_t i = 0; bf && i < argv.len; i++)
                    fprintf(bf, i ? " %s" : "%s", argv.v[i]);
                if (bf)
                    fclose(bf);
                r = bld_commit_step(b, s, by ? by : "RUN", &layer, key);
                free(by);
                strv_free(&argv);
            }
        }
    } else {
        args_key(s, ins, key);
        cached = bld_cache_hit(b, s, key);
        if (!cached) {
            r = bld_metadata(b, s, ins);
            char *by = str_printf(NOP "%s", ins->original);
            if (r == 0)
                r = bld_commit_step(b, s, by ? by : cmd, NULL, key);
            free(by);
        }
    }
    if (r < 0)
        return exit_code ? -exit_code - 1000 : r;
    if (!b->o->quiet && strcmp(cmd, "ARG") != 0)
        printf(" ---> %.12s\n", layer_digest_hex(s->id));
    return 0;
}

/* LABEL from --label, applied last. */
static int final_labels(struct builder *b, struct stage *s)
{
    if (!b->o->labels.len)
        return 0;
    json_t *cfg = bld_settings(s);
    json_t *labels = json_object_get(cfg, "Labels");
    if (!json_is_object(labels))
        json_object_set_new(cfg, "Labels", labels = json_object());
    for (size_t i = 0; i < b->o->labels.len; i++) {
        const char *kv = b->o->labels.v[i], *eq = strchr(kv, '=');
        char *k = strndup(kv, eq ? (size_t)(eq - kv) : strlen(kv));
        json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
        free(k);
    }
    char parent[LAYER_DIGEST_LEN];
    snprintf(parent, sizeof(parent), "%s", s->id);
    int r = image_add(b->st, s->config, s->layers, s->nlayers, NULL, s->id);
    return r < 0 ? r : md_parent_set(b->g->root, s->id, parent);
}

static int build(struct builder *b, char *text, int *exit_code)
{
    struct stage *cur = NULL;
    int r;
    r = df_parse(b->df_name, text, &b->df);
    if (r < 0)
        return r;
    b->steps = (int)b->df.n;
    for (size_t i = 0; i < b->df.n && r == 0; i++) {
        const struct df_instruction *ins = &b->df.v[i];
        /* --target: stop at the end of that stage */
        if (b->o->target && strcmp(ins->cmd, "FROM") == 0 && cur &&
            strcmp(cur->name, b->o->target) == 0)
            break;
        if (!b->o->quiet)
            printf("Step %zu/%d : %s\n", i + 1, b->steps, ins->original);
        fflush(stdout);
        r = run_step(b, &cur, ins);
        if (r <= -1000) {
            *exit_code = -(r + 1000);
            r = -EIO;
        } else if (r < 0 && !str_has_prefix(err_msg(), b->df_name)) { /* where, if not said */
            r = err_wrap(r, "%s:%d:%d: %s", b->df_name, ins->line, ins->column, ins->cmd);
        }
        fflush(stdout);
    }
    if (r == 0 && b->o->target && (!cur || strcmp(cur->name, b->o->target) != 0))
        r = err_setx(EINVAL, "target stage \"%s\" could not be found", b->o->target);
    if (r == 0 && (!cur || !cur->id[0]))
        r = err_setx(EINVAL, "the Dockerfile made no image (FROM scratch and nothing else)");
    if (r == 0)
        r = final_labels(b, cur);
    for (size_t i = 0; r == 0 && i < b->o->build_args.len; i++) {
        bool used = false;
        for (size_t k = 0; k < b->used_args.len; k++)
            used |= strcmp(b->used_args.v[k], b->o->build_args.v[i]) == 0;
        if (!used && !b->o->quiet)
            printf("[Warning] One or more build-args [%.*s] were not consumed\n",
                   (int)strcspn(b->o->build_args.v[i], "="), b->o->build_args.v[i]);
    }
    for (size_t i = 0; r == 0 && i < b->o->tags.len; i++)
        r = image_tag(b->st, cur->id, b->o->tags.v[i]);
    if (r == 0) {
        if (b->o->quiet) {
            printf("%s\n", cur->id);
        } else {
            printf("Successfully built %.12s\n", layer_digest_hex(cur->id));
            for (size_t i = 0; i < b->o->tags.len; i++) {
                struct image_ref ref;
                char repo[512];
                image_ref_parse(b->o->tags.v[i], &ref);
                image_ref_repository(&ref, repo, sizeof(repo));
                printf("Successfully tagged %s:%s\n", repo, ref.tag[0] ? ref.tag : "latest");
            }
        }
    }
    return r;
}

static int build_usage(void)
{
    printf("Usage:  minidock build [OPTIONS] PATH | -\n\n"
           "Build an image from a Dockerfile\n\n"
           "Options:\n"
           "      --build-arg K=V     Set build-time variables\n"
           "  -f, --file FILE         Name of the Dockerfile (default: PATH/Dockerfile)\n"
           "      --label K=V         Set metadata for an image\n"
           "      --network MODE      Networking mode for the RUN instructions (none, host)\n"
           "      --no-cache          Do not use cache when building the image\n"
           "  -q, --quiet             Suppress the build output and print image ID on success\n"
           "  -t, --tag NAME[:TAG]    Name and optionally a tag\n"
           "      --target STAGE      Set the target build stage to build\n");
    return 0;
}

int cmd_build(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"tag", required_argument, NULL, 't'},    {"file", required_argument, NULL, 'f'},
        {"no-cache", no_argument, NULL, 'n'},     {"build-arg", required_argument, NULL, 'a'},
        {"target", required_argument, NULL, 'T'}, {"label", required_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},        {"network", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {"rm", no_argument, NULL, 'R'},
        {"force-rm", no_argument, NULL, 'R'},     {0},
    };
    struct build_opts o = {0};
    struct builder b = {.g = g, .o = &o};
    int c, code = 125, exit_code = 0, r = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "t:f:q", opts, NULL)) != -1 && r == 0) {
        switch (c) {
        case 't': {
            struct image_ref ref;
            r = image_ref_parse(optarg, &ref);
            if (r == 0)
                r = strv_push(&o.tags, optarg);
            break;
        }
        case 'f':
            o.file = optarg;
            break;
        case 'n':
            o.no_cache = true;
            break;
        case 'a':
            r = strchr(optarg, '=') ? strv_push(&o.build_args, optarg)
                                    : md_env_add(&o.build_args, optarg);
            break;
        case 'T':
            o.target = optarg;
            break;
        case 'l':
            r = strv_push(&o.labels, optarg);
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'N':
            o.network = optarg;
            if (strcmp(optarg, "none") != 0 && strcmp(optarg, "host") != 0 &&
                strcmp(optarg, "default") != 0)
                r = err_setx(EINVAL, "--network %s: only none and host are supported", optarg);
            if (strcmp(optarg, "default") == 0)
                o.network = NULL;
            break;
        case 'R':
            break;
        case 'h':
            return build_usage();
        default:
            fprintf(stderr, "minidock: build: unknown flag: %s\nSee 'minidock build --help'.\n",
                    argv[optind - 1]);
            return 125;
        }
    }
    if (r < 0)
        return md_fail("build");
    if (argc - optind != 1) {
        fprintf(stderr, "minidock: \"build\" requires exactly 1 argument.\n"
                        "See 'minidock build --help'.\n");
        return 125;
    }
    o.context = argv[optind];
    bool from_stdin = strcmp(o.context, "-") == 0;
    if (!from_stdin && !realpath(o.context, b.context)) {
        err_set(errno, "unable to prepare context: path \"%s\" not found", o.context);
        code = md_fail("build");
        goto out;
    }
    if (image_store_open(g->root, &b.st) < 0 || ctr_store(g, &b.cs) < 0) {
        code = md_fail("build");
        goto out;
    }
    char filtered[PATH_MAX + 32], spool[PATH_MAX + 32], *text = NULL;
    snprintf(filtered, sizeof(filtered), "%s/build-cache/context-%d", g->root, (int)getpid());
    snprintf(spool, sizeof(spool), "%s/build-cache/stdin-%d", g->root, (int)getpid());
    bld_sweep(&b);
    bool dockerfile_only = false;
    if (from_stdin && o.file && strcmp(o.file, "-") == 0)
        r = err_setx(EINVAL, "-f - and the context - cannot both come from stdin");
    else if (from_stdin)
        r = bld_context_stdin(&b, spool, &dockerfile_only);
    /* the Dockerfile: -f - (stdin), -f PATH as given, or a file of the context,
     * read inside it (a symlink there cannot name a file of the host) */
    const char *in_context = dockerfile_only || !o.file       ? "Dockerfile"
                             : from_stdin && o.file[0] != '/' ? o.file
                                                              : NULL;
    snprintf(b.df_name, sizeof(b.df_name), "%s", in_context ? in_context : o.file);
    if (r == 0 && in_context)
        r = bld_read_in_context(b.context, in_context, &text);
    else if (r == 0)
        r = bld_read_file(strcmp(o.file, "-") == 0 ? NULL : o.file, &text);
    if (r < 0)
        r = err_wrap(r, "unable to read the Dockerfile");
    if (r == 0)
        r = bld_dockerignore(&b, filtered);
    if (r == 0)
        r = build(&b, text, &exit_code);
    free(text);
    remove_tree(filtered);
    remove_tree(spool);
    if (r < 0) {
        fprintf(stderr, "minidock: build: %s\n", err_msg());
        code = exit_code ? exit_code : 125;
    } else {
        code = 0;
    }
out:
    for (size_t i = 0; i < b.nstages; i++)
        stage_free(&b.stages[i]);
    free(b.stages);
    df_free(&b.df);
    if (b.st)
        image_store_close(b.st);
    strv_free(&o.tags);
    strv_free(&o.build_args);
    strv_free(&o.labels);
    strv_free(&b.global_args);
    strv_free(&b.used_args);
    return code;
}
