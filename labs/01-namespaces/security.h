/* security.h — what a container may do once it runs (lab 01, part 2).
 *
 * Namespaces decide what a process can see; this file decides what it may do:
 *   - capabilities: root's powers split in ~40 pieces; a container keeps 14;
 *   - no_new_privs: execve can no longer grant privileges (setuid bits);
 *   - seccomp: a filter in the kernel that refuses dangerous system calls;
 *   - masked and read-only paths in /proc and /sys.
 * The defaults are Docker's (DESIGN.md §9).
 */
#ifndef MD_SECURITY_H
#define MD_SECURITY_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Docker's default capability set: CapEff 00000000a80425fb. */
#define SEC_DEFAULT_CAPS 0x00000000a80425fbULL

struct sec_config {
    bool privileged;   /* all capabilities, no seccomp, no masked paths */
    uint64_t caps;     /* capability bits kept (bounding, permitted, effective) */
    bool no_new_privs; /* --security-opt no-new-privileges */
    bool seccomp;      /* load the default seccomp profile */
};

/* The defaults: Docker's 14 capabilities, seccomp on, no_new_privs off. */
void sec_default(struct sec_config *sec);

/* Capability names as Docker spells them: "NET_ADMIN", "CAP_NET_ADMIN",
 * "net_admin"; "ALL" means every capability (cap = -1). */
int sec_cap_from_name(const char *name, int *cap);
int sec_cap_add(struct sec_config *sec, const char *name);
int sec_cap_drop(struct sec_config *sec, const char *name);
/* "privileged", "seccomp=unconfined", "no-new-privileges[:true|false]" */
int sec_parse_opt(struct sec_config *sec, const char *opt);
/* Highest capability number the running kernel knows. */
int sec_last_cap(void);

/* Resolve Docker's --user forms "uid", "uid:gid", "name", "name:group"
 * against the container's passwd and group files (etc_dir is "/etc" after
 * pivot_root; tests pass a fixture directory).  Names must exist; numbers need
 * not.  home receives the user's home directory ("/" when unknown). */
int sec_resolve_user(const char *etc_dir, const char *spec, uid_t *uid, gid_t *gid, char *home,
                     size_t home_size);

/* Hide /proc and /sys files that leak host information or control the host
 * (masked), and make others read-only.  Called inside the new root. */
int sec_protect_paths(const struct sec_config *sec);

/* The seccomp profile, compiled to the BPF program the kernel runs. */
struct sec_filter {
    struct sock_filter *insns;
    unsigned short len; /* 0: no filter (--privileged, seccomp=unconfined) */
};

/* Compile the filter sec_apply will load, for a process with our
 * capabilities (they decide parts of the profile): the slow part of seccomp,
 * to do while something else happens.  Free with sec_filter_free. */
int sec_prepare(const struct sec_config *sec, struct sec_filter *filter);
void sec_filter_free(struct sec_filter *filter);

/* Become uid:gid and drop to the configured privileges: bounding set,
 * identity, seccomp filter (from sec_prepare), capabilities, no_new_privs.
 * The last step before execve; after it the process can no longer undo
 * anything. */
int sec_apply(const struct sec_config *sec, const struct sec_filter *filter, uid_t uid, gid_t gid);

/* The lists behind the defaults (NULL-terminated), for tools that describe
 * them, such as minidock's OCI config.json: masked and read-only paths, the
 * system calls always allowed, and those allowed with CAP_SYS_ADMIN or
 * CAP_SYS_PTRACE.  clone is allowed without SEC_CLONE_NS_FLAGS only. */
extern const char *const sec_masked_paths[];
extern const char *const sec_readonly_paths[];
extern const char *const sec_syscalls_default[];
extern const char *const sec_syscalls_sys_admin[];
extern const char *const sec_syscalls_sys_ptrace[];
#define SEC_CLONE_NS_FLAGS                                                                         \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |     \
     CLONE_NEWCGROUP | CLONE_NEWTIME)

/* Build the default seccomp profile (allow-list, EPERM by default) in *out
 * (seccomp_release it).  caps matter: with CAP_SYS_ADMIN the mount family is
 * allowed, as in Docker. */
int sec_build_seccomp(uint64_t caps, scmp_filter_ctx *out);

#endif
