/* dockerfile.h — the Dockerfile parser (lab 04).
 *
 * A Dockerfile is a list of instructions, one per logical line:
 *
 *   # escape=`            parser directives, only at the very top
 *   ARG VERSION=1.36      (ARG may come before FROM)
 *   FROM busybox:${VERSION} AS build
 *   RUN echo hello \      a backslash (or the escape character) continues the line
 *       > /greeting
 *   CMD ["cat", "/greeting"]     exec form: a JSON array, no shell
 *   CMD cat /greeting            shell form: run under SHELL (default /bin/sh -c)
 *
 * df_parse() splits the text into instructions and their arguments; it does
 * not substitute variables, because their values depend on the build (ENV
 * and ARG seen so far): the builder calls df_expand() on each word when it
 * runs the instruction, as Docker does.  df_parse() is in dockerfile.c;
 * df_expand() and df_key_values() are in expand.c.
 *
 * Errors name the file, line and column: "Dockerfile:3:1: unknown instruction: RUNN".
 * All functions return 0 or a negative errno, with the message in the error slot.
 */
#ifndef MD_DOCKERFILE_H
#define MD_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

/* RUN <<EOF, COPY <<EOF /dest: the lines after the instruction, up to a line
 * "EOF", make a file.  Several heredocs follow one another in their order on
 * the line: COPY <<A <<B /dir/. */
struct df_heredoc {
    char *name;  /* the delimiter, quotes removed: EOF */
    char *body;  /* the lines up to it, each ending in '\n' (leading tabs removed for <<-) */
    bool expand; /* false when the name was quoted: <<"EOF" (no variable expansion) */
};

struct df_instruction {
    char *cmd;      /* upper case: "FROM", "RUN", "COPY"... */
    strv_t flags;   /* "--from=build", "--chown=1:1" (not expanded; quotes removed, as Docker) */
    strv_t args;    /* exec form: the JSON array's elements; shell form: one element, the
                     * rest of the line (continuations joined, comments inside removed);
                     * key/value instructions (ENV, LABEL, ARG): words as written */
    bool json;      /* exec form (a JSON array) */
    char *original; /* the instruction as written, on one line (for "Step 2/5 : ...") */
    int line;       /* 1-based line and column where the instruction starts */
    int column;
    struct df_heredoc *heredocs; /* shell-form RUN, COPY, ADD: in the order of the line */
    size_t nheredocs;
    struct df_instruction *trigger; /* ONBUILD: the trigger, parsed (args[0]: as written) */
};

/* args by instruction, in detail:
 *   RUN CMD ENTRYPOINT   exec form (json): the array; shell form: one element, the rest of the line
 *   SHELL                always the JSON array
 *   COPY ADD VOLUME      the JSON array, or the words of the line (split at blanks, as Docker)
 *   FROM EXPOSE          the words: FROM gives IMAGE, or IMAGE AS NAME
 *   USER WORKDIR MAINTAINER STOPSIGNAL   one element, the rest of the line
 *   ENV LABEL            "K=V" words as written (quotes kept), or for the old form "ENV K V"
 *                        two elements: K and the rest of the line; use df_key_values()
 *   ARG                  "K" or "K=DEFAULT" words as written; use df_key_values()
 *   HEALTHCHECK          "NONE", or "CMD" followed by the command (json tells its form)
 *   ONBUILD              one element, the trigger as written ("RUN make"); see trigger
 * A heredoc word stays in args ("<<EOF"; "python3 <<EOF" for RUN); its body is in heredocs.
 * Nothing is expanded: the builder calls df_expand() on each word, as Docker does for
 * ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR (not RUN CMD ENTRYPOINT). */

struct dockerfile {
    struct df_instruction *v;
    size_t n;
    char escape;  /* '\\' or '`' (# escape= directive) */
    char *syntax; /* # syntax= directive, or NULL */
};

/* Parse text (name is used in messages, e.g. "Dockerfile").  Refuses
 * unknown instructions, malformed JSON arrays in exec form, unterminated
 * quotes, a file without FROM (ARG may precede FROM), instructions missing
 * their arguments. */
int df_parse(const char *name, const char *text, struct dockerfile *out);
void df_free(struct dockerfile *df);

/* Expand $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} in word using env
 * ("K=V" strings; later entries win); escape ('\\' or '`') protects '$'.
 * Unknown variables expand to "".  *out is malloc'ed.
 * Also ${VAR-d} ${VAR+a} (unset only, not empty) and ${VAR:?msg} ${VAR?msg}
 * (an error if unset).  Quotes are removed: 'single quotes' keep $ literal;
 * in "double quotes" the escape protects only " $ and itself.  An entry "K"
 * without "=" counts as unset (an ARG without a value). */
int df_expand(const char *word, const strv_t *env, char escape, char **out);

/* The names of the variables word refers to that env does not set, pushed
 * to unset (duplicates possible).  The builder uses it to tell "ARG used
 * before its definition" from a variable that is simply empty. */
int df_unset_refs(const char *word, const strv_t *env, char escape, strv_t *unset);

/* Split ENV / LABEL / ARG arguments into "K=V" pairs: both "K V" (one pair,
 * the rest of the line is the value) and "K=V K2="v 2"" forms, quotes and
 * escapes removed, each value expanded with env first.  ARG without a
 * default gives "K" with no "=". */
int df_key_values(const struct df_instruction *ins, const strv_t *env, char escape, strv_t *pairs);

/* The heredoc that word ("<<EOF", "<<-'EOF'"...) opens in ins, or NULL when
 * word is not a heredoc opener of ins. */
const struct df_heredoc *df_heredoc_of(const struct df_instruction *ins, const char *word);

/* The instruction as JSON (for `img parse`): {"cmd", "flags", "args", "json", "line"...}.
 * {"escape", "syntax", "instructions": [...]}; malloc'ed, NULL if out of memory. */
char *df_to_json(const struct dockerfile *df);

#endif
