/* run.c — `minidock run --rootfs DIR [OPTIONS] [COMMAND [ARG...]]`.
 *
 * The foreground run: parse Docker's options, make a control group with the
 * limits (lab 02), spawn the container in its namespaces (lab 01), then stay
 * with it until it exits: forward signals, relay the terminal for -t, and
 * exit with the container's status.  Finally remove the control group. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"

#include "cgroups.h"
#include "container.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "minidock.h"
#include "names.h"
#include "spec.h"
#include "namespaces.h"
#include "str.h"
#include "tty.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void run_usage(FILE *out)
{
    fprintf(out,
            "Usage:  minidock run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
            "        minidock run --rootfs DIR [OPTIONS] COMMAND [ARG...]\n"
            "\n"
            "Create and run a new container from an image (or a root file system)\n"
            "\n"
            "Options:\n"
            "  -d, --detach                 Run container in background and print container ID\n"
            "      --rm                     Automatically remove the container when it exits\n"
            "      --entrypoint CMD         Overwrite the default ENTRYPOINT of the image\n"
            "  -v, --volume SPEC            Bind mount a volume (HOST:CTR[:ro], NAME:CTR, CTR)\n"
            "      --mount SPEC             Attach a filesystem mount to the container\n"
            "      --tmpfs CTR[:OPTS]       Mount a tmpfs directory\n"
            "      --restart POLICY         no, always, on-failure[:N], unless-stopped\n"
            "  -l, --label K=V              Set meta data on a container\n"
            "      --stop-signal SIG        Signal to stop the container (default SIGTERM)\n"
            "      --stop-timeout N         Seconds to wait before killing the container\n"
            "      --rootfs DIR             Root file system of the container (no image)\n"
            "      --name NAME              Assign a name to the container\n"
            "  -h, --hostname NAME          Container host name (default: short id)\n"
            "  -e, --env K=V                Set environment variables (K alone: from ours)\n"
            "      --env-file FILE          Read in a file of environment variables\n"
            "  -w, --workdir DIR            Working directory inside the container\n"
            "  -u, --user USER[:GROUP]      Username or UID (format: <name|uid>[:<group|gid>])\n"
            "  -i, --interactive            Keep STDIN open\n"
            "  -t, --tty                    Allocate a pseudo-TTY\n"
            "      --init                   Run an init inside the container that forwards\n"
            "                               signals and reaps processes\n"
            "      --privileged             Give extended privileges to this container\n"
            "      --cap-add CAP            Add Linux capabilities\n"
            "      --cap-drop CAP           Drop Linux capabilities\n"
            "      --security-opt OPT       seccomp=unconfined | no-new-privileges\n"
            "      --network MODE           none (default for now) or host\n"
            "  -m, --memory SIZE            Memory limit (e.g. 64m, 1g)\n"
            "      --memory-swap SIZE       Memory plus swap limit; -1 for unlimited swap\n"
            "      --cpus N                 Number of CPUs (e.g. 1.5)\n"
            "  -c, --cpu-shares N           CPU shares (relative weight)\n"
            "      --pids-limit N           Tune container pids limit (-1 for unlimited)\n"
            "      --help                   Print usage\n");
}

/* ---------------------------------------------------------------------------
 * Options.
 * ------------------------------------------------------------------------- */

/* "-e K=V" sets K; "-e K" copies K from our own environment, if set. */
int md_env_add(strv_t *env, const char *spec)
{
    if (strchr(spec, '='))
        return strv_env_set(env, spec);
    const char *v = getenv(spec);
    if (!v)
        return 0;
    char *kv = str_printf("%s=%s", spec, v);
    int r = kv ? strv_env_set(env, kv) : err_set(ENOMEM, "environment");
    free(kv);
    return r;
}

/* --env-file: one K=V (or K) per line; blank lines and # comments skipped. */
int md_env_add_file(strv_t *env, const char *path)
{
    char *text = NULL;
    int r = file_read_all(path, &text, NULL);
    if (r < 0)
        return err_wrap(r, "--env-file");
    int lineno = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && r == 0;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *l = str_trim(line);
        if (!*l || *l == '#')
            continue;
        if (*l == '=' || isspace((unsigned char)*l))
            r = err_setx(EINVAL, "--env-file %s:%d: invalid variable '%s'", path, lineno, l);
        else
            r = md_env_add(env, l);
    }
    free(text);
    return r;
}

