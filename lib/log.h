/* log.h — leveled messages on stderr.
 *
 * The level comes from log_init(): MINIDOCK_LOG=debug|info|warn|error, or
 * the CLI's --log-level / -D.  Messages are prefixed with the program name. */
#ifndef MD_LOG_H
#define MD_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *progname);
void log_set_level(enum log_level level);
/* Parse "debug", "info", "warn", "error"; returns -EINVAL when unknown. */
int log_parse_level(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
