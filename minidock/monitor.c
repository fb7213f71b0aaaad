/* monitor.c — the per-container monitor (DESIGN.md §5), like podman's conmon.
 *
 * `start` forks twice: the grandchild, in a session of its own and adopted by
 * init, outlives the CLI and becomes the monitor.  It does not execute
 * minidock again: everything it needs is already loaded, and a second start
 * of the program (20 shared libraries to load and relocate) would cost more
 * than the rest of the monitor's setup.  The monitor
 *
 *   1. claims the container under its lock (one monitor per container),
 *   2. enters a mount namespace of its own, where it mounts the overlay root
 *      and the volumes: they vanish with it, even after SIGKILL,
 *   3. makes the cgroup, starts the container (lab 01's ns_spawn) with pipes
 *      or a pty, and tells `start` on a pipe "ok" or "err CODE MESSAGE",
 *   4. then loops: output goes to the json-file log and to attached clients,
 *      clients' frames bring input, window sizes, signals and stop requests,
 *   5. records the exit code and time, applies the restart policy, removes the
 *      container for --rm, and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "overlay.h"

#define MAX_CLIENTS   32
#define STATUS_FD     3
#define ATTACH_FD     4
#define LOG_LINE_MAX  16384
#define DEFAULT_PATH_ "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---------------------------------------------------------------------------
 * Frames: type (1 byte), length (4 bytes, big endian), data.
 * ------------------------------------------------------------------------- */

int frame_write(int fd, enum frame_type type, const void *data, size_t len)
{
    unsigned char head[5] = {(unsigned char)type, (unsigned char)(len >> 24),
                             (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                             (unsigned char)len};
    int r = fd_write_all(fd, head, sizeof(head));
    if (r == 0 && len)
        r = fd_write_all(fd, data, len);
    return r;
}

static int read_full(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(errno, "read from the monitor");
        if (n == 0)
            return done ? err_setx(EPROTO, "truncated frame") : 0;
        done += (size_t)n;
    }
    return 1;
}

int frame_read(int fd, enum frame_type *type, char **data, size_t *len)
{
    unsigned char head[5];
    int r = read_full(fd, head, sizeof(head));
    if (r <= 0)
        return r;
    size_t n = (size_t)head[1] << 24 | (size_t)head[2] << 16 | (size_t)head[3] << 8 | head[4];
    if (n > 1 << 20)
        return err_setx(EPROTO, "frame of %zu bytes", n);
    *data = malloc(n + 1);
    if (!*data)
        return err_set(ENOMEM, "frame");
    r = n ? read_full(fd, *data, n) : 1;
    if (r <= 0) {
        free(*data);
        *data = NULL;
        return r < 0 ? r : err_setx(EPROTO, "truncated frame");
    }
    (*data)[n] = '\0';
    *type = (enum frame_type)head[0];
    *len = n;
    return 1;
}

/* The socket lives in the container's directory; its path may exceed
 * sun_path's 108 bytes, so we name it through a descriptor of the directory. */
static int socket_address(const char *dir, int *dirfd, struct sockaddr_un *addr)
{
    *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0)
        return err_set(errno, "open %s", dir);
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/attach.sock", *dirfd);
    return 0;
}

int ctr_connect(const struct ctr *c, int *fd)
{
    struct sockaddr_un addr;
    int dirfd, r = socket_address(c->dir, &dirfd, &addr);
    if (r < 0)
        return r;
    *fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0)
        r = err_set(errno, "socket");
    else if (connect(*fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        r = err_set(errno, "connect to the monitor of %.12s", c->id);
        close(*fd);
        *fd = -1;
    }
    close(dirfd);
    return r;
}

/* ---------------------------------------------------------------------------
 * Starting: the CLI's side.
 * ------------------------------------------------------------------------- */

static int monitor_main(const struct md_global *g, const char *id, bool attached);

/* What an execve would do for the monitor: handled signals back to their
 * default action (ignored ones stay ignored), none blocked. */
