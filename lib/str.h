/* str.h — string helpers: prefixes, trimming, string vectors, sizes. */
#ifndef MD_STR_H
#define MD_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* Remove leading and trailing white space in place; returns s moved forward. */
char *str_trim(char *s);

/* malloc'ed printf; NULL on allocation failure. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse a decimal integer that must fill the whole string, within [min,max]. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* Parse Docker's size syntax: "512", "512b", "64k", "64m", "1g", "1.5g" (case
 * insensitive, optional trailing "b" as in "64mb"); units are powers of 1024.
 * Returns 0, or -EINVAL with the input named in the error slot. */
int parse_size(const char *s, int64_t *bytes);

/* Format bytes the way Docker prints them: "1.5MiB" style (binary units). */
void format_bytes(char *buf, size_t size, int64_t bytes);

/* A NULL-terminated, heap-allocated vector of heap strings. */
typedef struct {
    char **v;
    size_t len;
} strv_t;

int strv_push(strv_t *sv, const char *s); /* copies s */
int strv_push_owned(strv_t *sv, char *s); /* takes s */
void strv_free(strv_t *sv);
/* Set or replace "KEY=value" in an environment vector. */
int strv_env_set(strv_t *sv, const char *kv);
/* Value of KEY in an environment vector, or NULL. */
const char *strv_env_get(const strv_t *sv, const char *key);

#endif
