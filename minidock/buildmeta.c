/* buildmeta.c — the instructions of `minidock build` that change only the
 * image's config (ENV, LABEL, ARG, CMD, ENTRYPOINT, WORKDIR, USER, EXPOSE,
 * VOLUME, STOPSIGNAL, MAINTAINER, SHELL, HEALTHCHECK, ONBUILD): a history
 * entry and no layer, as Docker.  (The steps are run by build.c.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "container.h"
#include "err.h"

/* ---------------------------------------------------------------------------
 * Metadata instructions.
 * ------------------------------------------------------------------------- */

static int set_key_values(struct builder *b, struct stage *s, const struct df_instruction *ins,
                          const char *field)
{
    strv_t env = {0}, pairs = {0};
    int r = bld_expansion_env(s, &env);
    if (r == 0)
        r = df_key_values(ins, &env, b->df.escape, &pairs);
    json_t *cfg = bld_settings(s);
    for (size_t i = 0; r == 0 && i < pairs.len; i++) {
        if (strcmp(field, "Env") == 0) {
            strv_t cur = {0};
            size_t k;
            json_t *v;
            json_array_foreach(json_object_get(cfg, "Env"), k, v)
                strv_push(&cur, json_string_value(v));
            r = strv_env_set(&cur, pairs.v[i]);
            json_object_set_new(cfg, "Env", bld_strv_json(&cur));
            strv_free(&cur);
        } else {
            json_t *labels = json_object_get(cfg, "Labels");
            if (!json_is_object(labels))
                json_object_set_new(cfg, "Labels", labels = json_object());
            const char *eq = strchr(pairs.v[i], '=');
            char *k = strndup(pairs.v[i], eq ? (size_t)(eq - pairs.v[i]) : strlen(pairs.v[i]));
            json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
            free(k);
        }
    }
    strv_free(&env);
    strv_free(&pairs);
    return r;
}

/* ARG NAME[=default]: in scope from here; --build-arg overrides the default. */
int bld_arg(struct builder *b, struct stage *s, const struct df_instruction *ins, strv_t *scope)
{
    strv_t env = {0}, pairs = {0};
    int r = s ? bld_expansion_env(s, &env) : 0;
    for (size_t i = 0; r == 0 && i < b->global_args.len; i++)
        r = strv_env_set(&env, b->global_args.v[i]);
    if (r == 0)
        r = df_key_values(ins, &env, b->df.escape, &pairs);
    for (size_t i = 0; r == 0 && i < pairs.len; i++) {
        const char *eq = strchr(pairs.v[i], '=');
        size_t klen = eq ? (size_t)(eq - pairs.v[i]) : strlen(pairs.v[i]);
        const char *value = eq ? eq + 1 : NULL;
        for (size_t k = 0; k < b->o->build_args.len; k++) {
            const char *ba = b->o->build_args.v[k];
            if (strncmp(ba, pairs.v[i], klen) == 0 && ba[klen] == '=') {
                value = ba + klen + 1;
                strv_push(&b->used_args, ba);
            }
        }
        /* a global ARG redeclared in a stage without a value takes the global one */
        for (size_t k = 0; !value && k < b->global_args.len; k++) {
            const char *ga = b->global_args.v[k];
            if (strncmp(ga, pairs.v[i], klen) == 0 && ga[klen] == '=')
                value = ga + klen + 1;
        }
        if (value) {
            char *kv = str_printf("%.*s=%s", (int)klen, pairs.v[i], value);
            r = kv ? strv_env_set(scope, kv) : -ENOMEM;
            free(kv);
        }
    }
    strv_free(&env);
    strv_free(&pairs);
    return r;
}