static int parse_size_opt(const char *opt, const char *arg, int64_t *out)
{
    if (strcmp(arg, "-1") == 0) {
        *out = -1;
        return 0;
    }
    int r = parse_size(arg, out);
    return r < 0 ? err_wrap(r, "%s", opt) : 0;
}

enum {
    OPT_ROOTFS = 256,
    OPT_NAME,
    OPT_ENV_FILE,
    OPT_INIT,
    OPT_PRIVILEGED,
    OPT_CAP_ADD,
    OPT_CAP_DROP,
    OPT_SECURITY_OPT,
    OPT_NETWORK,
    OPT_MEMORY_SWAP,
    OPT_CPUS,
    OPT_PIDS_LIMIT,
    OPT_HELP,
    OPT_RM,
    OPT_ENTRYPOINT,
    OPT_MOUNT,
    OPT_TMPFS,
    OPT_RESTART,
    OPT_STOP_SIGNAL,
    OPT_STOP_TIMEOUT,
};

static const struct option run_options[] = {
    {"rootfs", required_argument, NULL, OPT_ROOTFS},
    {"name", required_argument, NULL, OPT_NAME},
    {"hostname", required_argument, NULL, 'h'},
    {"env", required_argument, NULL, 'e'},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"workdir", required_argument, NULL, 'w'},
    {"user", required_argument, NULL, 'u'},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"init", no_argument, NULL, OPT_INIT},
    {"privileged", no_argument, NULL, OPT_PRIVILEGED},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"net", required_argument, NULL, OPT_NETWORK},
    {"memory", required_argument, NULL, 'm'},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"cpu-shares", required_argument, NULL, 'c'},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"help", no_argument, NULL, OPT_HELP},
    {"detach", no_argument, NULL, 'd'},
    {"rm", no_argument, NULL, OPT_RM},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"volume", required_argument, NULL, 'v'},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"restart", required_argument, NULL, OPT_RESTART},
    {"label", required_argument, NULL, 'l'},
    {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
    {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
    {0},
};

/* -v, --mount and --tmpfs all become a vol_spec (lab 03's parsers). */
static int add_mount(struct run_opts *o, int c, const char *arg)
{
    struct vol_spec spec = {0};
    int r = c == 'v'         ? vol_parse_volume(arg, &spec)
            : c == OPT_MOUNT ? vol_parse_mount(arg, &spec)
                             : vol_parse_tmpfs(arg, &spec);
    if (r < 0)
        return r;
    for (size_t i = 0; i < o->nmounts; i++) {
        if (strcmp(o->mounts[i].target, spec.target) == 0) {
            r = err_setx(EINVAL, "Duplicate mount point: %s", spec.target);
            vol_spec_free(&spec);
            return r;
        }
    }
    struct vol_spec *m = realloc(o->mounts, (o->nmounts + 1) * sizeof(*m));
    if (!m) {
        vol_spec_free(&spec);
        return err_set(ENOMEM, "mounts");
    }
    o->mounts = m;
    o->mounts[o->nmounts++] = spec;
    return 0;
}

/* --restart no | always | unless-stopped | on-failure[:N] */
static int check_restart(const char *arg)
{
    int64_t n;
    if (strcmp(arg, "no") == 0 || strcmp(arg, "always") == 0 ||
        strcmp(arg, "unless-stopped") == 0 || strcmp(arg, "on-failure") == 0)
        return 0;
    if (strncmp(arg, "on-failure:", 11) == 0 && str_to_i64(arg + 11, 0, INT32_MAX, &n) == 0)
        return 0;
    if (strncmp(arg, "always:", 7) == 0 || strncmp(arg, "unless-stopped:", 15) == 0)
        return err_setx(EINVAL,
                        "invalid restart policy '%s': maximum retry count can only be "
                        "used with 'on-failure'",
                        arg);
    return err_setx(EINVAL,
                    "invalid restart policy '%s': use no, always, on-failure[:N] or "
                    "unless-stopped",
                    arg);
}

/* One option; returns 0, 1 for --help, or a negative errno. */
static int apply_option(struct run_opts *o, int c, const char *arg)
{
    struct ns_config *cfg = &o->cfg;
    int64_t n;
    int r;
    switch (c) {
    case OPT_ROOTFS:
        cfg->rootfs = arg;
        return 0;
    case OPT_NAME:
        if (!names_valid(arg))
            return err_setx(EINVAL,
                            "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                            "are allowed",
                            arg);
        o->name = arg;
        return 0;
    case 'h':
        cfg->hostname = arg;
        return 0;
    case 'e':
        return md_env_add(&o->env, arg);
    case OPT_ENV_FILE:
        return md_env_add_file(&o->env, arg);
    case 'w':
        cfg->workdir = arg;
        return 0;
    case 'u':
        cfg->user = arg;
        return 0;
    case 'i':
        o->interactive = true;
        return 0;
    case 't':
        o->tty = true;
        return 0;
    case OPT_INIT:
        cfg->init = true;
        return 0;
    case OPT_PRIVILEGED:
        cfg->sec.privileged = true;
        return 0;
    case OPT_CAP_ADD:
        r = sec_cap_add(&cfg->sec, arg);
        return r < 0 ? r : strv_push(&o->cap_add, arg);
    case OPT_CAP_DROP:
        r = sec_cap_drop(&cfg->sec, arg);
        return r < 0 ? r : strv_push(&o->cap_drop, arg);
    case OPT_SECURITY_OPT:
        r = sec_parse_opt(&cfg->sec, arg);
        return r < 0 ? r : strv_push(&o->security_opt, arg);
    case 'd':
        o->detach = true;
        return 0;
    case OPT_RM:
        o->rm = true;
        return 0;
    case OPT_ENTRYPOINT:
        o->entrypoint = arg;
        o->entrypoint_set = true;
        return 0;
    case 'v':
    case OPT_MOUNT:
    case OPT_TMPFS:
        return add_mount(o, c, arg);
    case OPT_RESTART:
        return check_restart(arg) < 0 ? -EINVAL : (o->restart = arg, 0);
    case 'l':
        return strv_push(&o->labels, arg);
    case OPT_STOP_SIGNAL:
        r = md_signal_parse(arg);
        return r < 0 ? r : (o->stop_signal = arg, 0);
    case OPT_STOP_TIMEOUT:
        r = str_to_i64(arg, -1, INT32_MAX, &n);
        o->stop_timeout = (int)n;
        return r < 0 ? err_wrap(r, "--stop-timeout") : 0;
    case OPT_NETWORK:
        o->network = arg;
        if (strcmp(arg, "host") == 0)
            cfg->share_net = true;
        else if (strcmp(arg, "none") == 0)
            cfg->share_net = false;
        else
            return err_setx(EINVAL, "--network %s: only 'none' and 'host' are supported for now",
                            arg);
        return 0;
    case 'm':
        return parse_size_opt("--memory", arg, &o->limits.memory);
    case OPT_MEMORY_SWAP:
        return parse_size_opt("--memory-swap", arg, &o->limits.memory_swap);
    case OPT_CPUS:
        return cg_limits_set_cpus(&o->limits, arg);
    case 'c':
        r = str_to_i64(arg, 0, 262144, &n);
        o->limits.cpu_shares = n;
        return r < 0 ? err_wrap(r, "--cpu-shares") : 0;
    case OPT_PIDS_LIMIT:
        r = str_to_i64(arg, -1, INT32_MAX, &n);
        o->limits.pids_max = n == 0 ? -1 : n;
        return r < 0 ? err_wrap(r, "--pids-limit") : 0;
    case OPT_HELP:
        return 1;
    default:
        return err_setx(EINVAL, "unknown option");
    }
}

int run_parse_args(const char *verb, int argc, char **argv, struct run_opts *o)
{
    int c, r;
    ns_config_init(&o->cfg);
    o->stop_timeout = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h:e:w:u:itm:c:dv:l:", run_options, NULL)) != -1) {
        if (c == '?' || c == ':')
            return err_setx(EINVAL, "unknown flag or missing value: %s", argv[optind - 1]);
        r = apply_option(o, c, optarg);
        if (r != 0)
            return r;
    }
    if (o->cfg.rootfs) {
        struct stat st;
        if (stat(o->cfg.rootfs, &st) < 0)
            return err_set(errno, "rootfs %s", o->cfg.rootfs);
        if (!S_ISDIR(st.st_mode))
            return err_setx(ENOTDIR, "rootfs %s: not a directory", o->cfg.rootfs);
        if (optind >= argc)
            return err_setx(EINVAL,
                            "no command given: with --rootfs, say what to run "
                            "(e.g. minidock %s --rootfs DIR /bin/sh)",
                            verb);
        o->cfg.argv = argv + optind;
        o->args = argv + optind;
    } else {
        if (optind >= argc)
            return err_setx(EINVAL, "\"minidock %s\" requires at least 1 argument", verb);
        o->image = argv[optind];
        o->args = argv + optind + 1;
    }
    if (o->limits.memory_swap > 0 && o->limits.memory > 0 &&
        o->limits.memory_swap < o->limits.memory)
        return err_setx(EINVAL, "--memory-swap must be at least --memory (it counts both)");
    if (o->limits.memory_swap > 0 && o->limits.memory == 0)
        return err_setx(EINVAL, "--memory-swap needs --memory as well");
    if (o->rm && o->restart && strcmp(o->restart, "no") != 0)
        return err_setx(EINVAL, "Conflicting options: --restart and --rm");
    return 0;
}

