/* exec.c — `minidock exec`: run one more command in a running container.
 *
 * Docker's exec joins a process that already runs, so the first rule is never
 * to guess its pid.  state.json records the container's PID 1 with its start
 * time: we open a pidfd on the pid (and its /proc/PID/ns files), then check
 * the start time.  A pid that was recycled fails the check; a pidfd opened
 * before a successful check names the right process for good.
 *
 *      CLI ──fork──> helper ──fork──> command
 *
 *   1. The CLI becomes a child subreaper and forks a helper, which it puts in
 *      the container's cgroup (lab 02) before the helper touches anything of
 *      the container: limits and accounting apply to all that follows.
 *   2. The helper makes itself non-dumpable (nothing in the container may
 *      ptrace it or open its /proc files while it holds the host's), joins the
 *      container's namespaces with setns on the pidfd (all at once; before
 *      Linux 5.8, one namespace file at a time) and forks the command: a new
 *      PID namespace applies to children only.  Then the helper exits, and
 *      the command, orphaned, comes back to us as our child: we wait for it
 *      and forward signals to it by a pid that cannot be recycled under us.
 *   3. The command, inside, opens its pty in the container's own devpts,
 *      resolves the user in the container's /etc, applies the container's
 *      security settings (lab 01's sec_apply), marks every descriptor above 2
 *      close-on-exec and executes (lab 01's ns_exec_command).
 *
 * As in ns_spawn, a SOCK_SEQPACKET socketpair carries frames back to the CLI:
 * the command's pid, the pty master, or an error.  Its end of file means the
 * command is running.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "tty.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* ---------------------------------------------------------------------------
 * Options.
 * ------------------------------------------------------------------------- */

struct exec_opts {
    bool interactive, tty, detach, privileged;
    strv_t env; /* -e and --env-file, in order */
    const char *workdir, *user;
    const char *container;
    char **argv; /* COMMAND [ARG...], NULL-terminated */
};

static void exec_usage(FILE *out)
{
    fprintf(out, "Usage:  minidock exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\n"
                 "Execute a command in a running container\n\n"
                 "Options:\n"
                 "  -d, --detach           Detached mode: run command in the background\n"
                 "  -e, --env K=V          Set environment variables\n"
                 "      --env-file FILE    Read in a file of environment variables\n"
                 "  -i, --interactive      Keep STDIN open even if not attached\n"
                 "      --privileged       Give extended privileges to the command\n"
                 "  -t, --tty              Allocate a pseudo-TTY\n"
                 "  -u, --user USER        Username or UID (format: \"<name|uid>[:<group|gid>]\")\n"
                 "  -w, --workdir DIR      Working directory inside the container\n");
}

