/* info.c — `minidock info`: a preflight report of the host.
 *
 * In a classroom, the first thing to know is whether a machine can run
 * containers at all: which cgroup hierarchy it uses and which controllers
 * work, whether overlayfs, seccomp and user namespaces are there, and which
 * capabilities we hold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cgroups.h"
#include "err.h"
#include "file.h"
#include "minidock.h"
#include "security.h"
#include "str.h"

static bool filesystem_known(const char *fs)
{
    char *text = NULL;
    bool found = false;
    if (file_read_all("/proc/filesystems", &text, NULL) < 0)
        return false;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
        char *name = strrchr(line, '\t');
        found = strcmp(name ? name + 1 : line, fs) == 0;
    }
    free(text);
    return found;
}

static void print_os(void)
{
    char *text = NULL;
    const char *name = "unknown";
    if (file_read_all("/etc/os-release", &text, NULL) == 0) {
        char *p = strstr(text, "PRETTY_NAME=");
        if (p) {
            p += strlen("PRETTY_NAME=");
            if (*p == '"')
                p++;
            p[strcspn(p, "\"\n")] = '\0';
            name = p;
        }
    }
    printf(" Operating System:  %s\n", name);
    free(text);
}

static void print_cgroups(void)
{
    struct cg_host host;
    if (cg_detect(&host) < 0) {
        printf(" Cgroups:           unusable: %s\n", err_msg());
        return;
    }
    printf(" Cgroup Driver:     cgroupfs\n");
    printf(" Cgroup Version:    %s", cg_mode_name(host.mode));
    if (host.mode == CG_MODE_HYBRID)
        printf(" (v1 controllers, cgroup2 at %s)", host.unified);
    else if (host.mode == CG_MODE_V2)
        printf(" (%s)", host.unified);
    printf("\n");
    for (int c = 0; c < CG_NCONTROLLERS; c++) {
        enum cg_controller ctl = (enum cg_controller)c;
        bool v2, ok = cg_host_has(&host, ctl);
        const char *where = cg_host_mount(&host, ctl, &v2);
        if (ok && where)
            printf("  %-9s         yes (%s %s)\n", cg_controller_name(ctl), v2 ? "v2" : "v1",
                   where);
        else
            printf("  %-9s         no\n", cg_controller_name(ctl));
    }
}

static void print_security(void)
{
    char buf[64];
    bool seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
                   path_exists("/proc/sys/kernel/seccomp/actions_avail");
    printf(" Seccomp:           %s\n", seccomp ? "yes (filter)" : "no");
    if (file_read_line("/proc/sys/user/max_user_namespaces", buf, sizeof(buf)) == 0)
        printf(" User Namespaces:   %s (max %s)\n", strcmp(buf, "0") ? "yes" : "no", buf);
    else
        printf(" User Namespaces:   no\n");

    /* Capabilities we hold, and the ones we lack (a container cannot get them) */
    cap_t caps = cap_get_proc();
    int last = sec_last_cap(), held = 0;
    strv_t missing = {0};
    for (int c = 0; caps && c <= last; c++) {
        cap_flag_value_t v;
        if (cap_get_flag(caps, c, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET) {
            held++;
        } else {
            char *name = cap_to_name(c);
            strv_push(&missing, name ? name : "?");
            cap_free(name);
        }
    }
    printf(" Capabilities:      %d of %d", held, last + 1);
    for (size_t i = 0; i < missing.len; i++)
        printf("%s%s", i ? ", " : " (missing: ", missing.v[i]);
    printf("%s\n", missing.len ? ")" : "");
    strv_free(&missing);
    if (caps)
        cap_free(caps);
}

int cmd_info(const struct md_global *g, int argc, char **argv)
{
    struct utsname u;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage:  minidock info\n\nDisplay system-wide information\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "minidock: info: unexpected argument '%s'\n", argv[1]);
        return 125;
    }
    uname(&u);
    printf("Server:\n");
    printf(" Server Version:    minidock %s\n", MINIDOCK_VERSION);
    printf(" Root Dir:          %s\n", g->root);
    printf(" Kernel Version:    %s\n", u.release);
    print_os();
    printf(" Architecture:      %s\n", u.machine);
    printf(" CPUs:              %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf(" Total Memory:      %.2fGiB\n",
           (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / (1 << 30));
    printf(" Storage Driver:    overlay (%s)\n",
           filesystem_known("overlay") ? "supported" : "NOT SUPPORTED by this kernel");
    print_cgroups();
    print_security();
    printf(" Running as root:   %s\n", geteuid() == 0 ? "yes" : "no (minidock needs root)");
    return 0;
}