void run_opts_free(struct run_opts *o)
{
    strv_free(&o->env);
    strv_free(&o->argv);
    strv_free(&o->cap_add);
    strv_free(&o->cap_drop);
    strv_free(&o->security_opt);
    strv_free(&o->labels);
    for (size_t i = 0; i < o->nmounts; i++)
        vol_spec_free(&o->mounts[i]);
    free(o->mounts);
    o->mounts = NULL;
    o->nmounts = 0;
}

/* ---------------------------------------------------------------------------
 * Identity and environment.
 * ------------------------------------------------------------------------- */

/* Docker's defaults first (PATH, HOSTNAME, TERM), then the user's -e. */
static int build_environment(struct run_opts *o, strv_t *env)
{
    char *host = str_printf("HOSTNAME=%s", o->cfg.hostname);
    int r = strv_push(env, DEFAULT_PATH);
    if (r == 0)
        r = strv_push_owned(env, host);
    else
        free(host);
    if (r == 0 && o->tty)
        r = strv_push(env, "TERM=xterm");
    for (size_t i = 0; r == 0 && i < o->env.len; i++)
        r = strv_env_set(env, o->env.v[i]);
    return r;
}

/* A new id, the hostname (default: the short id) and the environment. */
static int identify_container(struct run_opts *o, strv_t *env)
{
    int r = store_random_id(o->id);
    if (r < 0)
        return r;
    if (!o->cfg.hostname) {
        snprintf(o->hostname, sizeof(o->hostname), "%.12s", o->id);
        o->cfg.hostname = o->hostname;
    }
    r = build_environment(o, env);
    o->cfg.envp = env->v;
    return r;
}

