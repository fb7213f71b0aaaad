/* minidock.h — what the verbs of minidock share.
 *
 * main.c parses the global options into a struct md_global and dispatches to
 * one function per verb.  A verb returns the process exit code: 0, the
 * container's status, or 125 after printing "minidock: <context>: <cause>". */
#ifndef MD_MINIDOCK_H
#define MD_MINIDOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define MINIDOCK_VERSION "0.1.0"
#define MD_DEFAULT_ROOT  "/var/lib/minidock"

struct md_global {
    const char *root; /* --root / MINIDOCK_ROOT */
};

typedef int (*md_verb_fn)(const struct md_global *g, int argc, char **argv);

/* A verb of a group (`image ls`, `volume rm`...): its summary in the group's
 * help, NULL for an alias that the help does not list. */
struct md_subverb {
    const char *name;
    md_verb_fn fn;
    const char *summary;
};

/* Run the group's verb named by argv[1], or print the group's help (system.c). */
int md_dispatch(const struct md_global *g, int argc, char **argv, const char *group,
                const char *summary, const struct md_subverb *subs, size_t n);

/* Print "minidock: <context>: <error slot>" on stderr and return 125. */
int md_fail(const char *context);

/* Create a volume (name NULL: anonymous, 64 hex digits, labelled as Docker
 * does); out receives its name.  An existing name is not an error. */
int volume_create(const struct md_global *g, const char *name, json_t *labels, char *out,
                  size_t size);

/* Remove the anonymous volumes (all with all) that no container mounts;
 * prints "Deleted Volumes:" and their names, adds their bytes to *bytes. */
int volume_prune(const struct md_global *g, bool all, int64_t *bytes);

/* Docker's inspect document of an image (Id, RepoTags, Config...) found by
 * reference or ID prefix; "No such image: REF" (-ENOENT) otherwise. */
struct image_store;
/* image prune: the dangling images (every unused one with all) and their
 * untagged parents; deleted gets Docker's "untagged: REF" / "deleted: ID"
 * lines (images.c). */
int md_prune_images(const struct md_global *g, struct image_store *st, bool all, strv_t *deleted);
/* Remove the build cache's entries whose image is gone (buildctx.c). */
void bld_cache_gc(const char *root, struct image_store *st);
int image_inspect_doc(const char *root, struct image_store *st, const char *ref, json_t **doc);

int cmd_version(const struct md_global *g, int argc, char **argv);
int cmd_info(const struct md_global *g, int argc, char **argv);
int cmd_history(const struct md_global *g, int argc, char **argv);
int cmd_image(const struct md_global *g, int argc, char **argv);
int cmd_images(const struct md_global *g, int argc, char **argv);
int cmd_import(const struct md_global *g, int argc, char **argv);
int cmd_rmi(const struct md_global *g, int argc, char **argv);
int cmd_tag(const struct md_global *g, int argc, char **argv);
int cmd_run(const struct md_global *g, int argc, char **argv);
int cmd_attach(const struct md_global *g, int argc, char **argv);
int cmd_build(const struct md_global *g, int argc, char **argv);
int cmd_create(const struct md_global *g, int argc, char **argv);
int cmd_exec(const struct md_global *g, int argc, char **argv);
int cmd_kill(const struct md_global *g, int argc, char **argv);
int cmd_logs(const struct md_global *g, int argc, char **argv);
int cmd_pause(const struct md_global *g, int argc, char **argv);
int cmd_rename(const struct md_global *g, int argc, char **argv);
int cmd_restart(const struct md_global *g, int argc, char **argv);
int cmd_rm(const struct md_global *g, int argc, char **argv);
int cmd_start(const struct md_global *g, int argc, char **argv);
int cmd_stop(const struct md_global *g, int argc, char **argv);
int cmd_unpause(const struct md_global *g, int argc, char **argv);
int cmd_wait(const struct md_global *g, int argc, char **argv);
/* ps.c: ps, inspect (and `container inspect`), port */
int cmd_container_inspect(const struct md_global *g, int argc, char **argv);
int cmd_inspect(const struct md_global *g, int argc, char **argv);
int cmd_port(const struct md_global *g, int argc, char **argv);
int cmd_ps(const struct md_global *g, int argc, char **argv);
/* top.c: top, stats */
int cmd_stats(const struct md_global *g, int argc, char **argv);
int cmd_top(const struct md_global *g, int argc, char **argv);
/* system.c: prune, df, and the container / system groups */
int cmd_container(const struct md_global *g, int argc, char **argv);
int cmd_system(const struct md_global *g, int argc, char **argv);
int cmd_volume(const struct md_global *g, int argc, char **argv);
int cmd_spec(const struct md_global *g, int argc, char **argv);
int cmd_save(const struct md_global *g, int argc, char **argv);
int cmd_load(const struct md_global *g, int argc, char **argv);
/* ctrfs.c: a container's file system */
int cmd_commit(const struct md_global *g, int argc, char **argv);
int cmd_cp(const struct md_global *g, int argc, char **argv);
int cmd_diff(const struct md_global *g, int argc, char **argv);
int cmd_export(const struct md_global *g, int argc, char **argv);

#endif
