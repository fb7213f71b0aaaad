/* buildctx.c — the build context of `minidock build`: the directory given
 * (or a tar on stdin), minus what .dockerignore excludes.
 */
#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "err.h"
#include "file.h"

/* ---------------------------------------------------------------------------
 * .dockerignore: the context the build sees is the directory minus what
 * the file excludes (Docker sends only that to its daemon).
 * ------------------------------------------------------------------------- */

static strv_t ignore_patterns;
static const char *ignore_from, *ignore_to;

static bool pattern_matches(const char *pattern, const char *path)
{
    int flags = strstr(pattern, "**") ? 0 : FNM_PATHNAME;
    if (fnmatch(pattern, path, flags) == 0)
        return true;
    /* a pattern naming a directory excludes what is inside it */
    char prefix[PATH_MAX];
    for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(p - path), path);
        if (fnmatch(pattern, prefix, flags) == 0)
            return true;
    }
    return false;
}

static bool ignored(const char *rel)
{
    bool out = false;
    if (strcmp(rel, "Dockerfile") == 0 || strcmp(rel, ".dockerignore") == 0)
        return false;
    for (size_t i = 0; i < ignore_patterns.len; i++) {
        const char *p = ignore_patterns.v[i];
        bool neg = p[0] == '!';
        if (pattern_matches(neg ? p + 1 : p, rel))
            out = !neg;
    }
    return out;
}

static int copy_kept(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    const char *rel = path + strlen(ignore_from);
    while (*rel == '/')
        rel++;
    if (!*rel)
        return FTW_CONTINUE;
    char dst[PATH_MAX * 2];
    snprintf(dst, sizeof(dst), "%s/%s", ignore_to, rel);
    bool skip = ignored(rel);
    if (type == FTW_D) {
        /* a directory is kept when it or something re-included below it is */
        if (skip) {
            bool reinclude = false;
            for (size_t i = 0; i < ignore_patterns.len; i++)
                reinclude |= ignore_patterns.v[i][0] == '!' &&
                             strncmp(ignore_patterns.v[i] + 1, rel, strlen(rel)) == 0;
            if (!reinclude)
                return FTW_SKIP_SUBTREE;
        }
        return mkdir(dst, st->st_mode & 07777) < 0 && errno != EEXIST ? FTW_STOP : FTW_CONTINUE;
    }
    if (skip)
        return FTW_CONTINUE;
    if (type == FTW_SL) {
        char target[PATH_MAX];
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
            return FTW_STOP;
        target[n] = '\0';
        return symlink(target, dst) < 0 ? FTW_STOP : FTW_CONTINUE;
    }
    if (!S_ISREG(st->st_mode))
        return FTW_CONTINUE;
    char *data = NULL;
    size_t len = 0;
    int r = file_read_all(path, &data, &len);
    if (r == 0)
        r = file_write_atomic(dst, data, len, st->st_mode & 07777);
    free(data);
    return r < 0 ? FTW_STOP : FTW_CONTINUE;
}

/* When the context has a .dockerignore, copy what it keeps to tmp. */
int bld_dockerignore(struct builder *b, const char *tmp)
{
    char path[PATH_MAX + 16], *text = NULL;
    snprintf(path, sizeof(path), "%s/.dockerignore", b->context);
    if (file_read_all(path, &text, NULL) < 0)
        return 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *p = str_trim(l);
        if (!*p || *p == '#')
            continue;
        bool neg = *p == '!';
        char *q = neg ? p + 1 : p;
        while (*q == '/')
            q++;
        size_t n = strlen(q);
        while (n > 1 && q[n - 1] == '/')
            q[--n] = '\0';
        char *pat = str_printf("%s%s", neg ? "!" : "", q);
        if (pat)
            strv_push(&ignore_patterns, pat);
        free(pat);
    }
    free(text);
    ignore_from = b->context;
    ignore_to = tmp;
    int r = mkdir_p(tmp, 0700);
    if (r == 0 && nftw(b->context, copy_kept, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0)
        r = err_set(errno ? errno : EIO, "copy the build context");
    strv_free(&ignore_patterns);
    if (r == 0)
        snprintf(b->context, sizeof(b->context), "%s", tmp);
    return r;
}
