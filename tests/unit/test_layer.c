/* test_layer.c — unit tests of labs/04-images/layer.c.
 *
 * Every layer here is built by the test itself with libarchive's writer, so
 * the malicious ones can say anything a real attacker's could: "..", absolute
 * names, symlinks then writes through them, hard links to host files, device
 * nodes.  The target lives three levels down in a temporary directory
 * (TMP/a/b/target): whatever escapes by one or two ".." lands in TMP/a or
 * TMP/a/b, where the tests look for it.  Absolute escapes aim at TMP too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
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
#include "layer.h"

/* The layer tables below give only the fields that matter for each entry. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SHA_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC   "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define DIGEST_A  "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_B  "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DIGEST_C  "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

enum compression { PLAIN, GZIP, ZSTD };

/* One entry of a test layer.  type 0 means a regular file. */
struct ent {
    const char *name;
    mode_t type;
    const char *data;  /* file content, or symlink target, or hard link target */
    mode_t perm;       /* 0: 0644 (files) / 0755 (dirs) */
    dev_t rdev;        /* devices */
    const char *xattr; /* "name=value" */
    int64_t uid, gid;  /* owner */
    int64_t mtime;     /* 0: a fixed date */
};

static char tmp[PATH_MAX];    /* TMP */
static char target[PATH_MAX]; /* TMP/a/b/target */

static int setup(void **state)
{
    snprintf(tmp, sizeof(tmp), "/tmp/layertest.XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(target, sizeof(target), "%s/a/b/target", tmp);
    assert_int_equal(mkdir_p(target, 0755), 0);
    err_clear();
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(remove_tree(tmp), 0);
    return 0;
}

static const char *in_tmp(const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", tmp, rel);
    return path;
}

static const char *in_target(const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", target, rel);
    return path;
}

/* ---- building layers ------------------------------------------------------------------------ */

static void add_entry(struct archive *w, const struct ent *e)
{
    struct archive_entry *ae = archive_entry_new();
    mode_t type = e->type ? e->type : AE_IFREG;
    archive_entry_set_pathname(ae, e->name);
    archive_entry_set_uid(ae, e->uid);
    archive_entry_set_gid(ae, e->gid);
    archive_entry_set_mtime(ae, e->mtime ? e->mtime : 1500000000, 0);
    if (type == AE_IFLNK + 1) { /* a hard link */
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_hardlink(ae, e->data);
    } else {
        archive_entry_set_filetype(ae, type);
        archive_entry_set_perm(ae, e->perm ? e->perm : (type == AE_IFDIR ? 0755 : 0644));
        if (type == AE_IFLNK)
            archive_entry_set_symlink(ae, e->data);
        if (type == AE_IFCHR || type == AE_IFBLK)
            archive_entry_set_rdev(ae, e->rdev);
        if (type == AE_IFREG && e->data)
            archive_entry_set_size(ae, (la_int64_t)strlen(e->data));
    }
    if (e->xattr) {
        const char *eq = strchr(e->xattr, '=');
        char key[128];
        snprintf(key, sizeof(key), "%.*s", (int)(eq - e->xattr), e->xattr);
        archive_entry_xattr_add_entry(ae, key, eq + 1, strlen(eq + 1));
    }
    assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
    if (type == AE_IFREG && e->data)
        assert_int_equal(archive_write_data(w, e->data, strlen(e->data)),
                         (la_ssize_t)strlen(e->data));
    archive_entry_free(ae);
}

#define HARDLINK (AE_IFLNK + 1)

/* Write a layer of n entries to TMP/name; returns its path. */
static const char *make_layer(const char *name, const struct ent *ents, size_t n,
                              enum compression c)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    struct archive *w = archive_write_new();
    archive_write_set_format_pax_restricted(w);
    if (c == GZIP)
        archive_write_add_filter_gzip(w);
    if (c == ZSTD)
        assert_int_equal(archive_write_add_filter_zstd(w), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++)
        add_entry(w, &ents[i]);
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    return path;
}