static void reset_signal_handlers(void)
{
    sigset_t none;
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa) == 0 &&
            sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
            signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int ctr_start(const struct md_global *g, struct store *s, const char *id, int attach_fd,
              int *exit_code)
{
    int status[2];
    *exit_code = 125;
    if (pipe2(status, O_CLOEXEC) < 0)
        return err_set(errno, "pipe");
    fflush(NULL); /* our buffered output must not be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(status[0]);
        close(status[1]);
        return err_set(errno, "fork");
    }
    if (pid == 0) {
        /* intermediate: new session, then the monitor as a grandchild so
         * that it belongs to init, not to us */
        setsid();
        if (fork() != 0)
            _exit(0);
        /* move both descriptors out of the way, then to their places; every
         * other descriptor of the CLI (our end of the attach socket, locks,
         * the caller's own) is closed, as an execve would have */
        int st = fcntl(status[1], F_DUPFD_CLOEXEC, 10);
        int at = attach_fd >= 0 ? fcntl(attach_fd, F_DUPFD_CLOEXEC, 10) : -1;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (st < 0 || null < 0)
            _exit(125);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        dup3(st, STATUS_FD, O_CLOEXEC); /* the container must not inherit them */
        if (at >= 0)
            dup3(at, ATTACH_FD, O_CLOEXEC);
        fd_close_from(at >= 0 ? ATTACH_FD + 1 : ATTACH_FD);
        reset_signal_handlers();
        prctl(PR_SET_NAME, "minidock-mon");
        _exit(monitor_main(g, id, attach_fd >= 0));
    }
    close(status[1]);
    waitpid(pid, NULL, 0);

    /* "ok" or "err CODE MESSAGE" */
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(buf) - 1 && (n = read(status[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t)n;
    }
    close(status[0]);
    buf[len] = '\0';
    if (strncmp(buf, "ok", 2) == 0) {
        *exit_code = 0;
        return 0;
    }
    if (strncmp(buf, "err ", 4) == 0) {
        char *msg = NULL;
        long code = strtol(buf + 4, &msg, 10);
        *exit_code = (int)code;
        return err_setx(EIO, "%s", msg && *msg ? msg + 1 : "cannot start the container");
    }
    return err_setx(EIO, "the monitor of %.12s exited before starting the container", id);
}

/* ---------------------------------------------------------------------------
 * The monitor.
 * ------------------------------------------------------------------------- */

struct client {
    int fd;
};

struct monitor {
    const struct md_global *g;
    struct store s;
    struct ctr c;
    struct run_opts o;
    struct cg_host host;
    bool have_host;
    struct cgroup *cg;
    int status_fd; /* to `start`, until the container runs */
    pid_t pid;
    int console, in_w, out_r, err_r;
    int logfd, listen_fd, sigfd, timerfd;
    struct client clients[MAX_CLIENTS];
    int nclients;
    char partial[2][LOG_LINE_MAX]; /* unfinished lines of stdout, stderr */
    size_t npartial[2];
    bool manual_stop, exited;
    int exit_code;
    int restart_count;
    char error[1024];
};

static void report(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct monitor *m, const char *fmt, ...)
{
    if (m->status_fd < 0)
        return;
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        fd_write_all(m->status_fd, buf, strlen(buf));
    close(m->status_fd);
    m->status_fd = -1;
}

