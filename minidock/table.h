/* table.h — Docker's tables and --format for list verbs (ps, images, volume ls).
 *
 * Rows are rendered from JSON objects with a Go template; a format starting
 * with "table" gets a header line (the template applied to an object of
 * column titles) and aligned columns, as Docker's tabwriter prints them
 * (minimum width 10, padding 3). */
#ifndef MD_TABLE_H
#define MD_TABLE_H

#include <jansson.h>
#include <stdio.h>

#include "str.h"

struct table;

/* format: a Go template, "table <template>", or "json" (one JSON object per
 * line).  titles maps field names to column titles ({"Name": "VOLUME NAME"}). */
int table_open(const char *format, json_t *titles, struct table **out);

/* Render one row. */
int table_add(struct table *t, json_t *row);

/* Print everything to out and free the table. */
int table_flush(struct table *t, FILE *out);
void table_free(struct table *t);

/* Print tab-separated lines as aligned columns, as Go's tabwriter does with
 * padding 3 and this minimum width (Docker: 10 for lists, 20 for top).
 * Widths count characters, not bytes; the last cell of a line is not padded. */
void table_print_columns(const strv_t *lines, size_t min_width, FILE *out);

/* inspect's output, one document at a time: with a format, the rendered
 * template on its own line now; without, the document joins all, printed at
 * the end by inspect_finish() as one JSON array (Docker's 4-space indent).
 * doc is consumed.  Returns 0, or a negative errno when the template fails. */
int inspect_emit(json_t *all, json_t *doc, const char *format);
void inspect_finish(json_t *all, const char *format);

#endif