/* Returns 0, 1 after --help, or 125 after printing the problem. */
static int parse_args(int argc, char **argv, struct exec_opts *o)
{
    enum { OPT_ENV_FILE = 256, OPT_PRIVILEGED };
    static const struct option opts[] = {
        {"detach", no_argument, NULL, 'd'},
        {"env", required_argument, NULL, 'e'},
        {"env-file", required_argument, NULL, OPT_ENV_FILE},
        {"interactive", no_argument, NULL, 'i'},
        {"privileged", no_argument, NULL, OPT_PRIVILEGED},
        {"tty", no_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"workdir", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c, r = 0;
    opterr = 0;
    while (r == 0 && (c = getopt_long(argc, argv, "+de:itu:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->detach = true;
            break;
        case 'e':
            r = md_env_add(&o->env, optarg);
            break;
        case OPT_ENV_FILE:
            r = md_env_add_file(&o->env, optarg);
            break;
        case 'i':
            o->interactive = true;
            break;
        case OPT_PRIVILEGED:
            o->privileged = true;
            break;
        case 't':
            o->tty = true;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'w':
            o->workdir = optarg;
            break;
        case 'h':
            exec_usage(stdout);
            return 1;
        default:
            fprintf(stderr,
                    "minidock: exec: unknown flag or missing value: %s\n"
                    "See 'minidock exec --help'.\n",
                    argv[optind - 1]);
            return 125;
        }
    }
    if (r < 0)
        return md_fail("exec");
    if (argc - optind < 2) {
        fprintf(stderr, "minidock: \"exec\" requires at least 2 arguments.\n"
                        "See 'minidock exec --help'.\n");
        return 125;
    }
    if (o->workdir && o->workdir[0] != '/') {
        err_setx(EINVAL, "the working directory '%s' is invalid, it needs to be an absolute path",
                 o->workdir);
        return md_fail("exec");
    }
    o->container = argv[optind];
    o->argv = argv + optind + 1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * The target: the container's PID 1, its namespaces, its cgroup.
 * ------------------------------------------------------------------------- */

/* In the order they are joined: the user namespace first (it grants the
 * rights to join the others), the mount namespace last. */
enum { NS_USER, NS_CGROUP, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_MNT, NS_COUNT };

static const struct {
    const char *name;
    int flag;
} ns_files[NS_COUNT] = {
    {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
    {"mnt", CLONE_NEWNS},
};

struct target {
    pid_t pid;
    int pidfd;        /* -1 on kernels before 5.3 */
    int ns[NS_COUNT]; /* -1: absent, or our own user namespace */
    int flags;        /* CLONE_NEW* of the namespaces to join */
};

static void close_target(struct target *t)
{
    if (t->pidfd >= 0)
        close(t->pidfd);
    t->pidfd = -1;
    for (int i = 0; i < NS_COUNT; i++) {
        if (t->ns[i] >= 0)
            close(t->ns[i]);
        t->ns[i] = -1;
    }
}

static int not_running(const struct ctr *c)
{
    return err_setx(EINVAL, "Container %s is not running", c->id);
}

static int check_status(const struct ctr *c)
{
    const char *status = ctr_status(c);
    if (strcmp(status, "paused") == 0)
        return err_setx(EINVAL, "Container %s is paused, unpause the container before exec", c->id);
    if (strcmp(status, "restarting") == 0)
        return err_setx(EINVAL, "Container %s is restarting, wait until the container is running",
                        c->id);
    return strcmp(status, "running") == 0 ? 0 : not_running(c);
}

/* setns refuses to join the user namespace we are already in. */
static bool same_as_ours(int nsfd, const char *name)
{
    char path[64];
    struct stat ours, theirs;
    snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
    return stat(path, &ours) == 0 && fstat(nsfd, &theirs) == 0 && ours.st_ino == theirs.st_ino &&
           ours.st_dev == theirs.st_dev;
}

/* Take hold of the container's PID 1.  The pidfd and the namespace files are
 * opened first and the start time is checked second: if the check passes,
 * the pid was the container's all along, since a live pid is never reused. */
static int open_target(const struct ctr *c, struct target *t)
{
    pid_t pid = (pid_t)json_integer_value(json_object_get(c->state, "Pid"));
    long long start = json_integer_value(json_object_get(c->state, "PidStart"));
    int r = 0;

    t->pid = pid;
    t->pidfd = -1;
    t->flags = 0;
    for (int i = 0; i < NS_COUNT; i++)
        t->ns[i] = -1;
    if (pid <= 0 || start <= 0)
        return not_running(c);
    t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* always close-on-exec */
    if (t->pidfd < 0 && errno != ENOSYS)
        return errno == ESRCH ? not_running(c) : err_set(errno, "pidfd_open %d", (int)pid);
    for (int i = 0; i < NS_COUNT; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_files[i].name);
        t->ns[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (t->ns[i] >= 0)
            t->flags |= ns_files[i].flag;
        else if (errno != ENOENT) /* ENOENT: a namespace this kernel lacks, or pid gone */
            r = err_set(errno, "open %s", path);
    }
    if (r == 0 && !proc_alive(pid, start))
        r = not_running(c);
    if (r == 0 && (t->ns[NS_MNT] < 0 || t->ns[NS_PID] < 0))
        r = not_running(c);
    if (r == 0 && t->ns[NS_USER] >= 0 && same_as_ours(t->ns[NS_USER], "user")) {
        close(t->ns[NS_USER]);
        t->ns[NS_USER] = -1;
        t->flags &= ~CLONE_NEWUSER;
    }
    if (r < 0)
        close_target(t);
    return r;
}

/* The helper joins the container's cgroup before it joins anything else; a
 * container frozen since we read its state must not swallow us. */
static int join_cgroup(const struct ctr *c, pid_t helper)
{
    struct cg_host host;
    struct cgroup *cg = NULL;
    bool frozen = false;
    char name[128];
    if (cg_detect(&host) < 0)
        return 0; /* no cgroups on this host: the monitor ran without them too */
    ctr_cgroup_name(c->id, name, sizeof(name));
    int r = cg_open(&host, name, &cg);
    if (r == 0 && cg_is_frozen(cg, &frozen) == 0 && frozen)
        r = err_setx(EINVAL, "Container %s is paused, unpause the container before exec", c->id);
    if (r == 0)
        r = cg_add_pid(cg, helper);
    if (cg)
        cg_free(cg);
    return r;
}

/* ---------------------------------------------------------------------------
 * Frames from the helper and the command to the CLI.
 * ------------------------------------------------------------------------- */

enum { EXEC_FRAME_ERROR = 1, EXEC_FRAME_PID, EXEC_FRAME_CONSOLE };

struct exec_frame {
    int type;
    int exit_code; /* ERROR: 125 ours, 126 cannot execute, 127 not found */
    pid_t pid;     /* PID: the command, as the host sees it */
    char msg[1024];
};

/* Send a frame, with a descriptor when fd >= 0 (SCM_RIGHTS). */
static int send_frame(int sock, const struct exec_frame *f, int fd)
{
    int r = fd_send(sock, f, sizeof(*f), fd);
    return r < 0 ? err_set(-r, "send to minidock") : 0;
}

static void __attribute__((noreturn)) fail_and_exit(int sock, int exit_code)
{
    struct exec_frame f = {.type = EXEC_FRAME_ERROR, .exit_code = exit_code};
    snprintf(f.msg, sizeof(f.msg), "%s", err_msg());
    send_frame(sock, &f, -1);
    _exit(exit_code);
}

/* CLI side: one frame and its descriptor (-1 if none); 0 at end of file. */
static ssize_t recv_frame(int sock, struct exec_frame *f, int *fd)
{
    ssize_t n = fd_recv(sock, f, sizeof(*f), fd);
    if (n > 0 && n != (ssize_t)sizeof(*f)) {
        if (*fd >= 0)
            close(*fd);
        errno = EPROTO;
        return -1;
    }
    return n;
}

/* ---------------------------------------------------------------------------
 * The command's side, inside the container.
 * ------------------------------------------------------------------------- */

struct exec_ctx {
    const struct exec_opts *o;
    const struct ctr *c;
    struct target t;
    struct sec_config sec;
    const char *user;    /* -u, or the container's Config.User; NULL: root */
    const char *workdir; /* -w, or Config.WorkingDir, or "/" */
    strv_t env;          /* without HOME, added once the user is known */
};

/* We block signals for our own needs; the command starts with the defaults. */
static void reset_signals(void)
{
    sigset_t none;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A node of the container's /dev that must be what it claims: a process of
 * the container (root, with CAP_MKNOD) may have replaced it. */
static int open_device(const char *path, unsigned major_, unsigned minor_, int flags)
{
    struct stat st;
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "open %s in the container", path);
    if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != major_ ||
        minor(st.st_rdev) != minor_) {
        close(fd);
        return err_setx(ENODEV, "%s in the container is not the device it should be", path);
    }
    return fd;
}

/* Without -t: stdin from the container's /dev/null unless -i; with -d,
 * stdout and stderr too.  Otherwise the command writes straight to ours. */
static int redirect_stdio(const struct exec_opts *o)
{
    if (o->interactive && !o->detach)
        return 0;
    int null = open_device("/dev/null", 1, 3, O_RDWR);
    if (null < 0)
        return null;
    int r = 0;
    for (int fd = 0; fd < (o->detach ? 3 : 1); fd++)
        if (dup2(null, fd) < 0)
            r = err_set(errno, "dup2 /dev/null");
    close(null);
    return r;
}

/* -t: a pty of the container's own devpts instance (its /dev/pts/ptmx, not
 * the host's), opened from inside.  TIOCGPTPEER opens the slave from the
 * master, without a path the container could have swapped.  The master goes
 * to the CLI; the slave becomes our controlling terminal and stdio. */
static int attach_console(int sock)
{
    struct statfs sfs;
    int r = 0, slave = -1;
    int master = open_device("/dev/pts/ptmx", 5, 2, O_RDWR | O_NOCTTY);
    if (master < 0)
        return master;
    if (fstatfs(master, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC) {
        r = err_setx(ENODEV, "/dev/pts in the container is not a devpts file system");
        goto out;
    }
    if (unlockpt(master) < 0) {
        r = err_set(errno, "unlock the pty");
        goto out;
    }
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        r = err_set(errno, "open the pty's slave");
        goto out;
    }
    /* our stdio is still the user's: the command starts at the right size */
    tty_copy_winsize(isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO, slave);
    struct exec_frame f = {.type = EXEC_FRAME_CONSOLE};
    r = send_frame(sock, &f, master);
    if (r == 0 && ioctl(slave, TIOCSCTTY, 0) < 0)
        r = err_set(errno, "make the pty the controlling terminal");
    for (int fd = 0; fd < 3 && r == 0; fd++)
        if (dup2(slave, fd) < 0)
            r = err_set(errno, "dup2 the pty");
out:
    if (slave >= 0)
        close(slave);
    close(master);
    return r;
}

/* Only our stdio may cross into the container: every other descriptor
 * (the pidfd, namespace files, the socket to the CLI...) closes at execve. */
static void close_others_on_exec(void)
{
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX); /* before Linux 5.11 */
    for (int fd = 3; fd < (max > 0 && max < 1 << 20 ? max : 1 << 20); fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void __attribute__((noreturn)) command_main(struct exec_ctx *x, int sock)
{
    uid_t uid = 0;
    gid_t gid = 0;
    char home[PATH_MAX] = "/root";

    reset_signals();
    /* a session of its own: the CLI forwards our user's signals itself */
    setsid();
    if (x->o->tty && !x->o->detach ? attach_console(sock) < 0 : redirect_stdio(x->o) < 0)
        fail_and_exit(sock, 125);
    /* the mount namespace's root is the container's: "/etc" is its own */
    if (x->user && *x->user &&
        sec_resolve_user("/etc", x->user, &uid, &gid, home, sizeof(home)) < 0)
        fail_and_exit(sock, 126);
    if (chdir(x->workdir) < 0) {
        err_set(errno, "chdir to cwd (\"%s\") set in config.json failed", x->workdir);
        fail_and_exit(sock, 126);
    }
    if (!strv_env_get(&x->env, "HOME")) {
        char *h = str_printf("HOME=%s", home);
        if (!h || strv_push_owned(&x->env, h) < 0)
            fail_and_exit(sock, 125);
    }
    if (x->o->tty && !x->o->detach && fchown(STDIN_FILENO, uid, (gid_t)-1) < 0) {
        err_set(errno, "chown the pty to %u", uid);
        fail_and_exit(sock, 125);
    }
    umask(022);
    struct sec_filter filter;
    if (sec_prepare(&x->sec, &filter) < 0 || sec_apply(&x->sec, &filter, uid, gid) < 0)
        fail_and_exit(sock, 126);
    close_others_on_exec();
    int code = ns_exec_command(x->o->argv, x->env.v);
    fail_and_exit(sock, code);
}

/* ---------------------------------------------------------------------------
 * The helper: joins, forks the command, reports its pid, exits.
 * ------------------------------------------------------------------------- */

static int join_namespaces(const struct target *t)
{
    if (t->pidfd >= 0) {
        if (setns(t->pidfd, t->flags) == 0)
            return 0;
        if (errno != EINVAL)
            return err_set(errno, "join the namespaces of pid %d", (int)t->pid);
        /* EINVAL: a kernel before 5.8, where setns takes namespace files only */
    }
    for (int i = 0; i < NS_COUNT; i++)
        if (t->ns[i] >= 0 && setns(t->ns[i], ns_files[i].flag) < 0)
            return err_set(errno, "join the %s namespace of pid %d", ns_files[i].name, (int)t->pid);
    return 0;
}

static void __attribute__((noreturn)) helper_main(struct exec_ctx *x, int sock)
{
    char go;
    ssize_t n;
    do
        n = read(sock, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(125); /* the CLI failed to place us in the cgroup and said so */
    /* before we enter: the container's processes must not be able to
     * ptrace us or open /proc/<us>/{exe,fd,mem}, which lead to the host */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        err_set(errno, "prctl(PR_SET_DUMPABLE)");
        fail_and_exit(sock, 125);
    }
    if (join_namespaces(&x->t) < 0)
        fail_and_exit(sock, 125);
    /* the command needs none of them, and it will open files the container
     * controls (/etc/passwd could be a link to /proc/self/fd/N) */
    close_target(&x->t);
    /* setns(CLONE_NEWNS) moved our root and cwd to the container's root */
    pid_t pid = fork();
    if (pid < 0) {
        err_set(errno, "fork into the container");
        fail_and_exit(sock, 125);
    }
    if (pid == 0)
        command_main(x, sock);
    struct exec_frame f = {.type = EXEC_FRAME_PID, .pid = pid};
    send_frame(sock, &f, -1);
    _exit(0);
}

/* ---------------------------------------------------------------------------
 * The CLI's side: start, then stay with the command until it exits.
 * ------------------------------------------------------------------------- */

struct session {
    pid_t pid;     /* the command: our child (we are its subreaper) */
    int console;   /* -t: the pty master, or -1 */
    int exit_code; /* an error's code before the command runs, then its status */
    bool exited;
    char error[1024];
};

/* Read frames until the helper has exited and the command has executed or
 * exited: the end of file.  An error is kept until then, so that we learn
 * the pid of a command that failed and can reap it. */
static int wait_for_start(int sock, struct session *s)
{
    struct exec_frame f;
    int fd;
    for (;;) {
        ssize_t n = recv_frame(sock, &f, &fd);
        if (n == 0 && s->error[0])
            return err_setx(EIO, "%s", s->error);
        if (n == 0)
            return s->pid > 0 ? 0 : err_setx(EIO, "the command did not start");
        if (n < 0)
            return err_set(errno, "read from the container");
        if (f.type == EXEC_FRAME_CONSOLE && fd >= 0 && s->console < 0) {
            s->console = fd;
            continue;
        }
        if (fd >= 0)
            close(fd);
        if (f.type == EXEC_FRAME_PID && f.pid > 0) {
            s->pid = f.pid;
        } else if (f.type == EXEC_FRAME_ERROR) {
            f.msg[sizeof(f.msg) - 1] = '\0';
            snprintf(s->error, sizeof(s->error), "%s", f.msg);
            s->exit_code = f.exit_code;
        }
    }
}

static void on_signal(struct session *s, int sig)
{
    int status;
    if (sig == SIGCHLD) {
        if (!s->exited && waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->exit_code = ns_exit_code(status);
            s->exited = true;
        }
    } else if (sig == SIGWINCH) {
        if (s->console >= 0)
            tty_copy_winsize(isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO, s->console);
    } else if (!s->exited) {
        kill(s->pid, sig); /* our unreaped child: the pid is still its own */
    }
}

static int supervise(struct session *s, int sigfd, bool relay_stdin)
{
    struct pollfd fds[3] = {
        {.fd = sigfd, .events = POLLIN},
        {.fd = s->console, .events = POLLIN},
        {.fd = s->console >= 0 && relay_stdin ? STDIN_FILENO : -1, .events = POLLIN}};
    on_signal(s, SIGCHLD); /* it may have exited already */
    while (!s->exited) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return err_set(errno, "poll");
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == sizeof(si))
                on_signal(s, (int)si.ssi_signo);
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR) &&
            tty_pump(s->console, STDOUT_FILENO) <= 0)
            fds[1].fd = -1; /* no slave left open */
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR) &&
            tty_pump(STDIN_FILENO, s->console) <= 0)
            fds[2].fd = -1; /* our stdin ended; the command goes on */
    }
    if (s->console >= 0) { /* what the command wrote last */
        fcntl(s->console, F_SETFL, fcntl(s->console, F_GETFL) | O_NONBLOCK);
        while (tty_pump(s->console, STDOUT_FILENO) > 0)
            ;
    }
    return 0;
}