static void now_stamp(char *buf, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    store_timestamp(buf, size, (double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* ---- output: the json-file log and the attached clients ---------------------------------- */

static void log_line(struct monitor *m, int stream, const char *data, size_t len)
{
    char when[64];
    now_stamp(when, sizeof(when));
    json_t *line = json_pack("{s:s%, s:s, s:s}", "log", data, len, "stream",
                             stream == 2 ? "stderr" : "stdout", "time", when);
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    if (text) {
        size_t n = strlen(text);
        text[n] = '\n';
        if (fd_write_all(m->logfd, text, n + 1) < 0)
            log_warn("log: %s", err_msg());
        free(text);
    }
}

/* Docker's json-file keeps one entry per line; a line longer than the buffer
 * is cut into several entries. */
static void log_output(struct monitor *m, int stream, const char *data, size_t len)
{
    int i = stream == 2 ? 1 : 0;
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        if (m->npartial[i] + take > sizeof(m->partial[i])) {
            log_line(m, stream, m->partial[i], m->npartial[i]);
            m->npartial[i] = 0;
            if (take > sizeof(m->partial[i]))
                take = sizeof(m->partial[i]);
        }
        memcpy(m->partial[i] + m->npartial[i], data, take);
        m->npartial[i] += take;
        if (m->partial[i][m->npartial[i] - 1] == '\n') {
            log_line(m, stream, m->partial[i], m->npartial[i]);
            m->npartial[i] = 0;
        }
        data += take;
        len -= take;
    }
}

static void flush_partial(struct monitor *m)
{
    for (int i = 0; i < 2; i++) {
        if (m->npartial[i])
            log_line(m, i ? 2 : 1, m->partial[i], m->npartial[i]);
        m->npartial[i] = 0;
    }
}

static void drop_client(struct monitor *m, int i)
{
    close(m->clients[i].fd);
    m->clients[i] = m->clients[--m->nclients];
}

static void broadcast(struct monitor *m, enum frame_type type, const void *data, size_t len)
{
    for (int i = m->nclients - 1; i >= 0; i--)
        if (frame_write(m->clients[i].fd, type, data, len) < 0)
            drop_client(m, i);
}

/* Read what the container wrote on one descriptor; false at its end. */
static bool pump_output(struct monitor *m, int fd, int stream)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false; /* EOF, or EIO: the pty has no slave left */
    log_output(m, stream, buf, (size_t)n);
    broadcast(m, stream == 2 ? FRAME_STDERR : FRAME_STDOUT, buf, (size_t)n);
    return true;
}

/* ---- input and requests from clients ------------------------------------------------------ */

static void signal_container(struct monitor *m, int sig)
{
    if (m->pid <= 0)
        return;
    kill(m->pid, sig);
    bool frozen = false;
    if (m->cg && cg_is_frozen(m->cg, &frozen) == 0 && frozen && sig == SIGKILL) {
        /* a frozen task dies only when thawed */
        cg_freeze(m->cg, false);
        ctr_update_state(&m->s, m->c.id, json_pack("{s:s, s:b}", "Status", "running", "Paused", 0));
    }
}

static int stop_signal_of(const struct monitor *m)
{
    const char *name =
        json_string_value(json_object_get(json_object_get(m->c.doc, "Config"), "StopSignal"));
    int sig = name ? md_signal_parse(name) : SIGTERM;
    return sig > 0 ? sig : SIGTERM;
}

static void stop_container(struct monitor *m, int timeout)
{
    m->manual_stop = true;
    if (m->pid <= 0)
        return;
    bool frozen = false;
    if (m->cg && cg_is_frozen(m->cg, &frozen) == 0 && frozen) {
        cg_freeze(m->cg, false);
        ctr_update_state(&m->s, m->c.id, json_pack("{s:s, s:b}", "Status", "running", "Paused", 0));
    }
    if (timeout == 0) {
        signal_container(m, SIGKILL);
        return;
    }
    signal_container(m, stop_signal_of(m));
    if (timeout > 0) {
        struct itimerspec t = {.it_value = {.tv_sec = timeout}};
        timerfd_settime(m->timerfd, 0, &t, NULL);
    }
}

static void handle_frame(struct monitor *m, enum frame_type type, const char *data, size_t len)
{
    struct winsize ws = {0};
    unsigned rows, cols;
    switch (type) {
    case FRAME_STDIN:
        if (m->console >= 0)
            fd_write_all(m->console, data, len);
        else if (m->in_w >= 0 && fd_write_all(m->in_w, data, len) < 0) {
            close(m->in_w);
            m->in_w = -1;
        }
        break;
    case FRAME_STDIN_EOF:
        if (m->in_w >= 0 &&
            json_is_true(json_object_get(json_object_get(m->c.doc, "Config"), "StdinOnce"))) {
            close(m->in_w);
            m->in_w = -1;
        }
        break;
    case FRAME_RESIZE:
        if (m->console >= 0 && sscanf(data, "%u %u", &rows, &cols) == 2) {
            ws.ws_row = (unsigned short)rows;
            ws.ws_col = (unsigned short)cols;
            ioctl(m->console, TIOCSWINSZ, &ws);
        }
        break;
    case FRAME_SIGNAL: {
        int sig = atoi(data);
        if (sig > 0 && sig < 65) {
            if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT)
                m->manual_stop = true;
            signal_container(m, sig);
        }
        break;
    }
    case FRAME_STOP:
        stop_container(m, atoi(data));
        break;
    case FRAME_HELLO:
    case FRAME_STDOUT:
    case FRAME_STDERR:
    case FRAME_EXIT:
    default:
        break;
    }
}

