/* namespaces.c — a container runtime in one file (lab 01).
 *
 * A container is an ordinary process that the kernel shows a different world:
 *
 *   1. clone() creates the child in new namespaces: mount (its own mount
 *      table), UTS (its own hostname), IPC, PID (it is PID 1), network (only a
 *      loopback interface) and, on request, user (root inside, nobody outside).
 *   2. The parent finishes what the child cannot do for itself: it writes the
 *      user id maps and says "ready" over a socketpair, then puts the child in
 *      its cgroup and says "go".
 *   3. Between the two, the child builds its world: it makes every mount
 *      private so nothing leaks to the host, mounts /proc, /dev and /sys
 *      inside the new root, swaps roots with pivot_root and detaches the old
 *      one, brings up lo, masks paths.  Meanwhile the parent moves it into
 *      its cgroup, which is slow (the kernel waits for an RCU grace period,
 *      5-10 ms), and compiles its seccomp filter (about a millisecond): the
 *      jobs overlap instead of adding up.
 *   4. After "go", the child is in its cgroup: it locks itself in
 *      (security.c: capabilities, seccomp).
 *   5. It executes the command.  The socket is close-on-exec: when the parent
 *      reads end-of-file, the command is running.  Any error before that is
 *      sent to the parent as a frame, so the user sees what went wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "namespaces.h"

#define CHILD_STACK_SIZE (1024 * 1024)
#define DEFAULT_PATH     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---------------------------------------------------------------------------
 * Frames: how the child talks to the parent before execve.
 * ------------------------------------------------------------------------- */

enum frame_type { FRAME_ERROR = 1, FRAME_CONSOLE = 2 };

struct frame {
    int type;
    int exit_code; /* FRAME_ERROR: 125, 126 or 127 */
    int errnum;
    char msg[1024];
};

/* Child side: report an error and exit.  The message is already complete. */
static void __attribute__((noreturn)) child_fail(int sock, int exit_code, int errnum)
{
    struct frame f = {.type = FRAME_ERROR, .exit_code = exit_code, .errnum = errnum};
    snprintf(f.msg, sizeof(f.msg), "%s", err_msg());
    (void)!send(sock, &f, sizeof(f), MSG_NOSIGNAL);
    _exit(exit_code);
}

/* Child side: pass a file descriptor (the pty master) to the parent.  A
 * descriptor is only a number in our own table: the kernel copies the open
 * file itself into the receiver's table when it rides along a Unix socket
 * message as SCM_RIGHTS (fd_send in lib/file.c). */
static int send_fd(int sock, int fd)
{
    struct frame f = {.type = FRAME_CONSOLE};
    int r = fd_send(sock, &f, sizeof(f), fd);
    return r < 0 ? err_set(-r, "send the console to the parent") : 0;
}

/* Parent side: read one frame; returns its size (0 at end of file) and the
 * passed descriptor, if any, in *fd. */
static ssize_t recv_frame(int sock, struct frame *f, int *fd)
{
    return fd_recv(sock, f, sizeof(*f), fd);
}

/* ---------------------------------------------------------------------------
 * The child's steps, in the order it takes them.
 * ------------------------------------------------------------------------- */

/* The seccomp filter goes from the parent to the child through memory they
 * share (a MAP_SHARED mapping is shared by clone(), not copied): the parent
 * compiles it while the child builds its world, and it is there when the
 * parent says "go". */
struct shared_filter {
    unsigned short len;
    struct sock_filter insns[BPF_MAXINSNS];
};

struct child_args {
    const struct ns_config *cfg;
    int sock;
    const struct shared_filter *filter;
};

