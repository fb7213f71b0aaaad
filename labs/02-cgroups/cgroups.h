/* cgroups.h — control groups for containers (lab 02).
 *
 * A container's processes live in one control group, where the kernel counts
 * and limits what they use: memory (and swap), CPU time, number of tasks.
 * Linux has two hierarchies with different file names:
 *
 *   cgroup v1  one mount per controller: /sys/fs/cgroup/memory/<group>/memory.limit_in_bytes
 *   cgroup v2  one unified mount:        /sys/fs/cgroup/<group>/memory.max
 *   hybrid     v1 controllers, plus an (often empty) cgroup2 mount at /sys/fs/cgroup/unified
 *
 * cg_detect() finds out which one the host runs (MINIDOCK_CGROUP=v1|v2 forces a
 * mode, for teaching and testing); the rest of the API is the same everywhere.
 * In hybrid mode limits go to the v1 controllers, while the cgroup2 group is
 * used for what it offers without controllers: membership, freeze and kill.
 *
 * All functions return 0 or a negative errno, with a message in the error slot.
 */
#ifndef MD_CGROUPS_H
#define MD_CGROUPS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_mode { CG_MODE_NONE = 0, CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };

/* Controllers minidock uses.  In v1, cpu and cpuacct may share one mount. */
enum cg_controller { CG_CPU, CG_CPUACCT, CG_MEMORY, CG_PIDS, CG_FREEZER, CG_NCONTROLLERS };

struct cg_host {
    enum cg_mode mode;
    char unified[PATH_MAX];             /* cgroup2 mount point, "" if not used */
    char v1[CG_NCONTROLLERS][PATH_MAX]; /* v1 mount point per controller, "" if none */
    unsigned v2_controllers;            /* bit (1 << cg_controller) when enabled in v2 */
};

/* Detect the host's cgroup layout from /proc/self/mountinfo.  force is NULL,
 * "v1" or "v2" (the value of MINIDOCK_CGROUP).  cg_detect() reads the real
 * files; cg_detect_from() is the same over any mountinfo file (unit tests use a
 * fake cgroup tree in a temporary directory). */
int cg_detect(struct cg_host *host);
int cg_detect_from(struct cg_host *host, const char *mountinfo, const char *force);

const char *cg_mode_name(enum cg_mode mode);          /* "v1", "v2", "hybrid", "none" */
const char *cg_controller_name(enum cg_controller c); /* "memory", "cpu", ... */

/* Can limits / statistics of controller c be used on this host? */
bool cg_host_has(const struct cg_host *host, enum cg_controller c);

/* Mount point whose files serve controller c (its v1 mount, or the cgroup2
 * mount), or NULL when c is unavailable; *v2 tells which.  Hybrid hosts use v1
 * for everything except the freezer: cgroup.freeze is simpler and safer. */
const char *cg_host_mount(const struct cg_host *host, enum cg_controller c, bool *v2);

/* Limits, in Docker's units.  Zero means "not set". */
struct cg_limits {
    int64_t memory;       /* bytes (-m) */
    int64_t memory_swap;  /* memory + swap in bytes (--memory-swap); -1 = unlimited swap */
    int64_t cpu_quota_us; /* CPU time per period (--cpus 1.5 -> 150000 / 100000) */
    int64_t cpu_period_us;
    int64_t cpu_shares; /* v1 shares, 2..262144 (--cpu-shares); mapped to v2 cpu.weight */
    int64_t pids_max;   /* --pids-limit; -1 = unlimited */
};

/* Parse "--cpus 1.5" into quota and period. */
int cg_limits_set_cpus(struct cg_limits *limits, const char *cpus);

/* Map v1 cpu.shares (2..262144) to v2 cpu.weight (1..10000), as runc/crun do. */
uint64_t cg_shares_to_weight(uint64_t shares);

struct cg_stats {
    int64_t memory_usage; /* bytes in use now */
    int64_t memory_peak;  /* highest usage seen; -1 if the kernel does not say */
    int64_t memory_limit; /* bytes, -1 when unlimited */
    int64_t oom_kills;    /* processes killed by the OOM killer in this group */
    int64_t cpu_usage_ns; /* CPU time used */
    int64_t pids_current; /* tasks in the group */
};

struct cgroup; /* one group, in every hierarchy it lives in */

/* Create group `name` (a relative path such as "minidock/<id>") in every
 * hierarchy the host uses.  In v2, enables the needed controllers in the
 * parents' cgroup.subtree_control.  Fails with -EEXIST if it already exists. */
int cg_create(const struct cg_host *host, const char *name, struct cgroup **out);

/* Open an existing group (e.g. to pause a running container). */
int cg_open(const struct cg_host *host, const char *name, struct cgroup **out);

int cg_set_limits(struct cgroup *cg, const struct cg_limits *limits);
int cg_add_pid(struct cgroup *cg, pid_t pid);
int cg_read_stats(struct cgroup *cg, struct cg_stats *stats);

/* Freeze (true) or thaw (false) every process of the group; returns once the
 * kernel reports the new state. */
int cg_freeze(struct cgroup *cg, bool frozen);
int cg_is_frozen(struct cgroup *cg, bool *frozen);

/* Send sig to every process in the group (v2: cgroup.kill for SIGKILL). */
int cg_kill(struct cgroup *cg, int sig);

/* Number of processes in the group (0 once it is empty). */
int cg_count_procs(struct cgroup *cg, int *count);

/* Path of the group in one controller's hierarchy ("" if absent) and in the
 * cgroup2 hierarchy.  For graders, `info` and debugging. */
const char *cg_path(const struct cgroup *cg, enum cg_controller c);
const char *cg_unified_path(const struct cgroup *cg);

/* Remove the group from every hierarchy (it must be empty) and free cg.
 * cg_free() only frees the handle. */
int cg_destroy(struct cgroup *cg);
void cg_free(struct cgroup *cg);

/* rmdir `name` (e.g. "cgbox", the parent of the groups a tool creates) in every
 * hierarchy where it exists and is empty; a parent still in use is left alone.
 * For tools that leave nothing behind; minidock keeps its "minidock/". */
int cg_remove_if_empty(const struct cg_host *host, const char *name);

#endif