/* ---------------------------------------------------------------------------
 * The control group.
 * ------------------------------------------------------------------------- */

static bool limits_requested(const struct cg_limits *l)
{
    return l->memory || l->memory_swap || l->cpu_quota_us || l->cpu_shares || l->pids_max;
}

/* Kill what is left (daemons the command started), remove the group, and
 * the "minidock" parent too when no other container uses it. */
static void remove_cgroup(const struct cg_host *host, struct cgroup *cg)
{
    if (!cg)
        return;
    int procs = 0;
    if (cg_count_procs(cg, &procs) == 0 && procs > 0)
        cg_kill(cg, SIGKILL);
    if (cg_destroy(cg) < 0 || cg_remove_if_empty(host, "minidock") < 0)
        log_warn("remove the container's cgroup: %s", err_msg());
}

static int create_cgroup(struct run_opts *o, struct cgroup **cg)
{
    struct cg_host *host = &o->cg_host;
    char name[128];
    *cg = NULL;
    int r = cg_detect(host);
    if (r < 0) {
        if (!limits_requested(&o->limits))
            return 0; /* no cgroups at all: run without, as a teaching fallback */
        return err_wrap(r, "resource limits need cgroups");
    }
    snprintf(name, sizeof(name), "minidock/%s", o->id);
    r = cg_create(host, name, cg);
    if (r == 0 && limits_requested(&o->limits))
        r = cg_set_limits(*cg, &o->limits);
    if (r < 0 && *cg) {
        remove_cgroup(host, *cg);
        *cg = NULL;
    }
    return r;
}

static int join_cgroup(pid_t pid, void *arg)
{
    return arg ? cg_add_pid(arg, pid) : 0;
}

/* ---------------------------------------------------------------------------
 * Staying with the container: signals and the terminal.
 * ------------------------------------------------------------------------- */

struct session {
    pid_t pid;
    int console;      /* pty master, or -1 */
    bool relay_stdin; /* -i -t: our stdin goes to the pty */
    int exit_code;
    bool exited;
};