/* One byte from the parent: "ready" (r), then "go" (g). */
static int wait_for_parent(int sock)
{
    char word;
    ssize_t n;
    do
        n = read(sock, &word, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        return err_setx(EPIPE, "the parent went away before the container started");
    return 0;
}

/* In a new user namespace we start as an unmapped user; now that the parent
 * wrote the maps, become the namespace's root. */
static int become_root_in_userns(void)
{
    if (setresgid(0, 0, 0) < 0)
        return err_set(errno, "setresgid(0) in the user namespace");
    if (setresuid(0, 0, 0) < 0)
        return err_set(errno, "setresuid(0) in the user namespace");
    return 0;
}

/* The parent placed us in our cgroup ("go"): a new cgroup namespace makes
 * that group the root of what the container sees in /proc/self/cgroup. */
static int enter_cgroup_namespace(void)
{
    if (unshare(CLONE_NEWCGROUP) < 0 && errno != EINVAL)
        return err_set(errno, "unshare the cgroup namespace");
    return 0;
}

static int set_hostname(const char *name)
{
    /* LAB(1): give the new UTS namespace its own hostname */
    if (name && sethostname(name, strlen(name)) < 0)
        return err_set(errno, "sethostname '%s'", name);
    return 0;
    /* END LAB */
}

/* Our mount namespace starts as a copy of the host's, and with shared
 * propagation every mount we make would appear on the host too.  Making the
 * whole tree private first is what keeps the container's mounts inside. */
static int make_mounts_private(void)
{
    /* LAB(1): make every mount of the new namespace private, recursively */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return err_set(errno, "make / private");
    return 0;
    /* END LAB */
}

/* mount(2) on a path inside the new root, created if missing.  This runs
 * before pivot_root (in a user namespace the kernel only lets us mount proc
 * and sysfs while a full /proc is still visible), so a symbolic link planted
 * in the rootfs at /proc or /dev could send the mount onto the host: refuse
 * mount points that are links. */
static int mount_at(const char *root, const char *target, const char *src, const char *fstype,
                    unsigned long flags, const char *data)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof(path), "%s%s", root, target);
    if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
        return err_setx(ENOTDIR, "rootfs: %s is not a directory; refusing to mount on it", target);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return err_set(errno, "mkdir %s", target);
    if (mount(src, path, fstype, flags, data) < 0)
        return err_set(errno, "mount %s on %s", fstype ? fstype : src, target);
    return 0;
}

/* A PID namespace shows its own processes only through a procfs mounted from
 * inside it: the host's /proc still lists the host's processes. */
static int mount_proc(const char *root)
{
    /* LAB(1): mount a fresh /proc for the new PID namespace */
    return mount_at(root, "/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
    /* END LAB */
}

static const struct {
    const char *name;
    unsigned major, minor;
} std_devices[] = {
    {"null", 1, 3}, {"zero", 1, 5},   {"full", 1, 7},
    {"tty", 5, 0},  {"random", 1, 8}, {"urandom", 1, 9},
};

/* One device node in the container's /dev.  In a user namespace mknod is
 * refused, so the host's node is bind-mounted over an empty file instead. */
static int make_device(const char *dev, const char *name, unsigned major, unsigned minor,
                       bool user_ns)
{
    char path[PATH_MAX], host[64];
    snprintf(path, sizeof(path), "%s/%s", dev, name);
    if (!user_ns) {
        if (mknod(path, S_IFCHR | 0666, makedev(major, minor)) < 0)
            return err_set(errno, "mknod /dev/%s", name);
        return chmod(path, 0666) < 0 ? err_set(errno, "chmod /dev/%s", name) : 0;
    }
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0)
        return err_set(errno, "create /dev/%s", name);
    close(fd);
    snprintf(host, sizeof(host), "/dev/%s", name);
    if (mount(host, path, NULL, MS_BIND, NULL) < 0)
        return err_set(errno, "bind %s", host);
    return 0;
}

/* /dev is a small tmpfs holding only harmless devices: the host's disks,
 * memory and consoles stay out of reach. */
