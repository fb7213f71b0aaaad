/* buildrun.c — RUN for `minidock build`: the command runs in a container of
 * the current image (the same isolation as `run`), and the container's
 * changes become the step's layer.  (The other steps are in build.c.) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "container.h"
#include "copy.h"
#include "err.h"
#include "file.h"
#include "log.h"

/* ---------------------------------------------------------------------------
 * RUN: a container of the current image.
 *
 * The container runs under its own monitor, outside our session, so it
 * would outlive a builder that is stopped.  While a RUN step runs, SIGINT,
 * SIGTERM and SIGHUP kill the container's PID 1 (through a pidfd: a
 * recycled pid is never hit); the step then ends as any failed RUN, its
 * container removed, and the build stops with 128 + the signal, as a
 * killed command.  SIGKILL leaves no such chance: each RUN container carries
 * its builder's pid and start time in labels, and the next build removes
 * the containers whose builder is gone (bld_sweep).
 * ------------------------------------------------------------------------- */

/* What the signal handler needs: a handler takes no arguments. */
static volatile sig_atomic_t run_signal;     /* the signal that stopped the RUN, or 0 */
static volatile sig_atomic_t run_pidfd = -1; /* the RUN container's PID 1, once known */
static const int run_stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void kill_run(int fd)
{
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
}

/* Async-signal-safe: a system call and two flags. */
static void stop_run(int sig)
{
    int saved = errno;
    run_signal = sig;
    if (run_pidfd >= 0)
        kill_run(run_pidfd);
    errno = saved;
}

/* Catch the stop signals during a RUN (on), or give them back their
 * dispositions (off).  One that is ignored stays ignored (nohup, `cmd &`). */
