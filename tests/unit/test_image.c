/* test_image.c — unit tests of labs/04-images/image.c.
 *
 * References are a table of inputs and what Docker makes of them.  The store
 * tests use a fresh root in a temporary directory and small root file system
 * tars built here with libarchive.
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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "image.h"
#include "layer.h"
#include "str.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char tmp[PATH_MAX];
static struct image_store *st;

static int setup(void **state)
{
    char root[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "/tmp/imagetest.XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(root, sizeof(root), "%s/root", tmp);
    if (image_store_open(root, &st) < 0)
        fail_msg("%s", err_msg());
    return 0;
}

static int teardown(void **state)
{
    image_store_close(st);
    st = NULL;
    assert_int_equal(remove_tree(tmp), 0);
    return 0;
}

static const char *in_tmp(const char *rel)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", tmp, rel);
    return path;
}

/* A tiny root file system tar: /hello (the content varies with `seed`),
 * plus `extra` as one more entry name when not NULL. */
static const char *make_rootfs_tar(const char *name, const char *seed, const char *extra)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    struct archive *w = archive_write_new();
    archive_write_set_format_pax_restricted(w);
    assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
    const char *names[] = {"hello", extra};
    for (int i = 0; i < (extra ? 2 : 1); i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0755);
        archive_entry_set_mtime(e, 1500000000, 0);
        archive_entry_set_size(e, (la_int64_t)strlen(seed));
        assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(w, seed, strlen(seed)), (la_ssize_t)strlen(seed));
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(w), ARCHIVE_OK);
    archive_write_free(w);
    return path;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void import_ok(const char *tar, const char *ref, char id[LAYER_DIGEST_LEN])
{
    if (image_import(st, tar, ref, NULL, id) < 0)
        fail_msg("import %s: %s", ref, err_msg());
}

/* ---- references ----------------------------------------------------------------------------- */

static void references_parse_like_docker(void **state)
{
    static const struct {
        const char *in, *full, *repo;
    } good[] = {
        {"busybox", "docker.io/library/busybox:latest", "busybox"},
        {"busybox:1.36", "docker.io/library/busybox:1.36", "busybox"},
        {"user/repo", "docker.io/user/repo:latest", "user/repo"},
        {"docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox"},
        {"localhost:5000/a/b:tag", "localhost:5000/a/b:tag", "localhost:5000/a/b"},
        {"localhost/x", "localhost/x:latest", "localhost/x"},
        {"registry.example.com/team/app", "registry.example.com/team/app:latest",
         "registry.example.com/team/app"},
        {"my-app_2.x__y:V1.0-rc_1", "docker.io/library/my-app_2.x__y:V1.0-rc_1", "my-app_2.x__y"},
        {"name@sha256:" HEX64, "docker.io/library/name@sha256:" HEX64, "name"},
        {"name:t@sha256:" HEX64, "docker.io/library/name:t@sha256:" HEX64, "name"},
        {"a---b", "docker.io/library/a---b:latest", "a---b"},
    };
    static const char *const bad[] = {
        "",      ":tag", "name:",     "-name",           "name-",    "a..b",  "a/",
        "/a",    "a//b", "name:-tag", "name@sha256:abc", "name:t:u", "na me", "name@md5:" HEX64,
        "a___b", "a.-b",
    };
    struct image_ref ref;
    char buf[600];
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (image_ref_parse(good[i].in, &ref) < 0)
            fail_msg("'%s': %s", good[i].in, err_msg());
        image_ref_string(&ref, buf, sizeof(buf));
        assert_string_equal(buf, good[i].full);
        image_ref_repository(&ref, buf, sizeof(buf));
        assert_string_equal(buf, good[i].repo);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (image_ref_parse(bad[i], &ref) != -EINVAL)
            fail_msg("'%s' should be refused", bad[i]);
        assert_string_equal(err_msg(), "invalid reference format");
    }
}

static void uppercase_repositories_get_dockers_message(void **state)
{
    struct image_ref ref;
    assert_int_equal(image_ref_parse("Busybox", &ref), -EINVAL);
    assert_string_equal(err_msg(),
                        "invalid reference format: repository name (library/Busybox) must be "
                        "lowercase");
    assert_int_equal(image_ref_parse("localhost:5000/Team/app", &ref), -EINVAL);
    assert_non_null(strstr(err_msg(), "must be lowercase"));
    /* a domain may have capitals, a tag too */
    assert_int_equal(image_ref_parse("Registry.Example.com/app:TAG", &ref), 0);
}

/* ---- blobs ---------------------------------------------------------------------------------- */

