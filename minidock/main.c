/* minidock — a Docker-compatible container engine built from the course's labs.
 *
 * This file is only the front door: global options, then a table of verbs.
 * Each verb lives in its own file and returns the exit code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "minidock.h"

static const struct verb {
    const char *name;
    md_verb_fn fn;
    const char *summary;
} verbs[] = {
    {"attach", cmd_attach,
     "Attach local standard input, output, and error streams to a running container"},
    {"build", cmd_build, "Build an image from a Dockerfile"},
    {"commit", cmd_commit, "Create a new image from a container's changes"},
    {"container", cmd_container, "Manage containers"},
    {"cp", cmd_cp, "Copy files/folders between a container and the local filesystem"},
    {"create", cmd_create, "Create a new container"},
    {"diff", cmd_diff, "Inspect changes to files or directories on a container's filesystem"},
    {"exec", cmd_exec, "Execute a command in a running container"},
    {"export", cmd_export, "Export a container's filesystem as a tar archive"},
    {"history", cmd_history, "Show the history of an image"},
    {"image", cmd_image, "Manage images"},
    {"images", cmd_images, "List images"},
    {"import", cmd_import, "Import the contents from a tarball to create a filesystem image"},
    {"info", cmd_info, "Display system-wide information"},
    {"inspect", cmd_inspect, "Return low-level information on minidock objects"},
    {"kill", cmd_kill, "Kill one or more running containers"},
    {"load", cmd_load, "Load an image from a tar archive or STDIN"},
    {"logs", cmd_logs, "Fetch the logs of a container"},
    {"pause", cmd_pause, "Pause all processes within one or more containers"},
    {"port", cmd_port, "List port mappings or a specific mapping for the container"},
    {"ps", cmd_ps, "List containers"},
    {"rename", cmd_rename, "Rename a container"},
    {"restart", cmd_restart, "Restart one or more containers"},
    {"rm", cmd_rm, "Remove one or more containers"},
    {"rmi", cmd_rmi, "Remove one or more images"},
    {"run", cmd_run, "Create and run a new container"},
    {"save", cmd_save, "Save one or more images to a tar archive (streamed to STDOUT by default)"},
    {"spec", cmd_spec, "Print the OCI runtime config.json of a container"},
    {"start", cmd_start, "Start one or more stopped containers"},
    {"stats", cmd_stats, "Display a live stream of container(s) resource usage statistics"},
    {"stop", cmd_stop, "Stop one or more running containers"},
    {"system", cmd_system, "Manage minidock"},
    {"tag", cmd_tag, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE"},
    {"top", cmd_top, "Display the running processes of a container"},
    {"unpause", cmd_unpause, "Unpause all processes within one or more containers"},
    {"version", cmd_version, "Show the minidock version information"},
    {"volume", cmd_volume, "Manage volumes"},
    {"wait", cmd_wait, "Block until one or more containers stop, then print their exit codes"},
};

int md_fail(const char *context)
{
    if (context)
        fprintf(stderr, "minidock: %s: %s\n", context, err_msg());
    else
        fprintf(stderr, "minidock: %s\n", err_msg());
    return 125;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage:  minidock [OPTIONS] COMMAND\n\n"
            "A self-sufficient runtime for containers, built from the labs of the course\n\n"
            "Options:\n"
            "      --root DIR         Root of minidock's data (default %s,\n"
            "                         or $MINIDOCK_ROOT)\n"
            "  -l, --log-level LEVEL  Set the logging level (debug, info, warn, error)\n"
            "  -D, --debug            Enable debug mode\n"
            "  -v, --version          Print version information and quit\n"
            "  -h, --help             Print usage\n\n"
            "Commands:\n",
            MD_DEFAULT_ROOT);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (verbs[i].summary) /* NULL: internal verbs */
            fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\nRun 'minidock COMMAND --help' for more information on a command.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'}, {"log-level", required_argument, NULL, 'l'},
        {"debug", no_argument, NULL, 'D'},      {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},       {0},
    };
    struct md_global g = {.root = getenv("MINIDOCK_ROOT")};
    enum log_level level;
    int c;

    log_init("minidock");
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+l:Dvh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            g.root = optarg;
            break;
        case 'l':
            if (log_parse_level(optarg, &level) < 0)
                return md_fail(NULL);
            log_set_level(level);
            break;
        case 'D':
            log_set_level(LOG_DEBUG);
            break;
        case 'v':
            return cmd_version(&g, 0, NULL);
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "minidock: unknown flag: %s\nSee 'minidock --help'.\n",
                    argv[optind - 1]);
            return 125;
        }
    }
    if (!g.root || !*g.root)
        g.root = MD_DEFAULT_ROOT;
    if (optind >= argc) {
        usage(stderr);
        return 125;
    }
    int first = optind;
    const char *name = argv[first];
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        if (strcmp(name, verbs[i].name) == 0) {
            optind = 0; /* each verb runs getopt again over its own arguments */
            return verbs[i].fn(&g, argc - first, argv + first);
        }
    }
    fprintf(stderr, "minidock: '%s' is not a minidock command.\nSee 'minidock --help'.\n", name);
    return 125;
}
