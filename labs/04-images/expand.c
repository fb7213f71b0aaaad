/* expand.c — variables in a Dockerfile (lab 04): df_expand() and df_key_values().
 *
 * The builder runs the instructions in order, and only then are the values
 * of variables known: each ENV and ARG changes them.  So df_parse() keeps the
 * words as written, and the builder expands each of them here, when it runs
 * the instruction, with the rules of Docker's small shell lexer (moby/buildkit,
 * frontend/dockerfile/shell): $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt},
 * quotes and the escape character.  It is not a shell: no globbing, no
 * command substitution, no word splitting; RUN's command line is not
 * expanded here at all, /bin/sh does that in the container.
 *
 * The blocks marked LAB(4) are the parts you write in the student version.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "err.h"
#include "str.h"

/* ---- 1. Docker's shell-like expansion -----------------------------------------------------------
 *
 * Outside quotes, the escape character makes the next character literal.
 * 'single quotes' keep everything literal, even $.  In "double quotes", $
 * expands and the escape character protects only ", $ and itself.  The
 * result has the quotes removed: "a b" is the one word a b.
 */

/* ${A:-${B:-...}} nests: each level is a call of lex_until() (and of
 * lex_dollar()), so the depth is bounded, or a Dockerfile could exhaust the
 * stack.  Real Dockerfiles use two or three levels. */
#define MAX_NESTING 64

struct lexer {
    const char *p;    /* the next character */
    const char *word; /* the whole word, for messages */
    char escape;
    const strv_t *env;
    strv_t *unset; /* when not NULL: the names looked up and not set (df_unset_refs) */
    int depth;     /* the ${...} we are inside of */
};

static int lex_until(struct lexer *lx, char stop, FILE *out);

static int lex_error(const struct lexer *lx, const char *what)
{
    return err_setx(EINVAL, "'%s': %s", lx->word, what);
}

/* The value of the variable name (n bytes) in env: the last "NAME=..." wins; NULL if unset. */
static const char *lookup(const struct lexer *lx, const char *name, size_t n)
{
    for (size_t i = lx->env ? lx->env->len : 0; i-- > 0;) {
        const char *kv = lx->env->v[i];
        if (strncmp(kv, name, n) == 0 && kv[n] == '=')
            return kv + n + 1;
    }
    if (lx->unset && n > 0)
        strv_push_owned(lx->unset, strndup(name, n));
    return NULL;
}

/* Length of the name after '$': letters, digits, _ ($1 and $? are names too). */
static size_t name_length(const char *s)
{
    if (isdigit((unsigned char)*s))
        return strspn(s, "0123456789");
    if (*s && strchr("@*#?-$!", *s))
        return 1;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    return n;
}

static int lex_single_quote(struct lexer *lx, FILE *out)
{
    const char *end = strchr(++lx->p, '\'');
    if (!end)
        return lex_error(lx, "unexpected end of statement while looking for matching single-quote");
    fwrite(lx->p, 1, (size_t)(end - lx->p), out);
    lx->p = end + 1;
    return 0;
}

static int lex_dollar(struct lexer *lx, FILE *out);

static int lex_double_quote(struct lexer *lx, FILE *out)
{
    lx->p++;
    for (;;) {
        char c = *lx->p;
        if (!c)
            return lex_error(lx, "unexpected end of statement while looking for matching "
                                 "double-quote");
        if (c == '"') {
            lx->p++;
            return 0;
        }
        if (c == '$') {
            int ret = lex_dollar(lx, out);
            if (ret < 0)
                return ret;
            continue;
        }
        lx->p++;
        if (c == lx->escape) {
            if (!*lx->p)
                continue; /* and then the missing " */
            if (*lx->p == '"' || *lx->p == '$' || *lx->p == lx->escape)
                c = *lx->p++; /* other escapes stay as written */
        }
        fputc(c, out);
    }
}

/* $NAME, ${NAME}, ${NAME:-word} (word if unset or empty), ${NAME-word} (if
 * unset), ${NAME:+word} (word if set and not empty), ${NAME+word} (if set),
 * ${NAME:?message} and ${NAME?message} (an error if unset). */
