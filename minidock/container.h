/* container.h — minidock's containers: what `create` records, what the
 * monitor runs, what the other verbs read (DESIGN.md §4, §5).
 *
 * A container is a directory ROOT/containers/<id>/ holding:
 *
 *   container.json   what the user asked for, in Docker's inspect shape:
 *                    Id, Created, Path, Args, Image ("sha256:<hex>", "" for
 *                    --rootfs), Name ("/web"), LogPath, Driver, Config{Hostname,
 *                    User, Env, Cmd, Entrypoint, Image (as typed), WorkingDir,
 *                    Labels, Volumes, Tty, OpenStdin, StopSignal, StopTimeout,
 *                    AttachStdin/Stdout/Stderr, StdinOnce}, HostConfig{
 *                    NetworkMode, RestartPolicy{Name, MaximumRetryCount},
 *                    AutoRemove, Privileged, CapAdd, CapDrop, SecurityOpt,
 *                    Init, Memory, MemorySwap, NanoCpus, CpuShares, PidsLimit,
 *                    Binds, Tmpfs, Mounts}, Mounts[{Type, Name, Source,
 *                    Destination, RW, Mode, Driver, Propagation}],
 *                    NetworkSettings{Networks, Ports}, GraphDriver, and
 *                    "Minidock": {"Rootfs": DIR} for containers run on a plain
 *                    directory.  Written once by create (rename changes Name).
 *   state.json       what is happening: Status (created, running, paused,
 *                    restarting, exited, dead), Running, Paused, Restarting,
 *                    OOMKilled, Dead, Pid, ExitCode, Error, StartedAt,
 *                    FinishedAt, plus MonitorPid, MonitorStart (start time of
 *                    the monitor in clock ticks, so a recycled pid is never
 *                    mistaken for it), PidStart, RestartCount, ManualStop.
 *   <id>-json.log    the container's output, Docker's json-file lines
 *   upper/ work/     the overlay's writable layer; rootfs/ its mount point
 *   attach.sock      the monitor's socket (while it runs)
 *
 * state.json is changed only under the container's lock, with
 * ctr_update_state(); readers use ctr_load(), which also notices a monitor
 * that died (killed with SIGKILL) and reports the container as exited.
 */
#ifndef MD_CONTAINER_H
#define MD_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroups.h"
#include "minidock.h"
#include "namespaces.h"
#include "store.h"
#include "str.h"
#include "volumes.h"

/* ---- options of create / run ------------------------------------------------------------- */

struct run_opts {
    struct ns_config cfg;
    struct cg_limits limits;
    strv_t env;      /* -e / --env-file, in order; the full environment at run time */
    strv_t argv;     /* the command at run time (ctr_runtime_config) */
    strv_t cap_add;  /* as typed, for HostConfig */
    strv_t cap_drop; /* as typed */
    strv_t security_opt;
    strv_t labels; /* K=V */
    const char *name;
    const char *network; /* NULL: none */
    bool interactive, tty, detach, rm;
    const char *entrypoint; /* --entrypoint; "" clears it */
    bool entrypoint_set;
    struct vol_spec *mounts; /* -v, --mount, --tmpfs in order */
    size_t nmounts;
    const char *restart; /* no | always | on-failure[:N] | unless-stopped */
    const char *stop_signal;
    int stop_timeout; /* -1: not set */
    const char *image;
    char **args; /* COMMAND [ARG...] after the image; NULL-terminated, may be empty */
    char id[65];
    char hostname[64];
    struct cg_host cg_host;
};

/* Parse create/run's options (verb names the command in messages).  Returns
 * 0, 1 for --help, or a negative errno. */
int run_parse_args(const char *verb, int argc, char **argv, struct run_opts *o);
void run_opts_free(struct run_opts *o);

/* -e K=V sets K; -e K copies K from our own environment, if set.  --env-file:
 * one K=V (or K) per line; blank lines and # comments skipped. */
int md_env_add(strv_t *env, const char *spec);
int md_env_add_file(strv_t *env, const char *path);

/* A signal by name or number: "TERM", "SIGTERM", "15", "RTMIN+3". */
int md_signal_parse(const char *text);

/* ---- containers on disk ------------------------------------------------------------------ */

struct ctr {
    char id[STORE_ID_LEN + 1];
    char name[256]; /* without the leading "/" */
    char dir[PATH_MAX];
    json_t *doc;   /* container.json */
    json_t *state; /* state.json, refreshed */
};

/* Open the container store under g's root. */
int ctr_store(const struct md_global *g, struct store *s);

/* Create a container from options: resolves the image, merges its config
 * (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts, Volumes), reserves
 * the name, creates anonymous and named volumes, writes container.json and
 * state.json (Status "created").  id receives the new id. */
int ctr_create(const struct md_global *g, struct run_opts *o, char id[STORE_ID_LEN + 1]);

/* Find and read a container by id, prefix or name.  Errors: "No such
 * container: REF". */
int ctr_load(struct store *s, const char *ref, struct ctr *c);
int ctr_load_id(struct store *s, const char *id, struct ctr *c);
void ctr_free(struct ctr *c);

