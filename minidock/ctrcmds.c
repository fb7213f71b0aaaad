/* ctrcmds.c — the lifecycle verbs: create, start, stop, restart, kill,
 * pause, unpause, wait, attach, logs, rm, rename.
 *
 * Each works through the container's files and its monitor (container.h):
 * requests that act on the running process (stop, kill) are frames sent to
 * the monitor, the container's parent, so no pid is ever guessed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "log.h"

/* Parse the short and long options of a small verb; prints Docker's
 * message for an unknown flag.  Returns the option, -1 at the end, '?' on error. */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *longopts,
                    const char *verb)
{
    opterr = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c == '?' || c == ':') {
        fprintf(stderr,
                "minidock: %s: unknown flag or missing value: %s\nSee 'minidock %s --help'.\n",
                verb, argv[optind - 1], verb);
        return '?';
    }
    return c;
}

static int need_args(int argc, int min, const char *verb)
{
    if (argc - optind >= min)
        return 0;
    fprintf(stderr,
            "minidock: \"%s\" requires at least %d argument%s.\nSee 'minidock %s --help'.\n", verb,
            min, min > 1 ? "s" : "", verb);
    return 125;
}

/* Read frames until the monitor says the container exited (or goes away). */
static int wait_exit_frame(int fd, int *exit_code)
{
    enum frame_type type;
    char *data;
    size_t len;
    int r;
    while ((r = frame_read(fd, &type, &data, &len)) > 0) {
        bool done = type == FRAME_EXIT;
        if (done && exit_code)
            *exit_code = len ? atoi(data) : -1;
        free(data);
        if (done)
            return 0;
    }
    return r;
}

/* Send one request to the monitor and wait for the container's exit. */
static int request_and_wait(const struct ctr *c, enum frame_type type, const char *arg)
{
    int fd, r = ctr_connect(c, &fd);
    if (r < 0)
        return r;
    r = frame_write(fd, type, arg, strlen(arg));
    if (r == 0)
        r = wait_exit_frame(fd, NULL);
    close(fd);
    return r;
}

/* A container whose monitor is gone but whose process may live on (the
 * monitor was killed): kill what is left in its cgroup. */
static void kill_orphans(const struct ctr *c)
{
    struct cg_host host;
    struct cgroup *cg;
    char name[128];
    ctr_cgroup_name(c->id, name, sizeof(name));
    if (cg_detect(&host) == 0 && cg_open(&host, name, &cg) == 0) {
        cg_freeze(cg, false);
        cg_kill(cg, SIGKILL);
        cg_free(cg);
    }
}

/* ---------------------------------------------------------------------------
 * create, start, restart
 * ------------------------------------------------------------------------- */

int cmd_create(const struct md_global *g, int argc, char **argv)
{
    struct run_opts o = {0};
    char id[STORE_ID_LEN + 1];
    int code = 0;
    int r = run_parse_args("create", argc, argv, &o);
    if (r == 1) {
        printf("Usage:  minidock create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
               "Create a new container (the options of 'minidock run --help')\n");
    } else if (r < 0) {
        fprintf(stderr, "minidock: create: %s\nSee 'minidock create --help'.\n", err_msg());
        code = 125;
    } else if (ctr_create(g, &o, id) < 0) {
        code = md_fail("create");
    } else {
        printf("%s\n", id);
    }
    run_opts_free(&o);
    return code;
}

static int start_one(const struct md_global *g, struct store *s, const char *ref, bool attach,
                     bool input)
{
    struct ctr c;
    int sv[2] = {-1, -1}, code = 125;
    if (ctr_load(s, ref, &c) < 0)
        return md_fail("start");
    if (ctr_is_running(&c) && !attach) {
        ctr_free(&c);
        printf("%s\n", ref);
        return 0;
    }
    if (attach && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        err_set(errno, "socketpair");
        ctr_free(&c);
        return md_fail("start");
    }
    bool tty = json_is_true(json_object_get(json_object_get(c.doc, "Config"), "Tty"));
    bool open_stdin = json_is_true(json_object_get(json_object_get(c.doc, "Config"), "OpenStdin"));
    if (ctr_start(g, s, c.id, sv[1], &code) < 0) {
        fprintf(stderr, "minidock: start: %s\n", err_msg());
    } else if (attach) {
        close(sv[1]);
        sv[1] = -1;
        if (ctr_attach_relay(sv[0], input && open_stdin, tty, !tty, &code) < 0)
            code = md_fail("start");
        else if (code < 0)
            code = 0;
    } else {
        printf("%s\n", ref);
        code = 0;
    }
    for (int i = 0; i < 2; i++)
        if (sv[i] >= 0)
            close(sv[i]);
    ctr_free(&c);
    return code;
}