/* The client that has fd now: a broadcast may have dropped clients (and
 * moved the last one into the gap) since poll() saw them. -1 if gone. */
static int client_index(const struct monitor *m, int fd)
{
    for (int i = 0; i < m->nclients; i++)
        if (m->clients[i].fd == fd)
            return i;
    return -1;
}

static void serve_client(struct monitor *m, int i)
{
    enum frame_type type;
    char *data = NULL;
    size_t len;
    int r = frame_read(m->clients[i].fd, &type, &data, &len);
    if (r <= 0) {
        drop_client(m, i);
        return;
    }
    handle_frame(m, type, data, len);
    free(data);
}

static void accept_client(struct monitor *m)
{
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (m->nclients == MAX_CLIENTS) {
        close(fd);
        return;
    }
    m->clients[m->nclients++].fd = fd;
}

/* ---- setting up: mounts in our own namespace ---------------------------------------------- */

/* Open path inside the root directory rootfd, creating what is missing (the
 * last component as a file when want_file): every step is resolved with
 * RESOLVE_IN_ROOT, so a symlink in the image cannot send a volume outside. */
int ctr_open_in_root(int rootfd, const char *path, bool want_file, int *out)
{
    char walked[PATH_MAX] = "";
    char *copy = strdup(path), *save = NULL;
    int r = copy ? 0 : err_set(ENOMEM, "%s", path);
    *out = -1;
    for (char *part = copy ? strtok_r(copy, "/", &save) : NULL; part && r == 0;
         part = strtok_r(NULL, "/", &save)) {
        bool last = save == NULL || *save == '\0';
        size_t used = strlen(walked);
        snprintf(walked + used, sizeof(walked) - used, "/%s", part);
        struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
        int fd = (int)syscall(SYS_openat2, rootfd, walked, &how, sizeof(how));
        if (fd < 0 && errno == ENOENT) {
            /* create it in the directory resolved so far */
            char parent[PATH_MAX];
            snprintf(parent, sizeof(parent), "%.*s", (int)used, walked);
            struct open_how dh = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                                  .resolve = RESOLVE_IN_ROOT};
            int pfd = (int)syscall(SYS_openat2, rootfd, used ? parent : "/", &dh, sizeof(dh));
            if (pfd < 0) {
                r = err_set(errno, "mount point %s", path);
                break;
            }
            int made;
            if (last && want_file) {
                made = openat(pfd, part, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (made >= 0)
                    close(made);
            } else {
                made = mkdirat(pfd, part, 0755);
            }
            if (made < 0 && errno != EEXIST)
                r = err_set(errno, "create mount point %s", path);
            close(pfd);
            if (r == 0)
                fd = (int)syscall(SYS_openat2, rootfd, walked, &how, sizeof(how));
        }
        if (r == 0 && fd < 0)
            r = err_set(errno, "mount point %s", path);
        if (r == 0 && last)
            *out = fd;
        else if (fd >= 0)
            close(fd);
    }
    if (r == 0 && *out < 0) /* the path was "/" */
        *out = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    free(copy);
    return r;
}

static int mount_volumes(struct monitor *m, const char *rootfs)
{
    int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return err_set(errno, "open %s", rootfs);
    int r = 0;
    for (size_t i = 0; i < m->o.nmounts && r == 0; i++) {
        struct vol_spec *v = &m->o.mounts[i];
        char src[PATH_MAX], at[PATH_MAX];
        struct stat st;
        bool file = v->type == VOL_BIND && stat(v->source, &st) == 0 && !S_ISDIR(st.st_mode);
        int fd = -1;
        if (v->type == VOL_VOLUME) {
            r = vol_create(m->g->root, v->source, NULL);
            if (r == 0)
                r = vol_path(m->g->root, v->source, src, sizeof(src));
        } else if (v->type == VOL_BIND) {
            snprintf(src, sizeof(src), "%s", v->source);
        }
        if (r == 0)
            r = ctr_open_in_root(rootfd, v->target, file, &fd);
        if (r < 0)
            break;
        /* The target was resolved inside the root; its canonical path is
         * used from here on (the container does not run yet, so nothing can
         * swap a component): a read-only remount must name the new mount,
         * not the directory under it that the descriptor still points to. */
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc, at, sizeof(at) - 1);
        if (n < 0)
            r = err_set(errno, "resolve %s", v->target);
        else
            at[n] = '\0';
        if (r == 0 && v->type == VOL_VOLUME && !v->nocopy)
            r = vol_populate(src, at);
        if (r == 0)
            r = v->type == VOL_TMPFS ? vol_tmpfs(at, v->tmpfs_size, v->tmpfs_mode)
                                     : vol_bind(src, at, v->readonly);
        close(fd);
        if (r < 0)
            r = err_wrap(r, "mount %s", v->target);
    }
    close(rootfd);
    return r;
}

