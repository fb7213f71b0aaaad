/* test_cgroups.c — unit tests of labs/02-cgroups/cgroups.c.
 *
 * Each test builds a fake cgroup tree in a temporary directory: plain
 * directories standing for the mounts, and a fake mountinfo file pointing at
 * them.  cg_detect_from() reads that file, and since every write goes through
 * file_write_str() (which creates missing files), the tests can check which
 * file got which string: the v1 / v2 mapping, without touching the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups.h"
#include "err.h"
#include "file.h"

#define MIB (INT64_C(1024) * 1024)

struct fake {
    char root[PATH_MAX];
    char mountinfo[PATH_MAX];
    int next_id;
};

/* ---- the fake tree ---------------------------------------------------------- */

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->root, sizeof(f->root), "/tmp/cgtest.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->mountinfo, sizeof(f->mountinfo), "%s/mountinfo", f->root);
    assert_int_equal(file_write_str(f->mountinfo, ""), 0);
    f->next_id = 30;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;
    assert_int_equal(remove_tree(f->root), 0);
    free(f);
    return 0;
}

static const char *at(const struct fake *f, const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", f->root, rel);
    return path;
}

static void put(const struct fake *f, const char *rel, const char *text)
{
    assert_int_equal(file_write_str(at(f, rel), text), 0);
}

static void assert_file(const struct fake *f, const char *rel, const char *want)
{
    char *text = NULL;
    int ret = file_read_all(at(f, rel), &text, NULL);
    if (ret < 0)
        fail_msg("%s", err_msg());
    assert_string_equal(text, want);
    free(text);
}

static void assert_no_file(const struct fake *f, const char *rel)
{
    assert_false(path_exists(at(f, rel)));
}

static void assert_msg_has(const char *part)
{
    if (!strstr(err_msg(), part))
        fail_msg("error message '%s' lacks '%s'", err_msg(), part);
}

/* Append one mountinfo line for a mount at root/dir; optional fields vary. */
static void mount_line(struct fake *f, const char *dir, const char *fstype, const char *super)
{
    char line[PATH_MAX * 2], *text = NULL;
    size_t len;
    assert_int_equal(mkdir_p(at(f, dir), 0755), 0);
    snprintf(line, sizeof(line), "%d 25 0:%d / %s rw,nosuid,nodev,noexec,relatime%s - %s %s %s\n",
             f->next_id, f->next_id, at(f, dir), f->next_id % 2 ? " shared:9" : "", fstype, fstype,
             super);
    f->next_id++;
    assert_int_equal(file_read_all(f->mountinfo, &text, &len), 0);
    char *longer = realloc(text, len + strlen(line) + 1);
    if (!longer)
        free(text);
    assert_non_null(longer);
    strcpy(longer + len, line);
    assert_int_equal(file_write_str(f->mountinfo, longer), 0);
    free(longer);
}

static void mount_v1(struct fake *f, const char *dir, const char *options)
{
    char super[256];
    snprintf(super, sizeof(super), "rw,%s", options);
    mount_line(f, dir, "cgroup", super);
}

static void mount_v2(struct fake *f, const char *dir, const char *controllers)
{
    char rel[PATH_MAX];
    mount_line(f, dir, "cgroup2", "rw,nsdelegate");
    snprintf(rel, sizeof(rel), "%s/cgroup.controllers", dir);
    put(f, rel, controllers);
}

/* This host's v1 layout: one mount per controller, plus systemd's named one. */
static void mount_v1_all(struct fake *f)
{
    mount_line(f, "tmpfs", "tmpfs", "rw,mode=755");
    mount_v1(f, "cpu", "cpu");
    mount_v1(f, "cpuacct", "cpuacct");
    mount_v1(f, "cpuset", "cpuset");
    mount_v1(f, "memory", "memory");
    mount_v1(f, "pids", "pids");
    mount_v1(f, "freezer", "freezer");
    mount_v1(f, "systemd", "xattr,name=systemd");
}

static void detect(const struct fake *f, struct cg_host *host, const char *force)
{
    int ret = cg_detect_from(host, f->mountinfo, force);
    if (ret < 0)
        fail_msg("cg_detect_from: %s", err_msg());
}