int cmd_start(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"attach", no_argument, NULL, 'a'},
                                         {"interactive", no_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool attach = false, input = false;
    struct store s;
    int c, code = 0;
    while ((c = next_opt(argc, argv, "ai", opts, "start")) != -1) {
        if (c == '?')
            return 125;
        if (c == 'h') {
            printf("Usage:  minidock start [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                   "Start one or more stopped containers\n\n"
                   "Options:\n"
                   "  -a, --attach        Attach STDOUT/STDERR and forward signals\n"
                   "  -i, --interactive   Attach container's STDIN\n");
            return 0;
        }
        attach |= c == 'a';
        input |= c == 'i';
    }
    if (need_args(argc, 1, "start"))
        return 125;
    if (ctr_store(g, &s) < 0)
        return md_fail("start");
    if (attach && argc - optind > 1) {
        err_setx(EINVAL, "you cannot start and attach multiple containers at once");
        return md_fail("start");
    }
    for (int i = optind; i < argc; i++) {
        int r = start_one(g, &s, argv[i], attach || input, input);
        if (r)
            code = r;
    }
    return code;
}

/* ---------------------------------------------------------------------------
 * stop, restart, kill
 * ------------------------------------------------------------------------- */

static int stop_timeout(const struct ctr *c, int given)
{
    if (given >= 0)
        return given;
    json_t *t = json_object_get(json_object_get(c->doc, "Config"), "StopTimeout");
    return json_is_integer(t) ? (int)json_integer_value(t) : 10;
}

static int stop_container(struct store *s, const char *ref, int timeout)
{
    struct ctr c;
    int r = ctr_load(s, ref, &c);
    if (r < 0)
        return r;
    if (ctr_is_running(&c)) {
        char t[16];
        snprintf(t, sizeof(t), "%d", stop_timeout(&c, timeout));
        r = request_and_wait(&c, FRAME_STOP, t);
        if (r < 0) { /* no monitor: it died; its container may live on */
            kill_orphans(&c);
            r = 0;
        }
    }
    ctr_free(&c);
    return r;
}

static int parse_time_opt(int argc, char **argv, const char *verb, int *timeout)
{
    static const struct option opts[] = {{"time", required_argument, NULL, 't'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    int c;
    int64_t n;
    *timeout = -1;
    while ((c = next_opt(argc, argv, "t:", opts, verb)) != -1) {
        if (c == '?')
            return 125;
        if (c == 'h') {
            printf("Usage:  minidock %s [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                   "%s one or more running containers\n\n"
                   "Options:\n"
                   "  -t, --time N   Seconds to wait before killing the container\n",
                   verb, strcmp(verb, "stop") == 0 ? "Stop" : "Restart");
            return -1;
        }
        if (str_to_i64(optarg, -1, INT32_MAX, &n) < 0) {
            err_setx(EINVAL, "invalid --time value '%s'", optarg);
            return md_fail(verb);
        }
        *timeout = (int)n;
    }
    return need_args(argc, 1, verb);
}

int cmd_stop(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    int timeout, code = parse_time_opt(argc, argv, "stop", &timeout);
    if (code)
        return code < 0 ? 0 : code;
    if (ctr_store(g, &s) < 0)
        return md_fail("stop");
    for (int i = optind; i < argc; i++) {
        if (stop_container(&s, argv[i], timeout) < 0)
            code = md_fail("stop");
        else
            printf("%s\n", argv[i]);
    }
    return code;
}

int cmd_restart(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    int timeout, code = parse_time_opt(argc, argv, "restart", &timeout);
    if (code)
        return code < 0 ? 0 : code;
    if (ctr_store(g, &s) < 0)
        return md_fail("restart");
    for (int i = optind; i < argc; i++) {
        struct ctr c;
        int exit_code;
        if (stop_container(&s, argv[i], timeout) < 0 || ctr_load(&s, argv[i], &c) < 0) {
            code = md_fail("restart");
            continue;
        }
        if (ctr_start(g, &s, c.id, -1, &exit_code) < 0)
            code = md_fail("restart");
        else
            printf("%s\n", argv[i]);
        ctr_free(&c);
    }
    return code;
}

int cmd_kill(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0}};
    int sig = SIGKILL, c, code = 0;
    struct store s;
    while ((c = next_opt(argc, argv, "s:", opts, "kill")) != -1) {
        if (c == '?')
            return 125;
        if (c == 'h') {
            printf("Usage:  minidock kill [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                   "Kill one or more running containers\n\n"
                   "Options:\n"
                   "  -s, --signal SIG   Signal to send to the container (default KILL)\n");
            return 0;
        }
        if ((sig = md_signal_parse(optarg)) < 0)
            return md_fail("kill");
    }
    if (need_args(argc, 1, "kill"))
        return 125;
    if (ctr_store(g, &s) < 0)
        return md_fail("kill");
    for (int i = optind; i < argc; i++) {
        struct ctr ct;
        int fd;
        char num[16];
        if (ctr_load(&s, argv[i], &ct) < 0) {
            code = md_fail("kill");
            continue;
        }
        snprintf(num, sizeof(num), "%d", sig);
        if (!ctr_is_running(&ct)) {
            err_setx(EINVAL, "cannot kill container: %s: container %.12s is not running", argv[i],
                     ct.id);
            code = md_fail("kill");
        } else if (ctr_connect(&ct, &fd) < 0) {
            code = md_fail("kill");
        } else {
            if (frame_write(fd, FRAME_SIGNAL, num, strlen(num)) < 0)
                code = md_fail("kill");
            else
                printf("%s\n", argv[i]);
            /* wait until the monitor has read the request */
            shutdown(fd, SHUT_WR);
            if (sig == SIGKILL)
                wait_exit_frame(fd, NULL);
            close(fd);
        }
        ctr_free(&ct);
    }
    return code;
}

