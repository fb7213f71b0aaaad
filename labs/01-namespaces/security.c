/* security.c — locking the container in (lab 01, part 2).
 *
 * After namespaces.c has built the container's world, root inside it is
 * still the host's root with all its powers: it could load a kernel module,
 * mount the host's disk or reboot the machine.  This file takes those powers
 * away, in the order the kernel requires:
 *
 *   1. masked and read-only paths: /proc/kcore, /proc/sysrq-trigger... are
 *      hidden or frozen before anything can use them;
 *   2. the capability bounding set shrinks to Docker's 14, so that nothing
 *      executed later can get more (a root execve gets exactly this set);
 *   3. the process takes the container user's identity;
 *   4. the seccomp filter is loaded (while we still hold CAP_SYS_ADMIN, which
 *      loading needs when no_new_privs is off, as in Docker);
 *   5. the capability sets themselves are reduced, and no_new_privs is set
 *      on request.
 *
 * The filter itself is compiled earlier (sec_prepare): what the kernel runs at
 * each system call is a small BPF program, and turning the rules into it is
 * the slow part (about a millisecond of libseccomp work), best done while the
 * container builds its world (namespaces.c: by the parent, meanwhile).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "security.h"
#include "str.h"

/* ---------------------------------------------------------------------------
 * Configuration: defaults, capability names, --security-opt.
 * ------------------------------------------------------------------------- */

void sec_default(struct sec_config *sec)
{
    memset(sec, 0, sizeof(*sec));
    sec->caps = SEC_DEFAULT_CAPS;
    sec->seccomp = true;
}