static struct cgroup *create(const struct fake *f, const struct cg_host *host, const char *name)
{
    struct cgroup *cg = NULL;
    int ret = cg_create(host, name, &cg);
    if (ret < 0)
        fail_msg("cg_create: %s", err_msg());
    return cg;
}

/* ---- 1. detection ----------------------------------------------------------- */

static void test_detect_v1_separate_mounts(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_V1);
    assert_string_equal(h.v1[CG_CPU], at(f, "cpu"));
    assert_string_equal(h.v1[CG_CPUACCT], at(f, "cpuacct"));
    assert_string_equal(h.v1[CG_MEMORY], at(f, "memory"));
    assert_string_equal(h.v1[CG_PIDS], at(f, "pids"));
    assert_string_equal(h.v1[CG_FREEZER], at(f, "freezer"));
    assert_string_equal(h.unified, "");
    for (int c = 0; c < CG_NCONTROLLERS; c++)
        assert_true(cg_host_has(&h, c));
}

static void test_detect_v1_comounted_cpu_cpuacct(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1(f, "cpu,cpuacct", "cpu,cpuacct");
    mount_v1(f, "memory", "memory");
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_V1);
    assert_string_equal(h.v1[CG_CPU], at(f, "cpu,cpuacct"));
    assert_string_equal(h.v1[CG_CPUACCT], at(f, "cpu,cpuacct"));
    assert_false(cg_host_has(&h, CG_PIDS));

    /* one directory serves both: created once, without EEXIST */
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_string_equal(cg_path(cg, CG_CPU), at(f, "cpu,cpuacct/minidock/abc"));
    assert_string_equal(cg_path(cg, CG_CPUACCT), cg_path(cg, CG_CPU));
    assert_string_equal(cg_path(cg, CG_PIDS), "");
    cg_free(cg);
}

static void test_detect_v2(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    bool v2;
    mount_v2(f, "unified", "cpuset cpu io memory hugetlb pids rdma misc\n");
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_V2);
    assert_string_equal(h.unified, at(f, "unified"));
    for (int c = 0; c < CG_NCONTROLLERS; c++) {
        assert_true(h.v2_controllers & (1u << c));
        assert_string_equal(cg_host_mount(&h, c, &v2), at(f, "unified"));
        assert_true(v2);
    }
}

static void test_detect_v2_without_controllers(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_V2);
    assert_false(cg_host_has(&h, CG_MEMORY));
    assert_false(cg_host_has(&h, CG_CPU));
    assert_false(cg_host_has(&h, CG_PIDS));
    /* cpu.stat and cgroup.freeze are part of cgroup2 itself */
    assert_true(cg_host_has(&h, CG_CPUACCT));
    assert_true(cg_host_has(&h, CG_FREEZER));
}

static void test_detect_hybrid(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    bool v2;
    mount_v1_all(f);
    mount_v2(f, "unified", "hugetlb\n");
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_HYBRID);
    assert_string_equal(h.unified, at(f, "unified"));
    assert_string_equal(cg_host_mount(&h, CG_MEMORY, &v2), at(f, "memory"));
    assert_false(v2);
    assert_string_equal(cg_host_mount(&h, CG_CPUACCT, &v2), at(f, "cpuacct"));
    assert_false(v2);
    /* freezing goes through cgroup.freeze */
    assert_string_equal(cg_host_mount(&h, CG_FREEZER, &v2), at(f, "unified"));
    assert_true(v2);
}

static void test_detect_force_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    bool v2;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, "v1");
    assert_int_equal(h.mode, CG_MODE_V1);
    assert_string_equal(h.unified, "");
    assert_string_equal(cg_host_mount(&h, CG_FREEZER, &v2), at(f, "freezer"));
    assert_false(v2);
}

static void test_detect_force_v2(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    mount_v2(f, "unified", "pids\n");
    detect(f, &h, "v2");
    assert_int_equal(h.mode, CG_MODE_V2);
    for (int c = 0; c < CG_NCONTROLLERS; c++)
        assert_string_equal(h.v1[c], "");
    assert_false(cg_host_has(&h, CG_MEMORY));
    assert_true(cg_host_has(&h, CG_PIDS));
}

