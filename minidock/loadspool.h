/* loadspool.h — the spool of `minidock load` (loadspool.c), used by load.c. */
#ifndef MINIDOCK_LOADSPOOL_H
#define MINIDOCK_LOADSPOOL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "image.h"
#include "layer.h"

struct entry {
    char *name;           /* clean name in the archive: "blobs/sha256/<hex>" */
    char *link;           /* a symlink or hard link: the (clean) name it stands for */
    char file[PATH_MAX];  /* its copy in the spool directory */
    bool checked, stored; /* layer: hashed (and recompressed if needed); moved into blobs/ */
    char original[LAYER_DIGEST_LEN]; /* layer: the digest of the bytes as archived */
    char blob[PATH_MAX];     /* layer: the gzip file to store (file, or a recompressed copy) */
    struct layer_info layer; /* layer: what it is as stored */
};

struct loader {
    const char *source; /* the archive, for messages: FILE or "stdin" */
    struct image_store *st;
    char spool[PATH_MAX]; /* ROOT/images/.tmp-load-XXXXXX */
    int spool_fd;         /* flock'ed while we use it */
    struct entry *e;
    size_t n;
};

/* Make the spool directory under root's image store (after removing the
 * spools of loads that died) and flock it. */
int spool_open(struct loader *ld, const char *root);
/* Copy every entry of the tar at fd into the spool. */
int spool_archive(struct loader *ld, int fd);
/* The entry called name, following links; NULL if none. */
struct entry *find_entry(struct loader *ld, const char *name);
/* Remove the spool and free the entries. */
void loader_close(struct loader *ld);

#endif