/* Instructions that change the config only. */
int bld_metadata(struct builder *b, struct stage *s, const struct df_instruction *ins)
{
    json_t *cfg = bld_settings(s);
    const char *cmd = ins->cmd;
    char *word = NULL;
    int r = 0;
    if (strcmp(cmd, "ENV") == 0)
        return set_key_values(b, s, ins, "Env");
    if (strcmp(cmd, "LABEL") == 0)
        return set_key_values(b, s, ins, "Labels");
    if (strcmp(cmd, "CMD") == 0 || strcmp(cmd, "ENTRYPOINT") == 0) {
        strv_t argv = {0};
        r = bld_command_of(s, ins, &argv);
        json_object_set_new(cfg, strcmp(cmd, "CMD") == 0 ? "Cmd" : "Entrypoint",
                            bld_strv_json(&argv));
        /* ENTRYPOINT resets the CMD the base image had, as Docker does */
        if (strcmp(cmd, "ENTRYPOINT") == 0 && !s->cmd_set)
            json_object_set_new(cfg, "Cmd", json_null());
        if (strcmp(cmd, "CMD") == 0)
            s->cmd_set = true;
        strv_free(&argv);
        return r;
    }
    if (strcmp(cmd, "SHELL") == 0) {
        if (!ins->json)
            return err_setx(EINVAL, "SHELL requires the arguments to be in JSON form");
        json_object_set_new(cfg, "Shell", bld_strv_json(&ins->args));
        return 0;
    }
    if (strcmp(cmd, "ONBUILD") == 0) {
        json_t *on = json_object_get(cfg, "OnBuild");
        if (!json_is_array(on))
            json_object_set_new(cfg, "OnBuild", on = json_array());
        const char *rest = ins->original + strlen("ONBUILD");
        while (*rest == ' ' || *rest == '\t')
            rest++;
        json_array_append_new(on, json_string(rest));
        return 0;
    }
    if (strcmp(cmd, "HEALTHCHECK") == 0) {
        json_t *hc = json_object();
        if (ins->args.len && strcasecmp(ins->args.v[0], "NONE") == 0) {
            json_object_set_new(hc, "Test", json_pack("[s]", "NONE"));
        } else {
            strv_t argv = {0};
            json_t *test = json_array();
            json_array_append_new(test, json_string(ins->json ? "CMD" : "CMD-SHELL"));
            for (size_t i = 1; i < ins->args.len; i++)
                json_array_append_new(test, json_string(ins->args.v[i]));
            json_object_set_new(hc, "Test", test);
            for (size_t i = 0; i < ins->flags.len; i++) {
                const char *f = ins->flags.v[i] + 2, *eq = strchr(f, '=');
                static const char *const names[][2] = {{"interval", "Interval"},
                                                       {"timeout", "Timeout"},
                                                       {"start-period", "StartPeriod"},
                                                       {"retries", "Retries"}};
                for (size_t k = 0; eq && k < 4; k++) {
                    if (strncmp(f, names[k][0], (size_t)(eq - f)) != 0)
                        continue;
                    char *end;
                    double n = strtod(eq + 1, &end);
                    double unit = *end == 'm' && end[1] == 's' ? 1e6
                                  : *end == 'm'                ? 60e9
                                  : *end == 'h'                ? 3600e9
                                  : *end == 's'                ? 1e9
                                                               : 1e9;
                    json_object_set_new(
                        hc, names[k][1],
                        json_integer(k == 3 ? (json_int_t)n : (json_int_t)(n * unit)));
                }
            }
            strv_free(&argv);
        }
        json_object_set_new(cfg, "Healthcheck", hc);
        return 0;
    }
    /* one-word instructions, expanded */
    r = bld_expand(b, s, ins->args.len ? ins->args.v[0] : "", &word);
    if (r < 0)
        return r;
    if (strcmp(cmd, "WORKDIR") == 0) {
        const char *cur = json_string_value(json_object_get(cfg, "WorkingDir"));
        char *wd = word[0] == '/' ? str_printf("%s", word)
                                  : str_printf("%s/%s", cur && *cur ? cur : "", word);
        json_object_set_new(cfg, "WorkingDir", json_string(wd ? wd : "/"));
        free(wd);
    } else if (strcmp(cmd, "USER") == 0) {
        json_object_set_new(cfg, "User", json_string(word));
    } else if (strcmp(cmd, "STOPSIGNAL") == 0) {
        if (md_signal_parse(word) < 0)
            r = -EINVAL;
        else
            json_object_set_new(cfg, "StopSignal", json_string(word));
    } else if (strcmp(cmd, "MAINTAINER") == 0) {
        json_object_set_new(s->config, "author", json_string(word));
    } else if (strcmp(cmd, "EXPOSE") == 0 || strcmp(cmd, "VOLUME") == 0) {
        const char *field = strcmp(cmd, "EXPOSE") == 0 ? "ExposedPorts" : "Volumes";
        json_t *map = json_object_get(cfg, field);
        if (!json_is_object(map))
            json_object_set_new(cfg, field, map = json_object());
        for (size_t i = 0; i < ins->args.len && r == 0; i++) {
            char *w = NULL;
            r = bld_expand(b, s, ins->args.v[i], &w);
            /* VOLUME /a /b, or VOLUME ["/a"]; EXPOSE 80 80/udp */
            for (char *save = NULL, *t = w ? strtok_r(w, " \t", &save) : NULL; t && r == 0;
                 t = strtok_r(NULL, " \t", &save)) {
                char key[256];
                snprintf(key, sizeof(key), "%s%s", t,
                         field[0] == 'E' && !strchr(t, '/') ? "/tcp" : "");
                json_object_set_new(map, key, json_object());
            }
            free(w);
        }
    }
    free(word);
    return r;
}
