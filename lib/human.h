/* human.h — durations, states and sizes as Docker prints them in `ps` and `images`. */
#ifndef MD_HUMAN_H
#define MD_HUMAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Docker's HumanDuration: "Less than a second", "1 second", "9 seconds",
 * "About a minute", "5 minutes", "About an hour", "3 hours", "2 days",
 * "3 weeks", "4 months", "2 years". */
void human_duration(char *buf, size_t size, double seconds);

/* "9 seconds ago" (the CREATED column). */
void human_ago(char *buf, size_t size, double seconds);

/* The STATUS column of `ps` from a container's state:
 *   status "created"    -> "Created"
 *   status "running"    -> "Up 3 seconds" (+ " (Paused)" when paused)
 *   status "restarting" -> "Restarting (1) 2 seconds ago"
 *   status "exited"     -> "Exited (0) 9 seconds ago"
 * started/finished are Unix times in seconds; now is the current time. */
void human_status(char *buf, size_t size, const char *status, int exit_code, bool paused,
                  double started, double finished, double now);

/* Sizes in decimal units with `precision` significant digits, as go-units'
 * HumanSizeWithPrecision prints them (Go's %.*g).  Docker's tables use 3
 * (HUMAN_TABLE_PRECISION): images, history, ps -s, stats print "4.26MB",
 * "1.5GB", "100kB", "512B". */
#define HUMAN_TABLE_PRECISION 3
void human_size_precision(char *buf, size_t size, int64_t bytes, int precision);

/* go-units' HumanSize, 4 significant digits: "4.261MB", as Docker prints
 * system df and "Total reclaimed space". */
void human_size(char *buf, size_t size, int64_t bytes);

#endif