/* ---------------------------------------------------------------------------
 * pause, unpause: the cgroup freezer (lab 02)
 * ------------------------------------------------------------------------- */

static int freeze(struct store *s, const char *ref, bool frozen)
{
    struct ctr c;
    struct cg_host host;
    struct cgroup *cg = NULL;
    char name[128];
    int r = ctr_load(s, ref, &c);
    if (r < 0)
        return r;
    const char *status = ctr_status(&c);
    if (strcmp(status, "running") != 0 && strcmp(status, "paused") != 0)
        r = err_setx(EINVAL, "Container %.12s is not running", c.id);
    else if (frozen && strcmp(status, "paused") == 0)
        r = err_setx(EINVAL, "Container %.12s is already paused", c.id);
    else if (!frozen && strcmp(status, "paused") != 0)
        r = err_setx(EINVAL, "Container %.12s is not paused", c.id);
    ctr_cgroup_name(c.id, name, sizeof(name));
    if (r == 0 && (r = cg_detect(&host)) == 0 && (r = cg_open(&host, name, &cg)) == 0)
        r = cg_freeze(cg, frozen);
    if (cg)
        cg_free(cg);
    if (r == 0)
        r = ctr_update_state(
            s, c.id,
            json_pack("{s:s, s:b}", "Status", frozen ? "paused" : "running", "Paused", frozen));
    ctr_free(&c);
    return r;
}

static int pause_verb(const struct md_global *g, int argc, char **argv, bool frozen)
{
    const char *verb = frozen ? "pause" : "unpause";
    struct store s;
    int code = 0;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("Usage:  minidock %s CONTAINER [CONTAINER...]\n\n%s all processes within one or "
               "more containers\n",
               verb, frozen ? "Pause" : "Unpause");
        return 0;
    }
    optind = 1;
    if (need_args(argc, 1, verb))
        return 125;
    if (ctr_store(g, &s) < 0)
        return md_fail(verb);
    for (int i = 1; i < argc; i++) {
        if (freeze(&s, argv[i], frozen) < 0)
            code = md_fail(verb);
        else
            printf("%s\n", argv[i]);
    }
    return code;
}

int cmd_pause(const struct md_global *g, int argc, char **argv)
{
    return pause_verb(g, argc, argv, true);
}

int cmd_unpause(const struct md_global *g, int argc, char **argv)
{
    return pause_verb(g, argc, argv, false);
}

/* ---------------------------------------------------------------------------
 * wait, attach
 * ------------------------------------------------------------------------- */

