/* dockerfile.c — the Dockerfile parser (lab 04).
 *
 * `docker build` reads a Dockerfile in two passes, and so do we:
 *
 *   1. df_parse() turns the text into instructions.  It reads physical lines,
 *      handles the parser directives at the top (# escape=`), skips comments,
 *      joins continuation lines into one logical line, splits off the
 *      instruction name and its --flags, and reads the arguments in the form
 *      each instruction takes: exec form (a JSON array) or shell form (the
 *      rest of the line), a list of words, or KEY=VALUE pairs.  A heredoc
 *      (RUN <<EOF ... EOF) takes the lines after the instruction as its body.
 *   2. The builder runs the instructions in order.  Only then are variables
 *      known (each ENV and ARG changes them), so it expands each word with
 *      df_expand() (expand.c), which follows the rules of Docker's small
 *      shell lexer: $VAR, ${VAR:-default}, quotes, the escape character.
 *
 * We follow Docker (moby/buildkit, frontend/dockerfile/parser and shell)
 * where a student could observe a difference: a malformed JSON array in
 * RUN/CMD/ENTRYPOINT is not an error but the shell form, an unknown variable
 * is "", a continuation line may be interrupted by comment lines.  Every
 * error names the file, line and column: "Dockerfile:3:1: unknown instruction: RUNN".
 *
 * The blocks marked LAB(4) are the parts you write in the student version.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dockerfile.h"
#include "err.h"
#include "str.h"

/* ---- 1. Logical lines and where their characters come from --------------------------------------
 *
 * "RUN a \" + "    b" becomes the logical line "RUN a     b".  An error found
 * at any character of it must still name the physical line and column, so
 * each piece of the logical line remembers where it was read.
 */

struct piece {
    size_t off; /* where the piece starts in the logical line */
    int line, col;
};

struct parser {
    const char *name; /* "Dockerfile", for messages */
    const char *next; /* the rest of the text, at the start of a physical line */
    int line;         /* number of the last physical line read */
    char escape;      /* '\\' or '`' */
    bool directives;  /* still at the top: "# escape=..." is a directive */
    unsigned seen;    /* directives already given (each at most once) */
    char *text;       /* the current logical line */
    size_t len;       /* its length */
    struct piece *pieces;
    size_t npieces;
};

