/* test_overlay.c — unit tests of labs/03-overlay/{overlay.c,volumes.c}.
 *
 * The parsers (-v, --mount, --tmpfs, volume names, overlay options) are pure
 * functions: they get many good and bad inputs.  The diff and the layer
 * writer run on a fake upper tree in a temporary directory, with the
 * whiteouts (mknod 0/0, so the tests run as root) and opaque xattrs that
 * overlayfs itself would write; no overlay is mounted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "overlay.h"
#include "str.h"
#include "volumes.h"

#define MIB (INT64_C(1024) * 1024)

/* ---- -v ------------------------------------------------------------------------------------ */

static void test_volume_bind_rw(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_volume("/srv/data:/data", &s), 0);
    assert_int_equal(s.type, VOL_BIND);
    assert_string_equal(s.source, "/srv/data");
    assert_string_equal(s.target, "/data");
    assert_false(s.readonly);
    vol_spec_free(&s);
}

static void test_volume_bind_ro(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_volume("/etc/hosts:/etc/hosts:ro", &s), 0);
    assert_int_equal(s.type, VOL_BIND);
    assert_true(s.readonly);
    vol_spec_free(&s);
    assert_int_equal(vol_parse_volume("/a:/b:rw,z", &s), 0);
    assert_false(s.readonly);
    vol_spec_free(&s);
}

static void test_volume_named(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_volume("db-data:/var/lib/mysql:ro,nocopy", &s), 0);
    assert_int_equal(s.type, VOL_VOLUME);
    assert_string_equal(s.source, "db-data");
    assert_string_equal(s.target, "/var/lib/mysql");
    assert_true(s.readonly);
    assert_true(s.nocopy);
    vol_spec_free(&s);
}

static void test_volume_anonymous(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_volume("/data", &s), 0);
    assert_int_equal(s.type, VOL_VOLUME);
    assert_null(s.source);
    assert_string_equal(s.target, "/data");
    vol_spec_free(&s);
}

static void expect_bad_volume(const char *spec, const char *why)
{
    struct vol_spec s;
    char want[512];
    assert_int_equal(vol_parse_volume(spec, &s), -EINVAL);
    snprintf(want, sizeof(want), "invalid volume specification '%s': %s", spec, why);
    assert_string_equal(err_msg(), want);
    assert_null(s.source); /* nothing left to free */
    assert_null(s.target);
}

static void test_volume_bad_specs(void **state)
{
    expect_bad_volume("", "the container path (target) is missing");
    expect_bad_volume("data", "the container path must be absolute");
    expect_bad_volume("/a:b", "the container path must be absolute");
    expect_bad_volume("/a:/", "the container path cannot be '/'");
    expect_bad_volume("/a:", "the container path (target) is missing");
    expect_bad_volume(":/b", "the source is empty");
    expect_bad_volume("/a:/b:rx", "unknown option 'rx' (expected ro, rw or nocopy)");
    expect_bad_volume("/a:/b:ro,rw", "both ro and rw given");
    expect_bad_volume("/a:/b:nocopy", "nocopy only applies to a volume");
    expect_bad_volume("/a:/b:ro:x", "too many ':' (expected SOURCE:TARGET[:OPTIONS])");
    expect_bad_volume("./data:/b",
                      "'./data' is neither an absolute host path nor a valid volume name");
    expect_bad_volume("x:/b", "'x' is neither an absolute host path nor a valid volume name");
    expect_bad_volume("/data:ro", "the container path must be absolute");
    expect_bad_volume("/a:/data/../../etc", "the container path cannot contain '..'");
    expect_bad_volume("/..", "the container path cannot contain '..'");
}

/* ---- --mount ------------------------------------------------------------------------------- */