static void guard_run(bool on, struct sigaction old[3])
{
    struct sigaction sa = {.sa_handler = stop_run, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < 3; i++)
        sigaddset(&sa.sa_mask, run_stop_signals[i]);
    if (on)
        run_signal = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!on)
            sigaction(run_stop_signals[i], &old[i], NULL);
        else if (sigaction(run_stop_signals[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
            sigaction(run_stop_signals[i], &sa, NULL);
    }
}

/* Once the container runs: a pidfd on its PID 1 for stop_run, checked
 * against the start time recorded with the pid; -1 when it is gone already. */
static int hold_run_pid(struct builder *b, const char *cid)
{
    struct ctr c;
    if (ctr_load_id(&b->cs, cid, &c) < 0)
        return -1;
    pid_t pid = (pid_t)json_integer_value(json_object_get(c.state, "Pid"));
    long long start = json_integer_value(json_object_get(c.state, "PidStart"));
    ctr_free(&c);
    int fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
    if (fd >= 0 && !proc_alive(pid, start)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* The container of a RUN step: the command, the ARGs and Env of the stage,
 * the build's network, and the labels that name this builder. */
static int run_options(struct builder *b, struct stage *s, strv_t *argv, struct run_opts *o)
{
    int r = 0;
    ns_config_init(&o->cfg);
    o->stop_timeout = -1;
    o->image = s->id;
    o->entrypoint_set = true;
    o->entrypoint = "";
    o->args = argv->v;
    o->network = b->o->network ? b->o->network : "none";
    o->cfg.share_net = strcmp(o->network, "host") == 0;
    /* ARGs reach RUN as environment variables (not kept in the image) */
    for (size_t i = 0; r == 0 && i < s->args.len; i++)
        r = strv_push(&o->env, s->args.v[i]);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(bld_settings(s), "Env"), i, v) if (r == 0) r =
        strv_env_set(&o->env, json_string_value(v));
    pid_t self = getpid();
    if (r == 0)
        r = strv_push_owned(&o->labels, str_printf(BUILD_PID_LABEL "=%d", (int)self));
    if (r == 0)
        r = strv_push_owned(&o->labels,
                            str_printf(BUILD_START_LABEL "=%lld", proc_start_time(self)));
    return r;
}

/* Start the container with our stdio attached, until it exits. */
static int run_attached(struct builder *b, const char *cid, int *exit_code)
{
    int sv[2] = {-1, -1}, saved = -1, r = 0;
    if (!b->o->quiet)
        printf(" ---> Running in %.12s\n", cid);
    fflush(stdout);
    if (b->o->quiet) { /* the output of RUN is not shown with -q */
        saved = dup(STDOUT_FILENO);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        r = err_set(errno, "socketpair");
    if (r == 0 && !run_signal) /* a signal now: the container never starts */
        r = ctr_start(b->g, &b->cs, cid, sv[1], exit_code);
    if (sv[1] >= 0)
        close(sv[1]);
    if (r == 0 && !run_signal)
        run_pidfd = hold_run_pid(b, cid);
    if (r == 0 && run_signal && run_pidfd >= 0) /* a signal before we held the pid */
        kill_run(run_pidfd);
    if (r == 0 && !run_signal)
        r = ctr_attach_relay(sv[0], false, false, false, exit_code);
    if (sv[0] >= 0)
        close(sv[0]);
    if (saved >= 0) {
        fflush(stdout);
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    return r;
}

/* The failure of the command, Docker's words. */
static int run_failed(const strv_t *argv, int exit_code)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t k = 0; f && k < argv->len; k++)
        fprintf(f, k ? " %s" : "%s", argv->v[k]);
    if (f)
        fclose(f);
    int r =
        err_setx(EIO, "The command '%s' returned a non-zero code: %d", text ? text : "", exit_code);
    free(text);
    return r;
}

/* The end of a RUN: its upper directory becomes the layer (on success),
 * the container goes. */
static int run_finish(struct builder *b, const char *cid, int r, struct layer_info *layer)
{
    struct ctr c = {0};
    /* removing the container may leave its own notes in the error slot */
    char message[1024] = "";
    if (r < 0)
        snprintf(message, sizeof(message), "%s", err_msg());
    if (ctr_load_id(&b->cs, cid, &c) == 0) {
        char upper[PATH_MAX + 8];
        snprintf(upper, sizeof(upper), "%s/upper", c.dir);
        if (r == 0)
            r = md_store_upper_layer(b->g, b->st, upper, layer);
        if (!b->o->quiet)
            printf("Removing intermediate container %.12s\n", cid);
        ctr_remove(b->g, &b->cs, &c, true);
        ctr_free(&c);
    }
    if (r < 0 && message[0])
        err_setx(-r, "%s", message);
    return r;
}

int bld_run(struct builder *b, struct stage *s, const struct df_instruction *ins,
            struct layer_info *layer, int *exit_code)
{
    struct run_opts o = {0};
    struct sigaction old[3] = {0};
    strv_t argv = {0};
    char cid[STORE_ID_LEN + 1];
    *exit_code = 0;
    if (!s->id[0])
        return err_setx(EINVAL, "RUN needs an image with a shell: FROM scratch has none");
    guard_run(true, old);
    int r = bld_command_of(s, ins, &argv);
    if (r == 0)
        r = run_options(b, s, &argv, &o);
    if (r == 0)
        r = ctr_create(b->g, &o, cid);
    if (r < 0)
        goto out;
    r = run_attached(b, cid, exit_code);
    if (r == 0 && run_signal)
        r = -EINTR; /* no layer; the message comes last */
    else if (r == 0 && *exit_code != 0)
        r = run_failed(&argv, *exit_code);
    else if (r < 0 && *exit_code == 0)
        *exit_code = 125;
    r = run_finish(b, cid, r, layer);
out:
    if (run_pidfd >= 0) {
        int fd = run_pidfd;
        run_pidfd = -1;
        close(fd);
    }
    guard_run(false, old);
    if (run_signal) {
        *exit_code = 128 + run_signal;
        r = err_setx(EINTR, "interrupted by SIG%s: the RUN step was stopped, its container removed",
                     sigabbrev_np(run_signal));
    }
    run_opts_free(&o);
    strv_free(&argv);
    return r;
}
