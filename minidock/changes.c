/* changes.c — the Dockerfile instructions `import -c` and `commit -c` apply
 * to an image config (see changes.h).
 *
 * The argument of an instruction is parsed as in a Dockerfile: words split
 * on white space, quotes group, a backslash escapes; CMD and ENTRYPOINT take
 * a JSON array (exec form) or a string for /bin/sh -c (shell form). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "changes.h"
#include "err.h"
#include "str.h"

/* Split Dockerfile arguments into words: quotes group (and are removed),
 * a backslash escapes the next character. */
static int split_words(const char *s, strv_t *words)
{
    char *buf = malloc(strlen(s) + 1);
    const char *p = s;
    if (!buf)
        return err_set(ENOMEM, "parse '%s'", s);
    while (*p) {
        char *w = buf, quote = 0;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
            if (quote && *p == quote)
                quote = 0;
            else if (!quote && (*p == '"' || *p == '\''))
                quote = *p;
            else if (*p == '\\' && quote != '\'' && p[1])
                *w++ = *++p;
            else
                *w++ = *p;
        }
        *w = '\0';
        if (quote) {
            free(buf);
            return err_setx(EINVAL, "unterminated quote in '%s'", s);
        }
        strv_push(words, buf);
    }
    free(buf);
    return 0;
}

/* ENV and LABEL arguments as "KEY=VALUE" strings: KEY=VALUE... or the
 * legacy `KEY VALUE WITH SPACES` form. */
static int parse_pairs(const char *instr, const char *arg, strv_t *pairs)
{
    strv_t words = {0};
    int r = split_words(arg, &words);
    if (r == 0 && words.len == 0)
        r = err_setx(EINVAL, "%s requires at least one argument", instr);
    if (r == 0 && !strchr(words.v[0], '=')) {
        char *value = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&value, &len);
        for (size_t i = 1; f && i < words.len; i++)
            fprintf(f, "%s%s", i > 1 ? " " : "", words.v[i]);
        if (f)
            fclose(f);
        if (words.len < 2)
            r = err_setx(EINVAL, "%s %s: expected a value", instr, words.v[0]);
        else
            strv_push_owned(pairs, str_printf("%s=%s", words.v[0], value ? value : ""));
        free(value);
    }
    for (size_t i = 0; r == 0 && strchr(words.v[0], '=') && i < words.len; i++) {
        if (!strchr(words.v[i], '=') || words.v[i][0] == '=')
            r = err_setx(EINVAL, "%s: '%s' must be of the form name=value", instr, words.v[i]);
        else
            strv_push(pairs, words.v[i]);
    }
    strv_free(&words);
    return r;
}

/* CMD and ENTRYPOINT: a JSON array of strings (exec form), else a string
 * run by /bin/sh -c (shell form), as in a Dockerfile. */
static json_t *command_form(const char *text)
{
    json_t *cmd = json_loads(text, 0, NULL), *v;
    size_t i;
    bool strings = json_is_array(cmd);
    json_array_foreach(cmd, i, v) strings = strings && json_is_string(v);
    if (strings)
        return cmd;
    json_decref(cmd);
    return json_pack("[s, s, s]", "/bin/sh", "-c", text);
}

static int change_env(json_t *settings, const char *arg)
{
    strv_t pairs = {0}, env = {0};
    json_t *list = json_object_get(settings, "Env"), *v;
    size_t i;
    int r = parse_pairs("ENV", arg, &pairs);
    json_array_foreach(list, i, v) strv_push(&env, json_string_value(v));
    for (i = 0; r == 0 && i < pairs.len; i++)
        r = strv_env_set(&env, pairs.v[i]);
    json_t *out = json_array();
    for (i = 0; r == 0 && i < env.len; i++)
        json_array_append_new(out, json_string(env.v[i]));
    if (r == 0)
        json_object_set(settings, "Env", out);
    json_decref(out);
    strv_free(&pairs);
    strv_free(&env);
    return r;
}

static int change_label(json_t *settings, const char *arg)
{
    strv_t pairs = {0};
    int r = parse_pairs("LABEL", arg, &pairs);
    json_t *labels = json_object_get(settings, "Labels");
    if (r == 0 && !labels)
        json_object_set_new(settings, "Labels", labels = json_object());
    for (size_t i = 0; r == 0 && i < pairs.len; i++) {
        char *eq = strchr(pairs.v[i], '=');
        *eq = '\0';
        json_object_set_new(labels, pairs.v[i], json_string(eq + 1));
    }
    strv_free(&pairs);
    return r;
}

