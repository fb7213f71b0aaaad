/* str.c — string helpers (see str.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "str.h"

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

char *str_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

char *str_printf(const char *fmt, ...)
{
    char *out = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno == ERANGE)
        return err_setx(EINVAL, "invalid number '%s'", s);
    if (v < min || v > max)
        return err_setx(ERANGE, "number %s out of range [%lld, %lld]", s, (long long)min,
                        (long long)max);
    *out = v;
    return 0;
}

int parse_size(const char *s, int64_t *bytes)
{
    char *end;
    errno = 0;
    if (!s || !isdigit((unsigned char)*s))
        goto bad;
    double v = strtod(s, &end);
    if (errno == ERANGE || end == s)
        goto bad;

    double mult = 1;
    switch (tolower((unsigned char)*end)) {
    case '\0':
        break;
    case 'b':
        end++;
        break;
    case 'k':
        mult = 1024.0, end++;
        break;
    case 'm':
        mult = 1024.0 * 1024, end++;
        break;
    case 'g':
        mult = 1024.0 * 1024 * 1024, end++;
        break;
    case 't':
        mult = 1024.0 * 1024 * 1024 * 1024, end++;
        break;
    default:
        goto bad;
    }
    if (mult > 1 && tolower((unsigned char)*end) == 'b')
        end++;
    if (*end)
        goto bad;
    double total = v * mult;
    if (total > 9.2e18)
        goto bad;
    *bytes = (int64_t)total;
    return 0;
bad:
    return err_setx(EINVAL,
                    "invalid size '%s': expected a number with an optional unit "
                    "(b, k, m, g), e.g. 64m",
                    s ? s : "");
}

void format_bytes(char *buf, size_t size, int64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%lldB", (long long)bytes);
    else
        snprintf(buf, size, "%.4g%s", v, units[u]);
}

int strv_push_owned(strv_t *sv, char *s)
{
    if (!s)
        return err_set(ENOMEM, "string vector");
    char **v = realloc(sv->v, (sv->len + 2) * sizeof(*v));
    if (!v) {
        free(s);
        return err_set(ENOMEM, "string vector");
    }
    v[sv->len++] = s;
    v[sv->len] = NULL;
    sv->v = v;
    return 0;
}

int strv_push(strv_t *sv, const char *s)
{
    return strv_push_owned(sv, strdup(s));
}

void strv_free(strv_t *sv)
{
    for (size_t i = 0; i < sv->len; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->len = 0;
}

static size_t key_len(const char *kv)
{
    const char *eq = strchr(kv, '=');
    return eq ? (size_t)(eq - kv) : strlen(kv);
}

int strv_env_set(strv_t *sv, const char *kv)
{
    size_t k = key_len(kv);
    for (size_t i = 0; i < sv->len; i++) {
        if (key_len(sv->v[i]) == k && strncmp(sv->v[i], kv, k) == 0) {
            char *copy = strdup(kv);
            if (!copy)
                return err_set(ENOMEM, "environment");
            free(sv->v[i]);
            sv->v[i] = copy;
            return 0;
        }
    }
    return strv_push(sv, kv);
}

const char *strv_env_get(const strv_t *sv, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < sv->len; i++)
        if (key_len(sv->v[i]) == k && strncmp(sv->v[i], key, k) == 0 && sv->v[i][k] == '=')
            return sv->v[i] + k + 1;
    return NULL;
}