/* --rm */
static bool auto_remove(const struct ctr *c)
{
    return json_is_true(json_object_get(json_object_get(c->doc, "HostConfig"), "AutoRemove"));
}

static int prepare_rootfs(struct monitor *m)
{
    if (unshare(CLONE_NEWNS) < 0)
        return err_set(errno, "unshare the mount namespace");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return err_set(errno, "make / private");
    static char rootfs[PATH_MAX];
    if (m->o.cfg.rootfs) { /* --rootfs: bind it, so that volumes do not show on the host */
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", m->c.dir);
        if (mkdir(rootfs, 0700) < 0 && errno != EEXIST)
            return err_set(errno, "mkdir %s", rootfs);
        if (mount(m->o.cfg.rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
            return err_set(errno, "bind %s", m->o.cfg.rootfs);
    } else {
        strv_t dirs = {0};
        char upper[PATH_MAX + 8], work[PATH_MAX + 8];
        int r = ctr_layer_dirs(m->g, &m->c, &dirs);
        if (r < 0) {
            strv_free(&dirs);
            return r;
        }
        /* lowerdir= lists the top layer first */
        const char **lowers = calloc(dirs.len + 1, sizeof(*lowers));
        for (size_t i = 0; lowers && i < dirs.len; i++)
            lowers[i] = dirs.v[dirs.len - 1 - i];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", m->c.dir);
        snprintf(upper, sizeof(upper), "%s/upper", m->c.dir);
        snprintf(work, sizeof(work), "%s/work", m->c.dir);
        if (!lowers)
            r = -ENOMEM;
        else if (auto_remove(&m->c)) /* the upper goes with the container: no sync */
            r = ovl_mount_volatile(lowers, dirs.len, upper, work, rootfs);
        else
            r = ovl_mount(lowers, dirs.len, upper, work, rootfs);
        free(lowers);
        strv_free(&dirs);
        if (r < 0)
            return r;
    }
    m->o.cfg.rootfs = rootfs;
    return mount_volumes(m, rootfs);
}

/* ---- running the container ---------------------------------------------------------------- */

static int join_cgroup(pid_t pid, void *arg)
{
    return arg ? cg_add_pid(arg, pid) : 0;
}

static bool limits_requested(const struct cg_limits *l)
{
    return l->memory || l->memory_swap || l->cpu_quota_us || l->cpu_shares || l->pids_max;
}

static int make_cgroup(struct monitor *m)
{
    char name[128];
    if (!m->have_host) {
        if (cg_detect(&m->host) < 0)
            return limits_requested(&m->o.limits) ? err_wrap(-ENOENT, "resource limits") : 0;
        m->have_host = true;
    }
    ctr_cgroup_name(m->c.id, name, sizeof(name));
    int r = cg_create(&m->host, name, &m->cg);
    if (r == 0 && limits_requested(&m->o.limits))
        r = cg_set_limits(m->cg, &m->o.limits);
    return r;
}

static void remove_cgroup(struct monitor *m, bool *oom)
{
    if (!m->cg)
        return;
    struct cg_stats st;
    if (oom && cg_read_stats(m->cg, &st) == 0)
        *oom = st.oom_kills > 0;
    int procs = 0;
    if (cg_count_procs(m->cg, &procs) == 0 && procs > 0)
        cg_kill(m->cg, SIGKILL);
    if (cg_destroy(m->cg) < 0)
        log_warn("remove the cgroup: %s", err_msg());
    cg_remove_if_empty(&m->host, "minidock");
    m->cg = NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int spawn(struct monitor *m)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    struct ns_process proc;
    int r = make_cgroup(m);
    if (r < 0)
        return r;
    if (!m->o.tty) {
        if (m->o.interactive && pipe2(in, O_CLOEXEC) < 0)
            return err_set(errno, "pipe");
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
            return err_set(errno, "pipe");
        m->o.cfg.stdio[0] = in[0]; /* -1 without -i: ours, /dev/null */
        m->o.cfg.stdio[1] = out[1];
        m->o.cfg.stdio[2] = errp[1];
    }
    m->o.cfg.prestart = join_cgroup;
    m->o.cfg.prestart_arg = m->cg;
    m->o.cfg.cgroup_fd = ctr_cgroup_fd(&m->host, m->cg);
    r = ns_spawn(&m->o.cfg, &proc);
    close_fd(&m->o.cfg.cgroup_fd);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    if (r < 0) {
        close_fd(&in[1]);
        close_fd(&out[0]);
        close_fd(&errp[0]);
        m->exit_code = proc.exit_code;
        return r;
    }
    m->pid = proc.pid;
    m->console = proc.console;
    m->in_w = in[1];
    m->out_r = out[0];
    m->err_r = errp[0];
    m->exited = false;
    char when[64];
    now_stamp(when, sizeof(when));
    return ctr_update_state(
        &m->s, m->c.id,
        json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:I, s:i, s:s, s:s, s:i}", "Status",
                  "running", "Running", 1, "Paused", 0, "Restarting", 0, "OOMKilled", 0, "Dead", 0,
                  "Pid", (int)m->pid, "PidStart", (json_int_t)proc_start_time(m->pid), "ExitCode",
                  0, "Error", "", "StartedAt", when, "RestartCount", m->restart_count));
}