static void test_detect_force_v2_without_cgroup2(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    assert_int_equal(cg_detect_from(&h, f->mountinfo, "v2"), -ENOENT);
    assert_msg_has("MINIDOCK_CGROUP=v2: no cgroup2 file system is mounted");
    assert_int_equal(h.mode, CG_MODE_NONE);
}

static void test_detect_force_v1_without_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1(f, "systemd", "name=systemd");
    mount_v2(f, "unified", "memory\n");
    assert_int_equal(cg_detect_from(&h, f->mountinfo, "v1"), -ENOENT);
    assert_msg_has("MINIDOCK_CGROUP=v1");
}

static void test_detect_bad_force(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "");
    assert_int_equal(cg_detect_from(&h, f->mountinfo, "v3"), -EINVAL);
    assert_msg_has("MINIDOCK_CGROUP=v3: expected v1 or v2");
}

static void test_detect_empty_force_is_auto(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, "");
    assert_int_equal(h.mode, CG_MODE_HYBRID);
}

static void test_detect_named_hierarchy_is_not_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1(f, "systemd", "xattr,name=systemd");
    mount_v2(f, "unified", "memory\n");
    detect(f, &h, NULL);
    assert_int_equal(h.mode, CG_MODE_V2);
}

static void test_detect_nothing_mounted(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_line(f, "tmpfs", "tmpfs", "rw");
    assert_int_equal(cg_detect_from(&h, f->mountinfo, NULL), -ENOENT);
    assert_msg_has("no cgroup file system is mounted");
    assert_int_equal(cg_detect_from(&h, at(f, "no-such-file"), NULL), -ENOENT);
}

static void test_detect_escaped_mount_point(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    char line[PATH_MAX * 2];
    assert_int_equal(mkdir_p(at(f, "my cgroups"), 0755), 0);
    put(f, "my cgroups/cgroup.controllers", "memory\n");
    snprintf(line, sizeof(line), "41 31 0:38 / %s/my\\040cgroups rw - cgroup2 cgroup2 rw\n",
             f->root);
    assert_int_equal(file_write_str(f->mountinfo, line), 0);
    detect(f, &h, NULL);
    assert_string_equal(h.unified, at(f, "my cgroups"));
    assert_true(cg_host_has(&h, CG_MEMORY));
}

static void test_names(void **state)
{
    assert_string_equal(cg_mode_name(CG_MODE_V1), "v1");
    assert_string_equal(cg_mode_name(CG_MODE_V2), "v2");
    assert_string_equal(cg_mode_name(CG_MODE_HYBRID), "hybrid");
    assert_string_equal(cg_mode_name(CG_MODE_NONE), "none");
    assert_string_equal(cg_controller_name(CG_MEMORY), "memory");
    assert_string_equal(cg_controller_name(CG_CPUACCT), "cpuacct");
    assert_string_equal(cg_controller_name(CG_FREEZER), "freezer");
}

/* ---- 2. creating groups ----------------------------------------------------- */

static void test_create_v2_enables_controllers_in_parents(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "cpuset cpu io memory pids\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_file(f, "unified/cgroup.subtree_control", "+memory +cpu +pids");
    assert_file(f, "unified/minidock/cgroup.subtree_control", "+memory +cpu +pids");
    assert_no_file(f, "unified/minidock/abc/cgroup.subtree_control");
    assert_string_equal(cg_unified_path(cg), at(f, "unified/minidock/abc"));
    assert_string_equal(cg_path(cg, CG_MEMORY), at(f, "unified/minidock/abc"));
    cg_free(cg);
}

static void test_create_v2_enables_only_available_controllers(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "cpu pids\n");
    detect(f, &h, NULL);
    cg_free(create(f, &h, "minidock/abc"));
    assert_file(f, "unified/cgroup.subtree_control", "+cpu +pids");
    assert_file(f, "unified/minidock/cgroup.subtree_control", "+cpu +pids");
}

static void test_create_v2_without_controllers_writes_no_subtree_control(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    cg_free(create(f, &h, "a/b/c"));
    assert_no_file(f, "unified/cgroup.subtree_control");
    assert_true(path_exists(at(f, "unified/a/b/c")));
}