static void blobs_are_verified_before_they_are_stored(void **state)
{
    char digest[LAYER_DIGEST_LEN], path[PATH_MAX];
    const char *sha_abc = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_int_equal(image_blob_put(st, sha_abc, "abc", 3, digest), 0);
    assert_string_equal(digest, sha_abc);
    image_blob_path(st, sha_abc, path, sizeof(path));
    assert_true(path_exists(path));

    const char *wrong = "sha256:" HEX64;
    assert_int_equal(image_blob_put(st, wrong, "abd", 3, NULL), -EBADMSG);
    assert_string_equal(
        err_msg(), "blob digest mismatch: expected sha256:" HEX64
                   ", got sha256:a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9");
    image_blob_path(st, wrong, path, sizeof(path));
    assert_false(path_exists(path));
    assert_int_equal(image_blob_put(st, "sha256:nothex", "abc", 3, NULL), -EINVAL);

    /* a file with a wrong digest is refused, and removed */
    assert_int_equal(file_write_str(in_tmp("root/images/blobs/sha256/.tmp-x"), "abd"), 0);
    assert_int_equal(image_blob_put_file(st, in_tmp("root/images/blobs/sha256/.tmp-x"), wrong),
                     -EBADMSG);
    assert_false(path_exists(in_tmp("root/images/blobs/sha256/.tmp-x")));
    assert_false(path_exists(path));

    /* reading checks the content again: a corrupted blob is refused */
    char *text;
    image_blob_path(st, sha_abc, path, sizeof(path));
    assert_int_equal(file_write_str(path, "abx"), 0);
    assert_int_equal(image_blob_read(st, sha_abc, &text, NULL), -EBADMSG);
}

/* ---- images --------------------------------------------------------------------------------- */

static void import_stores_an_oci_image(void **state)
{
    char id[LAYER_DIGEST_LEN];
    struct image img;
    json_t *config;
    import_ok(make_rootfs_tar("rootfs.tar", "hello\n", NULL), "hello-world", id);
    assert_int_equal(layer_digest_check(id), 0);

    assert_int_equal(image_lookup(st, "hello-world", &img), 0);
    assert_string_equal(img.id, id);
    assert_int_equal(img.tags.len, 1);
    assert_string_equal(img.tags.v[0], "docker.io/library/hello-world:latest");
    assert_int_equal(img.nlayers, 1);
    char d[LAYER_DIGEST_LEN];
    assert_int_equal(layer_sha256_file(in_tmp("rootfs.tar"), d), 0);
    assert_string_equal(img.layers[0].diff_id, d); /* diff_id: the tar as given */

    assert_int_equal(image_config(st, &img, &config), 0);
    assert_string_equal(json_string_value(json_object_get(config, "os")), "linux");
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    assert_string_equal(json_string_value(json_array_get(diff_ids, 0)), d);
    json_decref(config);
    image_free(&img);

    /* by full ID, by "sha256:" ID, by short prefix */
    assert_int_equal(image_lookup(st, id, &img), 0);
    image_free(&img);
    assert_int_equal(image_lookup(st, id + 7, &img), 0);
    image_free(&img);
    char prefix[13];
    snprintf(prefix, sizeof(prefix), "%.12s", id + 7);
    assert_int_equal(image_lookup(st, prefix, &img), 0);
    image_free(&img);
    assert_int_equal(image_lookup(st, "nothere", &img), -ENOENT);
    assert_string_equal(err_msg(), "No such image: nothere");
    assert_int_equal(count_entries(in_tmp("root/layers")), 1);
}