/* Stay with the container until it exits and its output is drained. */
static void supervise(struct monitor *m)
{
    bool out_open = m->out_r >= 0 || m->console >= 0, err_open = m->err_r >= 0;
    while (!m->exited || out_open || err_open) {
        struct pollfd fds[5 + MAX_CLIENTS];
        int n = 0;
        fds[n++] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = m->timerfd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = out_open ? (m->console >= 0 ? m->console : m->out_r) : -1,
                                   .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = err_open ? m->err_r : -1, .events = POLLIN};
        int nc = m->nclients;
        for (int i = 0; i < nc; i++)
            fds[n++] = (struct pollfd){.fd = m->clients[i].fd, .events = POLLIN};
        /* once the container is gone, read what is left without waiting
         * for daemons that may still hold the pipes */
        if (poll(fds, (nfds_t)n, m->exited ? 100 : -1) == 0 && m->exited)
            break;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
                int status;
                if (m->pid > 0 && waitpid(m->pid, &status, WNOHANG) == m->pid) {
                    m->exit_code = ns_exit_code(status);
                    m->exited = true;
                    m->pid = 0;
                }
                while (waitpid(-1, NULL, WNOHANG) > 0)
                    ;
            }
        }
        if (fds[1].revents & POLLIN) {
            uint64_t ticks;
            if (read(m->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks) && !m->exited) {
                signal_container(m, SIGKILL);
                if (m->cg)
                    cg_kill(m->cg, SIGKILL);
            }
        }
        if (fds[2].revents & POLLIN)
            accept_client(m);
        if (fds[3].revents & (POLLIN | POLLHUP | POLLERR))
            out_open = pump_output(m, fds[3].fd, 1);
        if (fds[4].revents & (POLLIN | POLLHUP | POLLERR))
            err_open = pump_output(m, m->err_r, 2);
        for (int i = nc - 1; i >= 0; i--) {
            int k = fds[5 + i].revents & (POLLIN | POLLHUP | POLLERR)
                        ? client_index(m, fds[5 + i].fd)
                        : -1;
            if (k >= 0)
                serve_client(m, k);
        }
    }
    struct itimerspec off = {0};
    timerfd_settime(m->timerfd, 0, &off, NULL);
    flush_partial(m);
    close_fd(&m->console);
    close_fd(&m->in_w);
    close_fd(&m->out_r);
    close_fd(&m->err_r);
}