#define LAYER(name, c, ...)                                                                        \
    make_layer(name, (const struct ent[]){__VA_ARGS__},                                            \
               sizeof((const struct ent[]){__VA_ARGS__}) / sizeof(struct ent), c)

/* Names in a directory, other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Nothing escaped: TMP/a holds only b, TMP/a/b only target. */
static void assert_nothing_outside(void)
{
    assert_int_equal(count_entries(in_tmp("a")), 1);
    assert_int_equal(count_entries(in_tmp("a/b")), 1);
    assert_false(path_exists(in_tmp("escaped")));
}

/* The layer is refused, the message names the entry, nothing escapes. */
static void assert_refused(const char *layer, unsigned flags, const char *entry)
{
    err_clear();
    int ret = layer_apply(layer, target, flags, NULL);
    assert_true(ret < 0);
    if (!strstr(err_msg(), entry))
        fail_msg("message '%s' does not name '%s'", err_msg(), entry);
    assert_nothing_outside();
}

static void assert_applies(const char *layer, unsigned flags, struct layer_info *info)
{
    err_clear();
    if (layer_apply(layer, target, flags, info) < 0)
        fail_msg("%s", err_msg());
}

/* ---- digests -------------------------------------------------------------------------------- */

static void digest_check_accepts_only_sha256_hex(void **state)
{
    static const char *const good[] = {SHA_EMPTY, DIGEST_A};
    static const char *const bad[] = {
        "",
        "sha256:",
        "sha256:abc",
        "sha512:"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "sha256:gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        " sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(layer_digest_check(good[i]), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(layer_digest_check(bad[i]), -EINVAL);
        assert_non_null(strstr(err_msg(), "invalid digest"));
        assert_null(layer_digest_hex(bad[i]));
    }
    assert_string_equal(layer_digest_hex(DIGEST_A), DIGEST_A + 7);
}

static void sha256_of_known_strings(void **state)
{
    char d[LAYER_DIGEST_LEN];
    assert_int_equal(layer_sha256_buf("", 0, d), 0);
    assert_string_equal(d, SHA_EMPTY);
    assert_int_equal(layer_sha256_buf("abc", 3, d), 0);
    assert_string_equal(d, SHA_ABC);
    assert_int_equal(file_write_str(in_tmp("abc"), "abc"), 0);
    assert_int_equal(layer_sha256_file(in_tmp("abc"), d), 0);
    assert_string_equal(d, SHA_ABC);
    assert_int_equal(layer_sha256_file(in_tmp("missing"), d), -ENOENT);
}

/* Expected values, with the shell:
 *   printf 'sha256:<64 a> sha256:<64 b>' | sha256sum   -> ccd72292...
 *   printf 'sha256:ccd72292... sha256:<64 c>' | sha256sum -> c1377126... */
static void chain_id_known_values(void **state)
{
    char c1[LAYER_DIGEST_LEN], c2[LAYER_DIGEST_LEN], c3[LAYER_DIGEST_LEN];
    assert_int_equal(layer_chain_id(NULL, DIGEST_A, c1), 0);
    assert_string_equal(c1, DIGEST_A);
    assert_int_equal(layer_chain_id(c1, DIGEST_B, c2), 0);
    assert_string_equal(c2,
                        "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
    assert_int_equal(layer_chain_id(c2, DIGEST_C, c3), 0);
    assert_string_equal(c3,
                        "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
    assert_int_equal(layer_chain_id(c2, "sha256:nope", c3), -EINVAL);
    assert_int_equal(layer_chain_id("bad", DIGEST_A, c3), -EINVAL);
}

/* ---- applying ------------------------------------------------------------------------------- */

static void apply_reads_plain_gzip_and_zstd_with_the_same_diff_id(void **state)
{
    struct layer_info plain, gz, zst;
    char d[LAYER_DIGEST_LEN];
    const enum compression cs[] = {PLAIN, GZIP, ZSTD};
    struct layer_info *infos[] = {&plain, &gz, &zst};
    for (int i = 0; i < 3; i++) {
        const char *layer = LAYER("layer", cs[i], {"etc", AE_IFDIR}, {"etc/hostname", 0, "box\n"},
                                  {"bin/sh", 0, "#!\n", 0755});
        assert_applies(layer, 0, infos[i]);
        assert_int_equal(layer_sha256_file(layer, d), 0);
        assert_string_equal(infos[i]->digest, d); /* digest: the bytes as stored */
        struct stat st;
        assert_int_equal(stat(layer, &st), 0);
        assert_int_equal(infos[i]->size, st.st_size);
        if (cs[i] == PLAIN)
            assert_string_equal(plain.diff_id, d); /* uncompressed: both are the same */
    }
    assert_string_equal(gz.diff_id, plain.diff_id);
    assert_string_equal(zst.diff_id, plain.diff_id);
    assert_string_not_equal(gz.digest, plain.digest);
    char *text;
    assert_int_equal(file_read_all(in_target("etc/hostname"), &text, NULL), 0);
    assert_string_equal(text, "box\n");
    free(text);
    assert_int_equal(access(in_target("bin/sh"), X_OK), 0); /* parent made though not listed */
}

static void apply_keeps_owner_mode_setuid_mtime_and_xattrs(void **state)
{
    struct stat st;
    char value[16] = "";
    const char *layer =
        LAYER("layer", PLAIN, {"usr", AE_IFDIR, .mtime = 1000000000},
              {"usr/su", 0, "x", 04755, .uid = 1234, .gid = 5678, .mtime = 1234567890},
              {"usr/tagged", 0, "x", .xattr = "user.note=hi"},
              {"usr/forged", AE_IFDIR, .xattr = "trusted.overlay.opaque=y"},
              {"usr/ln", AE_IFLNK, "su", .uid = 7, .gid = 8});
    assert_applies(layer, 0, NULL);
    assert_int_equal(stat(in_target("usr/su"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 04755);
    assert_int_equal(st.st_uid, 1234);
    assert_int_equal(st.st_gid, 5678);
    assert_int_equal(st.st_mtime, 1234567890);
    assert_int_equal(stat(in_target("usr"), &st), 0);
    assert_int_equal(st.st_mtime, 1000000000); /* set after its children were made */
    assert_int_equal(lstat(in_target("usr/ln"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(st.st_uid, 7);
    if (getxattr(in_target("usr/tagged"), "user.note", value, sizeof(value)) >= 0)
        assert_memory_equal(value, "hi", 2);
    else
        assert_int_equal(errno, ENOTSUP); /* a file system without user xattrs */
    /* a layer cannot forge overlay's metadata */
    assert_true(getxattr(in_target("usr/forged"), "trusted.overlay.opaque", value, sizeof(value)) <
                0);
}

static void apply_turns_whiteouts_into_overlay_form(void **state)
{
    struct stat st;
    char value[4] = "";
    const char *layer = LAYER("layer", PLAIN, {"etc", AE_IFDIR}, {"etc/.wh.motd"},
                              {"var", AE_IFDIR}, {"var/.wh..wh..opq"}, {"var/new", 0, "n"});
    assert_applies(layer, 0, NULL);
    assert_int_equal(lstat(in_target("etc/motd"), &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(0, 0));
    assert_false(path_exists(in_target("etc/.wh.motd")));
    assert_int_equal(getxattr(in_target("var"), "trusted.overlay.opaque", value, sizeof(value)), 1);
    assert_int_equal(value[0], 'y');
    assert_false(path_exists(in_target("var/.wh..wh..opq")));
    assert_true(path_exists(in_target("var/new")));
}

static void apply_flatten_deletes_what_whiteouts_name(void **state)
{
    const char *base = LAYER("base", PLAIN, {"etc", AE_IFDIR}, {"etc/motd", 0, "hi"},
                             {"etc/keep", 0, "k"}, {"var/old/deep", 0, "o"}, {"var/old2", 0, "o"});
    assert_applies(base, LAYER_FLATTEN, NULL);
    const char *top = LAYER("top", PLAIN, {"etc/.wh.motd"}, {"var", AE_IFDIR}, {"var/new", 0, "n"},
                            {"var/.wh..wh..opq"});
    assert_applies(top, LAYER_FLATTEN, NULL);
    assert_false(path_exists(in_target("etc/motd")));
    assert_true(path_exists(in_target("etc/keep")));
    assert_false(path_exists(in_target("var/old")));
    assert_false(path_exists(in_target("var/old2")));
    assert_true(path_exists(in_target("var/new"))); /* same layer as the marker: kept */
}

static void later_entries_replace_earlier_ones(void **state)
{
    struct stat st;
    const char *layer = LAYER("layer", PLAIN, {"x/y", 0, "file"}, {"x", 0, "now a file"},
                              {"d", AE_IFDIR}, {"d/f", 0, "1"}, {"d", AE_IFDIR, .perm = 0700});
    assert_applies(layer, 0, NULL);
    assert_int_equal(lstat(in_target("x"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(stat(in_target("d"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_true(path_exists(in_target("d/f"))); /* a directory over a directory merges */
}

static void hard_links_inside_the_target_work(void **state)
{
    struct stat a, b;
    const char *layer =
        LAYER("layer", PLAIN, {"bin/busybox", 0, "bb"}, {"bin/sh", HARDLINK, "bin/busybox"},
              {"./bin/ls", HARDLINK, "./bin/busybox"});
    assert_applies(layer, 0, NULL);
    assert_int_equal(stat(in_target("bin/busybox"), &a), 0);
    assert_int_equal(stat(in_target("bin/sh"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(stat(in_target("bin/ls"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
}

/* ---- untrusted layers ----------------------------------------------------------------------- */

static void dotdot_names_are_refused(void **state)
{
    assert_refused(LAYER("evil", PLAIN, {"../../escaped", 0, "x"}), 0, "../../escaped");
    assert_refused(LAYER("evil", PLAIN, {"etc/../../../escaped", 0, "x"}), 0,
                   "etc/../../../escaped");
    assert_refused(LAYER("evil", GZIP, {"../../etc/x", 0, "x"}), 0, "../../etc/x");
}

static void absolute_names_are_refused(void **state)
{
    char name[PATH_MAX];
    snprintf(name, sizeof(name), "%s/escaped", tmp); /* where it would land if obeyed */
    assert_refused(LAYER("evil", PLAIN, {name, 0, "x"}), 0, name);
    assert_refused(LAYER("evil", PLAIN, {"/abs/path", 0, "x"}), 0, "/abs/path");
    assert_false(path_exists("/abs/path"));
}

static void writing_through_a_symlink_to_root_is_refused(void **state)
{
    /* evil -> / is a fine symlink inside a container; following it while
     * unpacking would write TMP/escaped on the host */
    char through[PATH_MAX];
    snprintf(through, sizeof(through), "evil%s/escaped", tmp);
    assert_refused(LAYER("evil", PLAIN, {"evil", AE_IFLNK, "/"}, {through, 0, "x"}), 0, through);
    assert_refused(LAYER("evil", PLAIN, {"evil", AE_IFLNK, "/"}, {"evil/etc/passwd", 0, "x"}), 0,
                   "evil/etc/passwd");
}

static void symlinks_climbing_out_are_refused(void **state)
{
    assert_refused(LAYER("evil", PLAIN, {"up", AE_IFLNK, "../.."}, {"up/escaped", 0, "x"}), 0,
                   "'up'");
    assert_refused(LAYER("evil", PLAIN, {"a/b/c", AE_IFLNK, "../../../x"}), 0, "a/b/c");
    /* staying inside is fine */
    assert_applies(LAYER("ok", PLAIN, {"a/b/c", AE_IFLNK, "../../x"}), 0, NULL);
}

static void writing_through_a_symlink_already_in_the_target_is_refused(void **state)
{
    /* as if an earlier unpack, or another tool, left it there */
    assert_int_equal(symlink("../..", in_target("up")), 0);
    assert_refused(LAYER("evil", PLAIN, {"up/escaped", 0, "x"}), 0, "up/escaped");
    assert_refused(LAYER("evil", PLAIN, {"up/.wh.b"}), LAYER_FLATTEN, "up/.wh.b");
}

static void a_symlink_from_an_earlier_layer_is_not_followed(void **state)
{
    char through[PATH_MAX];
    assert_applies(LAYER("layer1", GZIP, {"lnk", AE_IFLNK, "/"}), 0, NULL);
    snprintf(through, sizeof(through), "lnk%s/escaped", tmp);
    assert_refused(LAYER("layer2", GZIP, {through, 0, "x"}), 0, through);
    assert_refused(LAYER("layer2", GZIP, {"lnk/etc/passwd", 0, "x"}), 0, "lnk/etc/passwd");
}

static void hard_links_to_outside_files_are_refused(void **state)
{
    assert_int_equal(file_write_str(in_tmp("secret"), "s"), 0);
    assert_refused(LAYER("evil", PLAIN, {"shadow", HARDLINK, "/etc/shadow"}), 0, "shadow");
    assert_refused(LAYER("evil", PLAIN, {"s", HARDLINK, "../../../secret"}), 0, "'s'");
    assert_refused(LAYER("evil", PLAIN, {"s", HARDLINK, "missing"}), 0, "'s'");
    /* through a planted symlink */
    assert_refused(LAYER("evil", PLAIN, {"l", AE_IFLNK, "/"}, {"s", HARDLINK, "l/etc/shadow"}), 0,
                   "'s'");
    struct stat st;
    assert_int_equal(stat(in_tmp("secret"), &st), 0);
    assert_int_equal(st.st_nlink, 1); /* no second name anywhere */
}

static void device_nodes_are_refused_unless_allowed(void **state)
{
    struct stat st;
    const char *layer = LAYER("dev", PLAIN, {"dev/sda", AE_IFBLK, .rdev = makedev(8, 0)});
    assert_refused(layer, 0, "dev/sda");
    assert_false(path_exists(in_target("dev/sda")));
    layer = LAYER("dev", PLAIN, {"dev/null", AE_IFCHR, .rdev = makedev(1, 3), .perm = 0666});
    assert_refused(layer, 0, "dev/null");
    assert_applies(layer, LAYER_ALLOW_DEVICES, NULL);
    assert_int_equal(lstat(in_target("dev/null"), &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(1, 3));
    /* fifos are harmless */
    assert_applies(LAYER("fifo", PLAIN, {"run/fifo", AE_IFIFO}), 0, NULL);
}

static void garbage_is_refused_cleanly(void **state)
{
    assert_int_equal(file_write_str(in_tmp("junk"), "this is not a tar archive at all"), 0);
    assert_true(layer_apply(in_tmp("junk"), target, 0, NULL) < 0);
    assert_non_null(strstr(err_msg(), "junk"));
    assert_int_equal(layer_apply(in_tmp("none"), target, 0, NULL), -ENOENT);
    /* a truncated gzip layer */
    const char *layer = LAYER("trunc", GZIP, {"f", 0, "some content that compresses"});
    assert_int_equal(truncate(layer, 30), 0);
    assert_true(layer_apply(layer, target, 0, NULL) < 0);
}

/* ---- the size limit ------------------------------------------------------------------------- */

static void parse_size_takes_bytes_and_binary_units(void **state)
{
    static const struct {
        const char *s;
        int64_t n;
    } good[] = {
        {"1", 1},
        {"4096", 4096},
        {"8k", 8 << 10},
        {"5KB", 5 << 10},
        {"64M", (int64_t)64 << 20},
        {"64MiB", (int64_t)64 << 20},
        {"1g", (int64_t)1 << 30},
        {"2T", (int64_t)2 << 40},
        {"8388607T", INT64_MAX - ((int64_t)1 << 40) + 1},
    };
    static const char *const bad[] = {"",
                                      "M",
                                      "0",
                                      "-1",
                                      " 1",
                                      "+1",
                                      "12X",
                                      "1.5G",
                                      "64MiBs",
                                      "64Mi",
                                      "9223372036854775808",
                                      "8388608T"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t n = 0;
        if (layer_parse_size(good[i].s, &n) < 0)
            fail_msg("'%s': %s", good[i].s, err_msg());
        assert_int_equal(n, good[i].n);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t n = 0;
        char quoted[64];
        err_clear();
        assert_int_equal(layer_parse_size(bad[i], &n), -EINVAL);
        snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
        assert_non_null(strstr(err_msg(), quoted));
    }
}

static void max_size_comes_from_the_environment(void **state)
{
    int64_t n = 0;
    unsetenv(LAYER_MAX_SIZE_ENV);
    assert_int_equal(layer_max_size(&n), 0);
    assert_int_equal(n, LAYER_MAX_SIZE_DEFAULT);
    setenv(LAYER_MAX_SIZE_ENV, "3M", 1);
    assert_int_equal(layer_max_size(&n), 0);
    assert_int_equal(n, 3 << 20);
    setenv(LAYER_MAX_SIZE_ENV, "lots", 1);
    assert_int_equal(layer_max_size(&n), -EINVAL);
    assert_non_null(strstr(err_msg(), LAYER_MAX_SIZE_ENV));
    /* a bad limit refuses the layer rather than applying it without one */
    assert_true(layer_apply(LAYER("ok", PLAIN, {"f", 0, "x"}), target, 0, NULL) < 0);
    assert_false(path_exists(in_target("f")));
    unsetenv(LAYER_MAX_SIZE_ENV);
}

/* A layer with one file of size bytes: zeros, or only the bytes of data at
 * offset (a sparse file, holes elsewhere).  libarchive's writer takes the
 * whole content of a sparse file and drops what falls in the holes. */
static const char *make_big_layer(const char *name, const char *file, int64_t size, int64_t offset,
                                  const char *data, enum compression c)
{
    static char path[PATH_MAX];
    static const char zeros[65536];
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    struct archive *w = archive_write_new();
    struct archive_entry *ae = archive_entry_new();
    archive_write_set_format_pax_restricted(w);
    if (c == GZIP)
        archive_write_add_filter_gzip(w);
    assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
    archive_entry_set_pathname(ae, file);
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, size);
    if (data)
        archive_entry_sparse_add_entry(ae, offset, (la_int64_t)strlen(data));
    assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
    for (int64_t left = data ? offset : size; left > 0; left -= (int64_t)sizeof(zeros))
        archive_write_data(w, zeros, left < (int64_t)sizeof(zeros) ? (size_t)left : sizeof(zeros));
    if (data)
        assert_int_equal(archive_write_data(w, data, strlen(data)), (la_ssize_t)strlen(data));
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    archive_entry_free(ae);
    return path;
}

/* Apply with an explicit limit; returns what layer_apply_fd_max returned. */
static int apply_with_limit(const char *layer, int64_t max_size)
{
    err_clear();
    int fd = open(layer, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    int ret = layer_apply_fd_max(fd, target, 0, max_size, NULL);
    close(fd);
    return ret;
}

static void a_file_over_the_limit_is_refused_at_its_header(void **state)
{
    /* 4 MiB of zeros in a few KiB of gzip: a small zip bomb */
    const char *bomb = make_big_layer("bomb.tgz", "zeros", 4 << 20, 0, NULL, GZIP);
    assert_int_equal(apply_with_limit(bomb, 1 << 20), -EFBIG);
    assert_non_null(strstr(err_msg(), "entry 'zeros'"));
    assert_non_null(strstr(err_msg(), "size limit of 1048576 bytes"));
    assert_false(path_exists(in_target("zeros"))); /* not a byte written */
    /* the files of a layer add up: 40 + 40 KiB are over 64 KiB */
    static char forty[(40 << 10) + 1];
    memset(forty, 'x', sizeof(forty) - 1);
    const char *two = LAYER("two", PLAIN, {"a", 0, forty}, {"b", 0, forty});
    assert_int_equal(apply_with_limit(two, 64 << 10), -EFBIG);
    assert_non_null(strstr(err_msg(), "entry 'b'"));
    assert_false(path_exists(in_target("b")));
    assert_int_equal(apply_with_limit(two, 1 << 20), 0);
    assert_int_equal(apply_with_limit(bomb, 0), 0); /* 0: no limit */
}

static void the_uncompressed_stream_counts_too(void **state)
{
    /* a tiny tar followed by 1 MiB of zeros: no entry declares anything */
    const char *layer = LAYER("trailer", PLAIN, {"hello", 0, "hi"});
    struct stat st;
    assert_int_equal(stat(layer, &st), 0);
    assert_int_equal(truncate(layer, st.st_size + (1 << 20)), 0);
    assert_true(apply_with_limit(layer, 256 << 10) < 0);
    assert_non_null(strstr(err_msg(), "uncompressed layer is over its size limit of 262144 bytes"));
    assert_int_equal(apply_with_limit(layer, 2 << 20), 0);
}

static void sparse_files_count_their_full_size(void **state)
{
    struct stat st;
    unsetenv(LAYER_MAX_SIZE_ENV);
    /* one byte, then a 1 TiB hole on disk if obeyed */
    const char *huge = make_big_layer("huge", "huge", (int64_t)1 << 40, 0, "x", PLAIN);
    err_clear();
    assert_int_equal(layer_apply(huge, target, 0, NULL), -EFBIG);
    assert_non_null(strstr(err_msg(), "entry 'huge'"));
    assert_false(path_exists(in_target("huge")));
    /* a reasonable sparse file is fine, holes and all */
    const char *ok = make_big_layer("ok", "sparse", 16 << 20, 8 << 20, "data", PLAIN);
    assert_applies(ok, 0, NULL);
    assert_int_equal(stat(in_target("sparse"), &st), 0);
    assert_int_equal(st.st_size, 16 << 20);
    assert_true(st.st_blocks * 512 < (1 << 20));
    char buf[5] = "";
    int fd = open(in_target("sparse"), O_RDONLY);
    assert_int_equal(pread(fd, buf, 4, 8 << 20), 4);
    close(fd);
    assert_string_equal(buf, "data");
}

/* ---- creating ------------------------------------------------------------------------------- */

static void create_makes_a_gzip_layer_that_applies_back(void **state)
{
    struct layer_info made, back;
    char d[LAYER_DIGEST_LEN], src[PATH_MAX], out[PATH_MAX];
    snprintf(src, sizeof(src), "%s/src", tmp);
    snprintf(out, sizeof(out), "%s/blob", tmp);
    assert_int_equal(mkdir_p(in_tmp("src/etc"), 0755), 0);
    assert_int_equal(file_write_str(in_tmp("src/etc/passwd"), "root:x:0:0::/:/bin/sh\n"), 0);
    assert_int_equal(chmod(in_tmp("src/etc/passwd"), 04711), 0);
    char pw2[PATH_MAX];
    snprintf(pw2, sizeof(pw2), "%s/src/etc/pw2", tmp);
    assert_int_equal(link(in_tmp("src/etc/passwd"), pw2), 0);
    assert_int_equal(symlink("etc/passwd", in_tmp("src/pw")), 0);

    if (layer_create(src, LAYER_FROM_DIR, out, &made) < 0)
        fail_msg("%s", err_msg());
    assert_int_equal(layer_sha256_file(out, d), 0);
    assert_string_equal(made.digest, d);
    assert_int_equal(layer_digest_check(made.diff_id), 0);
    assert_string_not_equal(made.diff_id, made.digest);

    assert_applies(out, 0, &back);
    assert_string_equal(back.digest, made.digest);
    assert_string_equal(back.diff_id, made.diff_id);
    struct stat a, b;
    assert_int_equal(stat(in_target("etc/passwd"), &a), 0);
    assert_int_equal(a.st_mode & 07777, 04711);
    assert_int_equal(stat(in_target("etc/pw2"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_int_equal(lstat(in_target("pw"), &b), 0);
    assert_true(S_ISLNK(b.st_mode));

    /* the same directory gives the same blob: no time stamp in the gzip header */
    struct layer_info again;
    assert_int_equal(layer_create(src, LAYER_FROM_DIR, out, &again), 0);
    assert_string_equal(again.digest, made.digest);
    assert_int_equal(count_entries(tmp), 3); /* a, src, blob: no temporary file left */
}

/* An overlay upper (lab 03 writes its tar) round-trips: whiteouts and opaque
 * directories come back in overlay's form. */
static void create_from_an_upper_keeps_whiteouts(void **state)
{
    struct layer_info made, back;
    struct stat st;
    char upper[PATH_MAX], out[PATH_MAX], value[4] = "";
    snprintf(upper, sizeof(upper), "%s/upper", tmp);
    snprintf(out, sizeof(out), "%s/blob", tmp);
    assert_int_equal(mkdir_p(in_tmp("upper/etc"), 0755), 0);
    assert_int_equal(file_write_str(in_tmp("upper/etc/new"), "n"), 0);
    assert_int_equal(mknod(in_tmp("upper/etc/gone"), S_IFCHR, makedev(0, 0)), 0);
    assert_int_equal(mkdir_p(in_tmp("upper/var"), 0755), 0);
    assert_int_equal(setxattr(in_tmp("upper/var"), "trusted.overlay.opaque", "y", 1, 0), 0);

    if (layer_create(upper, LAYER_FROM_UPPER, out, &made) < 0)
        fail_msg("%s", err_msg());
    assert_applies(out, 0, &back);
    assert_string_equal(back.diff_id, made.diff_id);
    assert_true(path_exists(in_target("etc/new")));
    assert_int_equal(lstat(in_target("etc/gone"), &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(getxattr(in_target("var"), "trusted.overlay.opaque", value, sizeof(value)), 1);
}

static void compress_keeps_the_diff_id_of_the_tar(void **state)
{
    struct layer_info info;
    char d[LAYER_DIGEST_LEN];
    const char *layer = LAYER("plain.tar", PLAIN, {"hello", 0, "hello world\n", 0755});
    assert_int_equal(layer_sha256_file(layer, d), 0);
    int in = open(layer, O_RDONLY);
    int out = open(in_tmp("blob.gz"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(layer_compress_fd(in, out, &info), 0);
    close(in);
    close(out);
    assert_string_equal(info.diff_id, d);
    assert_int_equal(layer_sha256_file(in_tmp("blob.gz"), d), 0);
    assert_string_equal(info.digest, d);
    struct layer_info back;
    assert_applies(in_tmp("blob.gz"), 0, &back);
    assert_string_equal(back.diff_id, info.diff_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digest_check_accepts_only_sha256_hex),
        cmocka_unit_test_setup_teardown(sha256_of_known_strings, setup, teardown),
        cmocka_unit_test(chain_id_known_values),
        cmocka_unit_test_setup_teardown(apply_reads_plain_gzip_and_zstd_with_the_same_diff_id,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(apply_keeps_owner_mode_setuid_mtime_and_xattrs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(apply_turns_whiteouts_into_overlay_form, setup, teardown),
        cmocka_unit_test_setup_teardown(apply_flatten_deletes_what_whiteouts_name, setup, teardown),
        cmocka_unit_test_setup_teardown(later_entries_replace_earlier_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(hard_links_inside_the_target_work, setup, teardown),
        cmocka_unit_test_setup_teardown(dotdot_names_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(absolute_names_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(writing_through_a_symlink_to_root_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(symlinks_climbing_out_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(writing_through_a_symlink_already_in_the_target_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_symlink_from_an_earlier_layer_is_not_followed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hard_links_to_outside_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(device_nodes_are_refused_unless_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_is_refused_cleanly, setup, teardown),
        cmocka_unit_test(parse_size_takes_bytes_and_binary_units),
        cmocka_unit_test_setup_teardown(max_size_comes_from_the_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_over_the_limit_is_refused_at_its_header, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_uncompressed_stream_counts_too, setup, teardown),
        cmocka_unit_test_setup_teardown(sparse_files_count_their_full_size, setup, teardown),
        cmocka_unit_test_setup_teardown(create_makes_a_gzip_layer_that_applies_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(create_from_an_upper_keeps_whiteouts, setup, teardown),
        cmocka_unit_test_setup_teardown(compress_keeps_the_diff_id_of_the_tar, setup, teardown),
    };
    return cmocka_run_group_tests_name("layer", tests, NULL, NULL);
}