int sec_last_cap(void)
{
    char buf[16];
    int64_t v;
    if (file_read_line("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) == 0 &&
        str_to_i64(buf, 0, 63, &v) == 0)
        return (int)v;
    return CAP_LAST_CAP;
}

int sec_cap_from_name(const char *name, int *cap)
{
    const char *n = name;
    if (strcasecmp(n, "ALL") == 0) {
        *cap = -1;
        return 0;
    }
    if (strncasecmp(n, "CAP_", 4) == 0)
        n += 4;
    char full[64];
    snprintf(full, sizeof(full), "cap_%s", n);
    for (char *c = full; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    cap_value_t v;
    if (cap_from_name(full, &v) < 0)
        return err_setx(EINVAL, "unknown capability '%s'", name);
    *cap = v;
    return 0;
}

static uint64_t all_caps(void)
{
    int last = sec_last_cap();
    return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

int sec_cap_add(struct sec_config *sec, const char *name)
{
    int cap, r = sec_cap_from_name(name, &cap);
    if (r < 0)
        return r;
    sec->caps |= cap < 0 ? all_caps() : 1ULL << cap;
    return 0;
}

int sec_cap_drop(struct sec_config *sec, const char *name)
{
    int cap, r = sec_cap_from_name(name, &cap);
    if (r < 0)
        return r;
    sec->caps &= cap < 0 ? 0 : ~(1ULL << cap);
    return 0;
}

int sec_parse_opt(struct sec_config *sec, const char *opt)
{
    if (strcmp(opt, "seccomp=unconfined") == 0 || strcmp(opt, "seccomp:unconfined") == 0)
        sec->seccomp = false;
    else if (strcmp(opt, "no-new-privileges") == 0 || strcmp(opt, "no-new-privileges:true") == 0 ||
             strcmp(opt, "no-new-privileges=true") == 0)
        sec->no_new_privs = true;
    else if (strcmp(opt, "no-new-privileges:false") == 0 ||
             strcmp(opt, "no-new-privileges=false") == 0)
        sec->no_new_privs = false;
    else if (strcmp(opt, "privileged") == 0)
        sec->privileged = true;
    else
        return err_setx(EINVAL,
                        "invalid --security-opt '%s' (expected seccomp=unconfined or "
                        "no-new-privileges)",
                        opt);
    return 0;
}

/* ---------------------------------------------------------------------------
 * --user: names are looked up in the container's files, not the host's.
 * ------------------------------------------------------------------------- */

/* Find a line of passwd/group whose first field (name) or third (id) matches. */
static int find_entry(const char *file, const char *key, char *fields[7], char *line, size_t size)
{
    FILE *f = fopen(file, "re");
    if (!f)
        return -errno;
    int found = -ENOENT;
    while (fgets(line, (int)size, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *save = NULL, *p = line;
        int n = 0;
        for (char *tok = strsep(&p, ":"); tok && n < 7; tok = strsep(&p, ":"))
            fields[n++] = tok;
        (void)save;
        if (n >= 3 && (strcmp(fields[0], key) == 0 || strcmp(fields[2], key) == 0)) {
            for (int i = n; i < 7; i++)
                fields[i] = "";
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

/* A user or group id as Docker takes it: digits, at most 4294967294 (the
 * last value, (uid_t)-1, means "no change" to the kernel). */
static bool is_number(const char *s)
{
    if (!*s || strlen(s) > 10)
        return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return strtoull(s, NULL, 10) < 4294967295ULL;
}

int sec_resolve_user(const char *etc_dir, const char *spec, uid_t *uid, gid_t *gid, char *home,
                     size_t home_size)
{
    char user[256], passwd[512], group[512], line[1024];
    char *fields[7];
    const char *grp = NULL;

    snprintf(user, sizeof(user), "%s", spec);
    char *colon = strchr(user, ':');
    if (colon) {
        *colon = '\0';
        grp = colon + 1;
    }
    snprintf(passwd, sizeof(passwd), "%s/passwd", etc_dir);
    snprintf(group, sizeof(group), "%s/group", etc_dir);
    snprintf(home, home_size, "/");
    *gid = 0;

    if (!*user)
        return err_setx(EINVAL, "invalid user '%s'", spec);
    if (find_entry(passwd, user, fields, line, sizeof(line)) == 0) {
        *uid = (uid_t)strtoul(fields[2], NULL, 10);
        *gid = (gid_t)strtoul(fields[3], NULL, 10);
        if (*fields[5])
            snprintf(home, home_size, "%s", fields[5]);
    } else if (is_number(user)) {
        *uid = (uid_t)strtoul(user, NULL, 10);
    } else {
        return err_setx(ENOENT, "unable to find user %s: no matching entries in passwd file", user);
    }

    if (!grp)
        return 0;
    if (find_entry(group, grp, fields, line, sizeof(line)) == 0)
        *gid = (gid_t)strtoul(fields[2], NULL, 10);
    else if (is_number(grp))
        *gid = (gid_t)strtoul(grp, NULL, 10);
    else
        return err_setx(ENOENT, "unable to find group %s: no matching entries in group file", grp);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Step 1: masked and read-only paths.
 * ------------------------------------------------------------------------- */

/* Files that describe or control the host: hidden behind /dev/null (files)
 * or an empty read-only tmpfs (directories). */
const char *const sec_masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    NULL,
};

/* Kernel tunables the container may read but not change. */
const char *const sec_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static int mask_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "stat %s", path);
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") < 0)
            return err_set(errno, "mask %s", path);
    } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        return err_set(errno, "mask %s", path);
    }
    return 0;
}

/* A bind mount of a path onto itself, then a remount that adds MS_RDONLY.
 * The remount must repeat the flags the mount already has (nosuid...): in a
 * user namespace the kernel refuses to clear them. */
static int make_readonly(const char *path)
{
    struct statvfs sv;
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "bind %s", path);
    if (statvfs(path, &sv) < 0)
        return err_set(errno, "statvfs %s", path);
    unsigned long keep = sv.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
        return err_set(errno, "make %s read-only", path);
    return 0;
}

int sec_protect_paths(const struct sec_config *sec)
{
    /* LAB(1): hide the masked paths and freeze the read-only ones */
    int r = 0;
    for (size_t i = 0; sec_masked_paths[i] && r == 0; i++)
        r = mask_path(sec_masked_paths[i]);
    for (size_t i = 0; sec_readonly_paths[i] && r == 0; i++)
        r = make_readonly(sec_readonly_paths[i]);
    return r;
    /* END LAB */
}

/* ---------------------------------------------------------------------------
 * Steps 2-5: bounding set, identity, seccomp, capabilities, no_new_privs.
 * ------------------------------------------------------------------------- */

/* Remove from the bounding set every capability we do not keep: no execve
 * can give them back, not even of a setuid-root program. */
static int drop_bounding_set(uint64_t keep)
{
    /* LAB(1): drop every capability not in keep from the bounding set */
    int last = sec_last_cap();
    for (int cap = 0; cap <= last; cap++) {
        if (keep & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return err_set(errno, "drop capability %d from the bounding set", cap);
    }
    return 0;
    /* END LAB */
}

/* Become uid:gid without losing our capabilities yet (PR_SET_KEEPCAPS):
 * the later steps still need them. */
static int switch_user(uid_t uid, gid_t gid)
{
    if (setgroups(1, &gid) < 0)
        return err_set(errno, "setgroups %u", gid);
    if (setresgid(gid, gid, gid) < 0)
        return err_set(errno, "setgid %u", gid);
    if (uid == 0)
        return 0;
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return err_set(errno, "keep capabilities");
    if (setresuid(uid, uid, uid) < 0)
        return err_set(errno, "setuid %u", uid);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return 0;
}

/* Set the permitted and effective sets to `caps` (inheritable and ambient
 * empty, as in Docker). */
static int set_capabilities(uint64_t caps)
{
    int r = 0, last = sec_last_cap();
    cap_t c = cap_init();
    if (!c)
        return err_set(errno, "cap_init");
    for (int cap = 0; cap <= last; cap++) {
        if (!(caps & (1ULL << cap)))
            continue;
        cap_value_t v = cap;
        if (cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
            cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0) {
            r = err_set(errno, "cap_set_flag");
            goto out;
        }
    }
    if (cap_set_proc(c) < 0)
        r = err_set(errno, "set capabilities");
    else
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
out:
    cap_free(c);
    return r;
}

/* Permitted capabilities as a mask. */
static uint64_t permitted_caps(void)
{
    uint64_t mask = 0;
    int last = sec_last_cap();
    cap_t c = cap_get_proc();
    if (!c)
        return 0;
    for (int cap = 0; cap <= last; cap++) {
        cap_flag_value_t v;
        if (cap_get_flag(c, cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
            mask |= 1ULL << cap;
    }
    cap_free(c);
    return mask;
}

/* The capabilities the container keeps: we cannot hand out capabilities we
 * do not hold ourselves. */
static uint64_t kept_caps(const struct sec_config *sec)
{
    return (sec->privileged ? all_caps() : sec->caps) & permitted_caps();
}

/* seccomp(2) takes the compiled program; without no_new_privs, the kernel
 * accepts it only from a holder of CAP_SYS_ADMIN. */
static int load_filter(const struct sec_filter *f)
{
    struct sock_fprog prog = {.len = f->len, .filter = f->insns};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return err_set(errno, "load the seccomp filter");
    return 0;
}

int sec_apply(const struct sec_config *sec, const struct sec_filter *filter, uid_t uid, gid_t gid)
{
    uint64_t keep = kept_caps(sec);
    int r = drop_bounding_set(keep);
    if (r == 0)
        r = switch_user(uid, gid);
    if (r == 0 && uid != 0)
        r = set_capabilities(permitted_caps()); /* effective again, for seccomp */
    if (r == 0 && sec->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        r = err_set(errno, "set no_new_privs");
    if (r == 0 && filter->len)
        r = load_filter(filter);
    if (r == 0)
        r = set_capabilities(keep);
    return r;
}

/* ---------------------------------------------------------------------------
 * The seccomp profile.
 *
 * An allow-list in the spirit of Docker's default profile: everything an
 * ordinary program needs is allowed, and any other system call fails with
 * EPERM.  Left out on purpose: mount family, unshare, setns, keyctl, bpf,
 * perf_event_open, open_by_handle_at, kexec, module loading, reboot, swapon,
 * clock setting, ptrace of other processes' memory (process_vm_*), and so on.
 * ------------------------------------------------------------------------- */

const char *const sec_syscalls_default[] = {
    /* files and descriptors */
    "access",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "close",
    "close_range",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "getcwd",
    "getdents",
    "getdents64",
    "getxattr",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "_llseek",
    "lstat",
    "lstat64",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pipe",
    "pipe2",
    "pread64",
    "preadv",
    "preadv2",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "rmdir",
    "sendfile",
    "sendfile64",
    "setxattr",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "tee",
    "truncate",
    "truncate64",
    "umask",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vmsplice",
    "write",
    "writev",
    "memfd_create",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "fanotify_mark",
    "ioctl",
    "chroot",
    /* waiting and events */
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "futex",
    "futex_time64",
    "futex_waitv",
    "get_robust_list",
    "set_robust_list",
    "pause",
    "poll",
    "ppoll",
    "ppoll_time64",
    "pselect6",
    "pselect6_time64",
    "select",
    "_newselect",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "io_setup",
    "io_submit",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    /* memory */
    "brk",
    "madvise",
    "membarrier",
    "mincore",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mremap",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "remap_file_pages",
    "get_mempolicy",
    "set_mempolicy",
    "mbind",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    /* processes and threads */
    "arch_prctl",
    "capget",
    "capset",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "fork",
    "vfork",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "getrusage",
    "getsid",
    "gettid",
    "getuid",
    "getuid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getegid",
    "getegid32",
    "getgroups",
    "getgroups32",
    "kill",
    "tkill",
    "tgkill",
    "pidfd_open",
    "pidfd_send_signal",
    "pidfd_getfd",
    "prctl",
    "prlimit64",
    "rseq",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "setsid",
    "setuid",
    "setuid32",
    "set_tid_address",
    "set_thread_area",
    "get_thread_area",
    "ugetrlimit",
    "wait4",
    "waitid",
    "waitpid",
    "ioprio_get",
    "ioprio_set",
    "sethostname",
    "setdomainname",
    "uname",
    "sysinfo",
    "times",
    "syslog",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    /* signals */
    "alarm",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sigaction",
    "sigaltstack",
    "signal",
    "sigpending",
    "sigprocmask",
    "sigreturn",
    "sigsuspend",
    "restart_syscall",
    /* time */
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "gettimeofday",
    "getitimer",
    "setitimer",
    "nanosleep",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    /* sockets */
    "accept",
    "accept4",
    "bind",
    "connect",
    "getpeername",
    "getsockname",
    "getsockopt",
    "listen",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "send",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setsockopt",
    "shutdown",
    "socket",
    "socketcall",
    "socketpair",
    /* System V and POSIX IPC (the container has its own IPC namespace) */
    "ipc",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    NULL,
};

/* Allowed only with CAP_SYS_ADMIN (e.g. --cap-add SYS_ADMIN), as in Docker. */
const char *const sec_syscalls_sys_admin[] = {
    "mount",
    "umount",
    "umount2",
    "unshare",
    "setns",
    "pivot_root",
    "name_to_handle_at",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "quotactl",
    "lookup_dcookie",
    "perf_event_open",
    "bpf",
    "clone3",
    NULL,
};

const char *const sec_syscalls_sys_ptrace[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", NULL,
};

static int allow_names(scmp_filter_ctx ctx, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue; /* not a system call on this architecture */
        int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (r < 0 && r != -EEXIST)
            return err_set(-r, "seccomp: allow %s", names[i]);
    }
    return 0;
}

/* clone is allowed only without namespace flags: a container must not make
 * itself new namespaces.  clone3 passes its flags in memory the filter cannot
 * read, so it gets ENOSYS and the C library falls back to clone. */
static int restrict_clone(scmp_filter_ctx ctx, bool sys_admin)
{
    const uint64_t ns_flags = SEC_CLONE_NS_FLAGS;
    int r;
    if (sys_admin)
        return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 0);
    r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags, 0));
    if (r == 0)
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    return r;
}

/* personality() only with the harmless values programs use. */
static int restrict_personality(scmp_filter_ctx ctx)
{
    static const uint64_t ok[] = {0x0, 0x0008, 0x20000, 0x20008, 0xffffffff};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                                 SCMP_A0(SCMP_CMP_EQ, ok[i]));
        if (r < 0)
            return r;
    }
    return 0;
}

