/* ctrlist.h — what the verbs that read containers share: ps.c (ps, inspect,
 * port), top.c (top, stats), system.c (prune, df, the groups) and volume.c.
 *
 * A struct ctr_list is a snapshot of every container, newest first, each read
 * with ctr_load_id(); a container being created or removed is left out.  The
 * list owns its containers: ctr_list_free() releases them. */
#ifndef MD_CTRLIST_H
#define MD_CTRLIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "str.h"

#define ANONYMOUS_VOLUME_LABEL "com.docker.volume.anonymous"

/* A string member of a JSON object; "" when it is missing or not a string. */
static inline const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The wall clock, in seconds with a fraction. */
double now_real(void);

/* Docker's State: a running container whose cgroup is frozen is "paused". */
const char *ctr_state(const struct ctr *c);

/* Bytes of the files below a directory (symbolic links not followed); 0 when
 * it does not exist.  ctr_rw_bytes: the container's writable layer. */
int64_t tree_bytes(const char *path);
int64_t ctr_rw_bytes(const struct ctr *c);

/* Ask "Are you sure you want to continue? [y/N]" after warning; y/Y is a yes. */
bool confirm(const char *warning);

/* Print "unknown flag: ARG" and "See 'minidock VERB --help'." (getopt's last
 * argument); returns 125. */
int unknown_flag(const char *verb, char **argv);

struct ctr_list {
    struct ctr *v;
    size_t n;
};

int ctr_list_load(struct store *s, struct ctr_list *l);
void ctr_list_free(struct ctr_list *l);

/* How many containers of the list mount the named volume; with ids non-NULL,
 * their full ids are appended to it. */
size_t volume_users(const struct ctr_list *l, const char *name, strv_t *ids);

/* ps's --filter (container prune takes it too).  Values of the same key are
 * alternatives; different keys must all match. */
enum filter_key { F_ANCESTOR, F_BEFORE, F_EXITED, F_ID, F_LABEL, F_NAME, F_SINCE, F_STATUS, F_N };

struct filters {
    strv_t values[F_N];
    strv_t image_ids; /* ancestor= resolved to image IDs */
};

/* Add "key=value"; -EINVAL with Docker's message for an unknown key or value. */
int filters_add(struct filters *f, const char *arg);
/* before= and since= name containers, ancestor= an image: look them up once. */
int filters_resolve(const struct md_global *g, struct store *s, struct filters *f);
bool filters_match(const struct filters *f, const struct ctr *c);
void filters_free(struct filters *f);

#endif