static void test_mount_bind(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_mount("type=bind,source=/srv,target=/data,readonly", &s), 0);
    assert_int_equal(s.type, VOL_BIND);
    assert_string_equal(s.source, "/srv");
    assert_string_equal(s.target, "/data");
    assert_true(s.readonly);
    vol_spec_free(&s);
    assert_int_equal(vol_parse_mount("type=bind,src=/srv,dst=/data,ro=false", &s), 0);
    assert_false(s.readonly);
    vol_spec_free(&s);
}

static void test_mount_volume_default_type(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_mount("source=cache,destination=/cache,volume-nocopy", &s), 0);
    assert_int_equal(s.type, VOL_VOLUME);
    assert_string_equal(s.source, "cache");
    assert_true(s.nocopy);
    vol_spec_free(&s);
    assert_int_equal(vol_parse_mount("type=volume,target=/anon", &s), 0);
    assert_null(s.source);
    vol_spec_free(&s);
}

static void test_mount_tmpfs(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_mount("type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1770", &s),
                     0);
    assert_int_equal(s.type, VOL_TMPFS);
    assert_null(s.source);
    assert_int_equal(s.tmpfs_size, 64 * MIB);
    assert_int_equal(s.tmpfs_mode, 01770);
    vol_spec_free(&s);
}

static void expect_bad_mount(const char *spec, const char *why)
{
    struct vol_spec s;
    char want[512];
    assert_int_equal(vol_parse_mount(spec, &s), -EINVAL);
    snprintf(want, sizeof(want), "invalid --mount '%s': %s", spec, why);
    assert_string_equal(err_msg(), want);
    assert_null(s.source);
    assert_null(s.target);
}

static void test_mount_bad_specs(void **state)
{
    expect_bad_mount("type=nfs,target=/x", "invalid value 'nfs' for 'type'");
    expect_bad_mount("type=bind,source=/a", "the container path (target) is missing");
    expect_bad_mount("type=bind,target=/x", "a bind mount needs an absolute source path");
    expect_bad_mount("type=bind,source=rel,target=/x",
                     "a bind mount needs an absolute source path");
    expect_bad_mount("type=tmpfs,source=/a,target=/x", "a tmpfs mount takes no source");
    expect_bad_mount("type=volume,source=-bad,target=/x", "the source is not a valid volume name");
    expect_bad_mount("type=bind,source=/a,target=/x,tmpfs-size=1m",
                     "tmpfs-size and tmpfs-mode need type=tmpfs");
    expect_bad_mount("type=bind,source=/a,target=/x,volume-nocopy",
                     "volume-nocopy needs type=volume");
    expect_bad_mount("type=tmpfs,target=/x,tmpfs-size=lots",
                     "invalid value 'lots' for 'tmpfs-size'");
    expect_bad_mount("type=tmpfs,target=/x,tmpfs-mode=999", "invalid value '999' for 'tmpfs-mode'");
    expect_bad_mount("type=bind,source=/a,target=/x,readonly=maybe",
                     "invalid value 'maybe' for 'readonly'");
    expect_bad_mount("type=bind,source=/a,target=/x,colour=blue", "unknown key 'colour'");
    expect_bad_mount("target", "invalid value '' for 'target'");
    expect_bad_mount("", "the container path (target) is missing");
    expect_bad_mount("type=tmpfs,target=/x/..", "the container path cannot contain '..'");
    expect_bad_mount("type=tmpfs,target=/x,readonly", "a read-only tmpfs would stay empty");
}

/* ---- --tmpfs ------------------------------------------------------------------------------- */

static void test_tmpfs(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_tmpfs("/run", &s), 0);
    assert_int_equal(s.type, VOL_TMPFS);
    assert_string_equal(s.target, "/run");
    assert_int_equal(s.tmpfs_size, 0);
    assert_int_equal(s.tmpfs_mode, 0);
    vol_spec_free(&s);
    assert_int_equal(vol_parse_tmpfs("/run:size=64m,mode=1777", &s), 0);
    assert_int_equal(s.tmpfs_size, 64 * MIB);
    assert_int_equal(s.tmpfs_mode, 01777);
    vol_spec_free(&s);
}