int sec_build_seccomp(uint64_t caps, scmp_filter_ctx *out)
{
    /* LAB(1): build the allow-list filter with libseccomp */
    bool sys_admin = caps & (1ULL << CAP_SYS_ADMIN);
    int r;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!ctx)
        return err_setx(ENOMEM, "seccomp_init failed");
    r = allow_names(ctx, sec_syscalls_default);
    if (r == 0 && sys_admin)
        r = allow_names(ctx, sec_syscalls_sys_admin);
    if (r == 0 && (caps & (1ULL << CAP_SYS_PTRACE)))
        r = allow_names(ctx, sec_syscalls_sys_ptrace);
    if (r == 0 && (r = restrict_clone(ctx, sys_admin)) < 0)
        r = err_set(-r, "seccomp: clone rule");
    if (r == 0 && (r = restrict_personality(ctx)) < 0)
        r = err_set(-r, "seccomp: personality rule");
    if (r < 0) {
        seccomp_release(ctx);
        return r;
    }
    *out = ctx;
    return 0;
    /* END LAB */
}

/* libseccomp writes the BPF program it compiles to a file descriptor: an
 * anonymous file in memory (memfd) gives it back to us as an array. */
static int compile_filter(scmp_filter_ctx ctx, struct sec_filter *f)
{
    struct stat st;
    int r, fd = memfd_create("seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "seccomp: memfd_create");
    if ((r = seccomp_export_bpf(ctx, fd)) < 0)
        r = err_set(-r, "seccomp: compile the filter");
    else if (fstat(fd, &st) < 0)
        r = err_set(errno, "seccomp: stat the filter");
    else if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) ||
             st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
        r = err_setx(E2BIG, "seccomp: a filter of %lld bytes", (long long)st.st_size);
    else if (!(f->insns = malloc((size_t)st.st_size)))
        r = err_set(ENOMEM, "seccomp filter");
    else if (pread(fd, f->insns, (size_t)st.st_size, 0) != st.st_size)
        r = err_set(errno ? errno : EIO, "seccomp: read the filter");
    else
        f->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
    close(fd);
    return r;
}

int sec_prepare(const struct sec_config *sec, struct sec_filter *filter)
{
    scmp_filter_ctx ctx = NULL;
    memset(filter, 0, sizeof(*filter));
    if (!sec->seccomp || sec->privileged)
        return 0;
    int r = sec_build_seccomp(kept_caps(sec), &ctx);
    if (r == 0)
        r = compile_filter(ctx, filter);
    if (ctx)
        seccomp_release(ctx);
    if (r < 0)
        sec_filter_free(filter);
    return r;
}

void sec_filter_free(struct sec_filter *filter)
{
    free(filter->insns);
    filter->insns = NULL;
    filter->len = 0;
}
