/* human.c — durations, states and sizes as Docker prints them. */
#include <stdio.h>
#include <string.h>

#include "human.h"

void human_duration(char *buf, size_t size, double seconds)
{
    long s = (long)seconds, minutes = (long)(seconds / 60);
    long hours = (long)(seconds / 3600 + 0.5);
    if (s < 1)
        snprintf(buf, size, "Less than a second");
    else if (s == 1)
        snprintf(buf, size, "1 second");
    else if (s < 60)
        snprintf(buf, size, "%ld seconds", s);
    else if (minutes == 1)
        snprintf(buf, size, "About a minute");
    else if (minutes < 60)
        snprintf(buf, size, "%ld minutes", minutes);
    else if (hours == 1)
        snprintf(buf, size, "About an hour");
    else if (hours < 48)
        snprintf(buf, size, "%ld hours", hours);
    else if (hours < 24 * 7 * 2)
        snprintf(buf, size, "%ld days", hours / 24);
    else if (hours < 24 * 30 * 2)
        snprintf(buf, size, "%ld weeks", hours / 24 / 7);
    else if (hours < 24 * 365 * 2)
        snprintf(buf, size, "%ld months", hours / 24 / 30);
    else
        snprintf(buf, size, "%ld years", hours / 24 / 365);
}

void human_ago(char *buf, size_t size, double seconds)
{
    char d[64];
    human_duration(d, sizeof(d), seconds);
    snprintf(buf, size, "%s ago", d);
}

void human_status(char *buf, size_t size, const char *status, int exit_code, bool paused,
                  double started, double finished, double now)
{
    char d[64];
    if (strcmp(status, "running") == 0) {
        human_duration(d, sizeof(d), now - started);
        snprintf(buf, size, "Up %s%s", d, paused ? " (Paused)" : "");
    } else if (strcmp(status, "paused") == 0) {
        human_duration(d, sizeof(d), now - started);
        snprintf(buf, size, "Up %s (Paused)", d);
    } else if (strcmp(status, "restarting") == 0) {
        human_ago(d, sizeof(d), now - finished);
        snprintf(buf, size, "Restarting (%d) %s", exit_code, d);
    } else if (strcmp(status, "exited") == 0) {
        human_ago(d, sizeof(d), now - finished);
        snprintf(buf, size, "Exited (%d) %s", exit_code, d);
    } else if (strcmp(status, "removing") == 0) {
        snprintf(buf, size, "Removal In Progress");
    } else if (strcmp(status, "dead") == 0) {
        snprintf(buf, size, "Dead");
    } else {
        snprintf(buf, size, "Created");
    }
}

void human_size_precision(char *buf, size_t size, int64_t bytes, int precision)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    snprintf(buf, size, "%.*g%s", precision, v, units[u]);
}

void human_size(char *buf, size_t size, int64_t bytes)
{
    human_size_precision(buf, size, bytes, 4);
}