static void drain_console(int console)
{
    fcntl(console, F_SETFL, fcntl(console, F_GETFL) | O_NONBLOCK);
    while (tty_pump(console, STDOUT_FILENO) > 0)
        ;
}

/* One signal from the signalfd: the container's end, a resize, or a
 * signal for the container. */
static void handle_signal(struct session *s, int sig)
{
    int status;
    if (sig == SIGCHLD) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->exit_code = ns_exit_code(status);
            s->exited = true;
        }
    } else if (sig == SIGWINCH) {
        if (s->console >= 0)
            tty_copy_winsize(STDIN_FILENO, s->console);
    } else {
        log_debug("forwarding signal %d to the container", sig);
        kill(s->pid, sig);
    }
}

static int supervise(struct session *s, int sigfd)
{
    struct pollfd fds[3] = {{.fd = sigfd, .events = POLLIN}, {.fd = -1}, {.fd = -1}};
    if (s->console >= 0) {
        fds[1] = (struct pollfd){.fd = s->console, .events = POLLIN};
        if (s->relay_stdin)
            fds[2] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    }
    handle_signal(s, SIGCHLD); /* it may have exited before we blocked SIGCHLD */
    while (!s->exited) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return err_set(errno, "poll");
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == sizeof(si))
                handle_signal(s, (int)si.ssi_signo);
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR) &&
            tty_pump(s->console, STDOUT_FILENO) <= 0)
            fds[1].fd = -1; /* the container closed its terminal */
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR) &&
            tty_pump(STDIN_FILENO, s->console) <= 0)
            fds[2].fd = -1; /* our stdin ended: keep the container running */
    }
    if (s->console >= 0)
        drain_console(s->console);
    return 0;
}

/* ---------------------------------------------------------------------------
 * The verb.
 * ------------------------------------------------------------------------- */

static int start_and_wait(struct run_opts *o, struct cgroup *cg, const sigset_t *sigs)
{
    struct termios saved;
    bool raw = false;
    struct ns_process proc;
    int devnull = -1, sigfd = -1, r;

    if (!o->interactive) {
        devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        o->cfg.stdio[0] = devnull;
    }
    o->cfg.tty = o->tty;
    o->cfg.prestart = join_cgroup;
    o->cfg.prestart_arg = cg;
    o->cfg.cgroup_fd = ctr_cgroup_fd(&o->cg_host, cg);

    r = ns_spawn(&o->cfg, &proc);
    if (devnull >= 0)
        close(devnull);
    if (o->cfg.cgroup_fd >= 0)
        close(o->cfg.cgroup_fd);
    if (r < 0) {
        fprintf(stderr, "minidock: %s\n", err_msg());
        return proc.exit_code;
    }
    struct session s = {
        .pid = proc.pid, .console = proc.console, .relay_stdin = o->interactive, .exit_code = 125};
    if (s.console >= 0 && isatty(STDIN_FILENO)) {
        tty_copy_winsize(STDIN_FILENO, s.console);
        raw = o->interactive && tty_make_raw(STDIN_FILENO, &saved) == 0;
    }
    sigfd = signalfd(-1, sigs, SFD_CLOEXEC);
    if (sigfd < 0)
        r = err_set(errno, "signalfd");
    else
        r = supervise(&s, sigfd);
    if (raw)
        tty_restore(STDIN_FILENO, &saved);
    if (sigfd >= 0)
        close(sigfd);
    if (s.console >= 0)
        close(s.console);
    if (r < 0) {
        kill(s.pid, SIGKILL);
        waitpid(s.pid, NULL, 0);
        return md_fail("run");
    }
    return s.exit_code;
}

/* `run IMAGE`: create, start through the monitor, and (without -d) stay
 * attached until the container exits. */
