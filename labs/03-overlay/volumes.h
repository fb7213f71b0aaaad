/* volumes.h — data that outlives the container: bind mounts, named volumes,
 * tmpfs (lab 03).
 *
 * Docker offers three kinds of mounts ("Gestion de données"):
 *
 *   bind     a host directory or file, seen at a path of the container
 *            -v /host/dir:/data[:ro]   --mount type=bind,source=/host/dir,target=/data
 *   volume   a directory Docker manages, ROOT/volumes/<name>/_data, created on
 *            first use and filled from the image when empty
 *            -v name:/data   -v /data (anonymous)   --mount type=volume,source=name,target=/data
 *   tmpfs    memory only, gone when the container stops
 *            --tmpfs /run:size=64m,mode=1777   --mount type=tmpfs,target=/run,tmpfs-size=...
 *
 * The parsers are pure functions (no file system access); the other
 * functions act.  All return 0 or a negative errno, with a message in the
 * error slot that names the input.
 */
#ifndef MD_VOLUMES_H
#define MD_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "str.h"

enum vol_type { VOL_BIND = 1, VOL_VOLUME, VOL_TMPFS };

/* One mount of a container, whatever the syntax it came from. */
struct vol_spec {
    enum vol_type type;
    char *source;       /* bind: host path; volume: name, NULL when anonymous; tmpfs: NULL */
    char *target;       /* absolute path in the container */
    bool readonly;      /* :ro, readonly (never for tmpfs: it would stay empty) */
    bool nocopy;        /* volume: do not fill a new volume from the image (nocopy) */
    int64_t tmpfs_size; /* bytes; 0 = the kernel's default (half the RAM) */
    mode_t tmpfs_mode;  /* permissions of the tmpfs root; 0 = Docker's default, 01777 */
};

/* Parse `-v SPEC`: HOST:CTR[:OPTS], NAME:CTR[:OPTS] or CTR, where OPTS is a
 * comma list of ro, rw, nocopy (z and Z are accepted and ignored: SELinux).
 * HOST is absolute; NAME follows vol_check_name().  On success the caller
 * owns spec's strings (vol_spec_free()); on error spec is left empty, with
 * -EINVAL and "invalid volume specification '<arg>': <why>" in the slot. */
int vol_parse_volume(const char *arg, struct vol_spec *spec);

/* Parse `--mount type=bind|volume|tmpfs,source=..,target=..,readonly,...`:
 * keys type, source|src, target|destination|dst, readonly|ro[=true|false],
 * volume-nocopy, tmpfs-size, tmpfs-mode (octal).  type defaults to volume. */
int vol_parse_mount(const char *arg, struct vol_spec *spec);

/* Parse `--tmpfs CTR[:size=64m,mode=1777]` (rw is accepted: the default). */
int vol_parse_tmpfs(const char *arg, struct vol_spec *spec);

void vol_spec_free(struct vol_spec *spec);

/* Docker's volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters or more). */
int vol_check_name(const char *name);

/* ROOT/volumes/<name>/_data into buf (the name is checked). */
int vol_path(const char *root, const char *name, char *buf, size_t size);

/* Create the volume if it does not exist yet (Docker's `volume create` of an
 * existing name is not an error); *created says which (may be NULL). */
int vol_create(const char *root, const char *name, bool *created);

/* Remove the volume and its data; -ENOENT when there is none. */
int vol_remove(const char *root, const char *name);

/* Names of the volumes under ROOT, sorted, appended to names. */
int vol_list(const char *root, strv_t *names);

/* Does the directory hold nothing? 1 empty, 0 not empty, <0 error. */
int vol_is_empty(const char *dir);

/* Fill an empty volume with the image's content at the mount path: copy
 * from (a directory of the container's root) into data, keeping owners,
 * modes, mtimes and symlinks.  Does nothing when data is not empty or when
 * from does not exist. */
int vol_populate(const char *data, const char *from);

/* Bind src on dst (recursively: mounts under src come along).  readonly: the
 * whole tree really becomes read-only, for root too. */
int vol_bind(const char *src, const char *dst, bool readonly);

/* Mount a tmpfs on dst, nosuid,nodev,noexec as Docker does; size in bytes
 * (0 = default), mode of its root (0 = 01777). */
int vol_tmpfs(const char *dst, int64_t size, mode_t mode);

#endif