/* EXPOSE 80 443/tcp 53/udp 8000-8002: ExposedPorts {"80/tcp": {}, ...} */
static int change_expose(json_t *settings, const char *arg)
{
    strv_t words = {0};
    json_t *ports = json_object_get(settings, "ExposedPorts");
    int r = split_words(arg, &words);
    if (r == 0 && !ports)
        json_object_set_new(settings, "ExposedPorts", ports = json_object());
    for (size_t i = 0; r == 0 && i < words.len; i++) {
        char proto[16] = "tcp", *slash = strchr(words.v[i], '/');
        unsigned first, last;
        int n = 0;
        if (slash) {
            *slash = '\0';
            for (char *p = slash + 1; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            snprintf(proto, sizeof(proto), "%s", slash + 1);
        }
        if (sscanf(words.v[i], "%u%n", &first, &n) == 1 && !words.v[i][n])
            last = first;
        else if (sscanf(words.v[i], "%u-%u%n", &first, &last, &n) != 2 || words.v[i][n])
            last = 0, first = 1;
        if (first < 1 || last > 65535 || first > last ||
            (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))) {
            r = err_setx(EINVAL, "invalid containerPort: %s%s%s", words.v[i], slash ? "/" : "",
                         slash ? proto : "");
            break;
        }
        for (unsigned p = first; p <= last; p++) {
            char key[32];
            snprintf(key, sizeof(key), "%u/%s", p, proto);
            json_object_set_new(ports, key, json_object());
        }
    }
    strv_free(&words);
    return r;
}

/* STOPSIGNAL: a number or a signal name, with or without SIG. */
static int check_signal(const char *sig)
{
    const char *name = strncasecmp(sig, "SIG", 3) == 0 ? sig + 3 : sig;
    int64_t num;
    if (str_to_i64(sig, 1, SIGRTMAX, &num) == 0)
        return 0;
    for (int s = 1; s < NSIG; s++) {
        const char *abbrev = sigabbrev_np(s);
        if (abbrev && !strcasecmp(abbrev, name))
            return 0;
    }
    return err_setx(EINVAL, "Invalid signal: %s", sig);
}

/* VOLUME ["/a", "/b"] or VOLUME /a /b: Volumes {"/a": {}, "/b": {}} */
static int change_volume(json_t *settings, const char *arg)
{
    json_t *list = json_loads(arg, 0, NULL), *v;
    json_t *volumes = json_object_get(settings, "Volumes");
    strv_t words = {0};
    size_t i;
    int r = 0;
    if (json_is_array(list)) {
        json_array_foreach(list, i, v)
            strv_push(&words, json_string_value(v) ? json_string_value(v) : "");
    } else {
        r = split_words(arg, &words);
    }
    json_decref(list);
    if (r == 0 && !volumes)
        json_object_set_new(settings, "Volumes", volumes = json_object());
    for (i = 0; r == 0 && i < words.len; i++) {
        if (words.v[i][0] != '/')
            r = err_setx(EINVAL, "VOLUME: '%s' is not an absolute path", words.v[i]);
        else
            json_object_set_new(volumes, words.v[i], json_object());
    }
    strv_free(&words);
    return r;
}

/* One `--change` line: the Dockerfile instructions Docker accepts there. */
int change_apply(json_t *settings, const char *change)
{
    char word[16] = "";
    int n = 0, r = 0;
    sscanf(change, " %15s %n", word, &n);
    const char *arg = n ? change + n : "";
    for (char *p = word; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    bool known = !strcmp(word, "CMD") || !strcmp(word, "ENTRYPOINT") || !strcmp(word, "ENV") ||
                 !strcmp(word, "WORKDIR") || !strcmp(word, "USER") || !strcmp(word, "EXPOSE") ||
                 !strcmp(word, "LABEL") || !strcmp(word, "STOPSIGNAL") || !strcmp(word, "VOLUME");
    if (!known)
        return err_setx(EINVAL, "%s is not a valid change command", word[0] ? word : change);
    if (!*arg)
        return err_setx(EINVAL, "%s requires at least one argument", word);
    if (!strcmp(word, "CMD"))
        json_object_set_new(settings, "Cmd", command_form(arg));
    else if (!strcmp(word, "ENTRYPOINT"))
        json_object_set_new(settings, "Entrypoint", command_form(arg));
    else if (!strcmp(word, "ENV"))
        r = change_env(settings, arg);
    else if (!strcmp(word, "LABEL"))
        r = change_label(settings, arg);
    else if (!strcmp(word, "EXPOSE"))
        r = change_expose(settings, arg);
    else if (!strcmp(word, "VOLUME"))
        r = change_volume(settings, arg);
    else if (!strcmp(word, "STOPSIGNAL") && (r = check_signal(arg)) == 0)
        json_object_set_new(settings, "StopSignal", json_string(arg));
    else if (!strcmp(word, "USER"))
        json_object_set_new(settings, "User", json_string(arg));
    else if (!strcmp(word, "WORKDIR")) {
        /* a relative WORKDIR continues the previous one, as in a Dockerfile */
        const char *cur = json_string_value(json_object_get(settings, "WorkingDir"));
        char *dir = arg[0] == '/' ? strdup(arg)
                                  : str_printf("%s/%s", cur && strcmp(cur, "/") ? cur : "", arg);
        json_object_set_new(settings, "WorkingDir", json_string(dir ? dir : arg));
        free(dir);
    }
    return r < 0 ? err_wrap(r, "--change '%s'", change) : 0;
}
