/* minidock.h — what the verbs of minidock share.
 *
 * main.c parses the global options into a struct md_global and dispatches to
 * one function per verb.  A verb returns the process exit code: 0, the
 * container's status, or 125 after printing "minidock: <context>: <cause>". */
#ifndef MD_MINIDOCK_H
#define MD_MINIDOCK_H

#define MINIDOCK_VERSION "0.1.0"
#define MD_DEFAULT_ROOT  "/var/lib/minidock"

struct md_global {
    const char *root; /* --root / MINIDOCK_ROOT */
};

typedef int (*md_verb_fn)(const struct md_global *g, int argc, char **argv);

/* Print "minidock: <context>: <error slot>" on stderr and return 125. */
int md_fail(const char *context);

int cmd_version(const struct md_global *g, int argc, char **argv);
int cmd_info(const struct md_global *g, int argc, char **argv);
int cmd_run(const struct md_global *g, int argc, char **argv);
int cmd_volume(const struct md_global *g, int argc, char **argv);
int cmd_spec(const struct md_global *g, int argc, char **argv);

#endif
