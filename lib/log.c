/* log.c — leveled messages on stderr (see log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

static enum log_level current = LOG_WARN;
static const char *prog = "minidock";

static const char *const names[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *name, enum log_level *out)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return err_setx(EINVAL, "unknown log level '%s' (debug, info, warn, error)", name);
}

void log_init(const char *progname)
{
    enum log_level l = LOG_WARN;
    const char *env = getenv("MINIDOCK_LOG");
    prog = progname;
    if (env && log_parse_level(env, &l) == 0)
        current = l;
}

void log_set_level(enum log_level level)
{
    current = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < current)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    int saved = errno;
    fprintf(stderr, "%s: %s: %s\n", prog, names[level], line);
    errno = saved;
}
