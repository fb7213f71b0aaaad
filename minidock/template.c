/* template.c — Docker's --format: a subset of Go's text/template over JSON.
 *
 * Three steps, as in Go:
 *   1. split the text into literal text and actions ({{ ... }}), honouring the
 *      trim markers "{{- " and " -}}";
 *   2. parse each action into a pipeline (commands separated by '|', each a
 *      function call or an operand) and the control structures (if, range,
 *      with, else, end) into a tree;
 *   3. walk the tree with "dot" set to the data, printing as Go prints.
 * Values are jansson json_t; NULL stands for Go's "no value" (a missing key).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "template.h"

/* ---------------------------------------------------------------------------
 * The tree.
 * ------------------------------------------------------------------------- */

enum arg_kind { ARG_DOT, ARG_FIELD, ARG_VAR, ARG_LITERAL, ARG_PIPE, ARG_FUNC };

struct pipe;

struct arg {
    enum arg_kind kind;
    char *name;    /* ARG_VAR: "$x" ("$" for the root); ARG_FUNC: the function */
    char **fields; /* .A.B after the operand */
    size_t nfields;
    json_t *literal;  /* ARG_LITERAL */
    struct pipe *sub; /* ARG_PIPE: (pipeline) */
};

struct cmd {
    struct arg **args;
    size_t nargs;
};

struct pipe {
    char *decl[2]; /* $k, $v := ... (range) or $x := ... */
    size_t ndecl;
    struct cmd **cmds;
    size_t ncmds;
    int col;
};

enum node_kind { NODE_TEXT, NODE_ACTION, NODE_IF, NODE_RANGE, NODE_WITH };

struct node;
struct list {
    struct node **v;
    size_t n;
};

struct node {
    enum node_kind kind;
    char *text;
    struct pipe *pipe;
    struct list body, alt; /* alt: the {{else}} branch */
};

struct tmpl {
    struct list root;
};

/* ---------------------------------------------------------------------------
 * Freeing.
 * ------------------------------------------------------------------------- */

static void pipe_free(struct pipe *p);

static void arg_free(struct arg *a)
{
    if (!a)
        return;
    free(a->name);
    for (size_t i = 0; i < a->nfields; i++)
        free(a->fields[i]);
    free(a->fields);
    if (a->literal)
        json_decref(a->literal);
    pipe_free(a->sub);
    free(a);
}

static void pipe_free(struct pipe *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndecl; i++)
        free(p->decl[i]);
    for (size_t i = 0; i < p->ncmds; i++) {
        for (size_t j = 0; j < p->cmds[i]->nargs; j++)
            arg_free(p->cmds[i]->args[j]);
        free(p->cmds[i]->args);
        free(p->cmds[i]);
    }
    free(p->cmds);
    free(p);
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct node *n = l->v[i];
        free(n->text);
        pipe_free(n->pipe);
        list_free(&n->body);
        list_free(&n->alt);
        free(n);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void tmpl_free(struct tmpl *t)
{
    if (!t)
        return;
    list_free(&t->root);
    free(t);
}

