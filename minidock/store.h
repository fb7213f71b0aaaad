/* store.h — where minidock keeps its containers (DESIGN.md §4).
 *
 *   ROOT/containers/<id>/container.json   what the user asked for (Docker's Config, HostConfig)
 *   ROOT/containers/<id>/state.json       what is happening (status, pid, exit code, times)
 *   ROOT/containers/.names/<name> -> <id> one symlink per name: symlink(2) is atomic,
 *                                         so two commands cannot take the same name
 *
 * Every write is atomic (temporary file, fsync, rename); changes to a
 * container go under its lock (flock on <id>/lock), so readers never see
 * half-written state and two minidock commands do not overwrite each other.
 *
 * Durability is the one thing a `run --rm` container does without: its record
 * is deleted when it exits, usually milliseconds after it was written, and
 * its writable layer goes with it, so nothing of it has to survive a machine
 * crash.  Its writes skip the fsyncs (sync = false: half of the fsyncs of a
 * run, ~2 ms).  After a crash its record may be missing or torn: ps then skips
 * it, and rm still removes it (store_remove needs only the directory).
 */
#ifndef MD_STORE_H
#define MD_STORE_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "str.h"

#define STORE_ID_LEN 64

struct store {
    char dir[PATH_MAX];   /* ROOT/containers */
    char names[PATH_MAX]; /* ROOT/containers/.names */
    bool sync;            /* fsync what we write (store_open: true); false for --rm */
};

int store_open(const char *root, struct store *s);

/* 64 random hex digits: container ids, anonymous volume names. */
int store_random_id(char id[STORE_ID_LEN + 1]);

/* A new container: a fresh 64-hex id, its directory, its name reserved
 * (name NULL: a generated adjective_surname).  Fails with -EEXIST and Docker's
 * message when the name is taken. */
int store_create(struct store *s, const char *name, char id[STORE_ID_LEN + 1], char *name_out,
                 size_t name_size);

/* Find a container by full id, unique id prefix, or name ("web" or "/web"). */
int store_resolve(struct store *s, const char *ref, char id[STORE_ID_LEN + 1]);

/* Path of a file in a container's directory. */
void store_path(const struct store *s, const char *id, const char *file, char *out, size_t size);

/* Read / write one of the container's JSON documents atomically. */
int store_read_json(const struct store *s, const char *id, const char *file, json_t **out);
int store_write_json(const struct store *s, const char *id, const char *file, json_t *doc);

/* The container's name, read back from its reservation. */
int store_name_of(const struct store *s, const char *id, char *name, size_t size);

/* Take / release the container's lock (blocking). */
int store_lock(const struct store *s, const char *id, int *fd);
void store_unlock(int fd);

/* Rename a container (the new name must be free). */
int store_rename(struct store *s, const char *id, const char *new_name);

/* Every container id, oldest first (by creation time). */
int store_list(const struct store *s, strv_t *ids);

/* Remove the container's directory and name. */
int store_remove(struct store *s, const char *id);

/* Its first half: the container leaves the store at once (its directory is
 * renamed to trash, ROOT/containers/.removing-<id>, and its name is freed);
 * deleting the files (remove_tree(trash)) can come later. */
int store_retire(struct store *s, const char *id, char *trash, size_t size);

/* "2026-11-28T03:20:00.123456789Z" for a Unix time with nanoseconds. */
void store_timestamp(char *buf, size_t size, double unix_time);
/* And back; returns 0 or -EINVAL. */
int store_parse_timestamp(const char *text, double *unix_time);

#endif
