/* Unit tests of minidock/store.c: ids, names, lookups, atomic documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "file.h"
#include "store.h"

static char root[64];
static struct store st;

static int setup(void **state)
{
    snprintf(root, sizeof(root), "/tmp/md-store.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    return store_open(root, &st);
}

static int teardown(void **state)
{
    return remove_tree(root);
}

static void create_gives_an_id_and_reserves_the_name(void **state)
{
    char id[65], name[64], found[65];
    assert_int_equal(store_create(&st, "web", id, name, sizeof(name)), 0);
    assert_int_equal(strlen(id), 64);
    assert_string_equal(name, "web");
    assert_int_equal(store_resolve(&st, "web", found), 0);
    assert_string_equal(found, id);
    assert_int_equal(store_resolve(&st, "/web", found), 0);
    assert_string_equal(found, id);
    char prefix[13];
    snprintf(prefix, sizeof(prefix), "%.12s", id);
    assert_int_equal(store_resolve(&st, prefix, found), 0);
    assert_string_equal(found, id);
    assert_int_equal(store_resolve(&st, id, found), 0);

    char other[65];
    assert_int_equal(store_create(&st, "web", other, name, sizeof(name)), -EEXIST);
    assert_non_null(strstr(err_msg(), "The container name \"/web\" is already in use"));
    assert_non_null(strstr(err_msg(), id));
    assert_int_equal(store_remove(&st, id), 0);
}

static void generated_names_and_bad_names(void **state)
{
    char id[65], name[64];
    assert_int_equal(store_create(&st, NULL, id, name, sizeof(name)), 0);
    assert_non_null(strchr(name, '_'));
    char back[64];
    assert_int_equal(store_name_of(&st, id, back, sizeof(back)), 0);
    assert_string_equal(back, name);
    assert_int_equal(store_remove(&st, id), 0);
    assert_int_equal(store_create(&st, "bad name", id, name, sizeof(name)), -EINVAL);
    assert_non_null(strstr(err_msg(), "Invalid container name (bad name)"));
}

static void resolve_errors(void **state)
{
    char id[65];
    assert_int_equal(store_resolve(&st, "nothing", id), -ENOENT);
    assert_string_equal(err_msg(), "No such container: nothing");
    /* two containers whose ids share a prefix: make them by hand */
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof(a), "%s/containers/%s", root,
             "abc0000000000000000000000000000000000000000000000000000000000001");
    snprintf(b, sizeof(b), "%s/containers/%s", root,
             "abc0000000000000000000000000000000000000000000000000000000000002");
    assert_int_equal(mkdir_p(a, 0700), 0);
    assert_int_equal(mkdir_p(b, 0700), 0);
    assert_int_equal(store_resolve(&st, "abc", id), -EINVAL);
    assert_string_equal(err_msg(), "multiple IDs found with provided prefix: abc");
    assert_int_equal(
        store_resolve(&st, "abc0000000000000000000000000000000000000000000000000000000000002", id),
        0);
    remove_tree(a);
    remove_tree(b);
}

static void documents_are_written_and_read_back(void **state)
{
    char id[65], name[64];
    json_t *doc, *back = NULL;
    assert_int_equal(store_create(&st, "db", id, name, sizeof(name)), 0);
    doc = json_pack("{s:s, s:i}", "Status", "running", "Pid", 42);
    assert_int_equal(store_write_json(&st, id, "state.json", doc), 0);
    assert_int_equal(store_read_json(&st, id, "state.json", &back), 0);
    assert_true(json_equal(doc, back));
    json_decref(doc);
    json_decref(back);
    assert_int_equal(store_read_json(&st, id, "missing.json", &back), -ENOENT);
    assert_int_equal(store_remove(&st, id), 0);
}

static void rename_moves_the_name(void **state)
{
    char id[65], id2[65], name[64], found[65];
    assert_int_equal(store_create(&st, "old", id, name, sizeof(name)), 0);
    assert_int_equal(store_create(&st, "taken", id2, name, sizeof(name)), 0);
    assert_int_equal(store_rename(&st, id, "taken"), -EEXIST);
    assert_int_equal(store_rename(&st, id, "old"), -EINVAL);
    assert_int_equal(store_rename(&st, id, "new"), 0);
    assert_int_equal(store_resolve(&st, "new", found), 0);
    assert_string_equal(found, id);
    assert_int_equal(store_resolve(&st, "old", found), -ENOENT);
    store_remove(&st, id);
    store_remove(&st, id2);
}

static void list_is_in_creation_order(void **state)
{
    char ids[3][65], name[64];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_create(&st, NULL, ids[i], name, sizeof(name)), 0);
        usleep(2000);
    }
    strv_t list = {0};
    assert_int_equal(store_list(&st, &list), 0);
    assert_int_equal(list.len, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(list.v[i], ids[i]);
    strv_free(&list);
    for (int i = 0; i < 3; i++)
        store_remove(&st, ids[i]);
}

static void an_interrupted_remove_frees_the_name(void **state)
{
    char id[65], id2[65], name[64], dir[PATH_MAX];
    assert_int_equal(store_create(&st, "ghost", id, name, sizeof(name)), 0);
    store_path(&st, id, NULL, dir, sizeof(dir));
    assert_int_equal(remove_tree(dir), 0); /* as if rm died after removing the directory */
    assert_int_equal(store_create(&st, "ghost", id2, name, sizeof(name)), 0);
    store_remove(&st, id2);
}

static void timestamps_round_trip(void **state)
{
    char buf[64];
    double t;
    store_timestamp(buf, sizeof(buf), 1795836000.25);
    assert_string_equal(buf, "2026-11-28T03:20:00.250000000Z");
    assert_int_equal(store_parse_timestamp(buf, &t), 0);
    assert_true(t > 1795836000.24 && t < 1795836000.26);
    assert_int_equal(store_parse_timestamp("2026-11-28T00:00:00Z", &t), 0);
    assert_int_equal(store_parse_timestamp("yesterday", &t), -EINVAL);
    assert_int_equal(store_parse_timestamp("2026-11-28T00:00:00+01:00", &t), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_gives_an_id_and_reserves_the_name),
        cmocka_unit_test(generated_names_and_bad_names),
        cmocka_unit_test(resolve_errors),
        cmocka_unit_test(documents_are_written_and_read_back),
        cmocka_unit_test(rename_moves_the_name),
        cmocka_unit_test(list_is_in_creation_order),
        cmocka_unit_test(an_interrupted_remove_frees_the_name),
        cmocka_unit_test(timestamps_round_trip),
    };
    return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
