/* spec.c — a container's settings as an OCI runtime-spec config.json
 * (see spec.h).  Every value comes from the same places the runtime itself
 * uses (namespaces.c, security.c, cgroups.c), so the two cannot drift. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/utsname.h>

#include "err.h"
#include "spec.h"

#define OCI_VERSION "1.0.2"

static json_t *string_array(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *const_array(const char *const *v)
{
    return string_array((char *const *)v);
}

static json_t *capability_names(uint64_t caps)
{
    json_t *a = json_array();
    for (int c = 0; c <= sec_last_cap(); c++) {
        if (!(caps & (1ULL << c)))
            continue;
        char *name = cap_to_name(c);
        char upper[64];
        snprintf(upper, sizeof(upper), "%s", name ? name : "");
        for (char *p = upper; *p; p++)
            *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        json_array_append_new(a, json_string(upper));
        cap_free(name);
    }
    return a;
}

static json_t *process_section(const struct ns_config *cfg)
{
    uint64_t caps = cfg->sec.privileged
                        ? (sec_last_cap() >= 63 ? ~0ULL : (1ULL << (sec_last_cap() + 1)) - 1)
                        : cfg->sec.caps;
    uid_t uid = 0;
    gid_t gid = 0;
    char etc[PATH_MAX], home[PATH_MAX];
    if (cfg->user) {
        snprintf(etc, sizeof(etc), "%s/etc", cfg->rootfs);
        if (sec_resolve_user(etc, cfg->user, &uid, &gid, home, sizeof(home)) < 0)
            return NULL;
    }
    /* as Docker: the same sets for every user; execve clears them for non-root */
    json_t *capset = json_pack("{s:o, s:o, s:o, s:[], s:[]}", "bounding", capability_names(caps),
                               "effective", capability_names(caps), "permitted",
                               capability_names(caps), "inheritable", "ambient");
    return json_pack("{s:b, s:{s:I, s:I}, s:o, s:o, s:s, s:o, s:b}", "terminal", cfg->tty, "user",
                     "uid", (json_int_t)uid, "gid", (json_int_t)gid, "args",
                     string_array(cfg->argv), "env", string_array(cfg->envp), "cwd",
                     cfg->workdir ? cfg->workdir : "/", "capabilities", capset, "noNewPrivileges",
                     cfg->sec.no_new_privs);
}

/* The same mounts as namespaces.c makes, with the same options. */
static json_t *mounts_section(const struct ns_config *cfg)
{
    return json_pack(
        "[{s:s, s:s, s:s, s:[s,s,s]},"
        " {s:s, s:s, s:s, s:[s,s,s,s]},"
        " {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
        " {s:s, s:s, s:s, s:[s,s,s,s,s]},"
        " {s:s, s:s, s:s, s:[s,s,s]},"
        " {s:s, s:s, s:s, s:[s,s,s,s]}]",
        "destination", "/proc", "type", "proc", "source", "proc", "options", "nosuid", "noexec",
        "nodev", "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
        "strictatime", "mode=755", "size=65536k", "destination", "/dev/pts", "type", "devpts",
        "source", "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
        "mode=0620", cfg->user_ns ? "nosuid" : "gid=5", "destination", "/dev/shm", "type", "tmpfs",
        "source", "shm", "options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
        "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue", "options", "nosuid",
        "noexec", "nodev", "destination", "/sys", "type", "sysfs", "source", "sysfs", "options",
        "nosuid", "noexec", "nodev", "ro");
}

static json_t *namespaces_section(const struct ns_config *cfg)
{
    json_t *a = json_array();
    const char *types[] = {"pid", "ipc", "uts", "mount", "cgroup", "network", "user"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if ((strcmp(types[i], "network") == 0 && cfg->share_net) ||
            (strcmp(types[i], "user") == 0 && !cfg->user_ns))
            continue;
        json_array_append_new(a, json_pack("{s:s}", "type", types[i]));
    }
    return a;
}

static json_t *resources_section(const struct cg_limits *l)
{
    json_t *r = json_object();
    if (l->memory || l->memory_swap) {
        json_t *m = json_object();
        if (l->memory)
            json_object_set_new(m, "limit", json_integer(l->memory));
        if (l->memory_swap)
            json_object_set_new(m, "swap", json_integer(l->memory_swap));
        else if (l->memory) /* Docker's default: as much swap as memory */
            json_object_set_new(m, "swap", json_integer(2 * l->memory));
        json_object_set_new(r, "memory", m);
    }
    if (l->cpu_quota_us || l->cpu_shares) {
        json_t *c = json_object();
        if (l->cpu_quota_us) {
            json_object_set_new(c, "quota", json_integer(l->cpu_quota_us));
            json_object_set_new(c, "period", json_integer(l->cpu_period_us));
        }
        if (l->cpu_shares)
            json_object_set_new(c, "shares", json_integer(l->cpu_shares));
        json_object_set_new(r, "cpu", c);
    }
    if (l->pids_max)
        json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)l->pids_max));
    return r;
}

