/* cgbox — run a command in a fresh control group, with Docker's limits (lab 02).
 *
 *   cgbox [--memory SIZE] [--memory-swap SIZE] [--cpus N.N] [--cpu-shares N]
 *         [--pids-limit N] [--name NAME] -- COMMAND [ARG...]
 *   cgbox freeze NAME | thaw NAME | stats NAME | kill NAME [SIGNAL] | info
 *
 * Run mode creates the group "cgbox/NAME", sets the limits, starts COMMAND
 * inside it, and when COMMAND ends prints what the group used (on stderr),
 * removes the group and exits with COMMAND's status, as `docker run` does.
 * The other verbs act on the group of a cgbox running elsewhere, like
 * `docker pause`, `unpause`, `stats` and `kill`.  No namespaces here: COMMAND
 * sees the host as usual (that is lab 01).
 *
 * A thin driver over cgroups.c: parse, call, print.  Errors are printed as
 * "cgbox: <context>: <cause>" with exit status 125.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "err.h"
#include "str.h"

#define EXIT_CGBOX   125 /* cgbox's own errors, as Docker's */
#define NAME_MAX_LEN 64

/* The command's pid, for the signal forwarder (0 until it exists). */
static volatile sig_atomic_t child_pid;

struct run_options {
    struct cg_limits limits;
    char name[NAME_MAX_LEN + 1];
    char **argv; /* COMMAND [ARG...] */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cgbox [OPTIONS] [--] COMMAND [ARG...]   run COMMAND in a new cgroup\n"
            "       cgbox freeze NAME | thaw NAME           pause / resume every process\n"
            "       cgbox stats NAME                        what the group uses now\n"
            "       cgbox kill NAME [SIGNAL]                signal every process (KILL)\n"
            "       cgbox info                              the host's cgroup layout\n"
            "\n"
            "options (Docker's):\n"
            "  -m, --memory SIZE        memory limit, e.g. 64m, 1g\n"
            "      --memory-swap SIZE   memory + swap limit; -1 for unlimited swap\n"
            "      --cpus N.N           CPU quota, e.g. 0.5 for half a CPU\n"
            "  -c, --cpu-shares N       relative CPU weight (default 1024)\n"
            "      --pids-limit N       maximum number of tasks; -1 for unlimited\n"
            "      --name NAME          group name (cgroup cgbox/NAME); default cgbox-<random>\n"
            "\n"
            "MINIDOCK_CGROUP=v1|v2 forces a cgroup version on hybrid hosts.\n");
}

/* Print the error slot; `return fail(err_wrap(ret, "context"))` reads as one step. */
static int fail(int ret)
{
    fprintf(stderr, "cgbox: %s\n", err_msg());
    return EXIT_CGBOX;
}

/* Names become directory names: keep Docker's alphabet for container names. */
static int check_box_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_LEN || name[0] == '.' || name[0] == '-' || name[0] == '_' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
        return err_setx(EINVAL,
                        "invalid name '%s': use up to %d letters, digits, '_', '.' or '-', "
                        "starting with a letter or a digit",
                        name, NAME_MAX_LEN);
    return 0;
}

static void random_name(char *buf, size_t size)
{
    unsigned int r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (unsigned int)getpid() * 2654435761u ^ (unsigned int)time(NULL);
    snprintf(buf, size, "cgbox-%08x", r);
}

static void group_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "cgbox/%s", name);
}

/* ---- options ------------------------------------------------------------ */

static int parse_memory_swap(const char *arg, int64_t *out)
{
    if (strcmp(arg, "-1") == 0) {
        *out = -1;
        return 0;
    }
    return parse_size(arg, out);
}

static int parse_option(int opt, const char *arg, struct run_options *o)
{
    const char *flag;
    int ret;

    switch (opt) {
    case 'm':
        flag = "--memory";
        ret = parse_size(arg, &o->limits.memory);
        break;
    case 's':
        flag = "--memory-swap";
        ret = parse_memory_swap(arg, &o->limits.memory_swap);
        break;
    case 'C':
        flag = "--cpus";
        ret = cg_limits_set_cpus(&o->limits, arg);
        break;
    case 'c':
        flag = "--cpu-shares";
        ret = str_to_i64(arg, 0, 262144, &o->limits.cpu_shares);
        break;
    case 'p':
        flag = "--pids-limit";
        ret = str_to_i64(arg, -1, INT32_MAX, &o->limits.pids_max);
        if (ret == 0 && o->limits.pids_max == 0)
            o->limits.pids_max = -1; /* Docker: 0 and -1 both mean "no limit" */
        break;
    case 'n':
        flag = "--name";
        ret = check_box_name(arg);
        snprintf(o->name, sizeof(o->name), "%s", arg);
        break;
    default:
        return err_setx(EINVAL, "unexpected option '%c'", opt);
    }
    return ret < 0 ? err_wrap(ret, "%s", flag) : 0;
}