static void test_create_hybrid_makes_v1_and_unified_groups(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_true(path_exists(at(f, "memory/minidock/abc")));
    assert_true(path_exists(at(f, "cpu/minidock/abc")));
    assert_true(path_exists(at(f, "cpuacct/minidock/abc")));
    assert_true(path_exists(at(f, "pids/minidock/abc")));
    assert_true(path_exists(at(f, "unified/minidock/abc")));
    assert_false(path_exists(at(f, "freezer/minidock/abc"))); /* frozen through cgroup2 */
    assert_false(path_exists(at(f, "cpuset/minidock/abc")));  /* not used */
    assert_string_equal(cg_path(cg, CG_FREEZER), at(f, "unified/minidock/abc"));
    cg_free(cg);
}

static void test_create_twice_is_eexist(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cgroup *cg = NULL;
    mount_v1_all(f);
    detect(f, &h, NULL);
    cg_free(create(f, &h, "minidock/abc"));
    assert_int_equal(cg_create(&h, "minidock/abc", &cg), -EEXIST);
    assert_null(cg);
    assert_msg_has("already exists");
}

static void test_create_rejects_bad_names(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cgroup *cg = NULL;
    static const char *const bad[] = {"", "/abs", "a/../b", "..", "a//b", "a/", "./a"};
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cg_create(&h, bad[i], &cg), -EINVAL);
        assert_msg_has("invalid cgroup name");
    }
    assert_null(cg);
}

static void test_open_existing_and_missing(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cgroup *cg = NULL;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    cg_free(create(f, &h, "minidock/abc"));
    assert_int_equal(cg_open(&h, "minidock/abc", &cg), 0);
    assert_string_equal(cg_path(cg, CG_MEMORY), at(f, "memory/minidock/abc"));
    cg_free(cg);
    cg = NULL;
    assert_int_equal(cg_open(&h, "minidock/nope", &cg), -ENOENT);
    assert_null(cg);
    assert_msg_has("no cgroup named minidock/nope");
}

static void test_destroy_removes_leaf_keeps_parent(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_destroy(cg), 0);
    assert_false(path_exists(at(f, "memory/minidock/abc")));
    assert_false(path_exists(at(f, "unified/minidock/abc")));
    assert_true(path_exists(at(f, "memory/minidock")));
    assert_true(path_exists(at(f, "unified/minidock")));
    assert_int_equal(cg_destroy(NULL), 0);
}

static void test_remove_if_empty(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *a = create(f, &h, "box/a");
    struct cgroup *b = create(f, &h, "box/b");
    assert_int_equal(cg_destroy(a), 0);
    assert_int_equal(cg_remove_if_empty(&h, "box"), 0); /* b is still there: kept */
    assert_true(path_exists(at(f, "memory/box/b")));
    assert_int_equal(cg_destroy(b), 0);
    assert_int_equal(cg_remove_if_empty(&h, "box"), 0);
    assert_false(path_exists(at(f, "memory/box")));
    assert_false(path_exists(at(f, "unified/box")));
    assert_int_equal(cg_remove_if_empty(&h, "box"), 0); /* already gone: fine */
}

/* ---- 3. limits: the v1 / v2 mapping ----------------------------------------- */

static struct cg_limits docker_limits(void)
{
    struct cg_limits l = {0};
    l.memory = 64 * MIB;
    assert_int_equal(cg_limits_set_cpus(&l, "1.5"), 0);
    l.cpu_shares = 512;
    l.pids_max = 20;
    return l;
}

static void test_v1_limits_mapping(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = docker_limits();
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "memory/minidock/abc/memory.memsw.limit_in_bytes", "9223372036854771712");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "memory/minidock/abc/memory.limit_in_bytes", "67108864");
    /* Docker's default: as much swap as memory, i.e. memory+swap = 2 x memory */
    assert_file(f, "memory/minidock/abc/memory.memsw.limit_in_bytes", "134217728");
    assert_file(f, "cpu/minidock/abc/cpu.cfs_period_us", "100000");
    assert_file(f, "cpu/minidock/abc/cpu.cfs_quota_us", "150000");
    assert_file(f, "cpu/minidock/abc/cpu.shares", "512");
    assert_file(f, "pids/minidock/abc/pids.max", "20");
    assert_no_file(f, "memory/minidock/abc/memory.max");
    cg_free(cg);
}