static int mount_dev(const char *root, bool user_ns)
{
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
    };
    char dev[PATH_MAX], path[PATH_MAX];
    int r = mount_at(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                     "mode=755,size=65536k");
    snprintf(dev, sizeof(dev), "%s/dev", root);
    for (size_t i = 0; i < sizeof(std_devices) / sizeof(std_devices[0]) && r == 0; i++)
        r = make_device(dev, std_devices[i].name, std_devices[i].major, std_devices[i].minor,
                        user_ns);
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]) && r == 0; i++) {
        snprintf(path, sizeof(path), "%s/%s", dev, links[i][1]);
        if (symlink(links[i][0], path) < 0)
            r = err_set(errno, "symlink /dev/%s", links[i][1]);
    }
    /* newinstance: the container's ptys are its own, not the host's */
    if (r == 0)
        r = mount_at(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                     user_ns ? "newinstance,ptmxmode=0666,mode=0620"
                             : "newinstance,ptmxmode=0666,mode=0620,gid=5");
    if (r == 0)
        r = mount_at(root, "/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     "mode=1777,size=65536k");
    if (r == 0)
        r = mount_at(root, "/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     NULL);
    return r;
}

/* sysfs shows the network devices of the namespace that mounts it, read-only
 * so the container cannot reconfigure the host's hardware.  The kernel
 * refuses it to a user namespace that does not own its network namespace
 * (--user with the host's network): /sys then stays an empty tmpfs. */
static int mount_sys(const char *root)
{
    unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV;
    int r = mount_at(root, "/sys", "sysfs", "sysfs", ro, NULL);
    if (r == -EPERM)
        r = mount_at(root, "/sys", "tmpfs", "tmpfs", ro, "size=0");
    return r;
}

/* pivot_root swaps the root of our mount namespace with the rootfs.  Unlike
 * chroot, which only changes a process's idea of "/", it moves the old root
 * aside where we can detach it, so nothing of the host remains reachable. */
static int pivot_into(const char *rootfs)
{
    /* LAB(1): switch to the new root with pivot_root and detach the old one */
    if (chdir(rootfs) < 0)
        return err_set(errno, "chdir %s", rootfs);
    /* pivot_root(".", "."): the old root ends up stacked under the new one */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return err_set(errno, "pivot_root %s", rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        return err_set(errno, "detach the old root");
    if (chdir("/") < 0)
        return err_set(errno, "chdir /");
    return 0;
    /* END LAB */
}

/* The rootfs becomes a mount point (pivot_root requires one), gets its
 * /proc, /dev and /sys, then becomes "/". */
static int enter_rootfs(const struct ns_config *cfg)
{
    const char *root = cfg->rootfs;
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        return err_set(errno, "bind the rootfs %s", root);
    int r = mount_proc(root);
    if (r == 0)
        r = mount_dev(root, cfg->user_ns);
    if (r == 0)
        r = mount_sys(root);
    if (r == 0)
        r = pivot_into(root);
    return r;
}

/* A new network namespace has only "lo", and it is down. */
static int bring_up_loopback(void)
{
    struct ifreq ifr = {0};
    int r = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(errno, "socket for lo");
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        r = err_set(errno, "get flags of lo");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (r == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        r = err_set(errno, "bring lo up");
    close(fd);
    return r;
}

/* Open a pty inside the container's devpts, give the master to the parent and
 * make the slave our controlling terminal and stdio. */
static int attach_console(int sock)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return err_set(errno, "open /dev/ptmx");
    char name[64];
    int r = 0, slave = -1;
    if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
        r = err_set(errno, "unlock the pty");
        goto out;
    }
    slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0) {
        r = err_set(errno, "open %s", name);
        goto out;
    }
    r = send_fd(sock, master);
    if (r < 0)
        goto out;
    if (ioctl(slave, TIOCSCTTY, 0) < 0) {
        r = err_set(errno, "make %s the controlling terminal", name);
        goto out;
    }
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            r = err_set(errno, "dup2 the pty");
out:
    if (slave > 2)
        close(slave);
    close(master);
    return r;
}