static void the_same_layer_is_stored_once(void **state)
{
    char id1[LAYER_DIGEST_LEN], id2[LAYER_DIGEST_LEN];
    const char *tar = make_rootfs_tar("rootfs.tar", "same\n", NULL);
    import_ok(tar, "one", id1);
    import_ok(tar, "two:v2", id2);
    assert_int_equal(count_entries(in_tmp("root/layers")), 1); /* one ChainID directory */
    /* blobs: one layer, and a config + manifest per image */
    assert_int_equal(count_entries(in_tmp("root/images/blobs/sha256")), 5);

    struct image *imgs;
    size_t n;
    assert_int_equal(image_list(st, &imgs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(imgs[0].layers[0].digest, imgs[1].layers[0].digest);
    image_list_free(imgs, n);
}

static void tags_move_and_rm_follows_dockers_rules(void **state)
{
    char id[LAYER_DIGEST_LEN], other[LAYER_DIGEST_LEN];
    struct image img;
    strv_t report = {0};
    import_ok(make_rootfs_tar("a.tar", "a\n", NULL), "app:1", id);
    assert_int_equal(image_tag(st, "app:1", "app:latest"), 0);
    assert_int_equal(image_tag(st, id, "localhost:5000/app"), 0);
    assert_int_equal(image_lookup(st, "app", &img), 0);
    assert_string_equal(img.id, id);
    assert_int_equal(img.tags.len, 3);
    image_free(&img);

    /* a tag moves to the newest image */
    import_ok(make_rootfs_tar("b.tar", "b\n", NULL), "app:latest", other);
    assert_int_equal(image_lookup(st, "app", &img), 0);
    assert_string_equal(img.id, other);
    image_free(&img);

    /* by ID with several tags: needs force */
    assert_int_equal(image_remove(st, id, false, &report), -EBUSY);
    assert_non_null(strstr(err_msg(), "must be forced"));
    /* by tag: untag only, the image keeps its other tag */
    assert_int_equal(image_remove(st, "app:1", false, &report), 0);
    assert_int_equal(report.len, 1);
    assert_string_equal(report.v[0], "Untagged: app:1");
    assert_int_equal(image_lookup(st, id, &img), 0);
    image_free(&img);
    /* its last tag: untag and delete */
    assert_int_equal(image_remove(st, "localhost:5000/app:latest", false, &report), 0);
    assert_int_equal(report.len, 3);
    assert_non_null(strstr(report.v[2], "Deleted: sha256:"));
    assert_int_equal(image_lookup(st, id, &img), -ENOENT);
    strv_free(&report);

    /* untag leaves an untagged (dangling) image, still listed */
    assert_int_equal(image_untag(st, "app"), 0);
    assert_int_equal(image_lookup(st, other, &img), 0);
    assert_int_equal(img.tags.len, 0);
    image_free(&img);
    assert_int_equal(image_untag(st, "app"), -ENOENT);
}

static void gc_leaves_nothing_after_the_last_image(void **state)
{
    char id[LAYER_DIGEST_LEN];
    import_ok(make_rootfs_tar("a.tar", "a\n", NULL), "a", id);
    import_ok(make_rootfs_tar("b.tar", "b\n", NULL), "b", id);
    assert_int_equal(image_remove(st, "a", false, NULL), 0);
    assert_int_equal(count_entries(in_tmp("root/layers")), 1);
    assert_int_equal(count_entries(in_tmp("root/images/blobs/sha256")), 3);
    assert_int_equal(image_remove(st, id, false, NULL), 0);
    assert_int_equal(count_entries(in_tmp("root/layers")), 0);
    assert_int_equal(count_entries(in_tmp("root/images/blobs/sha256")), 0);
    char *index;
    assert_int_equal(file_read_all(in_tmp("root/images/index.json"), &index, NULL), 0);
    assert_null(strstr(index, "sha256:"));
    free(index);
}

static void gc_removes_abandoned_temporary_files_only(void **state)
{
    char id[LAYER_DIGEST_LEN];
    import_ok(make_rootfs_tar("a.tar", "a\n", NULL), "a", id);
    /* an import killed an hour ago, and one at work now */
    assert_int_equal(file_write_str(in_tmp("root/images/blobs/sha256/.tmp-old"), "x"), 0);
    assert_int_equal(mkdir_p(in_tmp("root/layers/.tmp-old"), 0700), 0);
    struct timespec old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    assert_int_equal(utimensat(AT_FDCWD, in_tmp("root/images/blobs/sha256/.tmp-old"), old, 0), 0);
    assert_int_equal(utimensat(AT_FDCWD, in_tmp("root/layers/.tmp-old"), old, 0), 0);
    assert_int_equal(file_write_str(in_tmp("root/images/blobs/sha256/.tmp-new"), "x"), 0);

    assert_int_equal(image_gc(st), 0);
    assert_false(path_exists(in_tmp("root/images/blobs/sha256/.tmp-old")));
    assert_false(path_exists(in_tmp("root/layers/.tmp-old")));
    assert_true(path_exists(in_tmp("root/images/blobs/sha256/.tmp-new")));
    assert_int_equal(count_entries(in_tmp("root/images/blobs/sha256")), 3); /* the image stays */
}

/* The store lock nests, so a caller can hold it around image_add(). */
static void the_store_lock_nests(void **state)
{
    assert_int_equal(image_store_lock(st), 0);
    assert_int_equal(image_store_lock(st), 0);
    assert_int_equal(image_gc(st), 0); /* takes it again: no deadlock */
    image_store_unlock(st);
    image_store_unlock(st);
    /* released: another open file description can take it at once */
    int fd = open(in_tmp("root/images/.lock"), O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    close(fd);
}

static void a_malicious_tar_is_not_imported(void **state)
{
    char id[LAYER_DIGEST_LEN];
    const char *tar = make_rootfs_tar("evil.tar", "x\n", "../../../../escaped");
    assert_true(image_import(st, tar, "evil", NULL, id) < 0);
    assert_non_null(strstr(err_msg(), "'..' is not allowed"));
    assert_int_equal(count_entries(in_tmp("root/layers")), 0);
    assert_int_equal(count_entries(in_tmp("root/images/blobs/sha256")), 0);
    assert_false(path_exists(in_tmp("escaped")));
    assert_int_equal(image_import(st, tar, "Evil", NULL, id), -EINVAL); /* bad name: nothing read */
}

static void unpack_flattens_and_layer_dirs_are_shared(void **state)
{
    char id[LAYER_DIGEST_LEN], out[PATH_MAX];
    struct image img;
    strv_t dirs = {0};
    import_ok(make_rootfs_tar("a.tar", "hi\n", "etc/motd"), "x", id);
    assert_int_equal(image_lookup(st, "x", &img), 0);
    snprintf(out, sizeof(out), "%s/out", tmp);
    assert_int_equal(image_unpack(st, &img, out), 0);
    assert_true(path_exists(in_tmp("out/etc/motd")));
    assert_int_equal(image_layer_dirs(st, &img, &dirs), 0);
    assert_int_equal(dirs.len, 1);
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/root/layers/%s", tmp, img.layers[0].diff_id + 7);
    assert_string_equal(dirs.v[0], want); /* ChainID of a first layer: its diff_id */
    strv_free(&dirs);
    image_free(&img);
}

/* `load`: the config is stored byte for byte (the image ID survives a round
 * trip), its diff_ids must be the layers', and every ref gets a tag. */
static void add_verbatim_keeps_the_config_bytes(void **state)
{
    char id[LAYER_DIGEST_LEN], got[LAYER_DIGEST_LEN], want[LAYER_DIGEST_LEN];
    struct image img;
    import_ok(make_rootfs_tar("rootfs.tar", "verbatim\n", NULL), "base", id);
    assert_int_equal(image_lookup(st, "base", &img), 0);
    char *config = str_printf("{\"os\":\"linux\",  \"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
                              "[\"%s\"]},\"architecture\":\"amd64\"}",
                              img.layers[0].diff_id);
    assert_int_equal(layer_sha256_buf(config, strlen(config), want), 0);
    strv_t refs = {0};
    strv_push(&refs, "loaded:1");
    strv_push(&refs, "example.com/loaded:2");

    /* a wrong digest or a wrong diff_id: refused, and no tag */
    assert_int_equal(
        image_add_verbatim(st, config, strlen(config), "sha256:" HEX64, img.layers, 1, &refs, got),
        -EBADMSG);
    struct layer_info other = img.layers[0];
    memcpy(other.diff_id, "sha256:" HEX64, sizeof(other.diff_id));
    assert_int_equal(image_add_verbatim(st, config, strlen(config), NULL, &other, 1, &refs, got),
                     -EBADMSG);
    struct image none;
    assert_int_equal(image_lookup(st, "loaded:1", &none), -ENOENT);

    assert_int_equal(
        image_add_verbatim(st, config, strlen(config), want, img.layers, 1, &refs, got), 0);
    assert_string_equal(got, want);
    struct image loaded;
    assert_int_equal(image_lookup(st, "example.com/loaded:2", &loaded), 0);
    assert_string_equal(loaded.id, want);
    assert_int_equal(loaded.tags.len, 2);
    char *text;
    assert_int_equal(image_blob_read(st, want, &text, NULL), 0);
    assert_string_equal(text, config);
    free(text);
    image_free(&loaded);
    image_free(&img);
    strv_free(&refs);
    free(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(references_parse_like_docker),
        cmocka_unit_test(uppercase_repositories_get_dockers_message),
        cmocka_unit_test_setup_teardown(blobs_are_verified_before_they_are_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(import_stores_an_oci_image, setup, teardown),
        cmocka_unit_test_setup_teardown(the_same_layer_is_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(tags_move_and_rm_follows_dockers_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(gc_leaves_nothing_after_the_last_image, setup, teardown),
        cmocka_unit_test_setup_teardown(gc_removes_abandoned_temporary_files_only, setup, teardown),
        cmocka_unit_test_setup_teardown(the_store_lock_nests, setup, teardown),
        cmocka_unit_test_setup_teardown(a_malicious_tar_is_not_imported, setup, teardown),
        cmocka_unit_test_setup_teardown(unpack_flattens_and_layer_dirs_are_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(add_verbatim_keeps_the_config_bytes, setup, teardown),
    };
    return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