static void test_tmpfs_bad_specs(void **state)
{
    struct vol_spec s;
    assert_int_equal(vol_parse_tmpfs("run", &s), -EINVAL);
    assert_string_equal(err_msg(), "invalid --tmpfs 'run': the container path must be absolute");
    assert_int_equal(vol_parse_tmpfs("/run:size=big", &s), -EINVAL);
    assert_string_equal(err_msg(), "invalid --tmpfs '/run:size=big': invalid value in 'size=big'");
    assert_int_equal(vol_parse_tmpfs("/run:mode=8", &s), -EINVAL);
    assert_int_equal(vol_parse_tmpfs("/run:uid=5", &s), -EINVAL);
    assert_string_equal(err_msg(), "invalid --tmpfs '/run:uid=5': unknown option 'uid=5' "
                                   "(expected size=SIZE, mode=OCTAL or rw)");
    assert_int_equal(vol_parse_tmpfs("/run:ro", &s), -EINVAL);
    assert_string_equal(err_msg(), "invalid --tmpfs '/run:ro': a read-only tmpfs would stay empty");
    assert_int_equal(vol_parse_tmpfs("/run:rw,size=1k", &s), 0);
    assert_int_equal(s.tmpfs_size, 1024);
    vol_spec_free(&s);
    assert_null(s.target);
}

/* ---- volume names -------------------------------------------------------------------------- */

static void test_volume_names(void **state)
{
    const char *good[] = {"ab", "db-data", "a.b_c-d", "0abc", "A1"};
    const char *bad[] = {"", "a", "-ab", ".ab", "_ab", "a/b", "a b", "..", "a:b", "é1"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(vol_check_name(good[i]), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(vol_check_name(bad[i]), -EINVAL);
        assert_non_null(strstr(err_msg(), "invalid volume name"));
    }
}

/* ---- the overlay options ------------------------------------------------------------------- */

static void test_options_short(void **state)
{
    const char *lowers[] = {"/l/top", "/l/base"};
    char buf[OVL_MOUNT_DATA_MAX];
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), lowers, 2, "/c/upper", "/c/work"), 0);
    assert_string_equal(buf, "lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work");
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), lowers, 1, NULL, NULL), 0);
    assert_string_equal(buf, "lowerdir=/l/top");
}

/* 60 layers named like minidock's (ROOT/layers/<64 hex>) do not fit a page;
 * by descriptor they do. */
static void test_options_long_list(void **state)
{
    char(*paths)[128] = calloc(60, sizeof(*paths));
    const char *lowers[60];
    char buf[OVL_MOUNT_DATA_MAX];
    assert_non_null(paths);
    for (int i = 0; i < 60; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/var/lib/minidock/layers/%064d", i);
        lowers[i] = paths[i];
    }
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), lowers, 60, "/u", "/w"), -E2BIG);
    assert_non_null(strstr(err_msg(), "60 layers need more than 4096 bytes"));
    for (int i = 0; i < 60; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/proc/self/fd/%d", 100 + i);
        lowers[i] = paths[i];
    }
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), lowers, 60, "/u", "/w"), 0);
    assert_true(strlen(buf) < OVL_MOUNT_DATA_MAX);
    assert_true(str_has_prefix(buf, "lowerdir=/proc/self/fd/100:/proc/self/fd/101:"));
    free(paths);
}

static void test_options_exact_fit(void **state)
{
    const char *lowers[] = {"/abc"};
    char buf[14];
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), lowers, 1, NULL, NULL), 0);
    assert_string_equal(buf, "lowerdir=/abc"); /* 13 characters and the NUL */
    assert_int_equal(ovl_mount_options(buf, sizeof(buf) - 1, lowers, 1, NULL, NULL), -E2BIG);
}

