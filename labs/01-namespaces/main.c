/* nsbox — lab 01's program: run a command in new namespaces.
 *
 *   nsbox [--rootfs DIR] [--hostname NAME] [--user] [--privileged] [-e K=V]...
 *         [-w DIR] [-u UID[:GID]] [--init] [--cap-add CAP] [--cap-drop CAP]
 *         [--security-opt OPT] [--net host] -- COMMAND [ARG...]
 *
 * A thin driver over namespaces.c and security.c: parse the options, fill a
 * struct ns_config, spawn, forward signals, wait, exit with the command's
 * status (125 for nsbox's own errors, 126/127 when the command cannot run).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "namespaces.h"
#include "str.h"

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: nsbox [OPTIONS] -- COMMAND [ARG...]\n"
            "\n"
            "Run COMMAND in new mount, UTS, IPC, PID, network and cgroup namespaces.\n"
            "\n"
            "Options:\n"
            "  -r, --rootfs DIR         use DIR as the root file system (pivot_root)\n"
            "  -h, --hostname NAME      hostname inside the container\n"
            "      --user               new user namespace: root inside is uid 100000 outside\n"
            "      --privileged         keep every capability, no seccomp, no masked paths\n"
            "  -e, --env K=V            set an environment variable\n"
            "  -w, --workdir DIR        working directory inside the container\n"
            "  -u, --uid USER[:GROUP]   run as this user (names from the rootfs's /etc)\n"
            "      --init               run a tiny init as PID 1 that reaps and forwards signals\n"
            "      --cap-add CAP        add a capability (NET_ADMIN, SYS_ADMIN, ALL...)\n"
            "      --cap-drop CAP       drop a capability\n"
            "      --security-opt OPT   seccomp=unconfined | no-new-privileges\n"
            "      --net host           keep the host's network namespace\n"
            "      --help               show this help\n");
}

static int die(const char *what)
{
    fprintf(stderr, "nsbox: %s%s%s\n", what ? what : "", what ? ": " : "", err_msg());
    return 125;
}

int main(int argc, char **argv)
{
    enum {
        OPT_USER = 256,
        OPT_PRIV,
        OPT_INIT,
        OPT_CAPADD,
        OPT_CAPDROP,
        OPT_SECOPT,
        OPT_NET,
        OPT_HELP
    };
    static const struct option opts[] = {
        {"rootfs", required_argument, NULL, 'r'},
        {"hostname", required_argument, NULL, 'h'},
        {"user", no_argument, NULL, OPT_USER},
        {"privileged", no_argument, NULL, OPT_PRIV},
        {"env", required_argument, NULL, 'e'},
        {"workdir", required_argument, NULL, 'w'},
        {"uid", required_argument, NULL, 'u'},
        {"init", no_argument, NULL, OPT_INIT},
        {"cap-add", required_argument, NULL, OPT_CAPADD},
        {"cap-drop", required_argument, NULL, OPT_CAPDROP},
        {"security-opt", required_argument, NULL, OPT_SECOPT},
        {"net", required_argument, NULL, OPT_NET},
        {"help", no_argument, NULL, OPT_HELP},
        {0},
    };
    struct ns_config cfg;
    strv_t env = {0};
    int c, r = 0;

    ns_config_init(&cfg);
    strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+r:h:e:w:u:", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            cfg.rootfs = optarg;
            break;
        case 'h':
            cfg.hostname = optarg;
            break;
        case 'e':
            r = strv_env_set(&env, optarg);
            break;
        case 'w':
            cfg.workdir = optarg;
            break;
        case 'u':
            cfg.user = optarg;
            break;
        case OPT_USER:
            cfg.user_ns = true;
            break;
        case OPT_PRIV:
            cfg.sec.privileged = true;
            break;
        case OPT_INIT:
            cfg.init = true;
            break;
        case OPT_CAPADD:
            r = sec_cap_add(&cfg.sec, optarg);
            break;
        case OPT_CAPDROP:
            r = sec_cap_drop(&cfg.sec, optarg);
            break;
        case OPT_SECOPT:
            r = sec_parse_opt(&cfg.sec, optarg);
            break;
        case OPT_NET:
            if (strcmp(optarg, "host") != 0)
                r = err_setx(EINVAL, "--net: only 'host' is known to nsbox, got '%s'", optarg);
            cfg.share_net = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "nsbox: unknown or incomplete option '%s'\n", argv[optind - 1]);
            usage(stderr);
            return 125;
        }
        if (r < 0)
            return die(NULL);
    }
    if (optind >= argc) {
        fprintf(stderr, "nsbox: no command given\n");
        usage(stderr);
        return 125;
    }
    if (cfg.rootfs && access(cfg.rootfs, F_OK) < 0) {
        err_set(errno, "rootfs %s", cfg.rootfs);
        return die(NULL);
    }
    cfg.argv = argv + optind;
    cfg.envp = env.v;

    struct ns_process proc;
    if (ns_spawn(&cfg, &proc) < 0) {
        fprintf(stderr, "nsbox: %s\n", err_msg());
        strv_free(&env);
        return proc.exit_code;
    }
    child_pid = proc.pid;
    struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int code = 125;
    if (ns_wait(proc.pid, &code) < 0)
        die(NULL);
    strv_free(&env);
    return code;
}