static int vreport(const struct parser *ps, int line, int col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int vreport(const struct parser *ps, int line, int col, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    int ret = err_setx(EINVAL, "%s:%d:%d: %s", ps->name, line, col, msg ? msg : fmt);
    free(msg);
    return ret;
}

/* An error at a given line and column. */
static int error_at(const struct parser *ps, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int error_at(const struct parser *ps, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int ret = vreport(ps, line, col, fmt, ap);
    va_end(ap);
    return ret;
}

/* Where character `at` of the logical line was read. */
static void locate(const struct parser *ps, const char *at, int *line, int *col)
{
    size_t off = (size_t)(at - ps->text), i = 0;
    while (i + 1 < ps->npieces && ps->pieces[i + 1].off <= off)
        i++;
    *line = ps->pieces[i].line;
    *col = ps->pieces[i].col + (int)(off - ps->pieces[i].off);
}

/* An error at character `at` of the current logical line. */
static int syntax_error(const struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int syntax_error(const struct parser *ps, const char *at, const char *fmt, ...)
{
    int line, col;
    locate(ps, at, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    int ret = vreport(ps, line, col, fmt, ap);
    va_end(ap);
    return ret;
}

/* Append n bytes read at line:col to the logical line. */
static int append_piece(struct parser *ps, const char *s, size_t n, int line, int col)
{
    char *text = realloc(ps->text, ps->len + n + 1);
    struct piece *pieces = realloc(ps->pieces, (ps->npieces + 1) * sizeof(*pieces));
    if (text)
        ps->text = text;
    if (pieces)
        ps->pieces = pieces;
    if (!text || !pieces)
        return err_set(ENOMEM, "%s", ps->name);
    ps->pieces[ps->npieces++] = (struct piece){ps->len, line, col};
    memcpy(ps->text + ps->len, s, n);
    ps->len += n;
    ps->text[ps->len] = '\0';
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static const char *skip_blanks(const char *s)
{
    while (*s && (is_blank(*s) || *s == '\n'))
        s++;
    return s;
}

/* The next physical line, without its "\n" or "\r\n"; false at the end of the text. */
static bool next_line(struct parser *ps, const char **start, size_t *len)
{
    if (!*ps->next)
        return false;
    const char *s = ps->next;
    size_t n = strcspn(s, "\n");
    ps->next = s + n + (s[n] == '\n');
    ps->line++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    *start = s;
    *len = n;
    return true;
}

/* "RUN a \" ends with the escape character (blanks may follow): drop it, say so. */
static bool trim_continuation(const struct parser *ps, const char *s, size_t *n)
{
    size_t i = *n;
    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    if (i == 0 || s[i - 1] != ps->escape)
        return false;
    *n = i - 1;
    return true;
}

/* ---- 2. Parser directives: "# escape=`" and "# syntax=..." at the very top ----------------------
 *
 * They are comments of the form "# key=value" before anything else.  The
 * first line that is not one (an empty line, a comment, an instruction, an
 * unknown key) ends them: later, "# escape=`" is just a comment.
 */

enum { SEEN_ESCAPE = 1, SEEN_SYNTAX = 2, SEEN_CHECK = 4 };

/* 1 if s (left-trimmed, n bytes, at column col) was a directive, 0 if not, or an error. */
static int parse_directive(struct parser *ps, struct dockerfile *df, const char *s, size_t n,
                           int col)
{
    size_t i = 1, key, keylen, val;
    if (n == 0 || s[0] != '#')
        return 0;
    while (i < n && is_blank(s[i]))
        i++;
    key = i;
    while (i < n && (isalpha((unsigned char)s[i]) || (i > key && isdigit((unsigned char)s[i]))))
        i++;
    keylen = i - key;
    while (i < n && is_blank(s[i]))
        i++;
    if (keylen == 0 || i == n || s[i] != '=')
        return 0;
    for (i++; i < n && is_blank(s[i]);)
        i++;
    val = i;
    while (n > val && is_blank(s[n - 1]))
        n--;
    if (n == val)
        return 0;

    static const char *const known[] = {"escape", "syntax", "check"};
    for (unsigned k = 0; k < 3; k++) {
        if (strlen(known[k]) != keylen || strncasecmp(s + key, known[k], keylen) != 0)
            continue;
        if (ps->seen & (1u << k))
            return error_at(ps, ps->line, col, "only one %s parser directive can be used",
                            known[k]);
        ps->seen |= 1u << k;
        if (k == 0 && (n - val != 1 || (s[val] != '\\' && s[val] != '`')))
            return error_at(ps, ps->line, col + (int)val,
                            "invalid escape token '%.*s' does not match ` or \\", (int)(n - val),
                            s + val);
        if (k == 0)
            ps->escape = df->escape = s[val];
        if (k == 1 && !(df->syntax = strndup(s + val, n - val)))
            return err_set(ENOMEM, "%s", ps->name);
        return 1;
    }
    return 0; /* an unknown directive is a comment, and ends the directives */
}

/* ---- 3. Reading one logical line ------------------------------------------------------------- */

/* Read the next instruction's logical line into ps->text: 1, or 0 at the end of the text. */
static int read_logical_line(struct parser *ps, struct dockerfile *df)
{
    const char *s;
    size_t n, lead;
    int ret;
    ps->len = ps->npieces = 0;
    for (;;) { /* directives, comments and empty lines up to an instruction */
        if (!next_line(ps, &s, &n))
            return 0;
        for (lead = 0; lead < n && is_blank(s[lead]);)
            lead++;
        if (ps->directives) {
            ret = parse_directive(ps, df, s + lead, n - lead, (int)lead + 1);
            if (ret < 0)
                return ret;
            if (ret > 0)
                continue;
            ps->directives = false;
        }
        if (lead < n && s[lead] != '#')
            break;
    }
    /* LAB(4): join the lines that end with the escape character (skip comment and empty lines) */
    size_t len = n - lead;
    bool more = trim_continuation(ps, s + lead, &len);
    ret = append_piece(ps, s + lead, len, ps->line, (int)lead + 1);
    while (ret == 0 && more && next_line(ps, &s, &n)) {
        for (lead = 0; lead < n && is_blank(s[lead]);)
            lead++;
        if (lead == n || s[lead] == '#')
            continue; /* Docker skips them inside a continuation */
        more = trim_continuation(ps, s, &n);
        ret = append_piece(ps, s, n, ps->line, 1);
    }
    while (ret == 0 && ps->len > 0 && is_blank(ps->text[ps->len - 1]))
        ps->text[--ps->len] = '\0';
    return ret < 0 ? ret : 1;
    /* END LAB */
}

/* ---- 4. Words, flags and JSON arrays --------------------------------------------------------- */

/* Length of the word at s, quotes and escapes kept as written (Docker's
 * parseWords): K2="v 2" is one word.  *open: a quote left open, or NULL. */
static size_t word_length(const char *s, char escape, const char **open)
{
    char quote = 0;
    size_t i;
    for (i = 0; s[i] && (quote || !isspace((unsigned char)s[i])); i++) {
        if (s[i] == escape && quote != '\'' && s[i + 1]) {
            i++;
        } else if (quote && s[i] == quote) {
            quote = 0;
        } else if (!quote && (s[i] == '\'' || s[i] == '"')) {
            quote = s[i];
            *open = s + i;
        }
    }
    if (!quote)
        *open = NULL;
    return i;
}

enum split { PLAIN, QUOTED, PAIRS };

/* Push the words of s into args: PLAIN splits at blanks only (COPY a b);
 * QUOTED respects quotes, which must be closed (ARG); PAIRS also wants an
 * '=' in each word (ENV K=V). */
static int split_words(const struct parser *ps, const char *s, enum split how, strv_t *args)
{
    const char *open = NULL;
    size_t n;
    for (const char *p = skip_blanks(s); *p; p = skip_blanks(p + n)) {
        n = how == PLAIN ? strcspn(p, " \t\v\f\r") : word_length(p, ps->escape, &open);
        if (open)
            return syntax_error(ps, open, "unterminated quote: expected a closing %c", *open);
        if (how == PAIRS && !memchr(p, '=', n))
            return syntax_error(ps, p, "expected NAME=VALUE, found '%.*s'", (int)n, p);
        if (strv_push_owned(args, strndup(p, n)) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* What each instruction accepts: its form, its flags, how many arguments. */
enum form {
    EXEC_OR_SHELL, /* RUN CMD ENTRYPOINT: a JSON array, else the rest of the line */
    JSON_ONLY,     /* SHELL: a JSON array */
    LIST,          /* COPY ADD VOLUME: a JSON array, else words */
    WORDS,         /* FROM EXPOSE: words */
    STRING,        /* USER WORKDIR MAINTAINER STOPSIGNAL: the rest of the line */
    KEY_VALUES,    /* ENV LABEL: NAME VALUE, or NAME=VALUE... */
    NAMES,         /* ARG: NAME or NAME=DEFAULT... */
    HEALTH,        /* HEALTHCHECK CMD command | NONE */
    TRIGGER,       /* ONBUILD INSTRUCTION */
};

struct kind {
    const char *name;
    enum form form;
    size_t min_args;   /* after parsing: CMD [] is fine, COPY needs a source and a destination */
    const char *flags; /* "--from=" needs a value, "--link" may have one */
};

static const struct kind kinds[] = {
    {"FROM", WORDS, 1, "--platform="},
    {"RUN", EXEC_OR_SHELL, 1, "--mount= --network= --security="},
    {"CMD", EXEC_OR_SHELL, 0, ""},
    {"LABEL", KEY_VALUES, 1, ""},
    {"MAINTAINER", STRING, 1, ""},
    {"EXPOSE", WORDS, 1, ""},
    {"ENV", KEY_VALUES, 1, ""},
    {"ADD", LIST, 2, "--chown= --chmod= --link --checksum= --keep-git-dir --exclude="},
    {"COPY", LIST, 2, "--from= --chown= --chmod= --link --parents --exclude="},
    {"ENTRYPOINT", EXEC_OR_SHELL, 0, ""},
    {"VOLUME", LIST, 1, ""},
    {"USER", STRING, 1, ""},
    {"WORKDIR", STRING, 1, ""},
    {"ARG", NAMES, 1, ""},
    {"ONBUILD", TRIGGER, 1, ""},
    {"STOPSIGNAL", STRING, 1, ""},
    {"HEALTHCHECK", HEALTH, 1,
     "--interval= --timeout= --start-period= --start-interval= --retries="},
    {"SHELL", JSON_ONLY, 1, ""},
};

static const struct kind *find_kind(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strlen(kinds[i].name) == n && strncasecmp(name, kinds[i].name, n) == 0)
            return &kinds[i];
    return NULL;
}

/* Is flag ("--from=build", found at `at`) one that k accepts? */
static int check_flag(const struct parser *ps, const struct kind *k, const char *at,
                      const char *flag)
{
    int n = (int)strcspn(flag, "=");
    for (const char *f = k->flags; *f; f += strspn(f, " ")) {
        int len = (int)strcspn(f, " =");
        if (len == n && strncmp(f, flag, (size_t)n) == 0) {
            if (f[len] == '=' && (flag[n] != '=' || !flag[n + 1]))
                return syntax_error(ps, at, "flag %.*s needs a value: %.*s=VALUE", n, flag, n,
                                    flag);
            return 0;
        }
        f += strcspn(f, " ");
    }
    if (!k->flags[0])
        return syntax_error(ps, at, "%s takes no flags, found %.*s", k->name, n, flag);
    return syntax_error(ps, at, "unknown flag %.*s for %s (expected %s)", n, flag, k->name,
                        k->flags);
}

/* Move the leading "--name=value" words of *rest into flags.  Inside them,
 * quotes and backslashes are removed, as Docker does; "--" ends the flags. */
static int extract_flags(const struct parser *ps, const struct kind *k, const char **rest,
                         strv_t *flags)
{
    const char *p = *rest;
    while (p[0] == '-' && p[1] == '-') {
        const char *start = p;
        char *flag = malloc(strlen(p) + 1), quote = 0;
        size_t n = 0;
        if (!flag)
            return err_set(ENOMEM, "%s", ps->name);
        for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
            if (quote && *p == quote)
                quote = 0;
            else if (!quote && (*p == '\'' || *p == '"'))
                quote = *p;
            else
                flag[n++] = *p == '\\' && p[1] ? *++p : *p;
        }
        flag[n] = '\0';
        p = skip_blanks(p);
        if (strcmp(flag, "--") == 0) {
            free(flag);
            break;
        }
        int ret = check_flag(ps, k, start, flag);
        if (ret == 0)
            ret = strv_push_owned(flags, flag);
        else
            free(flag);
        if (ret < 0)
            return ret;
    }
    *rest = p;
    return 0;
}

/* Exec form: is rest a JSON array of strings?  1: yes, its elements are in
 * args; 0: not JSON at all, so the shell form; < 0: a JSON array with
 * something else than strings, which Docker refuses. */
static int parse_json_array(const struct parser *ps, const char *rest, strv_t *args)
{
    /* LAB(4): parse rest with json_loads(); malformed JSON is the shell form, as in Docker */
    if (rest[0] != '[')
        return 0;
    json_t *array = json_loads(rest, 0, NULL);
    if (!array)
        return 0; /* ["a" without its "]" is a shell command for Docker */
    int ret = 1;
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
    {
        if (!json_is_string(v)) {
            ret = syntax_error(ps, rest,
                               "when using JSON array syntax, arrays must be comprised "
                               "of strings only");
            break;
        }
        if (strv_push(args, json_string_value(v)) < 0) {
            ret = -ENOMEM;
            break;
        }
    }
    json_decref(array);
    return ret;
    /* END LAB */
}

/* ---- 5. One instruction ---------------------------------------------------------------------- */

static int parse_instruction(struct parser *ps, const char *line, struct df_instruction *ins);

/* FROM IMAGE [AS NAME] */
static int check_from_args(const struct parser *ps, const char *rest, const strv_t *args)
{
    if (args->len == 1)
        return 0;
    if (args->len != 3)
        return syntax_error(ps, rest,
                            "FROM requires either one or three arguments: "
                            "FROM IMAGE [AS NAME]");
    if (strcasecmp(args->v[1], "AS") != 0)
        return syntax_error(ps, rest, "expected FROM IMAGE AS NAME, found '%s' instead of AS",
                            args->v[1]);
    const char *name = args->v[2];
    if (!isalpha((unsigned char)name[0]) ||
        name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")])
        return syntax_error(ps, rest,
                            "invalid name for build stage: '%s', name can't start with a "
                            "number or contain symbols",
                            name);
    return 0;
}

/* ENV and LABEL: "NAME VALUE" gives args NAME and the rest of the line as
 * written; "NAME=VALUE NAME2="v 2"" gives the words, quotes kept. */
static int parse_key_values(const struct parser *ps, const struct kind *k, const char *rest,
                            strv_t *args)
{
    size_t n = strcspn(rest, " \t\v\f\r");
    if (memchr(rest, '=', n))
        return split_words(ps, rest, PAIRS, args);
    const char *value = skip_blanks(rest + n);
    if (!*value)
        return syntax_error(ps, rest + n, "%s %.*s needs a value: %s NAME VALUE or %s NAME=VALUE",
                            k->name, (int)n, rest, k->name, k->name);
    strv_t check = {0}; /* only to see that the quotes are closed */
    int ret = split_words(ps, value, QUOTED, &check);
    strv_free(&check);
    if (ret == 0)
        ret = strv_push_owned(args, strndup(rest, n));
    return ret < 0 ? ret : strv_push(args, value);
}

/* HEALTHCHECK CMD command (args "CMD" then the command) | HEALTHCHECK NONE */
static int parse_healthcheck(const struct parser *ps, const char *rest, struct df_instruction *ins)
{
    size_t n = strcspn(rest, " \t\v\f\r");
    const char *cmd = skip_blanks(rest + n);
    if (n == 4 && strncasecmp(rest, "NONE", 4) == 0) {
        if (*cmd)
            return syntax_error(ps, cmd, "HEALTHCHECK NONE takes no arguments");
        return strv_push(&ins->args, "NONE");
    }
    if (n != 3 || strncasecmp(rest, "CMD", 3) != 0)
        return syntax_error(ps, rest, "unknown HEALTHCHECK type '%.*s': expected CMD or NONE",
                            (int)n, rest);
    if (!*cmd)
        return syntax_error(ps, rest + n, "HEALTHCHECK CMD needs a command");
    int ret = strv_push(&ins->args, "CMD");
    if (ret == 0)
        ret = parse_json_array(ps, cmd, &ins->args);
    ins->json = ret > 0;
    return ret != 0 ? (ret < 0 ? ret : 0) : strv_push(&ins->args, cmd);
}

/* ONBUILD INSTRUCTION: args is the trigger as written; ins->trigger, parsed. */
static int parse_trigger(struct parser *ps, const char *rest, struct df_instruction *ins)
{
    size_t n = strcspn(rest, " \t\v\f\r");
    const struct kind *k = find_kind(rest, n);
    if (k && strcmp(k->name, "ONBUILD") == 0)
        return syntax_error(ps, rest, "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (k && (strcmp(k->name, "FROM") == 0 || strcmp(k->name, "MAINTAINER") == 0))
        return syntax_error(ps, rest, "%s isn't allowed as an ONBUILD trigger", k->name);
    ins->trigger = calloc(1, sizeof(*ins->trigger));
    if (!ins->trigger)
        return err_set(ENOMEM, "%s", ps->name);
    int ret = parse_instruction(ps, rest, ins->trigger);
    return ret < 0 ? ret : strv_push(&ins->args, rest);
}

/* The arguments after the instruction name and its flags, in k's form. */
static int parse_args(struct parser *ps, const struct kind *k, const char *rest,
                      struct df_instruction *ins)
{
    int ret;
    switch (k->form) {
    case EXEC_OR_SHELL:
    case JSON_ONLY:
    case LIST:
        ret = parse_json_array(ps, rest, &ins->args);
        ins->json = ret > 0;
        if (ret != 0)
            return ret < 0 ? ret : 0;
        if (k->form == JSON_ONLY)
            return syntax_error(ps, rest,
                                "%s requires the arguments to be in JSON form: "
                                "%s [\"executable\", \"parameters\"]",
                                k->name, k->name);
        if (k->form == LIST)
            return split_words(ps, rest, PLAIN, &ins->args);
        return strv_push(&ins->args, rest);
    case WORDS:
        ret = split_words(ps, rest, PLAIN, &ins->args);
        if (ret == 0 && strcmp(k->name, "FROM") == 0)
            ret = check_from_args(ps, rest, &ins->args);
        return ret;
    case STRING:
        return strv_push(&ins->args, rest);
    case KEY_VALUES:
        return parse_key_values(ps, k, rest, &ins->args);
    case NAMES:
        return split_words(ps, rest, QUOTED, &ins->args);
    case HEALTH:
        return parse_healthcheck(ps, rest, ins);
    case TRIGGER:
        return parse_trigger(ps, rest, ins);
    default:
        return err_setx(EINVAL, "%s: internal error: unknown form", ps->name);
    }
}

/* One instruction from line (part of the current logical line). */
static int parse_instruction(struct parser *ps, const char *line, struct df_instruction *ins)
{
    const char *start = skip_blanks(line);
    size_t n = strcspn(start, " \t\v\f\r");
    const struct kind *k = find_kind(start, n);
    if (!k)
        return syntax_error(ps, start, "unknown instruction: %.*s", (int)n, start);
    locate(ps, start, &ins->line, &ins->column);
    ins->cmd = strdup(k->name);
    ins->original = strdup(start);
    if (!ins->cmd || !ins->original)
        return err_set(ENOMEM, "%s", ps->name);

    const char *rest = skip_blanks(start + n);
    int ret = extract_flags(ps, k, &rest, &ins->flags);
    if (ret < 0)
        return ret;
    if (!*rest)
        return syntax_error(ps, start, "%s requires at least one argument", k->name);
    ret = parse_args(ps, k, rest, ins);
    if (ret == 0 && ins->args.len < k->min_args)
        return syntax_error(ps, rest, "%s requires at least %s", k->name,
                            k->min_args == 2 ? "two arguments: SOURCE... DESTINATION"
                                             : "one argument");
    return ret;
}

/* ---- 6. Heredocs: RUN <<EOF ... EOF -------------------------------------------------------------
 *
 * In RUN, COPY and ADD, a word "<<EOF" means: the lines that follow, up to a
 * line "EOF", are a file.  "<<-EOF" strips leading tabs; a quoted name
 * (<<"EOF") turns off variable expansion in the body.
 */

/* Is the word (n bytes at p) a heredoc opener, "<<EOF", "<<-EOF", "<<'EOF'",
 * "3<<EOF"?  Then fill hd: its name without quotes (malloc'ed), chomp, expand. */
static int heredoc_opener(const char *p, size_t n, struct df_heredoc *hd, bool *chomp, bool *is)
{
    size_t digits = strspn(p, "0123456789"); /* 3<<EOF: a file descriptor */
    *is = false;
    if (n < digits + 3 || strncmp(p + digits, "<<", 2) != 0)
        return 0;
    const char *w = p + digits + 2, *end = p + n;
    *chomp = *w == '-';
    w += *chomp;
    if (w == end || memchr(w, '<', (size_t)(end - w)))
        return 0;
    if (!(hd->name = malloc((size_t)(end - w) + 1)))
        return -ENOMEM;
    size_t len = 0;
    for (const char *c = w; c < end; c++) /* <<"EOF" and <<'EOF' name EOF */
        if (*c != '"' && *c != '\'' && *c != '\\')
            hd->name[len++] = *c;
    hd->name[len] = '\0';
    hd->expand = len == (size_t)(end - w);
    *is = true;
    return 0;
}

/* Every heredoc opener of a shell-form RUN/COPY/ADD, in order, into
 * ins->heredocs (names only; the bodies come next, in the same order). */
static int find_heredocs(const struct parser *ps, struct df_instruction *ins, bool **chomps)
{
    const char *open;
    size_t n;
    if (ins->json ||
        (strcmp(ins->cmd, "RUN") && strcmp(ins->cmd, "COPY") && strcmp(ins->cmd, "ADD")))
        return 0;
    for (size_t i = 0; i < ins->args.len; i++) {
        for (const char *p = skip_blanks(ins->args.v[i]); *p; p = skip_blanks(p + n)) {
            n = word_length(p, ps->escape, &open);
            struct df_heredoc hd = {0};
            bool chomp, is;
            if (heredoc_opener(p, n, &hd, &chomp, &is) < 0)
                return err_set(ENOMEM, "%s", ps->name);
            if (!is)
                continue;
            struct df_heredoc *v = realloc(ins->heredocs, (ins->nheredocs + 1) * sizeof(*v));
            bool *c = realloc(*chomps, (ins->nheredocs + 1) * sizeof(*c));
            if (c)
                *chomps = c;
            if (!v || !c) {
                free(hd.name);
                free(v ? v : ins->heredocs);
                ins->heredocs = NULL;
                ins->nheredocs = 0;
                return err_set(ENOMEM, "%s", ps->name);
            }
            ins->heredocs = v;
            (*chomps)[ins->nheredocs] = chomp;
            v[ins->nheredocs++] = hd;
        }
    }
    return 0;
}

/* Read a heredoc's body: the lines up to the one that is its name. */
static int read_heredoc(struct parser *ps, const struct df_instruction *ins, struct df_heredoc *hd,
                        bool chomp)
{
    const char *s;
    size_t n, size;
    bool closed = false;
    FILE *body = open_memstream(&hd->body, &size);
    if (!body)
        return err_set(ENOMEM, "%s", ps->name);
    while (!closed && next_line(ps, &s, &n)) {
        while (chomp && n > 0 && *s == '\t')
            s++, n--;
        closed = n == strlen(hd->name) && memcmp(s, hd->name, n) == 0;
        if (!closed) {
            fwrite(s, 1, n, body);
            fputc('\n', body);
        }
    }
    if (fclose(body) != 0)
        return err_set(ENOMEM, "%s", ps->name);
    if (!closed)
        return error_at(ps, ins->line, ins->column,
                        "unterminated heredoc: expected a line '%s' before the end of the file",
                        hd->name);
    return 0;
}

const struct df_heredoc *df_heredoc_of(const struct df_instruction *ins, const char *word)
{
    struct df_heredoc hd = {0};
    bool chomp, is;
    const struct df_heredoc *found = NULL;
    if (ins->json || heredoc_opener(word, strlen(word), &hd, &chomp, &is) < 0 || !is)
        return NULL;
    for (size_t i = 0; !found && i < ins->nheredocs; i++)
        if (strcmp(ins->heredocs[i].name, hd.name) == 0)
            found = &ins->heredocs[i];
    free(hd.name);
    return found;
}

/* ---- 7. The whole file ----------------------------------------------------------------------- */

static void free_instruction(struct df_instruction *ins)
{
    free(ins->cmd);
    strv_free(&ins->flags);
    strv_free(&ins->args);
    for (size_t i = 0; i < ins->nheredocs; i++) {
        free(ins->heredocs[i].name);
        free(ins->heredocs[i].body);
    }
    free(ins->heredocs);
    free(ins->original);
    if (ins->trigger) {
        free_instruction(ins->trigger);
        free(ins->trigger);
    }
}

void df_free(struct dockerfile *df)
{
    for (size_t i = 0; i < df->n; i++)
        free_instruction(&df->v[i]);
    free(df->v);
    free(df->syntax);
    df->v = NULL;
    df->syntax = NULL;
    df->n = 0;
}

/* A build starts from a base image: the first instruction other than ARG must be FROM. */
static int check_starts_with_from(const struct parser *ps, const struct dockerfile *df)
{
    /* LAB(4): find the first instruction that is not ARG; it must be FROM */
    for (size_t i = 0; i < df->n; i++) {
        if (strcmp(df->v[i].cmd, "FROM") == 0)
            return 0;
        if (strcmp(df->v[i].cmd, "ARG") != 0)
            return error_at(ps, df->v[i].line, df->v[i].column,
                            "expected FROM, found %s: a Dockerfile starts with FROM (only ARG "
                            "may come before it)",
                            df->v[i].cmd);
    }
    return error_at(ps, ps->line > 0 ? ps->line : 1, 1,
                    "no FROM instruction: a Dockerfile starts with FROM (only ARG may come "
                    "before it)");
    /* END LAB */
}

/* Parse the current logical line into a new instruction of df (and its heredoc). */
static int add_instruction(struct parser *ps, struct dockerfile *df)
{
    struct df_instruction ins = {0};
    bool *chomps = NULL;
    int ret = parse_instruction(ps, ps->text, &ins);
    if (ret == 0)
        ret = find_heredocs(ps, &ins, &chomps);
    for (size_t i = 0; ret == 0 && i < ins.nheredocs; i++)
        ret = read_heredoc(ps, &ins, &ins.heredocs[i], chomps[i]);
    free(chomps);
    if (ret == 0) {
        struct df_instruction *v = realloc(df->v, (df->n + 1) * sizeof(*v));
        if (!v)
            ret = err_set(ENOMEM, "%s", ps->name);
        else
            (df->v = v)[df->n++] = ins;
    }
    if (ret < 0)
        free_instruction(&ins);
    return ret;
}

int df_parse(const char *name, const char *text, struct dockerfile *out)
{
    struct parser ps = {.name = name, .next = text, .escape = '\\', .directives = true};
    *out = (struct dockerfile){.escape = '\\'};
    if (strncmp(ps.next, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte order mark */
        ps.next += 3;
    int ret;
    while ((ret = read_logical_line(&ps, out)) > 0)
        if ((ret = add_instruction(&ps, out)) < 0)
            break;
    if (ret == 0)
        ret = check_starts_with_from(&ps, out);
    free(ps.text);
    free(ps.pieces);
    if (ret < 0)
        df_free(out);
    return ret < 0 ? ret : 0;
}

/* ---- 8. As JSON, for `img parse` ------------------------------------------------------------- */

/* A JSON string; bytes that are not UTF-8 become '?' (JSON text is UTF-8). */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s);
    if (j || !s)
        return j ? j : json_null();
    char *copy = strdup(s);
    for (char *c = copy; c && *c; c++)
        if ((unsigned char)*c >= 0x80)
            *c = '?';
    j = copy ? json_string(copy) : NULL;
    free(copy);
    return j;
}

static json_t *jstrv(const strv_t *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < sv->len; i++)
        json_array_append_new(a, jstr(sv->v[i]));
    return a;
}

static json_t *instruction_json(const struct df_instruction *ins)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "cmd", jstr(ins->cmd));
    json_object_set_new(o, "line", json_integer(ins->line));
    json_object_set_new(o, "column", json_integer(ins->column));
    json_object_set_new(o, "flags", jstrv(&ins->flags));
    json_object_set_new(o, "args", jstrv(&ins->args));
    json_object_set_new(o, "json", json_boolean(ins->json));
    if (ins->nheredocs) {
        json_t *list = json_array();
        for (size_t i = 0; i < ins->nheredocs; i++)
            json_array_append_new(list, json_pack("{s:s, s:s, s:b}", "name", ins->heredocs[i].name,
                                                  "body", ins->heredocs[i].body, "expand",
                                                  ins->heredocs[i].expand));
        json_object_set_new(o, "heredocs", list);
    }
    if (ins->trigger)
        json_object_set_new(o, "trigger", instruction_json(ins->trigger));
    json_object_set_new(o, "original", jstr(ins->original));
    return o;
}

char *df_to_json(const struct dockerfile *df)
{
    json_t *root = json_object(), *list = json_array();
    char escape[2] = {df->escape, '\0'};
    char *s = NULL;
    if (root && list) {
        json_object_set_new(root, "escape", jstr(escape));
        json_object_set_new(root, "syntax", jstr(df->syntax));
        for (size_t i = 0; i < df->n; i++)
            json_array_append_new(list, instruction_json(&df->v[i]));
        json_object_set(root, "instructions", list);
        s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    }
    json_decref(list);
    json_decref(root);
    return s;
}