static void test_options_bad(void **state)
{
    const char *comma[] = {"/a,b"}, *colon[] = {"/a:b"}, *ok[] = {"/a"};
    char buf[256];
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), comma, 1, NULL, NULL), -EINVAL);
    assert_non_null(strstr(err_msg(), "lower directory '/a,b'"));
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), colon, 1, NULL, NULL), -EINVAL);
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), ok, 0, NULL, NULL), -EINVAL);
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), ok, 1, "/u", NULL), -EINVAL);
    assert_int_equal(ovl_mount_options(buf, sizeof(buf), ok, 1, "/u:x", "/w"), -EINVAL);
    assert_non_null(strstr(err_msg(), "upper directory '/u:x'"));
}

/* ---- a fake upper tree --------------------------------------------------------------------- */

struct tree {
    char root[PATH_MAX];
};

static int setup_tree(void **state)
{
    struct tree *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    snprintf(t->root, sizeof(t->root), "/tmp/ovltest.XXXXXX");
    assert_non_null(mkdtemp(t->root));
    *state = t;
    return 0;
}

static int teardown_tree(void **state)
{
    struct tree *t = *state;
    assert_int_equal(remove_tree(t->root), 0);
    free(t);
    return 0;
}

/* A path in the tree; four buffers in turn, so that link(at(a), at(b)) works. */
static const char *at(const struct tree *t, const char *rel)
{
    static char paths[4][PATH_MAX];
    static unsigned next;
    char *path = paths[next++ % 4];
    snprintf(path, PATH_MAX, "%s/%s", t->root, rel);
    return path;
}

static void put(const struct tree *t, const char *rel, const char *text)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", at(t, rel));
    *strrchr(parent, '/') = '\0';
    assert_int_equal(mkdir_p(parent, 0755), 0);
    assert_int_equal(file_write_str(at(t, rel), text), 0);
}

static void dir(const struct tree *t, const char *rel)
{
    assert_int_equal(mkdir_p(at(t, rel), 0755), 0);
}

static void whiteout(const struct tree *t, const char *rel)
{
    assert_int_equal(mknod(at(t, rel), S_IFCHR | 0, makedev(0, 0)), 0);
}

static void opaque(const struct tree *t, const char *rel)
{
    assert_int_equal(setxattr(at(t, rel), "trusted.overlay.opaque", "y", 1, 0), 0);
}

/* Collect "K /path\n" lines. */
static int collect(char kind, const char *path, void *arg)
{
    char *buf = arg;
    size_t len = strlen(buf);
    snprintf(buf + len, 4096 - len, "%c %s\n", kind, path);
    return 0;
}

static void test_whiteout_and_opaque_detection(void **state)
{
    struct tree *t = *state;
    put(t, "u/file", "x");
    dir(t, "u/dir");
    dir(t, "u/plain");
    whiteout(t, "u/gone");
    opaque(t, "u/dir");
    assert_int_equal(ovl_is_whiteout(at(t, "u/gone")), 1);
    assert_int_equal(ovl_is_whiteout(at(t, "u/file")), 0);
    assert_int_equal(ovl_is_opaque_dir(at(t, "u/dir")), 1);
    assert_int_equal(ovl_is_opaque_dir(at(t, "u/plain")), 0);
    assert_int_equal(ovl_is_opaque_dir(at(t, "u/file")), 0);
    assert_int_equal(ovl_is_whiteout(at(t, "u/none")), -ENOENT);
    /* a char device that is not 0/0 is a device, not a whiteout */
    assert_int_equal(mknod(at(t, "u/null"), S_IFCHR | 0666, makedev(1, 3)), 0);
    assert_int_equal(ovl_is_whiteout(at(t, "u/null")), 0);
}

static void test_user_xattr_opaque(void **state)
{
    struct tree *t = *state;
    dir(t, "u/d");
    assert_int_equal(setxattr(at(t, "u/d"), "user.overlay.opaque", "y", 1, 0), 0);
    assert_int_equal(ovl_is_opaque_dir(at(t, "u/d")), 1);
}