static void test_v1_unlimited_values(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.memory = 64 * MIB, .memory_swap = -1, .pids_max = -1};
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "memory/minidock/abc/memory.memsw.limit_in_bytes", "");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "memory/minidock/abc/memory.memsw.limit_in_bytes", "-1");
    assert_file(f, "pids/minidock/abc/pids.max", "max");
    cg_free(cg);
}

static void test_v1_swap_default_skipped_without_swap_accounting(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.memory = 64 * MIB};
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "memory/minidock/abc/memory.limit_in_bytes", "67108864");
    assert_no_file(f, "memory/minidock/abc/memory.memsw.limit_in_bytes");

    l.memory_swap = 128 * MIB; /* asked for explicitly: an error, not a silent no-op */
    assert_int_equal(cg_set_limits(cg, &l), -EOPNOTSUPP);
    assert_msg_has("swap accounting");
    assert_msg_has("memory.memsw.limit_in_bytes");
    cg_free(cg);
}

static void test_v2_limits_mapping(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = docker_limits();
    mount_v2(f, "unified", "cpu memory pids\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/memory.swap.max", "max");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "unified/minidock/abc/memory.max", "67108864");
    assert_file(f, "unified/minidock/abc/memory.swap.max", "67108864"); /* swap alone */
    assert_file(f, "unified/minidock/abc/cpu.max", "150000 100000");
    assert_file(f, "unified/minidock/abc/cpu.weight", "20");
    assert_file(f, "unified/minidock/abc/pids.max", "20");
    assert_no_file(f, "unified/minidock/abc/memory.limit_in_bytes");
    assert_no_file(f, "unified/minidock/abc/cpu.cfs_quota_us");
    cg_free(cg);
}

static void test_v2_swap_values(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.memory = 64 * MIB, .memory_swap = 100 * MIB};
    mount_v2(f, "unified", "memory\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/memory.swap.max", "max");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "unified/minidock/abc/memory.swap.max", "37748736"); /* 36 MiB */
    l.memory_swap = -1;
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "unified/minidock/abc/memory.swap.max", "max");
    l = (struct cg_limits){.cpu_quota_us = -1};
    assert_int_equal(cg_set_limits(cg, &l), -EOPNOTSUPP); /* no cpu controller */
    cg_free(cg);
}

static void test_v2_unavailable_controller_is_a_clear_error(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.memory = 32 * MIB};
    char want[PATH_MAX + 128];
    mount_v2(f, "unified", "cpu pids\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_set_limits(cg, &l), -EOPNOTSUPP);
    snprintf(want, sizeof(want),
             "memory limit: the memory controller is not enabled in the cgroup v2 hierarchy at %s",
             at(f, "unified"));
    assert_msg_has(want);
    assert_no_file(f, "unified/minidock/abc/memory.max");

    l = (struct cg_limits){.pids_max = 5, .cpu_shares = 2};
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "unified/minidock/abc/pids.max", "5");
    assert_file(f, "unified/minidock/abc/cpu.weight", "1");
    cg_free(cg);
}

static void test_hybrid_limits_go_to_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = docker_limits();
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_set_limits(cg, &l), 0);
    assert_file(f, "memory/minidock/abc/memory.limit_in_bytes", "67108864");
    assert_file(f, "cpu/minidock/abc/cpu.cfs_quota_us", "150000");
    assert_file(f, "pids/minidock/abc/pids.max", "20");
    assert_no_file(f, "unified/minidock/abc/memory.max");
    cg_free(cg);
}

static void test_missing_controller_messages(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.pids_max = 10};
    mount_v1(f, "memory", "memory");
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_set_limits(cg, &l), -EOPNOTSUPP);
    assert_msg_has("pids limit: the pids controller is neither mounted as cgroup v1 nor enabled "
                   "in the cgroup v2 hierarchy at");
    cg_free(cg);

    detect(f, &h, "v1");
    cg = create(f, &h, "minidock/def");
    l = (struct cg_limits){.cpu_quota_us = 50000};
    assert_int_equal(cg_set_limits(cg, &l), -EOPNOTSUPP);
    assert_msg_has("CPU quota: the cpu controller is not mounted (cgroup v1)");
    cg_free(cg);
}