int cmd_wait(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    int code = 0;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("Usage:  minidock wait CONTAINER [CONTAINER...]\n\n"
               "Block until one or more containers stop, then print their exit codes\n");
        return 0;
    }
    optind = 1;
    if (need_args(argc, 1, "wait"))
        return 125;
    if (ctr_store(g, &s) < 0)
        return md_fail("wait");
    for (int i = 1; i < argc; i++) {
        struct ctr c;
        char id[STORE_ID_LEN + 1];
        if (ctr_load(&s, argv[i], &c) < 0) {
            code = md_fail("wait");
            continue;
        }
        snprintf(id, sizeof(id), "%s", c.id);
        int fd;
        if (ctr_is_running(&c) && ctr_connect(&c, &fd) == 0) {
            wait_exit_frame(fd, NULL);
            close(fd);
        }
        /* the monitor may still be writing the end: poll briefly */
        for (int k = 0; k < 100; k++) {
            ctr_free(&c);
            if (ctr_load_id(&s, id, &c) < 0)
                break;
            if (!ctr_is_running(&c))
                break;
            usleep(20000);
        }
        if (c.state)
            printf("%lld\n", (long long)json_integer_value(json_object_get(c.state, "ExitCode")));
        ctr_free(&c);
    }
    return code;
}

int cmd_attach(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"no-stdin", no_argument, NULL, 'n'},
                                         {"sig-proxy", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool no_stdin = false, sig_proxy = true;
    struct store s;
    struct ctr c;
    int opt, fd, code = 125;
    while ((opt = next_opt(argc, argv, "", opts, "attach")) != -1) {
        if (opt == '?')
            return 125;
        if (opt == 'h') {
            printf("Usage:  minidock attach [OPTIONS] CONTAINER\n\n"
                   "Attach local standard input, output, and error streams to a running "
                   "container\n\n"
                   "Options:\n"
                   "      --no-stdin         Do not attach STDIN\n"
                   "      --sig-proxy BOOL   Proxy all received signals to the process "
                   "(default true)\n");
            return 0;
        }
        if (opt == 'n')
            no_stdin = true;
        if (opt == 'p')
            sig_proxy = strcmp(optarg, "false") != 0;
    }
    if (need_args(argc, 1, "attach"))
        return 125;
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[optind], &c) < 0)
        return md_fail("attach");
    const json_t *cfg = json_object_get(c.doc, "Config");
    bool tty = json_is_true(json_object_get(cfg, "Tty"));
    if (!ctr_is_running(&c)) {
        err_setx(EINVAL, "You cannot attach to a stopped container, start it first");
        code = md_fail("attach");
    } else if (strcmp(ctr_status(&c), "paused") == 0) {
        err_setx(EINVAL, "You cannot attach to a paused container, unpause it first");
        code = md_fail("attach");
    } else if (ctr_connect(&c, &fd) < 0) {
        code = md_fail("attach");
    } else {
        bool input = !no_stdin && json_is_true(json_object_get(cfg, "OpenStdin"));
        if (ctr_attach_relay(fd, input, tty, sig_proxy && !tty, &code) < 0)
            code = md_fail("attach");
        else if (code < 0)
            code = 0;
        close(fd);
    }
    ctr_free(&c);
    return code;
}

/* ---------------------------------------------------------------------------
 * logs: the json-file lines the monitor writes
 * ------------------------------------------------------------------------- */

struct logs_opts {
    bool follow, timestamps;
    long tail; /* -1: all */
    double since, until;
};

/* "2026-11-28T10:00:00Z", a Unix time, or a duration before now ("10m"). */
static int parse_when(const char *text, double *out)
{
    char *end;
    double n = strtod(text, &end);
    if (end != text && *end == '\0') {
        *out = n;
        return 0;
    }
    if (end != text && end[1] == '\0' && strchr("smh", *end)) {
        *out = (double)time(NULL) - n * (*end == 's' ? 1 : *end == 'm' ? 60 : 3600);
        return 0;
    }
    if (store_parse_timestamp(text, out) == 0)
        return 0;
    return err_setx(EINVAL,
                    "invalid time '%s': use a timestamp (2026-01-02T15:04:05Z), Unix "
                    "seconds or a duration (10m)",
                    text);
}