static int run_image(const struct md_global *g, struct run_opts *o)
{
    struct store s;
    char id[STORE_ID_LEN + 1];
    int sv[2] = {-1, -1}, code = 125;

    if (ctr_store(g, &s) < 0 || ctr_create(g, o, id) < 0)
        return md_fail("run");
    if (!o->detach && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        err_set(errno, "socketpair");
        return md_fail("run");
    }
    if (ctr_start(g, &s, id, sv[1], &code) < 0) {
        fprintf(stderr, "minidock: run: %s\n", err_msg());
        if (sv[0] >= 0)
            close(sv[0]);
        if (sv[1] >= 0)
            close(sv[1]);
        if (o->rm) {
            struct ctr c;
            if (ctr_load_id(&s, id, &c) == 0) {
                ctr_remove(g, &s, &c, true);
                ctr_free(&c);
            }
        }
        return code;
    }
    if (o->detach) {
        printf("%s\n", id);
        return 0;
    }
    close(sv[1]);
    if (ctr_attach_relay(sv[0], o->interactive, o->tty, !o->tty, &code) < 0)
        code = md_fail("run");
    else if (code < 0)
        code = 0; /* detached with Ctrl-P Ctrl-Q */
    close(sv[0]);
    return code;
}

int cmd_run(const struct md_global *g, int argc, char **argv)
{
    struct run_opts o = {0};
    strv_t env = {0};
    struct cgroup *cg = NULL;
    sigset_t sigs, old;
    int code = 125, r;

    r = run_parse_args("run", argc, argv, &o);
    if (r == 1) {
        run_usage(stdout);
        code = 0;
        goto out;
    }
    if (r < 0) {
        fprintf(stderr, "minidock: run: %s\nSee 'minidock run --help'.\n", err_msg());
        goto out;
    }
    if (!o.cfg.rootfs) {
        code = run_image(g, &o);
        goto out;
    }
    if (o.detach || o.nmounts || o.rm || o.restart) {
        err_setx(EINVAL, "-d, -v, --mount, --tmpfs, --rm and --restart need an image: "
                         "--rootfs runs in the foreground only");
        goto fail;
    }
    if (identify_container(&o, &env) < 0)
        goto fail;

    /* Signals for the container are blocked here and read from a signalfd;
     * the child unblocks them before it executes the command.  An ignored
     * signal is dropped before it can be read (a shell starts background
     * jobs with SIGINT ignored), so each gets its default action back. */
    sigemptyset(&sigs);
    for (int s = 1; s < SIGRTMIN; s++) {
        if (s == SIGKILL || s == SIGSTOP || s == SIGSEGV || s == SIGBUS || s == SIGFPE ||
            s == SIGILL || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU)
            continue;
        signal(s, SIG_DFL);
        sigaddset(&sigs, s);
    }
    sigprocmask(SIG_BLOCK, &sigs, &old);

    if (create_cgroup(&o, &cg) < 0)
        goto fail_unblock;
    code = start_and_wait(&o, cg, &sigs);
    remove_cgroup(&o.cg_host, cg);
    sigprocmask(SIG_SETMASK, &old, NULL);
    goto out;

fail_unblock:
    sigprocmask(SIG_SETMASK, &old, NULL);
fail:
    code = md_fail("run");
out:
    strv_free(&env);
    run_opts_free(&o);
    return code;
}

/* `minidock spec`: the OCI runtime-spec config.json of the container that
 * `run` would start with the same options (like `runc spec`, but filled in). */
int cmd_spec(const struct md_global *g, int argc, char **argv)
{
    struct run_opts o = {0};
    strv_t env = {0};
    json_t *spec = NULL;
    char cgroup[128];
    int code = 125;

    int r = run_parse_args("spec", argc, argv, &o);
    if (r == 0 && !o.cfg.rootfs)
        r = err_setx(EINVAL, "spec needs --rootfs DIR");
    if (r == 1) {
        printf("Usage:  minidock spec --rootfs DIR [RUN OPTIONS] COMMAND [ARG...]\n\n"
               "Print the OCI runtime-spec config.json of the container `minidock run`\n"
               "would start with these options (a bundle for runc or crun)\n");
        code = 0;
        goto out;
    }
    if (r < 0) {
        fprintf(stderr, "minidock: spec: %s\nSee 'minidock spec --help'.\n", err_msg());
        goto out;
    }
    o.cfg.tty = o.tty;
    if (identify_container(&o, &env) < 0)
        goto fail;
    snprintf(cgroup, sizeof(cgroup), "minidock/%s", o.id);
    if (spec_build(&o.cfg, &o.limits, cgroup, &spec) < 0)
        goto fail;
    if (json_dumpf(spec, stdout, JSON_INDENT(2)) < 0)
        goto fail;
    printf("\n");
    code = 0;
    goto out;
fail:
    code = md_fail("spec");
out:
    json_decref(spec);
    strv_free(&env);
    run_opts_free(&o);
    return code;
}