static void test_limits_are_checked_like_docker(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_limits l = {.memory = 64 * MIB, .memory_swap = 32 * MIB};
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_set_limits(cg, &l), -EINVAL);
    assert_msg_has("must be at least the memory limit");
    l = (struct cg_limits){.memory_swap = 32 * MIB};
    assert_int_equal(cg_set_limits(cg, &l), -EINVAL);
    assert_msg_has("set a memory limit as well");
    l = (struct cg_limits){.memory = 1 * MIB};
    assert_int_equal(cg_set_limits(cg, &l), -EINVAL);
    assert_msg_has("6MiB");
    assert_no_file(f, "memory/minidock/abc/memory.limit_in_bytes");
    cg_free(cg);
}

static void test_shares_to_weight(void **state)
{
    assert_int_equal(cg_shares_to_weight(0), 0);
    assert_int_equal(cg_shares_to_weight(1), 1);
    assert_int_equal(cg_shares_to_weight(2), 1);
    assert_int_equal(cg_shares_to_weight(512), 20);
    assert_int_equal(cg_shares_to_weight(1024), 39);
    assert_int_equal(cg_shares_to_weight(2048), 79);
    assert_int_equal(cg_shares_to_weight(262144), 10000);
    assert_int_equal(cg_shares_to_weight(1000000), 10000);
}

static void test_set_cpus_valid(void **state)
{
    static const struct {
        const char *in;
        int64_t quota;
    } cases[] = {{"1.5", 150000}, {"0.25", 25000}, {"2", 200000},
                 {"0.01", 1000},  {".5", 50000},   {"3.333", 333300}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cg_limits l = {0};
        assert_int_equal(cg_limits_set_cpus(&l, cases[i].in), 0);
        assert_int_equal(l.cpu_quota_us, cases[i].quota);
        assert_int_equal(l.cpu_period_us, 100000);
    }
}

static void test_set_cpus_invalid(void **state)
{
    static const char *const bad[] = {"",    "abc", "0",   "-1",    "1.5x", "1.2.3", "nan",
                                      "inf", " 1",  "0x2", "0.001", "1e3",  "."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cg_limits l = {0};
        char want[64];
        assert_int_equal(cg_limits_set_cpus(&l, bad[i]), -EINVAL);
        snprintf(want, sizeof(want), "'%s'", bad[i]);
        assert_msg_has(want);
        assert_int_equal(l.cpu_quota_us, 0);
    }
}

/* ---- 4. moving processes in ------------------------------------------------- */

static void test_add_pid_writes_every_hierarchy(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    int n;
    mount_v1_all(f);
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_add_pid(cg, 4242), 0);
    assert_file(f, "memory/minidock/abc/cgroup.procs", "4242");
    assert_file(f, "cpu/minidock/abc/cgroup.procs", "4242");
    assert_file(f, "cpuacct/minidock/abc/cgroup.procs", "4242");
    assert_file(f, "pids/minidock/abc/cgroup.procs", "4242");
    assert_file(f, "unified/minidock/abc/cgroup.procs", "4242");
    put(f, "unified/minidock/abc/cgroup.procs", "12\n34\n56\n");
    assert_int_equal(cg_count_procs(cg, &n), 0);
    assert_int_equal(n, 3);
    cg_free(cg);
}

/* ---- 5. statistics ---------------------------------------------------------- */

static void test_stats_v2(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_stats st;
    mount_v2(f, "unified", "cpu memory pids\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/memory.current", "1234\n");
    put(f, "unified/minidock/abc/memory.peak", "5678\n");
    put(f, "unified/minidock/abc/memory.max", "max\n");
    put(f, "unified/minidock/abc/memory.events",
        "low 0\nhigh 0\nmax 7\noom 1\noom_kill 2\n"
        "oom_group_kill 0\n");
    put(f, "unified/minidock/abc/cpu.stat",
        "usage_usec 1500\nuser_usec 1000\n"
        "system_usec 500\n");
    put(f, "unified/minidock/abc/pids.current", "3\n");
    assert_int_equal(cg_read_stats(cg, &st), 0);
    assert_int_equal(st.memory_usage, 1234);
    assert_int_equal(st.memory_peak, 5678);
    assert_int_equal(st.memory_limit, -1);
    assert_int_equal(st.oom_kills, 2);
    assert_int_equal(st.cpu_usage_ns, 1500000);
    assert_int_equal(st.pids_current, 3);

    /* memory.peak is Linux >= 5.19: unknown, not an error, before */
    assert_int_equal(unlink(at(f, "unified/minidock/abc/memory.peak")), 0);
    put(f, "unified/minidock/abc/memory.max", "33554432\n");
    assert_int_equal(cg_read_stats(cg, &st), 0);
    assert_int_equal(st.memory_peak, -1);
    assert_int_equal(st.memory_limit, 33554432);
    cg_free(cg);
}

