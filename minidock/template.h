/* template.h — the subset of Go's text/template that Docker's --format uses.
 *
 * minidock's data (inspect documents, ps and images rows) are JSON values;
 * a template is applied to one of them:
 *
 *   {{.Config.Image}}                     field paths (objects by key)
 *   {{json .Config}}                      functions: json, index, len, println,
 *   {{index .Ports "80/tcp"}}             print, join, lower, upper, split,
 *   {{(index (index .P "80/tcp") 0).X}}   title, eq, ne, not, and, or
 *   {{range $k, $v := .Labels}}...{{end}} range over arrays and objects
 *   {{if .State.Running}}a{{else}}b{{end}} if / else / with
 *   {{.Name | upper}}                     pipelines; {{- and -}} trim spaces
 *
 * Values print as Go prints them: strings raw, integers without decimals,
 * missing fields as "<no value>", arrays as [a b], objects as map[k:v].
 */
#ifndef MD_TEMPLATE_H
#define MD_TEMPLATE_H

#include <jansson.h>

struct tmpl;

/* Parse a template.  Errors name the column: "template: :1:12: unclosed action". */
int tmpl_parse(const char *text, struct tmpl **out);

/* Execute on data; *out is a malloc'ed string the caller frees. */
int tmpl_execute(const struct tmpl *t, json_t *data, char **out);

void tmpl_free(struct tmpl *t);

/* Parse, execute and free in one call. */
int tmpl_render(const char *text, json_t *data, char **out);

#endif
