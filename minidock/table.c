/* table.c — Docker's tables and --format for list verbs (see table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "str.h"
#include "table.h"
#include "template.h"

#define MIN_WIDTH 10
#define PADDING   3

struct table {
    struct tmpl *tmpl;
    bool aligned; /* "table ..." */
    bool json;    /* "json" */
    strv_t lines; /* rendered rows, header first, cells separated by tabs */
};

int table_open(const char *format, json_t *titles, struct table **out)
{
    struct table *t = calloc(1, sizeof(*t));
    int r = 0;
    if (!t)
        return err_set(ENOMEM, "table");
    if (strcmp(format, "json") == 0) {
        t->json = true;
        *out = t;
        return 0;
    }
    if (strncmp(format, "table", 5) == 0 && (!format[5] || format[5] == ' ')) {
        t->aligned = true;
        format += format[5] ? 6 : 5;
    }
    /* Docker reads "\t" typed on the command line as a tab */
    char *text = strdup(format), *w = text;
    for (const char *p = format; text && *p; p++) {
        if (p[0] == '\\' && p[1] == 't') {
            *w++ = '\t';
            p++;
        } else {
            *w++ = *p;
        }
    }
    if (!text) {
        free(t);
        return err_set(ENOMEM, "table");
    }
    *w = '\0';
    r = tmpl_parse(text, &t->tmpl);
    free(text);
    if (r == 0 && t->aligned && titles)
        r = table_add(t, titles);
    if (r < 0) {
        table_free(t);
        return err_wrap(r, "--format");
    }
    *out = t;
    return 0;
}

int table_add(struct table *t, json_t *row)
{
    char *line = NULL;
    if (t->json) {
        line = json_dumps(row, JSON_COMPACT);
        return line ? strv_push_owned(&t->lines, line) : err_set(ENOMEM, "table");
    }
    int r = tmpl_execute(t->tmpl, row, &line);
    return r < 0 ? r : strv_push_owned(&t->lines, line);
}

/* Characters of a UTF-8 text, as Go's tabwriter counts a cell: "…" is one. */
static size_t text_width(const char *p, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)p[i] & 0xC0) != 0x80; /* not a continuation byte */
    return chars;
}

/* Width of each tab-separated column over all lines, in characters. */
static size_t *column_widths(const strv_t *lines, size_t *ncols)
{
    size_t *w = NULL;
    *ncols = 0;
    for (size_t i = 0; i < lines->len; i++) {
        size_t col = 0;
        for (const char *p = lines->v[i];; col++) {
            size_t len = strcspn(p, "\t");
            if (!p[len])
                break; /* the last cell is not padded */
            if (col >= *ncols) {
                size_t *bigger = realloc(w, (col + 1) * sizeof(*w));
                if (!bigger)
                    return w;
                w = bigger;
                w[col] = 0;
                *ncols = col + 1;
            }
            if (text_width(p, len) > w[col])
                w[col] = text_width(p, len);
            p += len + 1;
        }
    }
    return w;
}

void table_print_columns(const strv_t *lines, size_t min_width, FILE *out)
{
    size_t ncols = 0, *widths = column_widths(lines, &ncols);
    for (size_t i = 0; i < lines->len; i++) {
        const char *p = lines->v[i];
        for (size_t col = 0;; col++) {
            size_t len = strcspn(p, "\t");
            if (!p[len] || col >= ncols) {
                fprintf(out, "%s\n", p);
                break;
            }
            size_t width = widths[col] + PADDING < min_width ? min_width : widths[col] + PADDING;
            fprintf(out, "%.*s%*s", (int)len, p, (int)(width - text_width(p, len)), "");
            p += len + 1;
        }
    }
    free(widths);
}

int table_flush(struct table *t, FILE *out)
{
    if (t->aligned)
        table_print_columns(&t->lines, MIN_WIDTH, out);
    else
        for (size_t i = 0; i < t->lines.len; i++)
            fprintf(out, "%s\n", t->lines.v[i]);
    table_free(t);
    return 0;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    tmpl_free(t->tmpl);
    strv_free(&t->lines);
    free(t);
}

int inspect_emit(json_t *all, json_t *doc, const char *format)
{
    if (!format)
        return json_array_append_new(all, doc) < 0 ? -ENOMEM : 0;
    char *text = NULL;
    int r = tmpl_render(format, doc, &text);
    if (r == 0)
        printf("%s\n", text);
    free(text);
    json_decref(doc);
    return r;
}

void inspect_finish(json_t *all, const char *format)
{
    if (!format) {
        json_dumpf(all, stdout, JSON_INDENT(4));
        printf("\n");
    }
    fflush(stdout);
}