static int push(void ***v, size_t *n, void *item)
{
    void **bigger = realloc(*v, (*n + 1) * sizeof(**v));
    if (!bigger)
        return err_set(ENOMEM, "template");
    bigger[(*n)++] = item;
    *v = bigger;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Step 2: parsing one action into a pipeline.
 * ------------------------------------------------------------------------- */

struct lexer {
    const char *s;   /* the whole template, for column numbers */
    const char *p;   /* position in the action */
    const char *end; /* end of the action */
};

static int col_of(const struct lexer *lx, const char *at)
{
    return (int)(at - lx->s) + 1;
}

static int parse_error(const struct lexer *lx, const char *at, const char *what)
{
    return err_setx(EINVAL, "template: :1:%d: %s", col_of(lx, at), what);
}

static void skip_space(struct lexer *lx)
{
    while (lx->p < lx->end && isspace((unsigned char)*lx->p))
        lx->p++;
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* ".A.B" (or "." alone) following an operand. */
static int parse_fields(struct lexer *lx, struct arg *a)
{
    while (lx->p < lx->end && *lx->p == '.' && lx->p + 1 < lx->end && is_ident_char(lx->p[1])) {
        const char *start = ++lx->p;
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        char *f = strndup(start, (size_t)(lx->p - start));
        if (!f || push((void ***)&a->fields, &a->nfields, f) < 0) {
            free(f);
            return err_set(ENOMEM, "template");
        }
    }
    return 0;
}

static int parse_pipe(struct lexer *lx, bool in_parens, bool allow_decl, struct pipe **out);

static int parse_string(struct lexer *lx, struct arg *a)
{
    char quote = *lx->p++;
    char *buf = malloc((size_t)(lx->end - lx->p) + 1);
    size_t n = 0;
    if (!buf)
        return err_set(ENOMEM, "template");
    while (lx->p < lx->end && *lx->p != quote) {
        char c = *lx->p++;
        if (c == '\\' && quote == '"' && lx->p < lx->end) {
            c = *lx->p++;
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        buf[n++] = c;
    }
    if (lx->p >= lx->end) {
        free(buf);
        return parse_error(lx, lx->p, "unterminated quoted string");
    }
    lx->p++;
    a->kind = ARG_LITERAL;
    a->literal = json_stringn(buf, n);
    free(buf);
    return a->literal ? 0 : err_set(ENOMEM, "template");
}

static const char *const functions[] = {
    "json",  "index", "len", "println", "print", "join", "lower", "upper",
    "split", "title", "eq",  "ne",      "not",   "and",  "or",
};

static bool known_function(const char *name)
{
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        if (strcmp(functions[i], name) == 0)
            return true;
    return false;
}

static int parse_word(struct lexer *lx, struct arg *a)
{
    const char *start = lx->p;
    if (*lx->p == '-')
        lx->p++;
    while (lx->p < lx->end && is_ident_char(*lx->p))
        lx->p++;
    char *w = strndup(start, (size_t)(lx->p - start));
    if (!w)
        return err_set(ENOMEM, "template");
    if (strcmp(w, "true") == 0 || strcmp(w, "false") == 0) {
        a->kind = ARG_LITERAL;
        a->literal = json_boolean(w[0] == 't');
    } else if (strcmp(w, "nil") == 0) {
        a->kind = ARG_LITERAL;
        a->literal = json_null();
    } else if (isdigit((unsigned char)w[0]) || w[0] == '-') {
        char *end;
        long long v = strtoll(w, &end, 10);
        if (*end) {
            free(w);
            return parse_error(lx, start, "bad number syntax");
        }
        a->kind = ARG_LITERAL;
        a->literal = json_integer(v);
    } else if (known_function(w)) {
        a->kind = ARG_FUNC;
        a->name = w;
        return 0;
    } else {
        char msg[128];
        snprintf(msg, sizeof(msg), "function \"%s\" not defined", w);
        free(w);
        return parse_error(lx, start, msg);
    }
    free(w);
    return 0;
}

/* One operand: ., .A.B, $x.A, "str", 12, true, (pipeline).A, or a function. */
static int parse_arg(struct lexer *lx, struct arg **out)
{
    struct arg *a = calloc(1, sizeof(*a));
    int r = 0;
    if (!a)
        return err_set(ENOMEM, "template");
    char c = *lx->p;
    if (c == '.') {
        a->kind = lx->p + 1 < lx->end && is_ident_char(lx->p[1]) ? ARG_FIELD : ARG_DOT;
        if (a->kind == ARG_DOT)
            lx->p++;
        r = parse_fields(lx, a);
    } else if (c == '$') {
        const char *start = lx->p++;
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        a->kind = ARG_VAR;
        a->name = strndup(start, (size_t)(lx->p - start));
        r = a->name ? parse_fields(lx, a) : err_set(ENOMEM, "template");
    } else if (c == '"' || c == '`') {
        r = parse_string(lx, a);
    } else if (c == '(') {
        lx->p++;
        a->kind = ARG_PIPE;
        r = parse_pipe(lx, true, false, &a->sub);
        if (r == 0)
            r = parse_fields(lx, a);
    } else if (is_ident_char(c) || c == '-') {
        r = parse_word(lx, a);
    } else {
        char msg[64];
        snprintf(msg, sizeof(msg), "unexpected \"%c\" in operand", c);
        r = parse_error(lx, lx->p, msg);
    }
    if (r < 0) {
        arg_free(a);
        return r;
    }
    *out = a;
    return 0;
}

/* "$x :=" or "$k, $v :=" at the start of a pipeline. */
static int parse_decl(struct lexer *lx, struct pipe *p)
{
    const char *save = lx->p;
    for (;;) {
        skip_space(lx);
        if (lx->p >= lx->end || *lx->p != '$')
            break;
        const char *start = lx->p++;
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        if (p->ndecl == 2)
            return parse_error(lx, start, "too many declarations");
        p->decl[p->ndecl++] = strndup(start, (size_t)(lx->p - start));
        skip_space(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            continue;
        }
        if (lx->end - lx->p >= 2 && strncmp(lx->p, ":=", 2) == 0) {
            lx->p += 2;
            return 0;
        }
        break;
    }
    /* not a declaration after all: rewind */
    for (size_t i = 0; i < p->ndecl; i++)
        free(p->decl[i]);
    p->ndecl = 0;
    lx->p = save;
    return 0;
}

static int parse_cmd(struct lexer *lx, bool in_parens, struct cmd **out)
{
    struct cmd *c = calloc(1, sizeof(*c));
    int r = 0;
    if (!c)
        return err_set(ENOMEM, "template");
    for (;;) {
        skip_space(lx);
        if (lx->p >= lx->end || *lx->p == '|' || (*lx->p == ')' && in_parens))
            break;
        if (*lx->p == ')') {
            r = parse_error(lx, lx->p, "unexpected right paren");
            break;
        }
        struct arg *a = NULL;
        r = parse_arg(lx, &a);
        if (r == 0 && push((void ***)&c->args, &c->nargs, a) < 0) {
            arg_free(a);
            r = -ENOMEM;
        }
        if (r < 0)
            break;
    }
    if (r == 0 && c->nargs == 0)
        r = parse_error(lx, lx->p, "missing value for command");
    if (r < 0) {
        for (size_t i = 0; i < c->nargs; i++)
            arg_free(c->args[i]);
        free(c->args);
        free(c);
        return r;
    }
    *out = c;
    return 0;
}

static int parse_pipe(struct lexer *lx, bool in_parens, bool allow_decl, struct pipe **out)
{
    struct pipe *p = calloc(1, sizeof(*p));
    int r = 0;
    if (!p)
        return err_set(ENOMEM, "template");
    p->col = col_of(lx, lx->p);
    if (allow_decl)
        r = parse_decl(lx, p);
    while (r == 0) {
        struct cmd *c = NULL;
        r = parse_cmd(lx, in_parens, &c);
        if (r == 0 && push((void ***)&p->cmds, &p->ncmds, c) < 0)
            r = -ENOMEM;
        if (r < 0)
            break;
        skip_space(lx);
        if (lx->p < lx->end && *lx->p == '|') {
            lx->p++;
            continue;
        }
        if (in_parens) {
            if (lx->p >= lx->end)
                r = parse_error(lx, lx->p, "unclosed left paren");
            else
                lx->p++; /* the ')' */
        }
        break;
    }
    if (r < 0) {
        pipe_free(p);
        return r;
    }
    *out = p;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Step 1 and the control structures: text, actions, if/range/with/else/end.
 * ------------------------------------------------------------------------- */

struct parser {
    const char *s;
    const char *p;
};

enum stop { STOP_EOF, STOP_END, STOP_ELSE };

static int parse_list(struct parser *ps, struct list *l, enum stop *stop, int depth);

static int add_node(struct list *l, enum node_kind kind, struct node **out)
{
    struct node *n = calloc(1, sizeof(*n));
    if (!n || push((void ***)&l->v, &l->n, n) < 0) {
        free(n);
        return err_set(ENOMEM, "template");
    }
    n->kind = kind;
    *out = n;
    return 0;
}

/* Literal text up to the next "{{", trimmed on the right if the action
 * starts with "{{- ". */
static int add_text(struct parser *ps, struct list *l, const char *open, bool trim)
{
    const char *end = open ? open : ps->p + strlen(ps->p);
    if (trim)
        while (end > ps->p && isspace((unsigned char)end[-1]))
            end--;
    if (end == ps->p)
        return 0;
    struct node *n;
    int r = add_node(l, NODE_TEXT, &n);
    if (r == 0 && !(n->text = strndup(ps->p, (size_t)(end - ps->p))))
        r = err_set(ENOMEM, "template");
    return r;
}

/* A keyword at the start of the action: "if", "range", "with", "else", "end". */
static bool keyword(struct lexer *lx, const char *kw)
{
    size_t n = strlen(kw);
    if ((size_t)(lx->end - lx->p) < n || strncmp(lx->p, kw, n) != 0)
        return false;
    if (lx->p + n < lx->end && is_ident_char(lx->p[n]))
        return false;
    lx->p += n;
    return true;
}

static int parse_control(struct parser *ps, struct lexer *lx, struct list *l, enum node_kind kind,
                         int depth)
{
    struct node *n;
    enum stop stop = STOP_EOF;
    int r = add_node(l, kind, &n);
    if (r == 0)
        r = parse_pipe(lx, false, kind != NODE_IF, &n->pipe);
    if (r == 0)
        r = parse_list(ps, &n->body, &stop, depth + 1);
    if (r == 0 && stop == STOP_ELSE)
        r = parse_list(ps, &n->alt, &stop, depth + 1);
    if (r == 0 && stop != STOP_END)
        r = err_setx(EINVAL, "template: :1:%d: unexpected EOF: missing {{end}}",
                     (int)(ps->p - ps->s) + 1);
    return r;
}

static int parse_list(struct parser *ps, struct list *l, enum stop *stop, int depth)
{
    if (depth > 64)
        return err_setx(EINVAL, "template: nested too deeply");
    for (;;) {
        const char *open = strstr(ps->p, "{{");
        bool trim_left = open && open[2] == '-' && isspace((unsigned char)open[3]);
        int r = add_text(ps, l, open, trim_left);
        if (r < 0)
            return r;
        if (!open) {
            *stop = STOP_EOF;
            return 0;
        }
        const char *body = open + (trim_left ? 3 : 2);
        const char *close = strstr(body, "}}");
        if (!close)
            return err_setx(EINVAL, "template: :1:%d: unclosed action", (int)(open - ps->s) + 1);
        bool trim_right = close > body && close[-1] == '-' && close - 1 > body &&
                          isspace((unsigned char)close[-2]);
        struct lexer lx = {.s = ps->s, .p = body, .end = trim_right ? close - 1 : close};
        ps->p = close + 2;
        if (trim_right)
            while (*ps->p && isspace((unsigned char)*ps->p))
                ps->p++;

        skip_space(&lx);
        if (lx.p >= lx.end)
            return parse_error(&lx, lx.p, "missing value for command");
        if (keyword(&lx, "end") || keyword(&lx, "else")) {
            if (depth == 0)
                return parse_error(&lx, body,
                                   lx.p[-1] == 'd' ? "unexpected {{end}}" : "unexpected {{else}}");
            *stop = lx.p[-1] == 'd' ? STOP_END : STOP_ELSE;
            return 0;
        }
        if (keyword(&lx, "if"))
            r = parse_control(ps, &lx, l, NODE_IF, depth);
        else if (keyword(&lx, "range"))
            r = parse_control(ps, &lx, l, NODE_RANGE, depth);
        else if (keyword(&lx, "with"))
            r = parse_control(ps, &lx, l, NODE_WITH, depth);
        else {
            struct node *n;
            r = add_node(l, NODE_ACTION, &n);
            if (r == 0)
                r = parse_pipe(&lx, false, true, &n->pipe);
        }
        if (r < 0)
            return r;
    }
}

int tmpl_parse(const char *text, struct tmpl **out)
{
    struct tmpl *t = calloc(1, sizeof(*t));
    struct parser ps = {.s = text, .p = text};
    enum stop stop = STOP_EOF;
    if (!t)
        return err_set(ENOMEM, "template");
    int r = parse_list(&ps, &t->root, &stop, 0);
    if (r < 0) {
        tmpl_free(t);
        return r;
    }
    *out = t;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Step 3: execution.  Every evaluation returns a new reference (or NULL for
 * "no value"); the caller releases it.
 * ------------------------------------------------------------------------- */

#define MAX_VARS 32

struct exec {
    FILE *out;
    json_t *root;
    const char *names[MAX_VARS];
    json_t *values[MAX_VARS];
    size_t nvars;
};

static json_t *ref(json_t *v)
{
    return v ? json_incref(v) : NULL;
}

static int set_var(struct exec *x, const char *name, json_t *v)
{
    for (size_t i = x->nvars; i-- > 0;)
        if (strcmp(x->names[i], name) == 0) {
            json_decref(x->values[i]);
            x->values[i] = ref(v);
            return 0;
        }
    if (x->nvars == MAX_VARS)
        return err_setx(E2BIG, "template: too many variables");
    x->names[x->nvars] = name;
    x->values[x->nvars++] = ref(v);
    return 0;
}

static void drop_vars(struct exec *x, size_t keep)
{
    while (x->nvars > keep) {
        x->nvars--;
        json_decref(x->values[x->nvars]);
    }
}

static json_t *get_field(json_t *v, const char *f)
{
    return json_is_object(v) ? json_object_get(v, f) : NULL;
}

static bool truthy(json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return false;
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_real(v))
        return json_real_value(v) != 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_object(v))
        return json_object_size(v) > 0;
    return true;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object keys sorted, as Go ranges over and prints maps. */
static const char **sorted_keys(json_t *obj, size_t *n)
{
    const char *key;
    json_t *val;
    size_t i = 0;
    *n = json_object_size(obj);
    const char **keys = calloc(*n + 1, sizeof(*keys));
    if (!keys)
        return NULL;
    json_object_foreach(obj, key, val) keys[i++] = key;
    qsort(keys, *n, sizeof(*keys), cmp_keys);
    return keys;
}

/* Print a value as Go's fmt %v does. */
static void print_value(FILE *out, json_t *v)
{
    if (!v) {
        fputs("<no value>", out);
    } else if (json_is_string(v)) {
        fwrite(json_string_value(v), 1, json_string_length(v), out);
    } else if (json_is_integer(v)) {
        fprintf(out, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(out, "%.15g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        fputs(json_is_true(v) ? "true" : "false", out);
    } else if (json_is_null(v)) {
        fputs("<nil>", out);
    } else if (json_is_array(v)) {
        fputc('[', out);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                fputc(' ', out);
            print_value(out, json_array_get(v, i));
        }
        fputc(']', out);
    } else if (json_is_object(v)) {
        size_t n;
        const char **keys = sorted_keys(v, &n);
        fputs("map[", out);
        for (size_t i = 0; keys && i < n; i++) {
            fprintf(out, "%s%s:", i ? " " : "", keys[i]);
            print_value(out, json_object_get(v, keys[i]));
        }
        fputc(']', out);
        free(keys);
    }
}

static char *to_text(json_t *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    print_value(f, v);
    fclose(f);
    return buf;
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **out);

static int eval_operand(struct exec *x, json_t *dot, const struct arg *a, json_t **out)
{
    json_t *base = NULL;
    int r = 0;
    switch (a->kind) {
    case ARG_DOT:
    case ARG_FIELD:
        base = ref(dot);
        break;
    case ARG_VAR:
        if (strcmp(a->name, "$") == 0) {
            base = ref(x->root);
            break;
        }
        for (size_t i = x->nvars; i-- > 0;)
            if (strcmp(x->names[i], a->name) == 0) {
                base = ref(x->values[i]);
                goto found;
            }
        return err_setx(EINVAL, "template: undefined variable \"%s\"", a->name);
    found:
        break;
    case ARG_LITERAL:
        base = ref(a->literal);
        break;
    case ARG_PIPE:
        r = eval_pipe(x, dot, a->sub, &base);
        break;
    case ARG_FUNC:
    default:
        return err_setx(EINVAL, "template: \"%s\" is not a value", a->name);
    }
    for (size_t i = 0; r == 0 && i < a->nfields; i++) {
        json_t *next = ref(get_field(base, a->fields[i]));
        if (base && !json_is_object(base) && !json_is_null(base)) {
            r = err_setx(EINVAL, "template: can't evaluate field %s in a %s", a->fields[i],
                         json_is_array(base) ? "list" : "scalar");
            json_decref(next);
            break;
        }
        json_decref(base);
        base = next;
    }
    if (r < 0) {
        json_decref(base);
        return r;
    }
    *out = base;
    return 0;
}

/* index X K1 K2...: X[K1][K2] with string keys for objects, numbers for lists. */
static int fn_index(json_t **argv, size_t argc, json_t **out)
{
    if (argc < 1)
        return err_setx(EINVAL, "template: index: wrong number of args");
    json_t *v = argv[0];
    for (size_t i = 1; i < argc; i++) {
        json_t *k = argv[i];
        if (json_is_array(v) && json_is_integer(k)) {
            json_int_t idx = json_integer_value(k);
            if (idx < 0 || (size_t)idx >= json_array_size(v))
                return err_setx(ERANGE, "template: index: index out of range: %lld",
                                (long long)idx);
            v = json_array_get(v, (size_t)idx);
        } else if (json_is_object(v) && json_is_string(k)) {
            v = json_object_get(v, json_string_value(k));
        } else if (!v || json_is_null(v)) {
            return err_setx(EINVAL, "template: index of untyped nil");
        } else {
            return err_setx(EINVAL, "template: index: cannot index %s with %s",
                            json_is_array(v) ? "a list" : "a scalar",
                            json_is_string(k) ? "a string" : "this value");
        }
    }
    *out = ref(v);
    return 0;
}

static json_t *text_value(json_t **argv, size_t argc, bool spaces_always, bool newline)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < argc; i++) {
        /* Go's Sprint puts a space between operands when neither is a string */
        if (i && (spaces_always || (!json_is_string(argv[i - 1]) && !json_is_string(argv[i]))))
            fputc(' ', f);
        print_value(f, argv[i]);
    }
    if (newline)
        fputc('\n', f);
    fclose(f);
    json_t *v = json_stringn(buf, len);
    free(buf);
    return v;
}

static json_t *map_string(json_t *v, int (*fn)(int), bool title)
{
    char *s = to_text(v);
    if (!s)
        return NULL;
    bool start = true;
    for (char *p = s; *p; p++) {
        *p = (char)(title ? (start ? toupper((unsigned char)*p) : *p) : fn((unsigned char)*p));
        start = isspace((unsigned char)*p);
    }
    json_t *out = json_string(s);
    free(s);
    return out;
}

static int fn_join_split(const char *name, json_t **argv, size_t argc, json_t **out)
{
    if (argc != 2 || !json_is_string(argv[1]))
        return err_setx(EINVAL, "template: %s: wrong arguments", name);
    const char *sep = json_string_value(argv[1]);
    if (strcmp(name, "join") == 0) {
        json_t *parts[1] = {argv[0]};
        if (!json_is_array(argv[0]))
            return err_setx(EINVAL, "template: join: not a list");
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        for (size_t i = 0; f && i < json_array_size(parts[0]); i++) {
            if (i)
                fputs(sep, f);
            print_value(f, json_array_get(parts[0], i));
        }
        if (f)
            fclose(f);
        *out = json_stringn(buf ? buf : "", len);
        free(buf);
        return 0;
    }
    char *s = to_text(argv[0]);
    json_t *list = json_array();
    if (!s || !list || !*sep) {
        free(s);
        json_decref(list);
        return err_setx(EINVAL, "template: split: bad arguments");
    }
    for (char *p = s;;) {
        char *hit = strstr(p, sep);
        json_array_append_new(list, json_stringn(p, hit ? (size_t)(hit - p) : strlen(p)));
        if (!hit)
            break;
        p = hit + strlen(sep);
    }
    free(s);
    *out = list;
    return 0;
}

static bool values_equal(json_t *a, json_t *b)
{
    if (!a || !b)
        return a == b;
    return json_equal(a, b);
}

static int call_function(const char *name, json_t **argv, size_t argc, json_t **out)
{
    *out = NULL;
    if (strcmp(name, "index") == 0)
        return fn_index(argv, argc, out);
    if (strcmp(name, "json") == 0) {
        char *s = argv[0] ? json_dumps(argv[0], JSON_COMPACT | JSON_ENCODE_ANY) : strdup("null");
        *out = json_string(s ? s : "");
        free(s);
    } else if (strcmp(name, "len") == 0) {
        json_t *v = argc == 1 ? argv[0] : NULL;
        if (json_is_array(v))
            *out = json_integer((json_int_t)json_array_size(v));
        else if (json_is_object(v))
            *out = json_integer((json_int_t)json_object_size(v));
        else if (json_is_string(v))
            *out = json_integer((json_int_t)json_string_length(v));
        else
            return err_setx(EINVAL, "template: len of a value that has no length");
    } else if (strcmp(name, "println") == 0 || strcmp(name, "print") == 0) {
        *out = text_value(argv, argc, name[5] == 'l', name[5] == 'l');
    } else if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0 ||
               strcmp(name, "title") == 0) {
        if (argc != 1)
            return err_setx(EINVAL, "template: %s: wrong number of args", name);
        *out = map_string(argv[0], name[0] == 'l' ? tolower : toupper, name[0] == 't');
    } else if (strcmp(name, "join") == 0 || strcmp(name, "split") == 0) {
        return fn_join_split(name, argv, argc, out);
    } else if (strcmp(name, "eq") == 0 || strcmp(name, "ne") == 0) {
        if (argc < 2)
            return err_setx(EINVAL, "template: %s: missing argument", name);
        bool eq = false;
        for (size_t i = 1; i < argc && !eq; i++)
            eq = values_equal(argv[0], argv[i]);
        *out = json_boolean(name[0] == 'e' ? eq : !eq);
    } else if (strcmp(name, "not") == 0) {
        if (argc != 1)
            return err_setx(EINVAL, "template: not: wrong number of args");
        *out = json_boolean(!truthy(argv[0]));
    } else { /* and / or: the first value that decides, as in Go */
        if (argc < 1)
            return err_setx(EINVAL, "template: %s: missing argument", name);
        size_t i = 0;
        while (i + 1 < argc && truthy(argv[i]) == (name[0] == 'a'))
            i++;
        *out = ref(argv[i]);
        return 0;
    }
    return *out ? 0 : err_set(ENOMEM, "template");
}

/* A command: a function call, or a single operand.  `prev` is the value
 * piped in, passed as the last argument. */
static int eval_cmd(struct exec *x, json_t *dot, const struct cmd *c, json_t *prev, bool piped,
                    json_t **out)
{
    const struct arg *first = c->args[0];
    if (first->kind != ARG_FUNC) {
        if (c->nargs > 1 || piped)
            return err_setx(EINVAL, "template: can't give argument to non-function");
        return eval_operand(x, dot, first, out);
    }
    size_t argc = c->nargs - 1 + (piped ? 1 : 0);
    json_t **argv = calloc(argc + 1, sizeof(*argv));
    int r = argv ? 0 : err_set(ENOMEM, "template");
    size_t n = 0;
    for (size_t i = 1; r == 0 && i < c->nargs; i++)
        r = eval_operand(x, dot, c->args[i], &argv[n++]);
    if (r == 0 && piped)
        argv[n++] = ref(prev);
    if (r == 0 && argc == 0 && strcmp(first->name, "println") && strcmp(first->name, "print"))
        r = err_setx(EINVAL, "template: %s: wrong number of args", first->name);
    if (r == 0)
        r = call_function(first->name, argv, argc, out);
    for (size_t i = 0; argv && i < n; i++)
        json_decref(argv[i]);
    free(argv);
    return r;
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **out)
{
    json_t *v = NULL;
    for (size_t i = 0; i < p->ncmds; i++) {
        json_t *next = NULL;
        int r = eval_cmd(x, dot, p->cmds[i], v, i > 0, &next);
        json_decref(v);
        if (r < 0)
            return r;
        v = next;
    }
    *out = v;
    return 0;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l);

/* range over a list (index, element) or an object (sorted key, value). */
static int exec_range(struct exec *x, json_t *dot, const struct node *n, json_t *v)
{
    size_t count = json_is_array(v)    ? json_array_size(v)
                   : json_is_object(v) ? json_object_size(v)
                                       : 0;
    if (v && !json_is_null(v) && !json_is_array(v) && !json_is_object(v))
        return err_setx(EINVAL, "template: range can't iterate over %s",
                        json_is_string(v) ? "a string" : "a scalar");
    if (count == 0)
        return exec_list(x, dot, &n->alt);
    size_t nkeys = 0, keep = x->nvars;
    const char **keys = json_is_object(v) ? sorted_keys(v, &nkeys) : NULL;
    int r = 0;
    for (size_t i = 0; r == 0 && i < count; i++) {
        json_t *key = keys ? json_string(keys[i]) : json_integer((json_int_t)i);
        json_t *elem = keys ? json_object_get(v, keys[i]) : json_array_get(v, i);
        if (n->pipe->ndecl == 2) {
            r = set_var(x, n->pipe->decl[0], key);
            if (r == 0)
                r = set_var(x, n->pipe->decl[1], elem);
        } else if (n->pipe->ndecl == 1) {
            r = set_var(x, n->pipe->decl[0], elem);
        }
        json_decref(key);
        if (r == 0)
            r = exec_list(x, elem, &n->body);
    }
    free(keys);
    drop_vars(x, keep);
    return r;
}

static int exec_node(struct exec *x, json_t *dot, const struct node *n)
{
    json_t *v = NULL;
    size_t keep = x->nvars;
    int r = 0;
    if (n->kind == NODE_TEXT) {
        fputs(n->text, x->out);
        return 0;
    }
    r = eval_pipe(x, dot, n->pipe, &v);
    if (r < 0)
        return err_wrap(r, "template: :1:%d: executing", n->pipe->col);
    switch (n->kind) {
    case NODE_ACTION:
        if (n->pipe->ndecl)
            r = set_var(x, n->pipe->decl[0], v); /* {{$x := ...}} prints nothing */
        else
            print_value(x->out, v);
        keep = x->nvars; /* a declaration lives until the end of the enclosing block */
        break;
    case NODE_IF:
        r = exec_list(x, dot, truthy(v) ? &n->body : &n->alt);
        break;
    case NODE_WITH:
        if (n->pipe->ndecl)
            r = set_var(x, n->pipe->decl[0], v);
        if (r == 0)
            r = truthy(v) ? exec_list(x, v, &n->body) : exec_list(x, dot, &n->alt);
        break;
    case NODE_RANGE:
        r = exec_range(x, dot, n, v);
        break;
    case NODE_TEXT:
    default:
        break;
    }
    json_decref(v);
    drop_vars(x, keep);
    return r;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l)
{
    size_t keep = x->nvars;
    int r = 0;
    for (size_t i = 0; r == 0 && i < l->n; i++)
        r = exec_node(x, dot, l->v[i]);
    drop_vars(x, keep);
    return r;
}

int tmpl_execute(const struct tmpl *t, json_t *data, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    struct exec x = {.root = data};
    x.out = open_memstream(&buf, &len);
    if (!x.out)
        return err_set(errno, "template output");
    int r = exec_list(&x, data, &t->root);
    fclose(x.out);
    if (r < 0) {
        free(buf);
        return r;
    }
    *out = buf;
    return 0;
}

int tmpl_render(const char *text, json_t *data, char **out)
{
    struct tmpl *t;
    int r = tmpl_parse(text, &t);
    if (r < 0)
        return r;
    r = tmpl_execute(t, data, out);
    tmpl_free(t);
    return r;
}