/* Status string of a loaded container ("running", "exited"...). */
const char *ctr_status(const struct ctr *c);
bool ctr_is_running(const struct ctr *c); /* running, paused or restarting */

/* Under the container's lock: read state.json, set every key of changes on
 * it (changes is consumed), write it back.  Keys set to JSON null are removed. */
int ctr_update_state(const struct store *s, const char *id, json_t *changes);

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), or -1 when it does not exist. */
long long proc_start_time(pid_t pid);

/* Is the process recorded as (pid, start) still the same one? */
bool proc_alive(pid_t pid, long long start);

/* The container's cgroup name: "minidock/<id>". */
void ctr_cgroup_name(const char *id, char *buf, size_t size);

/* On a pure cgroup v2 host, a descriptor of the group's directory for
 * ns_config.cgroup_fd: the container is born in its group, and nobody pays
 * for moving it there (a write to cgroup.procs waits for an RCU grace period).
 * -1 elsewhere: v1 hierarchies need that write anyway, and one pays for all. */
int ctr_cgroup_fd(const struct cg_host *host, const struct cgroup *cg);

/* The ns_config, limits and mounts of a container, rebuilt from its
 * container.json (monitor and exec use this; strings point into c->doc or
 * into o's own vectors, freed by run_opts_free). */
int ctr_runtime_config(const struct ctr *c, struct run_opts *o);

/* Lower layer directories (bottom first) of a container's image; empty for a
 * --rootfs container. */
int ctr_layer_dirs(const struct md_global *g, const struct ctr *c, strv_t *dirs);

/* Remove a stopped container: its directory, its name, with -v its
 * anonymous volumes. */
int ctr_remove(const struct md_global *g, struct store *s, struct ctr *c, bool volumes);

/* rm -f: a running container is killed first (SIGKILL through its monitor,
 * or what is left in its cgroup when the monitor is gone), then removed
 * once its monitor has finished. */
int ctr_remove_force(const struct md_global *g, struct store *s, struct ctr *c, bool volumes);

/* The labels of the builder's RUN containers: the builder's pid and its
 * start time (proc_start_time), so that the next build removes the
 * containers of a builder that was killed.  Reserved: a container does not
 * inherit labels of this prefix from its image. */
#define BUILD_LABEL_PREFIX "minidock.build."
#define BUILD_PID_LABEL    BUILD_LABEL_PREFIX "pid"
#define BUILD_START_LABEL  BUILD_LABEL_PREFIX "start"

/* ctr_remove for the container's monitor, which has removed the cgroup
 * itself, without deleting the files: the container is gone for every other
 * command when it returns, and trash (store_retire) is left to remove_tree. */
int ctr_retire(const struct md_global *g, struct store *s, struct ctr *c, bool volumes, char *trash,
               size_t size);

/* Open path inside the root directory rootfd (O_PATH), creating what is
 * missing: directories, and the last component as an empty file when
 * want_file.  Every step resolves with RESOLVE_IN_ROOT, so symlinks in the
 * tree cannot lead outside it. */
int ctr_open_in_root(int rootfd, const char *path, bool want_file, int *out);

/* ---- the monitor ------------------------------------------------------------------------- */

/* Start a created or exited container: fork the monitor (which outlives us)
 * and wait until the container's command runs or fails.  attach_fd >= 0 is
 * our end of a socket the monitor treats as an attached client from the
 * first byte.  On a failure to execute the command, *exit_code is 125, 126 or
 * 127 as Docker's.  The monitor is a fork of the caller, not a new program:
 * call this from a single thread. */
int ctr_start(const struct md_global *g, struct store *s, const char *id, int attach_fd,
              int *exit_code);

/* ---- talking to the monitor: frames over the attach socket -------------------------------- */

enum frame_type {
    FRAME_STDIN = 0,  /* client -> monitor: input for the container */
    FRAME_STDOUT = 1, /* monitor -> client */
    FRAME_STDERR = 2,
    FRAME_EXIT = 3,      /* monitor -> client: the exit code, as decimal text */
    FRAME_RESIZE = 4,    /* client -> monitor: "ROWS COLS" */
    FRAME_STDIN_EOF = 5, /* client -> monitor: close the container's stdin */
    FRAME_SIGNAL = 6,    /* client -> monitor: signal number, as decimal text */
    FRAME_STOP = 7,      /* client -> monitor: stop with this timeout in seconds */
    FRAME_HELLO = 8,     /* client -> monitor: "stdin" to take input, "" for output only */
};

int frame_write(int fd, enum frame_type type, const void *data, size_t len);
/* Read one frame; *data is malloc'ed (NUL-terminated).  0 at EOF, 1 with a frame. */
int frame_read(int fd, enum frame_type *type, char **data, size_t *len);

/* Connect to a running container's monitor. */
int ctr_connect(const struct ctr *c, int *fd);

/* Relay between our terminal / stdio and a monitor connection until the
 * container exits (returns its exit code in *exit_code) or the user detaches
 * with Ctrl-P Ctrl-Q (*exit_code = -1).  stdin: send our input;
 * tty: raw mode and window size; sig_proxy: forward our signals. */
int ctr_attach_relay(int fd, bool stdin_, bool tty, bool sig_proxy, int *exit_code);

#endif