static void print_log_line(const char *line, const struct logs_opts *lo)
{
    json_t *doc = json_loads(line, 0, NULL);
    const char *text = json_string_value(json_object_get(doc, "log"));
    const char *when = json_string_value(json_object_get(doc, "time"));
    const char *stream = json_string_value(json_object_get(doc, "stream"));
    double t = 0;
    if (text && (!when || store_parse_timestamp(when, &t) < 0))
        t = 0;
    if (text && (lo->since <= 0 || t >= lo->since) && (lo->until <= 0 || t < lo->until)) {
        FILE *out = stream && strcmp(stream, "stderr") == 0 ? stderr : stdout;
        if (lo->timestamps && when)
            fprintf(out, "%s ", when);
        fwrite(text, 1, json_string_length(json_object_get(doc, "log")), out);
        fflush(out);
    }
    json_decref(doc);
}

/* Print complete lines from fd; keeps an unfinished last line in buf. */
static void print_new_lines(int fd, char **buf, size_t *len, const struct logs_opts *lo)
{
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
        char *grown = realloc(*buf, *len + (size_t)n + 1);
        if (!grown)
            return;
        *buf = grown;
        memcpy(*buf + *len, chunk, (size_t)n);
        *len += (size_t)n;
    }
    size_t start = 0;
    for (size_t i = 0; i < *len; i++) {
        if ((*buf)[i] == '\n') {
            (*buf)[i] = '\0';
            print_log_line(*buf + start, lo);
            start = i + 1;
        }
    }
    memmove(*buf, *buf + start, *len - start);
    *len -= start;
}

/* Offset of the last `tail` lines of the file. */
static off_t tail_offset(int fd, long tail)
{
    off_t end = lseek(fd, 0, SEEK_END), pos = end;
    long lines = 0;
    char buf[8192];
    while (pos > 0 && tail >= 0) {
        size_t step = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
        pos -= (off_t)step;
        if (pread(fd, buf, step, pos) != (ssize_t)step)
            return 0;
        for (size_t i = step; i-- > 0;) {
            if (buf[i] == '\n' && pos + (off_t)i != end - 1 && ++lines == tail)
                return pos + (off_t)i + 1;
            if (buf[i] == '\n' && pos + (off_t)i == end - 1 && tail == 0)
                return end;
        }
    }
    return 0;
}

int cmd_logs(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},      {"timestamps", no_argument, NULL, 't'},
        {"tail", required_argument, NULL, 'n'},  {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'}, {"details", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},        {0}};
    struct logs_opts lo = {.tail = -1};
    struct store s;
    struct ctr c;
    int opt, code = 0;
    while ((opt = next_opt(argc, argv, "ftn:", opts, "logs")) != -1) {
        switch (opt) {
        case '?':
            return 125;
        case 'h':
            printf("Usage:  minidock logs [OPTIONS] CONTAINER\n\n"
                   "Fetch the logs of a container\n\n"
                   "Options:\n"
                   "  -f, --follow         Follow log output\n"
                   "      --since TIME     Show logs since timestamp or relative (e.g. 42m)\n"
                   "  -n, --tail N         Number of lines to show from the end (default all)\n"
                   "  -t, --timestamps     Show timestamps\n"
                   "      --until TIME     Show logs before a timestamp or relative time\n");
            return 0;
        case 'f':
            lo.follow = true;
            break;
        case 't':
            lo.timestamps = true;
            break;
        case 'n':
            if (strcmp(optarg, "all") == 0) {
                lo.tail = -1;
            } else {
                int64_t n;
                if (str_to_i64(optarg, 0, INT32_MAX, &n) < 0) {
                    err_setx(EINVAL, "invalid --tail value '%s'", optarg);
                    return md_fail("logs");
                }
                lo.tail = (long)n;
            }
            break;
        case 'S':
            if (parse_when(optarg, &lo.since) < 0)
                return md_fail("logs");
            break;
        case 'U':
            if (parse_when(optarg, &lo.until) < 0)
                return md_fail("logs");
            break;
        default:
            break;
        }
    }
    if (need_args(argc, 1, "logs"))
        return 125;
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[optind], &c) < 0)
        return md_fail("logs");
    const char *path = json_string_value(json_object_get(c.doc, "LogPath"));
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    char *buf = NULL;
    size_t len = 0;
    if (fd >= 0) {
        if (lo.tail >= 0)
            lseek(fd, tail_offset(fd, lo.tail), SEEK_SET);
        print_new_lines(fd, &buf, &len, &lo);
    }
    while (lo.follow) {
        /* follow until the container is no longer running, then read the rest */
        struct ctr now;
        bool running = ctr_load_id(&s, c.id, &now) == 0 && ctr_is_running(&now);
        if (now.doc)
            ctr_free(&now);
        if (fd < 0 && path)
            fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            print_new_lines(fd, &buf, &len, &lo);
        if (!running)
            break;
        poll(NULL, 0, 100);
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    ctr_free(&c);
    return code;
}