/* The signals we pass on to the command, and those we handle. */
static void exec_signals(sigset_t *set)
{
    static const int sigs[] = {SIGCHLD, SIGWINCH, SIGINT,  SIGTERM,
                               SIGHUP,  SIGQUIT,  SIGUSR1, SIGUSR2};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(set, sigs[i]);
}

/* Fork the helper, put it in the cgroup, let it go, collect the frames.
 * Returns 0 with s->pid running, or an error (s->exit_code says which). */
static int start_command(struct exec_ctx *x, struct session *s)
{
    int sv[2];
    s->exit_code = 125;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return err_set(errno, "socketpair");
    pid_t helper = fork();
    if (helper < 0) {
        close(sv[0]);
        close(sv[1]);
        return err_set(errno, "fork");
    }
    if (helper == 0) {
        close(sv[0]);
        helper_main(x, sv[1]);
    }
    close(sv[1]);
    int r = join_cgroup(x->c, helper);
    if (r == 0 && write(sv[0], "g", 1) != 1)
        r = err_set(errno, "start the helper");
    if (r < 0)
        kill(helper, SIGKILL);
    else
        r = wait_for_start(sv[0], s);
    close(sv[0]);
    waitpid(helper, NULL, 0);
    if (r < 0 && s->pid > 0) { /* it reported an error and exited, or must go */
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    return r;
}

static int run_exec(struct exec_ctx *x)
{
    struct session s = {.pid = -1, .console = -1};
    struct termios saved;
    sigset_t sigs, old;
    bool raw = false;
    int sigfd = -1;

    /* the command, orphaned when the helper exits, comes back to us */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        err_set(errno, "prctl(PR_SET_CHILD_SUBREAPER)");
        return md_fail("exec");
    }
    exec_signals(&sigs);
    sigprocmask(SIG_BLOCK, &sigs, &old);
    if (start_command(x, &s) < 0) {
        if (s.error[0] && s.exit_code != 125)
            fprintf(stderr,
                    "minidock: exec: OCI runtime exec failed: exec failed: unable to start "
                    "container process: %s: unknown\n",
                    s.error);
        else
            md_fail("exec");
        goto out;
    }
    if (x->o->detach) {
        s.exit_code = 0; /* the command is on its own: our exit re-parents it */
        goto out;
    }
    sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (sigfd < 0) {
        err_set(errno, "signalfd");
        goto fail;
    }
    if (s.console >= 0 && x->o->interactive && isatty(STDIN_FILENO))
        raw = tty_make_raw(STDIN_FILENO, &saved) == 0;
    if (supervise(&s, sigfd, x->o->interactive) == 0)
        goto out;
fail:
    s.exit_code = md_fail("exec");
    kill(s.pid, SIGKILL);
    waitpid(s.pid, NULL, 0);
out:
    if (raw)
        tty_restore(STDIN_FILENO, &saved);
    if (sigfd >= 0)
        close(sigfd);
    if (s.console >= 0)
        close(s.console);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return s.exit_code;
}