/* chdir into the working directory, creating it like Docker does. */
static int enter_workdir(const char *dir)
{
    if (!dir || !*dir)
        dir = "/";
    if (chdir(dir) == 0)
        return 0;
    if (errno == ENOENT && mkdir_p(dir, 0755) == 0 && chdir(dir) == 0)
        return 0;
    return err_set(errno, "chdir to the working directory %s", dir);
}

/* The environment, plus HOME from the user's passwd entry when missing. */
static char **build_env(char *const *envp, const char *home)
{
    size_t n = 0;
    bool has_home = false;
    while (envp && envp[n]) {
        if (strncmp(envp[n], "HOME=", 5) == 0)
            has_home = true;
        n++;
    }
    char **env = calloc(n + 2, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++)
        env[i] = envp[i];
    if (!has_home && asprintf(&env[n], "HOME=%s", home) < 0)
        env[n] = NULL;
    return env;
}

/* execve with a search of the container's PATH (from its environment, not
 * ours).  Returns the exit code Docker uses when it fails: 127 or 126.
 * Exported (namespaces.h) for minidock's `exec`, which runs a second command
 * in a running container and must fail exactly as the first one would. */
int ns_exec_command(char *const *argv, char *const *envp)
{
    const char *cmd = argv[0];
    if (strchr(cmd, '/')) {
        execve(cmd, argv, envp);
        int e = errno;
        err_set(e, "exec: \"%s\"", cmd);
        return e == ENOENT || e == ENOTDIR ? 127 : 126;
    }
    const char *path = DEFAULT_PATH;
    for (size_t i = 0; envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            path = envp[i] + 5;

    int saw_eacces = 0;
    char *dirs = strdup(path), *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char full[PATH_MAX];
        snprintf(full, sizeof(full), "%s/%s", *d ? d : ".", cmd);
        execve(full, argv, envp);
        if (errno == EACCES)
            saw_eacces = 1;
    }
    free(dirs);
    if (saw_eacces) {
        err_setx(EACCES, "exec: \"%s\": permission denied", cmd);
        return 126;
    }
    err_setx(ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
    return 127;
}

/* --init: a tiny PID 1.  The kernel gives PID 1 no default signal actions,
 * so an ordinary program there ignores Ctrl-C and never reaps orphans.  This
 * one forwards signals to the command and reaps every child until the
 * command itself exits; then it exits with the command's status. */
static int __attribute__((noreturn)) run_init(pid_t child)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
            if (p == child)
                _exit(ns_exit_code(status));
    }
}

/* Fork the command under the init process; returns in the command's process. */
static int start_under_init(int sock, bool tty)
{
    pid_t child = fork();
    if (child < 0)
        return err_set(errno, "fork the command under init");
    if (child == 0) {
        if (tty) {
            setpgid(0, 0);
            tcsetpgrp(0, getpid());
        }
        return 0;
    }
    /* init keeps nothing open but the standard streams: the command reports
     * its own exec errors on sock, and a descriptor the caller leaked to us
     * (a pipe someone waits on for its end) must not live as long as init */
    fd_close_from(3);
    (void)sock;
    run_init(child);
}

/* The caller may block or ignore signals for its own needs; the command
 * must start with the defaults, or SIGTERM from `stop` would be lost. */
