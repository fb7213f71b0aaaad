/* parents.c — the parent of an image, as Docker keeps it: the image a build
 * step or a commit started from.  It is not part of the image (the config
 * and the OCI layout have no such field): like Docker's daemon, minidock
 * keeps it beside the store, one file per child in ROOT/image-parents/,
 * named after the child's hex ID and holding the parent's ID.
 *
 * It gives `image inspect` its Parent, lets `images` hide intermediate
 * images (untagged, with children) and `rmi` delete a removed image's
 * untagged parents, as Docker does.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "parents.h"
#include "str.h"

static const char *hex_of(const char *id)
{
    return str_has_prefix(id, "sha256:") ? id + 7 : id;
}

static void record_path(const char *root, const char *child, char *buf, size_t size)
{
    snprintf(buf, size, "%s/image-parents/%s", root, hex_of(child));
}

int md_parent_set(const char *root, const char *child, const char *parent)
{
    char dir[PATH_MAX], path[PATH_MAX + 80];
    if (!parent[0] || strcmp(child, parent) == 0)
        return 0;
    snprintf(dir, sizeof(dir), "%s/image-parents", root);
    record_path(root, child, path, sizeof(path));
    int r = mkdir_p(dir, 0700);
    return r < 0 ? r : file_write_atomic(path, parent, strlen(parent), 0600);
}

void md_parent_get(const char *root, const char *child, char out[MD_PARENT_LEN])
{
    char path[PATH_MAX + 80], *text = NULL;
    out[0] = '\0';
    record_path(root, child, path, sizeof(path));
    if (file_read_all(path, &text, NULL) == 0 && str_has_prefix(text, "sha256:") &&
        strlen(text) < MD_PARENT_LEN)
        snprintf(out, MD_PARENT_LEN, "%s", text);
    free(text);
}

void md_parent_forget(const char *root, const char *child)
{
    char path[PATH_MAX + 80];
    record_path(root, child, path, sizeof(path));
    unlink(path);
}

bool md_parent_has_children(const char *root, const char *id)
{
    char dir[PATH_MAX], parent[MD_PARENT_LEN];
    bool found = false;
    snprintf(dir, sizeof(dir), "%s/image-parents", root);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && !found && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        md_parent_get(root, e->d_name, parent);
        found = strcmp(hex_of(parent), hex_of(id)) == 0;
    }
    if (d)
        closedir(d);
    return found;
}
