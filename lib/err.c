/* err.c — the per-thread error slot (see err.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

#define ERR_SLOT_SIZE 2048

static __thread char slot[ERR_SLOT_SIZE];

static int record(int errnum, int with_cause, const char *fmt, va_list ap)
{
    int n = vsnprintf(slot, sizeof(slot), fmt, ap);
    if (with_cause && n >= 0 && (size_t)n < sizeof(slot))
        snprintf(slot + n, sizeof(slot) - (size_t)n, ": %s", strerror(errnum));
    return -(errnum > 0 ? errnum : EINVAL);
}

int err_set(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = record(errnum, 1, fmt, ap);
    va_end(ap);
    return r;
}

int err_setx(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = record(errnum, 0, fmt, ap);
    va_end(ap);
    return r;
}

int err_wrap(int ret, const char *fmt, ...)
{
    char prefix[ERR_SLOT_SIZE / 2];
    char old[ERR_SLOT_SIZE];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, slot, sizeof(old));
    if (old[0])
        snprintf(slot, sizeof(slot), "%s: %s", prefix, old);
    else
        snprintf(slot, sizeof(slot), "%s: %s", prefix, strerror(ret < 0 ? -ret : ret));
    return ret;
}

const char *err_msg(void)
{
    return slot;
}

void err_clear(void)
{
    slot[0] = '\0';
}