static json_t *seccomp_architectures(void)
{
    struct utsname u;
    uname(&u);
    if (strcmp(u.machine, "aarch64") == 0)
        return json_pack("[s,s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
    return json_pack("[s,s,s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
}

/* security.c's profile, rule by rule: the allow-lists, clone without
 * namespace flags, clone3 answered ENOSYS, personality's harmless values. */
static json_t *seccomp_section(uint64_t caps)
{
    bool sys_admin = caps & (1ULL << CAP_SYS_ADMIN);
    json_t *rules = json_array();
    json_array_append_new(rules, json_pack("{s:o, s:s}", "names", const_array(sec_syscalls_default),
                                           "action", "SCMP_ACT_ALLOW"));
    if (sys_admin)
        json_array_append_new(rules,
                              json_pack("{s:o, s:s}", "names", const_array(sec_syscalls_sys_admin),
                                        "action", "SCMP_ACT_ALLOW"));
    if (caps & (1ULL << CAP_SYS_PTRACE))
        json_array_append_new(rules,
                              json_pack("{s:o, s:s}", "names", const_array(sec_syscalls_sys_ptrace),
                                        "action", "SCMP_ACT_ALLOW"));
    if (sys_admin) {
        json_array_append_new(
            rules, json_pack("{s:[s], s:s}", "names", "clone", "action", "SCMP_ACT_ALLOW"));
    } else {
        json_array_append_new(rules, json_pack("{s:[s], s:s, s:[{s:i, s:I, s:i, s:s}]}", "names",
                                               "clone", "action", "SCMP_ACT_ALLOW", "args", "index",
                                               0, "value", (json_int_t)SEC_CLONE_NS_FLAGS,
                                               "valueTwo", 0, "op", "SCMP_CMP_MASKED_EQ"));
        json_array_append_new(rules, json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action",
                                               "SCMP_ACT_ERRNO", "errnoRet", ENOSYS));
    }
    static const json_int_t personalities[] = {0x0, 0x0008, 0x20000, 0x20008, 0xffffffff};
    for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++)
        json_array_append_new(rules,
                              json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", "personality",
                                        "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value",
                                        personalities[i], "op", "SCMP_CMP_EQ"));
    return json_pack("{s:s, s:i, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet",
                     EPERM, "architectures", seccomp_architectures(), "syscalls", rules);
}

static json_t *linux_section(const struct ns_config *cfg, const struct cg_limits *limits,
                             const char *cgroup_path)
{
    json_t *lx = json_pack("{s:o, s:o, s:s}", "namespaces", namespaces_section(cfg), "resources",
                           resources_section(limits), "cgroupsPath", cgroup_path);
    if (!lx)
        return NULL;
    if (cfg->user_ns) {
        json_t *map =
            json_pack("[{s:i, s:I, s:I}]", "containerID", 0, "hostID",
                      (json_int_t)cfg->idmap.host_base, "size", (json_int_t)cfg->idmap.count);
        json_object_set(lx, "uidMappings", map);
        json_object_set_new(lx, "gidMappings", map);
    }
    if (!cfg->sec.privileged) {
        json_object_set_new(lx, "maskedPaths", const_array(sec_masked_paths));
        json_object_set_new(lx, "readonlyPaths", const_array(sec_readonly_paths));
        if (cfg->sec.seccomp)
            json_object_set_new(lx, "seccomp", seccomp_section(cfg->sec.caps));
    }
    return lx;
}

int spec_build(const struct ns_config *cfg, const struct cg_limits *limits, const char *cgroup_path,
               json_t **out)
{
    if (!cfg->rootfs)
        return err_setx(EINVAL, "an OCI bundle needs a rootfs");
    json_t *process = process_section(cfg);
    if (!process)
        return err_wrap(-EINVAL, "config.json");
    *out = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", OCI_VERSION,
                     "process", process, "root", "path", cfg->rootfs, "readonly", 0, "hostname",
                     cfg->hostname ? cfg->hostname : "", "mounts", mounts_section(cfg), "linux",
                     linux_section(cfg, limits, cgroup_path));
    return *out ? 0 : err_setx(ENOMEM, "build config.json");
}
