/* copy.h — copying files between the host and container roots (cp, build),
 * and storing an overlay upper directory as a layer (commit, build). */
#ifndef MD_COPY_H
#define MD_COPY_H

#include <stdbool.h>
#include <sys/types.h>

#include "image.h"
#include "minidock.h"

struct cp_opts {
    bool archive; /* -a: keep uid and gid */
    bool follow;  /* -L: follow a symlink named by SRC */
    bool chown;   /* set uid:gid on everything copied (COPY --chown, and root by default) */
    uid_t uid;
    gid_t gid;
    bool chmod; /* give every file and directory copied this mode (COPY --chmod) */
    mode_t mode;
};

/* Copy spath to dpath with `docker cp`'s rules.  Each side is resolved
 * inside its root directory (src_root, dst_root: O_PATH descriptors), or on
 * the host when the root is -1.  label names the container in messages. */
int md_copy_path(int src_root, const char *spath, int dst_root, const char *dpath,
                 const char *label, const struct cp_opts *o);

/* Turn an overlay upper directory into a gzip layer blob stored under its
 * digest; *info gets its digest, size and diff_id.  Hold the store's lock
 * until image_add() references the blob. */
int md_store_upper_layer(const struct md_global *g, struct image_store *st, const char *upper,
                         struct layer_info *info);

#endif