/* Returns 0, 1 when --help was shown (nothing left to do), or an error. */
static int parse_run_options(int argc, char **argv, struct run_options *o)
{
    static const struct option longopts[] = {
        {"memory", required_argument, NULL, 'm'},
        {"memory-swap", required_argument, NULL, 's'},
        {"cpus", required_argument, NULL, 'C'},
        {"cpu-shares", required_argument, NULL, 'c'},
        {"pids-limit", required_argument, NULL, 'p'},
        {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt, ret;

    opterr = 0; /* our own messages, with exit status 125 */
    while ((opt = getopt_long(argc, argv, "+:hm:c:", longopts, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 1;
        }
        if (opt == '?')
            return err_setx(EINVAL, "unknown option '%s' (see cgbox --help)", argv[optind - 1]);
        if (opt == ':')
            return err_setx(EINVAL, "option '%s' needs a value", argv[optind - 1]);
        if ((ret = parse_option(opt, optarg, o)) < 0)
            return ret;
    }
    if (optind >= argc)
        return err_setx(EINVAL, "no command given (usage: cgbox [OPTIONS] -- COMMAND [ARG...])");
    o->argv = argv + optind;
    if (!o->name[0])
        random_name(o->name, sizeof(o->name));
    return 0;
}

/* ---- run: the child ----------------------------------------------------- */

/* Fork the command.  It waits on a pipe until the parent has put it in the
 * group (the command must not run a single instruction outside it), then
 * exec's.  *go is the pipe's write end: write one byte to let it run, or
 * close it to make it exit 125. */
static int start_child(char **argv, const sigset_t *mask, int *go)
{
    int p[2];
    char c;

    if (pipe2(p, O_CLOEXEC) < 0)
        return err_set(errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return err_set(errno, "fork");
    }
    if (pid == 0) {
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(EXIT_CGBOX);
        sigprocmask(SIG_SETMASK, mask, NULL);
        execvp(argv[0], argv);
        int e = errno;
        fprintf(stderr, "cgbox: exec %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    close(p[0]);
    *go = p[1];
    child_pid = pid;
    return 0;
}

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

/* Ctrl-C, `kill`, a closed terminal: pass them on, and let the command decide. */
static void install_forwarder(void)
{
    struct sigaction sa = {.sa_handler = forward_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static int wait_child(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return err_set(errno, "wait for process %d", (int)pid);
    return 0;
}

static int exit_status(int status)
{
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* ---- run: the report ---------------------------------------------------- */

static void format_value(char *buf, size_t size, int64_t bytes, const char *none)
{
    if (bytes < 0)
        snprintf(buf, size, "%s", none);
    else
        format_bytes(buf, size, bytes);
}

static void print_stats(FILE *out, const char *group, enum cg_mode mode, const struct cg_stats *st)
{
    char usage[32], peak[32], limit[32];

    format_value(usage, sizeof(usage), st->memory_usage, "n/a");
    format_value(peak, sizeof(peak), st->memory_peak, "n/a");
    format_value(limit, sizeof(limit), st->memory_limit, st->memory_usage < 0 ? "n/a" : "none");
    fprintf(out, "--- cgroup %s (%s) ---\n", group, cg_mode_name(mode));
    fprintf(out, "memory:     usage %s, peak %s, limit %s\n", usage, peak, limit);
    if (st->oom_kills < 0)
        fprintf(out, "OOM kills:  n/a\n");
    else
        fprintf(out, "OOM kills:  %lld\n", (long long)st->oom_kills);
    if (st->cpu_usage_ns < 0)
        fprintf(out, "CPU time:   n/a\n");
    else
        fprintf(out, "CPU time:   %.3fs\n", (double)st->cpu_usage_ns / 1e9);
    if (st->pids_current < 0)
        fprintf(out, "pids:       n/a\n");
    else
        fprintf(out, "pids:       %lld\n", (long long)st->pids_current);
}

/* The kernel kills with SIGKILL and says nothing: tell the user why. */
static void report_oom(const struct cg_stats *st, const struct cg_limits *limits, int status)
{
    char limit[32];

    if (st->oom_kills <= 0)
        return;
    format_value(limit, sizeof(limit), limits->memory, "none");
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        fprintf(stderr, "cgbox: the command was killed by the OOM killer (memory limit %s)\n",
                limit);
    else
        fprintf(stderr,
                "cgbox: the OOM killer killed %lld process(es) of the group "
                "(memory limit %s)\n",
                (long long)st->oom_kills, limit);
}

/* ---- run: putting it together ------------------------------------------- */

/* What the command left running (daemons, background jobs) dies with it, as
 * in a container; then the group can go. */
static int remove_group(const struct cg_host *host, struct cgroup *cg)
{
    int n = 0, ret = cg_count_procs(cg, &n);

    if (ret == 0 && n > 0)
        ret = cg_kill(cg, SIGKILL);
    for (int i = 0; ret == 0 && n > 0 && i < 200; i++) {
        usleep(10000);
        ret = cg_count_procs(cg, &n);
    }
    if (ret < 0) {
        cg_free(cg);
        return ret;
    }
    ret = cg_destroy(cg);
    if (ret == 0)
        ret = cg_remove_if_empty(host, "cgbox");
    return ret;
}

/* Start the command in the group and wait for it; its wait status in *status. */
static int run_in_group(struct cgroup *cg, const struct run_options *o, int *status)
{
    sigset_t forwarded, old;
    int go = -1, ret;

    /* Block the forwarded signals until child_pid is known. */
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGINT);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGHUP);
    sigprocmask(SIG_BLOCK, &forwarded, &old);
    ret = start_child(o->argv, &old, &go);
    if (ret == 0) {
        install_forwarder();
        ret = cg_add_pid(cg, child_pid);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (ret == 0 && write(go, "g", 1) != 1)
        ret = err_set(errno, "start the command");
    if (go >= 0)
        close(go); /* on error, the child reads EOF and exits 125 */
    if (child_pid > 0) {
        int r = wait_child(child_pid, status);
        if (ret == 0)
            ret = r;
    }
    return ret;
}

static int cmd_run(const struct cg_host *host, const struct run_options *o)
{
    char group[NAME_MAX_LEN + 16];
    struct cgroup *cg = NULL;
    struct cg_stats st;
    int status = 0, ret;

    group_of(group, sizeof(group), o->name);
    ret = cg_create(host, group, &cg);
    if (ret < 0)
        return fail(err_wrap(ret, "create cgroup %s", group));
    ret = cg_set_limits(cg, &o->limits);
    if (ret == 0)
        ret = run_in_group(cg, o, &status);
    if (ret == 0)
        ret = cg_read_stats(cg, &st);
    if (ret == 0) {
        print_stats(stderr, group, host->mode, &st);
        report_oom(&st, &o->limits, status);
    } else {
        fail(ret);
    }
    int r = remove_group(host, cg);
    if (r < 0)
        return fail(err_wrap(r, "remove cgroup %s", group));
    return ret < 0 ? EXIT_CGBOX : exit_status(status);
}

/* ---- the other verbs ---------------------------------------------------- */

static int open_box(const struct cg_host *host, const char *name, struct cgroup **cg)
{
    char group[NAME_MAX_LEN + 16];
    int ret = check_box_name(name);

    if (ret < 0)
        return ret;
    group_of(group, sizeof(group), name);
    return cg_open(host, group, cg);
}

static int freeze_box(const struct cg_host *host, const char *name, bool frozen)
{
    struct cgroup *cg = NULL;
    int ret = open_box(host, name, &cg);

    if (ret == 0)
        ret = cg_freeze(cg, frozen);
    cg_free(cg);
    if (ret < 0)
        return fail(ret);
    printf("%s\n", name);
    return 0;
}

static int cmd_freeze(const struct cg_host *host, char **args)
{
    return freeze_box(host, args[0], true);
}

static int cmd_thaw(const struct cg_host *host, char **args)
{
    return freeze_box(host, args[0], false);
}

static int cmd_stats(const struct cg_host *host, char **args)
{
    const char *name = args[0];
    char group[NAME_MAX_LEN + 16];
    struct cgroup *cg = NULL;
    struct cg_stats st;
    bool frozen = false;
    int procs = 0, ret = open_box(host, name, &cg);

    if (ret == 0)
        ret = cg_read_stats(cg, &st);
    if (ret == 0)
        ret = cg_count_procs(cg, &procs);
    if (ret == 0 && cg_host_has(host, CG_FREEZER))
        ret = cg_is_frozen(cg, &frozen);
    cg_free(cg);
    if (ret < 0)
        return fail(ret);
    group_of(group, sizeof(group), name);
    print_stats(stdout, group, host->mode, &st);
    printf("processes:  %d\nfrozen:     %s\n", procs, frozen ? "yes" : "no");
    return 0;
}

static int parse_signal(const char *s, int *sig)
{
    static const struct {
        const char *name;
        int sig;
    } table[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},
                 {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
                 {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}};
    int64_t n;
    const char *name = str_has_prefix(s, "SIG") ? s + 3 : s;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcasecmp(name, table[i].name) == 0) {
            *sig = table[i].sig;
            return 0;
        }
    }
    if (str_to_i64(s, 1, SIGRTMAX, &n) == 0) {
        *sig = (int)n;
        return 0;
    }
    return err_setx(EINVAL, "invalid signal '%s': expected a name such as TERM or a number", s);
}

static int cmd_kill(const struct cg_host *host, char **args)
{
    const char *name = args[0], *signame = args[1];
    struct cgroup *cg = NULL;
    int sig = SIGKILL, ret = 0;

    if (signame)
        ret = parse_signal(signame, &sig);
    if (ret == 0)
        ret = open_box(host, name, &cg);
    if (ret == 0)
        ret = cg_kill(cg, sig);
    cg_free(cg);
    if (ret < 0)
        return fail(ret);
    printf("%s\n", name);
    return 0;
}

static void print_controller(const struct cg_host *host, enum cg_controller c)
{
    bool v2;
    const char *mnt = cg_host_mount(host, c, &v2);

    if (mnt && v2 && (c == CG_CPUACCT || c == CG_FREEZER))
        printf("%-9s v2  %s (%s, built into cgroup2)\n", cg_controller_name(c), mnt,
               c == CG_CPUACCT ? "cpu.stat" : "cgroup.freeze");
    else if (mnt)
        printf("%-9s v%d  %s\n", cg_controller_name(c), v2 ? 2 : 1, mnt);
    else if (host->unified[0] && host->mode == CG_MODE_V2)
        printf("%-9s unavailable (not in %s/cgroup.controllers)\n", cg_controller_name(c),
               host->unified);
    else
        printf("%-9s unavailable\n", cg_controller_name(c));
}

static int cmd_info(const struct cg_host *host, char **args)
{
    printf("mode:     %s\n", cg_mode_name(host->mode));
    printf("cgroup2:  %s\n", host->unified[0] ? host->unified : "(not used)");
    printf("controllers:\n");
    for (int c = 0; c < CG_NCONTROLLERS; c++) {
        printf("  ");
        print_controller(host, (enum cg_controller)c);
    }
    return 0;
}

/* ---- main --------------------------------------------------------------- */

static const struct verb {
    const char *name;
    int min_args, max_args;
    int (*run)(const struct cg_host *host, char **args);
} verbs[] = {
    {"info", 0, 0, cmd_info},   {"freeze", 1, 1, cmd_freeze}, {"thaw", 1, 1, cmd_thaw},
    {"stats", 1, 1, cmd_stats}, {"kill", 1, 2, cmd_kill},
};

static const struct verb *find_verb(int argc, char **argv)
{
    for (size_t i = 0; argc >= 2 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return &verbs[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct verb *verb = find_verb(argc, argv);
    struct run_options o = {0};
    struct cg_host host;
    int ret;

    if (verb && (argc - 2 < verb->min_args || argc - 2 > verb->max_args))
        return fail(
            err_setx(EINVAL, "%s: wrong number of arguments (see cgbox --help)", verb->name));
    if (!verb && (ret = parse_run_options(argc, argv, &o)) != 0)
        return ret > 0 ? 0 : fail(ret);
    ret = cg_detect(&host);
    if (ret < 0)
        return fail(err_wrap(ret, "detect cgroups"));
    if (verb)
        return verb->run(&host, argv + 2);
    return cmd_run(&host, &o);
}