/* The scripted change of the grader, on a fake tree:
 *   lower2: etc/passwd etc/group var/log/old var/cache/a/b bin/sh
 *   lower1: etc/hostname
 *   upper:  etc/passwd (changed), etc/.new (added), var/log/old (whiteout),
 *           var/cache (opaque, with a new file "c"), home/me/notes (added),
 *           bin/ls (added) */
static void make_scripted_change(const struct tree *t)
{
    put(t, "l2/etc/passwd", "root");
    put(t, "l2/etc/group", "root");
    put(t, "l2/var/log/old", "log");
    put(t, "l2/var/cache/a/b", "b");
    put(t, "l2/var/cache/z", "z");
    put(t, "l2/bin/sh", "sh");
    put(t, "l1/etc/hostname", "box");
    put(t, "u/etc/passwd", "root\nme");
    put(t, "u/etc/.new", "n");
    dir(t, "u/var/log");
    whiteout(t, "u/var/log/old");
    put(t, "u/var/cache/c", "c");
    put(t, "u/var/cache/z", "z2");
    opaque(t, "u/var/cache");
    put(t, "u/home/me/notes", "n");
    put(t, "u/bin/ls", "ls");
}

static void test_diff_scripted_change(void **state)
{
    struct tree *t = *state;
    char lowers_buf[2][PATH_MAX], out[4096] = "";
    const char *lowers[2] = {lowers_buf[0], lowers_buf[1]};

    make_scripted_change(t);
    snprintf(lowers_buf[0], PATH_MAX, "%s", at(t, "l1"));
    snprintf(lowers_buf[1], PATH_MAX, "%s", at(t, "l2"));
    assert_int_equal(ovl_diff(at(t, "u"), lowers, 2, collect, out), 0);
    assert_string_equal(out, "C /bin\n"
                             "A /bin/ls\n"
                             "C /etc\n"
                             "A /etc/.new\n"
                             "C /etc/passwd\n"
                             "A /home\n"
                             "A /home/me\n"
                             "A /home/me/notes\n"
                             "C /var\n"
                             "C /var/cache\n"
                             "D /var/cache/a\n"
                             "A /var/cache/c\n"
                             "C /var/cache/z\n"
                             "C /var/log\n"
                             "D /var/log/old\n");
}

/* Without lowers, everything is new; a whiteout is still a deletion. */
static void test_diff_without_lowers(void **state)
{
    struct tree *t = *state;
    char out[4096] = "";
    put(t, "u/a-b", "x"); /* '-' sorts before '/': "/a-b" < "/a/c", as in Docker */
    put(t, "u/a/c", "x");
    whiteout(t, "u/w");
    assert_int_equal(ovl_diff(at(t, "u"), NULL, 0, collect, out), 0);
    assert_string_equal(out, "A /a\nA /a-b\nA /a/c\nD /w\n");
}

/* A whiteout in a higher lower hides the file of a lower one: re-creating
 * it in the upper is an addition. */
static void test_diff_lower_whiteout_hides(void **state)
{
    struct tree *t = *state;
    char lowers_buf[2][PATH_MAX], out[4096] = "";
    const char *lowers[2] = {lowers_buf[0], lowers_buf[1]};
    put(t, "l2/f", "old");
    dir(t, "l1");
    whiteout(t, "l1/f");
    put(t, "u/f", "new");
    snprintf(lowers_buf[0], PATH_MAX, "%s", at(t, "l1"));
    snprintf(lowers_buf[1], PATH_MAX, "%s", at(t, "l2"));
    assert_int_equal(ovl_diff(at(t, "u"), lowers, 2, collect, out), 0);
    assert_string_equal(out, "A /f\n");
}

static int stop_at_first(char kind, const char *path, void *arg)
{
    ++*(int *)arg;
    return 7;
}