static void test_stats_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_stats st;
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "memory/minidock/abc/memory.usage_in_bytes", "4096\n");
    put(f, "memory/minidock/abc/memory.max_usage_in_bytes", "33554432\n");
    put(f, "memory/minidock/abc/memory.limit_in_bytes", "9223372036854771712\n");
    put(f, "memory/minidock/abc/memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\n"
        "oom_kill 4\n");
    put(f, "cpuacct/minidock/abc/cpuacct.usage", "123456789\n");
    put(f, "pids/minidock/abc/pids.current", "0\n");
    assert_int_equal(cg_read_stats(cg, &st), 0);
    assert_int_equal(st.memory_usage, 4096);
    assert_int_equal(st.memory_peak, 33554432);
    assert_int_equal(st.memory_limit, -1); /* v1's "no limit" */
    assert_int_equal(st.oom_kills, 4);
    assert_int_equal(st.cpu_usage_ns, 123456789);
    assert_int_equal(st.pids_current, 0);

    put(f, "memory/minidock/abc/memory.limit_in_bytes", "67108864\n");
    assert_int_equal(cg_read_stats(cg, &st), 0);
    assert_int_equal(st.memory_limit, 67108864);
    cg_free(cg);
}

static void test_stats_unavailable_controllers_read_minus_one(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_stats st;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/cpu.stat", "usage_usec 7\n");
    assert_int_equal(cg_read_stats(cg, &st), 0);
    assert_int_equal(st.memory_usage, -1);
    assert_int_equal(st.memory_peak, -1);
    assert_int_equal(st.memory_limit, -1);
    assert_int_equal(st.oom_kills, -1);
    assert_int_equal(st.pids_current, -1);
    assert_int_equal(st.cpu_usage_ns, 7000);
    cg_free(cg);
}

static void test_stats_garbage_is_an_error(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    struct cg_stats st;
    mount_v2(f, "unified", "memory\n");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/memory.current", "lots\n");
    put(f, "unified/minidock/abc/cpu.stat", "usage_usec 7\n");
    assert_int_equal(cg_read_stats(cg, &st), -EINVAL);
    assert_msg_has("memory.current");
    assert_msg_has("'lots'");
    cg_free(cg);
}

/* ---- 6. freeze, kill -------------------------------------------------------- */

static void test_freeze_v2(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    bool frozen = false;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/cgroup.events",
        "populated 1\nfrozen 1\n"); /* the kernel's answer */
    assert_int_equal(cg_freeze(cg, true), 0);
    assert_file(f, "unified/minidock/abc/cgroup.freeze", "1");
    assert_int_equal(cg_is_frozen(cg, &frozen), 0);
    assert_true(frozen);
    put(f, "unified/minidock/abc/cgroup.events", "populated 1\nfrozen 0\n");
    assert_int_equal(cg_freeze(cg, false), 0);
    assert_file(f, "unified/minidock/abc/cgroup.freeze", "0");
    cg_free(cg);
}

static void test_freeze_v2_times_out(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/cgroup.events", "populated 1\nfrozen 0\n");
    assert_int_equal(cg_freeze(cg, true), -ETIMEDOUT);
    assert_msg_has("still not frozen");
    cg_free(cg);
}

