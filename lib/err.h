/* err.h — the error slot.
 *
 * Library functions report failure by returning a negative errno and
 * recording a human message in a per-thread slot.  Callers up the stack add
 * context with err_wrap() as the error travels, so that main() can print
 * "minidock: run: mount /proc: Operation not permitted" and exit 125.
 * Only main() prints and exits; library code never does.
 */
#ifndef MD_ERR_H
#define MD_ERR_H

#include <stdarg.h>

/* Record "<fmt...>: strerror(errnum)" and return -errnum (errnum > 0). */
int err_set(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record "<fmt...>" as the whole message and return -errnum. */
int err_setx(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the recorded message with "<fmt...>: " and return ret unchanged. */
int err_wrap(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The recorded message ("" when none). Valid until the next err_* call. */
const char *err_msg(void);

void err_clear(void);

#endif