/* ---------------------------------------------------------------------------
 * The verb.
 * ------------------------------------------------------------------------- */

/* Docker's order: HOSTNAME, TERM with -t, then the container's Env, then
 * -e and --env-file; HOME comes from the user's passwd entry if unset. */
static int build_env(const struct ctr *c, const struct exec_opts *o, strv_t *env)
{
    const json_t *cfg = json_object_get(c->doc, "Config");
    const char *hostname = json_string_value(json_object_get(cfg, "Hostname"));
    size_t i;
    json_t *v;
    int r = 0;
    if (hostname) {
        char *h = str_printf("HOSTNAME=%s", hostname);
        r = h ? strv_push_owned(env, h) : err_set(ENOMEM, "environment");
    }
    if (r == 0 && o->tty)
        r = strv_env_set(env, "TERM=xterm");
    json_array_foreach(json_object_get(cfg, "Env"), i, v)
    {
        if (r == 0 && json_string_value(v))
            r = strv_env_set(env, json_string_value(v));
    }
    for (i = 0; r == 0 && i < o->env.len; i++)
        r = strv_env_set(env, o->env.v[i]);
    return r;
}

/* The container's security settings, as its PID 1 got them; --privileged
 * adds every capability (Docker's exec keeps the container's seccomp
 * profile; ours is rebuilt for the capabilities held). */
