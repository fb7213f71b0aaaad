/* overlay.h — layered root file systems with overlayfs (lab 03).
 *
 * An image is a stack of read-only layers; a container adds one writable layer
 * on top.  overlayfs merges them into one tree:
 *
 *   lowerdir=L1:L2:...  read-only layers, the first one on top (wins)
 *   upperdir=U          the container's writable layer: every change lands here
 *   workdir=W           overlayfs's scratch directory, on the same file system as U
 *
 * A change in U is one of: a new or copied-up file (copy-up), a whiteout (a
 * character device 0/0: "this name is deleted"), or an opaque directory (xattr
 * trusted.overlay.opaque=y: "hide everything below me").  This module mounts
 * the stack, lists the changes like `docker diff`, and turns U into an OCI
 * layer tar.
 *
 * All functions return 0 or a negative errno, with a message in the error slot.
 */
#ifndef MD_OVERLAY_H
#define MD_OVERLAY_H

#include <stddef.h>

/* mount(2) copies at most one page of options: a longer lowerdir= fails. */
#define OVL_MOUNT_DATA_MAX 4096

/* Write "lowerdir=L1:L2,upperdir=U,workdir=W" into buf.  upper and work may be
 * NULL (a read-only stack of lowers).  -E2BIG when the string does not fit in
 * size bytes; -EINVAL when a path holds ',' ':' or '\' (overlayfs separators)
 * or no lower is given. */
int ovl_mount_options(char *buf, size_t size, const char *const *lowers, size_t n_lowers,
                      const char *upper, const char *work);

/* Mount an overlay on target.  lowers are ordered top first (as lowerdir=).
 * When the absolute paths do not fit in one page, the lowers are passed by
 * file descriptor, as /proc/self/fd/N (see overlay.c).
 * upper and work: both or neither (NULL = read-only mount). */
int ovl_mount(const char *const *lowers, size_t n_lowers, const char *upper, const char *work,
              const char *target);

/* The same for an upper that is thrown away after use (a `run --rm`
 * container): mounted "volatile", so that the unmount does not sync the host
 * file system below it.  Falls back to ovl_mount on kernels before 5.10. */
int ovl_mount_volatile(const char *const *lowers, size_t n_lowers, const char *upper,
                       const char *work, const char *target);

/* Unmount target (lazily if busy). */
int ovl_umount(const char *target);

/* Whiteouts and opaque directories, as overlayfs writes them in an upper. */
int ovl_is_whiteout(const char *path);   /* 1 yes, 0 no, <0 error */
int ovl_is_opaque_dir(const char *path); /* 1 yes, 0 no, <0 error */

/* One change, as `docker diff` prints it: kind 'A' (added), 'C' (changed) or
 * 'D' (deleted); path is absolute in the container ("/etc/passwd") and only
 * valid during the call (copy it to keep it). */
typedef int (*ovl_change_fn)(char kind, const char *path, void *arg);

/* The changes in upper compared with lowers (top first), sorted by path like
 * Docker, passed one by one to fn; a non-zero return from fn stops the walk
 * and is returned.  Deleted files (whiteouts, and the lower entries hidden by
 * an opaque directory) are 'D'; entries that exist below and directories
 * leading to a change are 'C'; the rest is 'A'. */
int ovl_diff(const char *upper, const char *const *lowers, size_t n_lowers, ovl_change_fn fn,
             void *arg);

/* Write upper as an uncompressed OCI layer (a pax tar) to out_fd, which stays
 * open and owned by the caller.  Entries are in sorted order; whiteouts become
 * empty regular files ".wh.<name>", opaque directories get a ".wh..wh..opq"
 * entry; owners, modes, mtimes, symlinks, hard links and xattrs (except
 * overlay's own) are kept.  Sockets are skipped, as Docker does. */
int ovl_write_layer(const char *upper, int out_fd);

#endif
