/* build.h — the builder's internals shared by build.c (the steps) and
 * buildcopy.c (COPY and ADD).  Not an API: only minidock build uses it. */
#ifndef MINIDOCK_BUILD_H
#define MINIDOCK_BUILD_H

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dockerfile.h"
#include "image.h"
#include "minidock.h"
#include "store.h"
#include "str.h"

#define NOP "/bin/sh -c #(nop) "

struct build_opts {
    strv_t tags;
    const char *file;
    bool no_cache, quiet;
    strv_t build_args; /* K=V from --build-arg */
    strv_t labels;
    const char *target;
    const char *network;
    const char *context;
};

/* One stage of a (multi-stage) Dockerfile: the image built so far. */
struct stage {
    char name[128];
    json_t *config;            /* the whole image config: config, history, rootfs... */
    struct layer_info *layers; /* bottom first */
    size_t nlayers;
    char id[LAYER_DIGEST_LEN]; /* the image of the last step; "" for scratch */
    strv_t args;               /* ARG values in scope: K=V */
    bool cmd_set;              /* a CMD in this stage (ENTRYPOINT then keeps it) */
};

struct builder {
    const struct md_global *g;
    struct build_opts *o;
    struct image_store *st;
    struct store cs;
    struct dockerfile df;
    char df_name[PATH_MAX]; /* the Dockerfile's name in messages */
    char context[PATH_MAX];
    strv_t global_args; /* ARGs before the first FROM */
    strv_t used_args;   /* --build-arg values consumed by an ARG */
    struct stage *stages;
    size_t nstages;
    int step, steps;
};

/* The image config's "config" object of the stage (created when missing). */
json_t *bld_settings(struct stage *s);
/* Expand $VARS in word with the stage's Env and ARGs. */
int bld_expand(struct builder *b, struct stage *s, const char *word, char **out);
/* The cache key of a step: parent image, instruction text, inputs. */
void bld_cache_key(const char *parent, const char *text, const char *inputs, char out[65]);
/* A cached step: load its image into the stage, print "Using cache". */
bool bld_cache_hit(struct builder *b, struct stage *s, const char *key);
/* Store the stage as an image with one more history entry (and layer). */
int bld_commit_step(struct builder *b, struct stage *s, const char *created_by,
                    const struct layer_info *layer, const char *key);
/* The variables words are expanded with: the ARGs in scope, then the
 * image's Env (Env wins, as Docker). */
int bld_expansion_env(struct stage *s, strv_t *env);
/* A JSON array of strings. */
json_t *bld_strv_json(const strv_t *v);
/* ARG: the values in scope go to scope (the stage's, or the global ARGs
 * before the first FROM when s is NULL) (buildmeta.c). */
int bld_arg(struct builder *b, struct stage *s, const struct df_instruction *ins, strv_t *scope);
/* The config-only instructions (buildmeta.c). */
int bld_metadata(struct builder *b, struct stage *s, const struct df_instruction *ins);
/* The argv of RUN, CMD or ENTRYPOINT: exec form as is, shell form under
 * the stage's SHELL (heredocs fed to it). */
int bld_command_of(struct stage *s, const struct df_instruction *ins, strv_t *argv);
/* RUN (buildrun.c): *layer gets the container's changes; a failing command
 * sets *exit_code. */
int bld_run(struct builder *b, struct stage *s, const struct df_instruction *ins,
            struct layer_info *layer, int *exit_code);
/* COPY and ADD (buildcopy.c). */
int bld_copy(struct builder *b, struct stage *s, const struct df_instruction *ins, const char *text,
             bool *cached);

/* The mode of COPY/ADD --chmod=MODE: octal digits, at most 07777 ("755",
 * "0644", "4755"); -EINVAL otherwise (the caller names the instruction).
 * Inline, so that its unit test needs none of the builder. */
static inline int bld_parse_chmod(const char *s, mode_t *mode)
{
    size_t n = strspn(s, "01234567");
    if (n == 0 || n > 8 || s[n] != '\0')
        return -EINVAL;
    unsigned long v = strtoul(s, NULL, 8);
    if (v > 07777)
        return -EINVAL;
    *mode = (mode_t)v;
    return 0;
}

/* One line of .dockerignore as the pattern Docker matches: blanks around it
 * (and after a leading '!') removed, the rest cleaned as Go's filepath.Clean
 * ("./a", "x/../a" and "a//" are "a") and a leading '/' dropped ("/a" is
 * "a"); the '!' stays in front.  A blank line gives "".  out needs
 * strlen(line) + 2 bytes, else -ENAMETOOLONG (buildignore.c). */
int bld_ignore_pattern(const char *line, char *out, size_t size);
/* When the context has a .dockerignore, copy what it keeps to tmp and make
 * tmp the context (buildctx.c). */
int bld_dockerignore(struct builder *b, const char *tmp);
/* ADD's test: is the file a tar (plain, gzip, bzip2, xz or zstd)? */
bool bld_is_archive(const char *path);
/* `build -`: read stdin into tmp (a new directory's parent); a tar becomes
 * the context tmp/context, anything else is the Dockerfile of an empty
 * context (*dockerfile_only).  Sets b->context. */
int bld_context_stdin(struct builder *b, const char *tmp, bool *dockerfile_only);
/* Remove the scratch directories and the RUN containers of builds that
 * were killed (buildctx.c). */
void bld_sweep(struct builder *b);
/* Read the file rel of the context, resolved inside it (RESOLVE_IN_ROOT), a
 * regular file of at most 16 MiB; -ENOENT (no message) when missing. */
int bld_read_in_context(const char *context, const char *rel, char **out);
/* Read a Dockerfile the user named (path NULL: stdin), at most 16 MiB. */
int bld_read_file(const char *path, char **out);

#endif
