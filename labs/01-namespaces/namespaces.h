/* namespaces.h — run a process in its own namespaces and root (lab 01).
 *
 * ns_spawn() is a container runtime in one call: it clones a child into new
 * mount, UTS, IPC, PID, network and cgroup namespaces (and a user namespace on
 * request), switches its root with pivot_root, mounts /proc, /dev and /sys,
 * applies the security settings of security.h and executes the command.
 *
 * The parent and the child talk over a socketpair.  The child reports any
 * setup error as a frame (so "pivot_root failed" reaches the user instead of a
 * silent exit 1) and, with a terminal, sends the pty master it opened inside
 * the container.  The socket closes on a successful execve.
 */
#ifndef MD_NAMESPACES_H
#define MD_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "security.h"

/* A range of host ids that becomes 0..count-1 inside a user namespace. */
struct ns_idmap {
    uid_t host_base;
    uid_t count;
};
#define NS_DEFAULT_IDMAP ((struct ns_idmap){.host_base = 100000, .count = 65536})

struct ns_config {
    const char *rootfs;   /* becomes "/"; NULL keeps the host's root (lab steps) */
    const char *hostname; /* NULL: keep the host's name */
    char *const *argv;    /* the command; argv[0] is searched in the container's PATH */
    char *const *envp;    /* its environment */
    const char *workdir;  /* created if missing; NULL = "/" */
    const char *user;     /* Docker's --user spec; NULL = root */
    bool user_ns;         /* new user namespace, root mapped to idmap */
    struct ns_idmap idmap;
    bool init;      /* a tiny PID 1 that forwards signals and reaps */
    bool tty;       /* a pty inside the container; master in ns_process */
    bool share_net; /* keep the host's network namespace */
    int stdio[3];   /* descriptors for the command's 0, 1, 2; -1 = inherit ours */
    struct sec_config sec;

    /* A directory of the cgroup v2 file system (lab 02) to create the child
     * in (clone3 CLONE_INTO_CGROUP, Linux 5.7), or -1. */
    int cgroup_fd;

    /* Called in the parent once the child exists, while it sets up its
     * mounts, and before it locks itself in and executes the command: e.g.
     * to put it in a cgroup.  Not called when the child was born in
     * cgroup_fd.  Returns 0 or a negative errno. */
    int (*prestart)(pid_t pid, void *arg);
    void *prestart_arg;
};

struct ns_process {
    pid_t pid;     /* the container's PID 1, as seen from the host */
    int console;   /* pty master when cfg->tty, else -1 */
    int exit_code; /* on ns_spawn failure: 125 setup error, 126 cannot execute, 127 not found */
};

void ns_config_init(struct ns_config *cfg);

/* Start the container.  Returns once the command has been executed (0), or
 * with a negative errno and the message in the error slot; the child is then
 * already reaped and proc->exit_code says how the CLI should exit. */
int ns_spawn(const struct ns_config *cfg, struct ns_process *proc);

/* Wait for the container's PID 1 and turn its status into Docker's exit
 * code: the exit status, or 128 + signal number. */
int ns_wait(pid_t pid, int *exit_code);

/* Exit code from a waitpid() status. */
int ns_exit_code(int status);

/* execve argv[0], searched in the PATH of envp (not ours), as the last step
 * inside a container.  Returns only on failure: Docker's exit code (127 not
 * found, 126 not executable) with the message in the error slot. */
int ns_exec_command(char *const *argv, char *const *envp);

#endif