static void test_freeze_v1(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    bool frozen = false;
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_freeze(cg, true), 0);
    assert_file(f, "freezer/minidock/abc/freezer.state", "FROZEN");
    assert_int_equal(cg_is_frozen(cg, &frozen), 0);
    assert_true(frozen);
    assert_int_equal(cg_freeze(cg, false), 0);
    assert_file(f, "freezer/minidock/abc/freezer.state", "THAWED");
    assert_int_equal(cg_is_frozen(cg, &frozen), 0);
    assert_false(frozen);
    cg_free(cg);
}

static void test_freeze_without_freezer(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v1(f, "memory", "memory");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    assert_int_equal(cg_freeze(cg, true), -EOPNOTSUPP);
    assert_msg_has("freeze: the freezer controller is not mounted");
    cg_free(cg);
}

static void test_kill_v2_uses_cgroup_kill(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    mount_v2(f, "unified", "");
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    put(f, "unified/minidock/abc/cgroup.kill", "");
    assert_int_equal(cg_kill(cg, SIGKILL), 0);
    assert_file(f, "unified/minidock/abc/cgroup.kill", "1");
    cg_free(cg);
}

/* Without cgroup.kill: freeze, signal each pid of cgroup.procs, thaw.  A real
 * child process stands in the fake group. */
static void test_kill_v1_signals_each_process(void **state)
{
    struct fake *f = *state;
    struct cg_host h;
    int status;
    mount_v1_all(f);
    detect(f, &h, NULL);
    struct cgroup *cg = create(f, &h, "minidock/abc");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    put(f, "freezer/minidock/abc/freezer.state", "THAWED"); /* as the kernel shows it */
    int added = cg_add_pid(cg, pid);
    int killed = added == 0 ? cg_kill(cg, SIGTERM) : added;
    if (killed < 0)
        kill(pid, SIGKILL); /* never leave the child behind */
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (killed < 0)
        fail_msg("cg_kill: %s", err_msg());
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    assert_file(f, "freezer/minidock/abc/freezer.state", "THAWED"); /* frozen, then thawed */
    cg_free(cg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_detect_v1_separate_mounts),
        T(test_detect_v1_comounted_cpu_cpuacct),
        T(test_detect_v2),
        T(test_detect_v2_without_controllers),
        T(test_detect_hybrid),
        T(test_detect_force_v1),
        T(test_detect_force_v2),
        T(test_detect_force_v2_without_cgroup2),
        T(test_detect_force_v1_without_v1),
        T(test_detect_bad_force),
        T(test_detect_empty_force_is_auto),
        T(test_detect_named_hierarchy_is_not_v1),
        T(test_detect_nothing_mounted),
        T(test_detect_escaped_mount_point),
        cmocka_unit_test(test_names),
        T(test_create_v2_enables_controllers_in_parents),
        T(test_create_v2_enables_only_available_controllers),
        T(test_create_v2_without_controllers_writes_no_subtree_control),
        T(test_create_hybrid_makes_v1_and_unified_groups),
        T(test_create_twice_is_eexist),
        T(test_create_rejects_bad_names),
        T(test_open_existing_and_missing),
        T(test_destroy_removes_leaf_keeps_parent),
        T(test_remove_if_empty),
        T(test_v1_limits_mapping),
        T(test_v1_unlimited_values),
        T(test_v1_swap_default_skipped_without_swap_accounting),
        T(test_v2_limits_mapping),
        T(test_v2_swap_values),
        T(test_v2_unavailable_controller_is_a_clear_error),
        T(test_hybrid_limits_go_to_v1),
        T(test_missing_controller_messages),
        T(test_limits_are_checked_like_docker),
        cmocka_unit_test(test_shares_to_weight),
        cmocka_unit_test(test_set_cpus_valid),
        cmocka_unit_test(test_set_cpus_invalid),
        T(test_add_pid_writes_every_hierarchy),
        T(test_stats_v2),
        T(test_stats_v1),
        T(test_stats_unavailable_controllers_read_minus_one),
        T(test_stats_garbage_is_an_error),
        T(test_freeze_v2),
        T(test_freeze_v2_times_out),
        T(test_freeze_v1),
        T(test_freeze_without_freezer),
        T(test_kill_v2_uses_cgroup_kill),
        T(test_kill_v1_signals_each_process),
    };
#undef T
    return cmocka_run_group_tests_name("cgroups", tests, NULL, NULL);
}