static void reset_signals(void)
{
    sigset_t none;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int child_main(void *p)
{
    struct child_args *a = p;
    const struct ns_config *cfg = a->cfg;
    int sock = a->sock;
    uid_t uid = 0;
    gid_t gid = 0;
    char home[PATH_MAX] = "/root";

    if (wait_for_parent(sock) < 0) /* ready: the id maps are written */
        _exit(125);
    reset_signals();
    for (int fd = 0; fd < 3; fd++)
        if (cfg->stdio[fd] >= 0 && dup2(cfg->stdio[fd], fd) < 0)
            _exit(125);
    /* New session: the container is not part of the caller's job control;
     * the caller forwards signals itself. */
    setsid();

    /* Our world, built while the parent moves us into our cgroup.  Only our
     * own code runs here; the command will start inside the cgroup. */
    if ((cfg->user_ns && become_root_in_userns() < 0) || set_hostname(cfg->hostname) < 0 ||
        make_mounts_private() < 0)
        goto fail;
    if (cfg->rootfs ? enter_rootfs(cfg) < 0 : mount_proc("") < 0)
        goto fail;
    if (!cfg->share_net && bring_up_loopback() < 0)
        goto fail;
    if (cfg->tty && attach_console(sock) < 0)
        goto fail;
    if (!cfg->sec.privileged && sec_protect_paths(&cfg->sec) < 0)
        goto fail;
    if (cfg->user && sec_resolve_user("/etc", cfg->user, &uid, &gid, home, sizeof(home)) < 0)
        goto fail;
    if (enter_workdir(cfg->workdir) < 0)
        goto fail;
    char **env = build_env(cfg->envp, home);
    if (!env) {
        err_set(ENOMEM, "environment");
        goto fail;
    }

    if (wait_for_parent(sock) < 0) /* go: we are in our cgroup, the filter is ready */
        _exit(125);
    struct sec_filter filter = {.insns = (struct sock_filter *)a->filter->insns,
                                .len = a->filter->len};
    if (enter_cgroup_namespace() < 0 || sec_apply(&cfg->sec, &filter, uid, gid) < 0)
        goto fail;
    if (cfg->init && start_under_init(sock, cfg->tty) < 0)
        goto fail;
    int code = ns_exec_command(cfg->argv, env);
    child_fail(sock, code, errno);
fail:
    child_fail(sock, 125, errno);
}

/* ---------------------------------------------------------------------------
 * The parent's side.
 * ------------------------------------------------------------------------- */

void ns_config_init(struct ns_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->idmap = NS_DEFAULT_IDMAP;
    cfg->stdio[0] = cfg->stdio[1] = cfg->stdio[2] = -1;
    cfg->cgroup_fd = -1;
    sec_default(&cfg->sec);
}

/* The clone flags: one CLONE_NEW* per namespace the child is born in. */
static int clone_flags(const struct ns_config *cfg, int *flags)
{
    /* LAB(1): choose the namespaces the child is born in */
    *flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;
    if (!cfg->share_net)
        *flags |= CLONE_NEWNET;
    if (cfg->user_ns)
        *flags |= CLONE_NEWUSER;
    return 0;
    /* END LAB */
}

/* Root inside the user namespace is host uid idmap.host_base, and so on. */
static int write_id_maps(pid_t pid, const struct ns_idmap *map)
{
    char path[64];
    int r;
    snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
    r = file_printf(path, "0 %u %u\n", map->host_base, map->count);
    if (r < 0)
        return err_wrap(r, "user namespace");
    snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
    r = file_printf(path, "0 %u %u\n", map->host_base, map->count);
    return r < 0 ? err_wrap(r, "user namespace") : 0;
}

/* Read frames until the child has executed the command (end of file) or
 * reported an error. */
static int wait_for_exec(int sock, struct ns_process *proc)
{
    struct frame f;
    int fd;
    for (;;) {
        ssize_t n = recv_frame(sock, &f, &fd);
        if (n == 0)
            return 0;
        if (n < 0)
            return err_set(errno, "read from the container");
        if (f.type == FRAME_CONSOLE && fd >= 0) {
            proc->console = fd;
            continue;
        }
        if (fd >= 0)
            close(fd);
        if (f.type == FRAME_ERROR) {
            f.msg[sizeof(f.msg) - 1] = '\0';
            proc->exit_code = f.exit_code;
            return err_setx(f.errnum > 0 ? f.errnum : EIO, "%s", f.msg);
        }
    }
}

/* Linux 5.7: clone3() can create the child directly inside a cgroup v2
 * group (CLONE_INTO_CGROUP), so that nobody has to move it there.  Without a
 * new stack the child continues like after fork(), on a copy of ours.
 * Returns the pid, or -1 with errno (ENOSYS, E2BIG: an older kernel). */
static pid_t clone_into_cgroup(int flags, int cgroup_fd, struct child_args *args)
{
    struct clone_args ca = {
        .flags = (uint64_t)flags | CLONE_INTO_CGROUP,
        .exit_signal = SIGCHLD,
        .cgroup = (uint64_t)cgroup_fd,
    };
    pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
    if (pid == 0)
        _exit(child_main(args));
    return pid;
}

/* Compile the child's seccomp filter into the memory we share with it. */
static int share_filter(const struct sec_config *sec, struct shared_filter *shared)
{
    struct sec_filter f;
    int r = sec_prepare(sec, &f);
    if (r < 0)
        return r;
    shared->len = f.len;
    memcpy(shared->insns, f.insns, f.len * sizeof(*f.insns));
    sec_filter_free(&f);
    return 0;
}

/* A one-byte word to the child; if it is already gone, its error frame is
 * still waiting in the socket for wait_for_exec. */
static int tell_child(int sock, const char *word)
{
    if (send(sock, word, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE)
        return err_set(errno, "start the container");
    return 0;
}

int ns_spawn(const struct ns_config *cfg, struct ns_process *proc)
{
    int sv[2] = {-1, -1}, r;
    char *stack = NULL;
    struct shared_filter *filter = NULL;

    proc->pid = -1;
    proc->console = -1;
    proc->exit_code = 125;
    if (!cfg->argv || !cfg->argv[0])
        return err_setx(EINVAL, "no command given");
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return err_set(errno, "socketpair");

    stack =
        mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED) {
        stack = NULL;
        r = err_set(errno, "allocate the child's stack");
        goto out;
    }
    filter = mmap(NULL, sizeof(*filter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (filter == MAP_FAILED) {
        filter = NULL;
        r = err_set(errno, "allocate the seccomp filter");
        goto out;
    }
    struct child_args args = {.cfg = cfg, .sock = sv[1], .filter = filter};
    int flags = 0;
    r = clone_flags(cfg, &flags);
    if (r < 0)
        goto out;
    bool born_in_cgroup = false;
    if (cfg->cgroup_fd >= 0) {
        proc->pid = clone_into_cgroup(flags, cfg->cgroup_fd, &args);
        born_in_cgroup = proc->pid > 0;
    }
    if (!born_in_cgroup)
        proc->pid = clone(child_main, stack + CHILD_STACK_SIZE, flags | SIGCHLD, &args);
    if (proc->pid < 0) {
        r = err_set(errno, "clone a child in new namespaces");
        goto out;
    }
    close(sv[1]);
    sv[1] = -1;

    r = cfg->user_ns ? write_id_maps(proc->pid, &cfg->idmap) : 0;
    if (r == 0)
        r = tell_child(sv[0], "r");
    if (r == 0 && cfg->prestart && !born_in_cgroup)
        r = cfg->prestart(proc->pid, cfg->prestart_arg);
    if (r == 0)
        r = share_filter(&cfg->sec, filter);
    if (r == 0)
        r = tell_child(sv[0], "g");
    if (r == 0)
        r = wait_for_exec(sv[0], proc);
out:
    if (r < 0 && proc->pid > 0) {
        kill(proc->pid, SIGKILL);
        waitpid(proc->pid, NULL, 0);
        proc->pid = -1;
        if (proc->console >= 0)
            close(proc->console);
        proc->console = -1;
    }
    if (stack)
        munmap(stack, CHILD_STACK_SIZE);
    if (filter)
        munmap(filter, sizeof(*filter));
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    return r;
}

int ns_exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 125;
}

int ns_wait(pid_t pid, int *exit_code)
{
    int status;
    pid_t r;
    do
        r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return err_set(errno, "wait for pid %d", pid);
    *exit_code = ns_exit_code(status);
    return 0;
}
