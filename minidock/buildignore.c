/* buildignore.c — the patterns of .dockerignore, read as Docker reads them.
 *
 * Docker cleans each pattern before matching it (moby/patternmatcher's
 * ignorefile.ReadAll): "./secret.txt", "x/../secret.txt" and "/secret.txt"
 * all name secret.txt.  Without the cleaning they would match nothing, and
 * a file the user meant to keep out of the image would go in.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "build.h"

/* Go's filepath.Clean, for the n bytes at p (n > 0): the shortest name of
 * the same path, found lexically.  Empty and "." elements go, ".." removes
 * the element before it (at the root, it goes too), "" becomes ".".  out
 * gets at most n bytes and a NUL. */
static void clean_path(const char *p, size_t n, char *out)
{
    bool rooted = p[0] == '/';
    size_t r = 0, w = 0, stop = 0; /* read, write; ".." never backs up past stop */
    if (rooted) {
        out[w++] = '/';
        r = stop = 1;
    }
    while (r < n) {
        size_t len = strcspn(p + r, "/");
        len = len < n - r ? len : n - r;
        if (len == 0 || (len == 1 && p[r] == '.')) {
            r += len + 1; /* an empty or "." element */
            continue;
        }
        if (len == 2 && p[r] == '.' && p[r + 1] == '.') {
            if (w > stop) { /* drop the last element and its '/' */
                for (w--; w > stop && out[w] != '/'; w--)
                    ;
            } else if (!rooted) { /* nothing left to drop: keep the ".." */
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                stop = w;
            }
        } else {
            if (w > (rooted ? 1u : 0u))
                out[w++] = '/';
            memcpy(out + w, p + r, len);
            w += len;
        }
        r += len + 1;
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
}

int bld_ignore_pattern(const char *line, char *out, size_t size)
{
    const char *blanks = " \t\r\v\f";
    line += strspn(line, blanks);
    bool neg = line[0] == '!';
    if (neg)
        line += 1 + strspn(line + 1, blanks);
    size_t n = strlen(line);
    while (n > 0 && strchr(blanks, line[n - 1]))
        n--;
    if (n + 2 > size)
        return -ENAMETOOLONG;
    char *p = out;
    if (neg)
        *p++ = '!';
    *p = '\0';
    if (n == 0)
        return 0;
    clean_path(line, n, p);
    if (p[0] == '/' && p[1]) /* relative to the context: "/a" is "a" */
        memmove(p, p + 1, strlen(p));
    return 0;
}