static void test_diff_callback_stops(void **state)
{
    struct tree *t = *state;
    int calls = 0;
    put(t, "u/a", "x");
    put(t, "u/b", "x");
    assert_int_equal(ovl_diff(at(t, "u"), NULL, 0, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
}

static void test_diff_missing_upper(void **state)
{
    struct tree *t = *state;
    assert_int_equal(ovl_diff(at(t, "nope"), NULL, 0, collect, NULL), -ENOENT);
    assert_non_null(strstr(err_msg(), "nope"));
}

/* ---- the layer tar ------------------------------------------------------------------------- */

/* Read the tar back: "name type mode uid [-> link]" per entry. */
static void list_tar(const char *path, char *out, size_t size)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    size_t len = 0;

    archive_read_support_format_tar(a);
    assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
    out[0] = '\0';
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *link =
            archive_entry_hardlink(e) ? archive_entry_hardlink(e) : archive_entry_symlink(e);
        len += (size_t)snprintf(
            out + len, size - len, "%s %o %o %d%s%s%s\n", archive_entry_pathname(e),
            archive_entry_filetype(e) >> 12, archive_entry_perm(e), (int)archive_entry_uid(e),
            link ? " -> " : "", link ? link : "", archive_entry_xattr_count(e) ? " xattr" : "");
    }
    archive_read_free(a);
}

static void test_layer_entries(void **state)
{
    struct tree *t = *state;
    char tar[PATH_MAX], out[4096];

    make_scripted_change(t);
    assert_int_equal(symlink("passwd", at(t, "u/etc/pw")), 0);
    assert_int_equal(link(at(t, "u/bin/ls"), at(t, "u/bin/dir")), 0);
    assert_int_equal(chown(at(t, "u/home/me/notes"), 1000, 1000), 0);
    assert_int_equal(chmod(at(t, "u/home/me/notes"), 0640), 0);
    assert_int_equal(setxattr(at(t, "u/bin/ls"), "user.note", "hi", 2, 0), 0);
    snprintf(tar, sizeof(tar), "%s", at(t, "layer.tar"));
    int fd = open(tar, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ovl_write_layer(at(t, "u"), fd), 0);
    close(fd);
    list_tar(tar, out, sizeof(out));
    /* types: 4 = directory, 10 = regular file, 12 = symlink (octal S_IF* >> 12) */
    assert_string_equal(out,
                        "bin/ 4 755 0\n"
                        "bin/dir 10 644 0 xattr\n"
                        "bin/ls 0 644 0 -> bin/dir xattr\n" /* a hard link: no type of its own */
                        "etc/ 4 755 0\n"
                        "etc/.new 10 644 0\n"
                        "etc/passwd 10 644 0\n"
                        "etc/pw 12 777 0 -> passwd\n"
                        "home/ 4 755 0\n"
                        "home/me/ 4 755 0\n"
                        "home/me/notes 10 640 1000\n"
                        "var/ 4 755 0\n"
                        "var/cache/ 4 755 0\n"
                        "var/cache/.wh..wh..opq 10 600 0\n"
                        "var/cache/c 10 644 0\n"
                        "var/cache/z 10 644 0\n"
                        "var/log/ 4 755 0\n"
                        "var/log/.wh.old 10 600 0\n");
}

static void test_layer_bad_fd(void **state)
{
    struct tree *t = *state;
    dir(t, "u");
    put(t, "u/f", "x");
    assert_true(ovl_write_layer(at(t, "u"), -1) < 0);
    assert_non_null(strstr(err_msg(), "layer of"));
}

/* ---- named volumes ------------------------------------------------------------------------- */