static int lex_dollar(struct lexer *lx, FILE *out)
{
    /* LAB(4): expand $NAME and ${NAME...} at lx->p (on '$') into out; see the comment above */
    const char *name = ++lx->p, *value;
    size_t n;
    if (*name != '{') {
        n = name_length(name);
        value = lookup(lx, name, n);
        fputs(n == 0 ? "$" : value ? value : "", out); /* a lone $ is just a $ */
        lx->p += n;
        return 0;
    }
    name = ++lx->p;
    if (!*name)
        return lex_error(lx, "syntax error: missing '}'");
    if (strchr("{}:", *name))
        return lex_error(lx, "syntax error: bad substitution");
    n = name_length(name);
    value = lookup(lx, name, n);
    lx->p += n;
    char op = *lx->p ? *lx->p++ : '\0';
    if (op == '}') {
        fputs(value ? value : "", out);
        return 0;
    }
    bool colon = op == ':';
    if (colon)
        op = *lx->p ? *lx->p++ : '\0';
    if (!op)
        return lex_error(lx, "syntax error: missing '}'");
    if (!strchr("-+?", op))
        return lex_error(lx, "unsupported modifier in substitution (expected :- :+ :? - + ?)");

    char *word = NULL;
    size_t size;
    FILE *w = open_memstream(&word, &size);
    if (!w)
        return err_set(ENOMEM, "expand '%s'", lx->word);
    int ret = lex_until(lx, '}', w);
    if (fclose(w) != 0 && ret == 0)
        ret = err_set(ENOMEM, "expand '%s'", lx->word);
    bool unset = !value || (colon && !*value); /* with ':', empty counts as unset */
    if (ret == 0 && op == '-')
        fputs(unset ? word : value, out);
    else if (ret == 0 && op == '+')
        fputs(unset ? "" : word, out);
    else if (ret == 0 && unset)
        ret = err_setx(EINVAL, "%.*s: %s", (int)n, name,
                       word[0] ? word
                       : value ? "is not allowed to be empty"
                               : "is not allowed to be unset");
    else if (ret == 0)
        fputs(value, out);
    free(word);
    return ret;
    /* END LAB */
}

/* Copy the word to out, expanding it, up to stop ('}' in ${X:-word}) or its end (stop 0). */
static int lex_until(struct lexer *lx, char stop, FILE *out)
{
    int ret = 0;
    if (stop && ++lx->depth > MAX_NESTING)
        return err_setx(EINVAL, "'%.40s...': too many nested ${...} (at most %d levels)", lx->word,
                        MAX_NESTING);
    while (ret == 0 && *lx->p) {
        char c = *lx->p;
        if (stop && c == stop) {
            lx->p++;
            lx->depth--;
            return 0;
        }
        if (c == '\'') {
            ret = lex_single_quote(lx, out);
        } else if (c == '"') {
            ret = lex_double_quote(lx, out);
        } else if (c == '$') {
            ret = lex_dollar(lx, out);
        } else {
            lx->p++;
            if (c == lx->escape && !*lx->p)
                break; /* a lone escape at the end is dropped */
            fputc(c == lx->escape ? *lx->p++ : c, out);
        }
    }
    if (ret == 0 && stop)
        ret = lex_error(lx, "syntax error: missing '}'");
    return ret;
}

static int expand_word(const char *word, const strv_t *env, char escape, char **out, strv_t *unset)
{
    struct lexer lx = {
        .p = word, .word = word, .escape = escape ? escape : '\\', .env = env, .unset = unset};
    char *buf = NULL;
    size_t size;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return err_set(ENOMEM, "expand '%s'", word);
    int ret = lex_until(&lx, '\0', f);
    if (fclose(f) != 0 && ret == 0)
        ret = err_set(ENOMEM, "expand '%s'", word);
    if (ret < 0 || !out) {
        free(buf);
        return ret;
    }
    *out = buf;
    return 0;
}

int df_expand(const char *word, const strv_t *env, char escape, char **out)
{
    return expand_word(word, env, escape, out, NULL);
}

int df_unset_refs(const char *word, const strv_t *env, char escape, strv_t *unset)
{
    return expand_word(word, env, escape, NULL, unset);
}

/* ---- 2. ENV, LABEL and ARG as NAME=VALUE pairs ----------------------------------------------- */

/* Expand one "NAME=VALUE" (value NULL: a bare ARG NAME) and push it. */
static int push_pair(const char *name, const char *value, const strv_t *env, char escape,
                     strv_t *pairs)
{
    char *k = NULL, *v = NULL;
    int ret = df_expand(name, env, escape, &k);
    if (ret == 0 && value)
        ret = df_expand(value, env, escape, &v);
    if (ret == 0)
        ret = strv_push_owned(pairs, value ? str_printf("%s=%s", k, v) : strdup(k));
    free(k);
    free(v);
    return ret;
}

int df_key_values(const struct df_instruction *ins, const strv_t *env, char escape, strv_t *pairs)
{
    /* LAB(4): both ENV forms: NAME VALUE (two args) and NAME=VALUE words; see dockerfile.h */
    int ret = 0;
    if (ins->args.len == 2 && !strchr(ins->args.v[0], '=') && strcmp(ins->cmd, "ARG") != 0)
        return push_pair(ins->args.v[0], ins->args.v[1], env, escape, pairs);
    for (size_t i = 0; ret == 0 && i < ins->args.len; i++) {
        char *name = strdup(ins->args.v[i]);
        if (!name)
            return err_set(ENOMEM, "%s", ins->cmd);
        char *eq = strchr(name, '=');
        if (eq)
            *eq = '\0';
        ret = push_pair(name, eq ? eq + 1 : NULL, env, escape, pairs);
        free(name);
    }
    return ret;
    /* END LAB */
}