/* ---------------------------------------------------------------------------
 * rm, rename
 * ------------------------------------------------------------------------- */

int ctr_remove_force(const struct md_global *g, struct store *s, struct ctr *c, bool volumes)
{
    if (ctr_is_running(c) && request_and_wait(c, FRAME_SIGNAL, "9") < 0)
        kill_orphans(c);
    /* the monitor may still be finishing its last write */
    for (int k = 0; k < 100; k++) {
        struct ctr now;
        if (ctr_load_id(s, c->id, &now) < 0)
            break;
        pid_t mon = (pid_t)json_integer_value(json_object_get(now.state, "MonitorPid"));
        long long start = json_integer_value(json_object_get(now.state, "MonitorStart"));
        ctr_free(&now);
        if (!proc_alive(mon, start))
            break;
        usleep(20000);
    }
    return path_exists(c->dir) ? ctr_remove(g, s, c, volumes) : 0;
}

/* rm -f of a container whose record cannot be read: an --rm container's
 * record is written without fsync and may be torn by a machine crash
 * (store.h).  Its directory and name are enough to remove it; the error
 * that ctr_load recorded stays when there is no such directory. */
static int remove_unreadable(const struct md_global *g, struct store *s, const char *ref)
{
    struct ctr c = {0};
    if (store_resolve(s, ref, c.id) < 0)
        return -ENOENT;
    store_path(s, c.id, NULL, c.dir, sizeof(c.dir));
    if (!path_exists(c.dir))
        return -ENOENT;
    log_warn("removing container %.12s, whose record cannot be read", c.id);
    return ctr_remove(g, s, &c, false);
}

int cmd_rm(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                         {"volumes", no_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool force = false, volumes = false;
    struct store s;
    int opt, code = 0;
    while ((opt = next_opt(argc, argv, "fv", opts, "rm")) != -1) {
        if (opt == '?')
            return 125;
        if (opt == 'h') {
            printf("Usage:  minidock rm [OPTIONS] CONTAINER [CONTAINER...]\n\n"
                   "Remove one or more containers\n\n"
                   "Options:\n"
                   "  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
                   "  -v, --volumes   Remove anonymous volumes associated with the container\n");
            return 0;
        }
        force |= opt == 'f';
        volumes |= opt == 'v';
    }
    if (need_args(argc, 1, "rm"))
        return 125;
    if (ctr_store(g, &s) < 0)
        return md_fail("rm");
    for (int i = optind; i < argc; i++) {
        struct ctr c;
        if (ctr_load(&s, argv[i], &c) < 0) {
            if (force && remove_unreadable(g, &s, argv[i]) == 0)
                printf("%s\n", argv[i]);
            else
                code = md_fail("rm");
            continue;
        }
        if (ctr_is_running(&c) && !force) {
            err_setx(EBUSY,
                     "cannot remove container \"/%s\": container is %s: stop the container "
                     "before removing or force remove",
                     c.name, ctr_status(&c));
            code = md_fail("rm");
            ctr_free(&c);
            continue;
        }
        if (ctr_remove_force(g, &s, &c, volumes) == 0)
            printf("%s\n", argv[i]);
        else
            code = md_fail("rm");
        ctr_free(&c);
    }
    return code;
}

int cmd_rename(const struct md_global *g, int argc, char **argv)
{
    struct store s;
    struct ctr c;
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("Usage:  minidock rename CONTAINER NEW_NAME\n\nRename a container\n");
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "minidock: \"rename\" requires exactly 2 arguments.\n"
                        "See 'minidock rename --help'.\n");
        return 125;
    }
    if (ctr_store(g, &s) < 0 || ctr_load(&s, argv[1], &c) < 0)
        return md_fail("rename");
    int lock, r = store_lock(&s, c.id, &lock);
    if (r == 0) {
        r = store_rename(&s, c.id, argv[2]);
        if (r == 0) {
            json_object_set_new(c.doc, "Name", json_sprintf("/%s", argv[2]));
            r = store_write_json(&s, c.id, "container.json", c.doc);
        }
        store_unlock(lock);
    }
    ctr_free(&c);
    return r < 0 ? md_fail("rename") : 0;
}