static void test_volume_lifecycle(void **state)
{
    struct tree *t = *state;
    char path[PATH_MAX];
    strv_t names = {0};
    bool created = false;

    assert_int_equal(vol_create(t->root, "web-data", &created), 0);
    assert_true(created);
    assert_int_equal(vol_create(t->root, "web-data", &created), 0);
    assert_false(created);
    assert_int_equal(vol_create(t->root, "db", NULL), 0);
    assert_int_equal(vol_path(t->root, "db", path, sizeof(path)), 0);
    assert_string_equal(path, at(t, "volumes/db/_data"));
    assert_true(path_exists(path));
    assert_int_equal(vol_list(t->root, &names), 0);
    assert_int_equal(names.len, 2);
    assert_string_equal(names.v[0], "db");
    assert_string_equal(names.v[1], "web-data");
    strv_free(&names);
    assert_int_equal(vol_remove(t->root, "db"), 0);
    assert_false(path_exists(at(t, "volumes/db")));
    assert_int_equal(vol_remove(t->root, "db"), -ENOENT);
    assert_string_equal(err_msg(), "no such volume: db");
    assert_int_equal(vol_create(t->root, "../x", NULL), -EINVAL);
    assert_int_equal(vol_list(at(t, "nothing"), &names), 0);
    assert_int_equal(names.len, 0);
}

static void test_volume_populate(void **state)
{
    struct tree *t = *state;
    char data[PATH_MAX], target[64];
    struct stat st;

    put(t, "img/app/conf/app.ini", "x=1");
    assert_int_equal(symlink("conf/app.ini", at(t, "img/app/link")), 0);
    assert_int_equal(chown(at(t, "img/app/conf"), 33, 33), 0);
    assert_int_equal(chmod(at(t, "img/app"), 0750), 0);
    assert_int_equal(vol_create(t->root, "appdata", NULL), 0);
    assert_int_equal(vol_path(t->root, "appdata", data, sizeof(data)), 0);
    assert_int_equal(vol_populate(data, at(t, "img/app")), 0);
    assert_int_equal(stat(data, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0750); /* the mount point's mode, as Docker */
    snprintf(target, sizeof(target), "%s", "");
    char p[PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/conf", data);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_uid, 33);
    snprintf(p, sizeof(p), "%s/link", data);
    assert_int_equal(readlink(p, target, sizeof(target) - 1), 12);
    /* not empty any more: a second populate copies nothing */
    put(t, "img/app/later", "y");
    assert_int_equal(vol_populate(data, at(t, "img/app")), 0);
    snprintf(p, sizeof(p), "%s/later", data);
    assert_false(path_exists(p));
    /* nothing at that path in the image: nothing to do */
    assert_int_equal(vol_populate(data, at(t, "img/none")), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_tree, teardown_tree)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume_bind_rw),
        cmocka_unit_test(test_volume_bind_ro),
        cmocka_unit_test(test_volume_named),
        cmocka_unit_test(test_volume_anonymous),
        cmocka_unit_test(test_volume_bad_specs),
        cmocka_unit_test(test_mount_bind),
        cmocka_unit_test(test_mount_volume_default_type),
        cmocka_unit_test(test_mount_tmpfs),
        cmocka_unit_test(test_mount_bad_specs),
        cmocka_unit_test(test_tmpfs),
        cmocka_unit_test(test_tmpfs_bad_specs),
        cmocka_unit_test(test_volume_names),
        cmocka_unit_test(test_options_short),
        cmocka_unit_test(test_options_long_list),
        cmocka_unit_test(test_options_exact_fit),
        cmocka_unit_test(test_options_bad),
        T(test_whiteout_and_opaque_detection),
        T(test_user_xattr_opaque),
        T(test_diff_scripted_change),
        T(test_diff_without_lowers),
        T(test_diff_lower_whiteout_hides),
        T(test_diff_callback_stops),
        T(test_diff_missing_upper),
        T(test_layer_entries),
        T(test_layer_bad_fd),
        T(test_volume_lifecycle),
        T(test_volume_populate),
    };
#undef T
    return cmocka_run_group_tests_name("overlay", tests, NULL, NULL);
}