static bool should_restart(struct monitor *m)
{
    const json_t *p = json_object_get(json_object_get(m->c.doc, "HostConfig"), "RestartPolicy");
    const char *name = json_string_value(json_object_get(p, "Name"));
    int max = (int)json_integer_value(json_object_get(p, "MaximumRetryCount"));
    if (!name || m->manual_stop)
        return false;
    if (strcmp(name, "always") == 0 || strcmp(name, "unless-stopped") == 0)
        return true;
    if (strcmp(name, "on-failure") == 0)
        return m->exit_code != 0 && (max <= 0 || m->restart_count < max);
    return false;
}

/* Wait before a restart (Docker: 100 ms, doubling), still serving clients:
 * a stop during the wait cancels the restart. */
static void restart_delay(struct monitor *m, int ms)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long deadline = end.tv_sec * 1000LL + end.tv_nsec / 1000000 + ms;
    while (!m->manual_stop) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = deadline - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
        if (left <= 0)
            break;
        struct pollfd fds[1 + MAX_CLIENTS] = {{.fd = m->listen_fd, .events = POLLIN}};
        int nc = m->nclients;
        for (int i = 0; i < nc; i++)
            fds[1 + i] = (struct pollfd){.fd = m->clients[i].fd, .events = POLLIN};
        if (poll(fds, (nfds_t)(1 + nc), (int)left) <= 0)
            continue;
        if (fds[0].revents & POLLIN)
            accept_client(m);
        for (int i = nc - 1; i >= 0; i--) {
            int k = fds[1 + i].revents & (POLLIN | POLLHUP) ? client_index(m, fds[1 + i].fd) : -1;
            if (k >= 0)
                serve_client(m, k);
        }
    }
}

static int open_listener(struct monitor *m)
{
    struct sockaddr_un addr;
    int dirfd, r = socket_address(m->c.dir, &dirfd, &addr);
    if (r < 0)
        return r;
    unlinkat(dirfd, "attach.sock", 0);
    m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m->listen_fd < 0 || bind(m->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(m->listen_fd, 16) < 0)
        r = err_set(errno, "attach socket of %.12s", m->c.id);
    close(dirfd);
    return r;
}

/* One monitor per container: under the lock, a live monitor wins.  A
 * monitor that has recorded the end but not yet exited (a `start` right
 * after `stop`) is waited for. */
static int claim(struct monitor *m, bool *already)
{
    *already = false;
    for (int tries = 0;; tries++) {
        int lock, r = store_lock(&m->s, m->c.id, &lock);
        json_t *state = NULL;
        bool finishing = false;
        if (r == 0)
            r = store_read_json(&m->s, m->c.id, "state.json", &state);
        if (r == 0) {
            pid_t mon = (pid_t)json_integer_value(json_object_get(state, "MonitorPid"));
            long long start = json_integer_value(json_object_get(state, "MonitorStart"));
            const char *status = json_string_value(json_object_get(state, "Status"));
            bool running =
                status && (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0 ||
                           strcmp(status, "restarting") == 0);
            if (mon != getpid() && proc_alive(mon, start)) {
                finishing = !running && tries < 500;
                *already = !finishing;
            } else {
                json_object_set_new(state, "MonitorPid", json_integer(getpid()));
                json_object_set_new(state, "MonitorStart", json_integer(proc_start_time(getpid())));
                r = store_write_json(&m->s, m->c.id, "state.json", state);
            }
        }
        json_decref(state);
        if (lock >= 0)
            store_unlock(lock);
        if (!finishing || r < 0)
            return r;
        usleep(10000);
    }
}

static void record_exit(struct monitor *m, bool oom, const char *status)
{
    char when[64];
    now_stamp(when, sizeof(when));
    json_t *ch = json_pack("{s:s, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s}", "Status", status,
                           "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", oom, "Pid", 0,
                           "ExitCode", m->exit_code, "Error", m->error, "FinishedAt", when);
    if (strcmp(status, "restarting") == 0) {
        json_object_set_new(ch, "Restarting", json_true());
        json_object_set_new(ch, "Running", json_true());
    }
    if (ctr_update_state(&m->s, m->c.id, ch) < 0)
        log_warn("record the exit of %.12s: %s", m->c.id, err_msg());
}