static int build_security(const struct ctr *c, const struct exec_opts *o, struct exec_ctx *x,
                          struct run_opts *ro)
{
    int r = ctr_runtime_config(c, ro);
    if (r < 0)
        return r;
    x->sec = ro->cfg.sec;
    if (o->privileged)
        r = sec_cap_add(&x->sec, "ALL");
    x->user = o->user ? o->user : ro->cfg.user;
    x->workdir = o->workdir                            ? o->workdir
                 : ro->cfg.workdir && *ro->cfg.workdir ? ro->cfg.workdir
                                                       : "/";
    return r;
}

int cmd_exec(const struct md_global *g, int argc, char **argv)
{
    struct exec_opts o = {0};
    struct exec_ctx x = {.o = &o};
    struct run_opts ro = {0};
    struct store s;
    struct ctr c = {0};
    bool have_target = false;
    int code = parse_args(argc, argv, &o);
    if (code != 0) {
        strv_free(&o.env);
        return code == 1 ? 0 : code;
    }
    code = 125;
    x.c = &c;
    if (ctr_store(g, &s) < 0 || ctr_load(&s, o.container, &c) < 0 || check_status(&c) < 0 ||
        open_target(&c, &x.t) < 0) {
        md_fail("exec");
        goto out;
    }
    have_target = true;
    if (build_security(&c, &o, &x, &ro) < 0 || build_env(&c, &o, &x.env) < 0) {
        md_fail("exec");
        goto out;
    }
    fflush(NULL); /* nothing buffered may be written twice by the children */
    code = run_exec(&x);
out:
    if (have_target)
        close_target(&x.t);
    run_opts_free(&ro);
    strv_free(&x.env);
    strv_free(&o.env);
    ctr_free(&c);
    return code;
}