/* The monitor's life, in the grandchild of ctr_start: status on STATUS_FD,
 * the first client (when attached) on ATTACH_FD.  Returns its exit status. */
static int monitor_main(const struct md_global *g, const char *id, bool attached)
{
    static struct monitor m;
    char trash[PATH_MAX] = ""; /* --rm: the container's files, deleted last */
    bool already = false;
    memset(&m, 0, sizeof(m));
    m.g = g;
    m.status_fd = STATUS_FD;
    m.console = m.in_w = m.out_r = m.err_r = m.logfd = m.listen_fd = -1;
    if (attached)
        m.clients[m.nclients++].fd = ATTACH_FD;
    int r = ctr_store(g, &m.s);
    if (r == 0)
        r = ctr_load_id(&m.s, id, &m.c);
    if (r == 0) {
        m.s.sync = !auto_remove(&m.c); /* an --rm record need not survive a crash (store.h) */
        r = claim(&m, &already);
    }
    if (r < 0) {
        report(&m, "err 125 %s", err_msg());
        return 125;
    }
    if (already) {
        report(&m, "ok already running");
        return 0;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGCHLD);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    m.sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
    m.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

    const char *logpath = json_string_value(json_object_get(m.c.doc, "LogPath"));
    r = ctr_runtime_config(&m.c, &m.o);
    if (r == 0)
        r = prepare_rootfs(&m);
    if (r == 0 && logpath &&
        (m.logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0)
        r = err_set(errno, "open %s", logpath);
    if (r == 0)
        r = open_listener(&m);
    if (r == 0 && (m.sigfd < 0 || m.timerfd < 0))
        r = err_set(errno, "signalfd");
    if (r < 0)
        m.exit_code = 125;
    if (r == 0)
        r = spawn(&m);
    if (r < 0) {
        snprintf(m.error, sizeof(m.error), "%s", err_msg());
        report(&m, "err %d %s", m.exit_code ? m.exit_code : 125, m.error);
        remove_cgroup(&m, NULL);
        record_exit(&m, false, "created");
        broadcast(&m, FRAME_EXIT, "", 0);
        goto out;
    }
    report(&m, "ok");

    bool oom = false;
    for (int delay = 100;; delay = delay < 30000 ? delay * 2 : 60000) {
        supervise(&m);
        remove_cgroup(&m, &oom);
        if (!should_restart(&m)) {
            if (!auto_remove(&m.c)) /* --rm: the record goes next */
                record_exit(&m, oom, "exited");
            break;
        }
        m.restart_count++;
        record_exit(&m, oom, "restarting");
        restart_delay(&m, delay);
        if (m.manual_stop) {
            record_exit(&m, oom, "exited");
            break;
        }
        if (spawn(&m) < 0) {
            snprintf(m.error, sizeof(m.error), "%s", err_msg());
            record_exit(&m, false, "exited");
            break;
        }
    }
    char code[16];
    snprintf(code, sizeof(code), "%d", m.exit_code);
    /* --rm: gone before the attached `run` returns, as with Docker; its files
     * are deleted after, since freeing them is the slow part */
    if (auto_remove(&m.c) && ctr_retire(g, &m.s, &m.c, true, trash, sizeof(trash)) < 0) {
        log_warn("remove %.12s: %s", m.c.id, err_msg());
        trash[0] = '\0';
        record_exit(&m, oom, "exited");
    }
    broadcast(&m, FRAME_EXIT, code, strlen(code));

out:
    for (int i = m.nclients - 1; i >= 0; i--)
        drop_client(&m, i);
    if (m.listen_fd >= 0 && !trash[0]) {
        char sock[PATH_MAX + 16];
        snprintf(sock, sizeof(sock), "%s/attach.sock", m.c.dir);
        unlink(sock);
    }
    if (trash[0]) {
        char rootfs[PATH_MAX + 16];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", trash); /* moved with its directory */
        if (m.o.cfg.rootfs)
            umount2(rootfs, MNT_DETACH);
        if (remove_tree(trash) < 0)
            log_warn("remove %s: %s", trash, err_msg());
    }
    ctr_free(&m.c);
    run_opts_free(&m.o);
    return 0;
}
