/* Unit tests of lib/: error slot, files, strings, sizes, logging levels. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "str.h"

static void err_set_records_context_and_cause(void **state)
{
    assert_int_equal(err_set(ENOENT, "open %s", "config.json"), -ENOENT);
    assert_string_equal(err_msg(), "open config.json: No such file or directory");
}

static void err_wrap_prefixes_the_message(void **state)
{
    int r = err_setx(EINVAL, "bad value");
    assert_int_equal(err_wrap(r, "run"), -EINVAL);
    assert_int_equal(err_wrap(r, "minidock"), -EINVAL);
    assert_string_equal(err_msg(), "minidock: run: bad value");
}

static void err_wrap_without_message_uses_strerror(void **state)
{
    err_clear();
    err_wrap(-EPERM, "mount");
    assert_string_equal(err_msg(), "mount: Operation not permitted");
}

static void parse_size_accepts_docker_units(void **state)
{
    static const struct {
        const char *in;
        int64_t out;
    } cases[] = {
        {"512", 512},      {"512b", 512},      {"64k", 64 << 10}, {"64K", 64 << 10},
        {"64m", 64 << 20}, {"64mb", 64 << 20}, {"1g", 1LL << 30}, {"1.5g", 3LL << 29},
        {"2G", 2LL << 30}, {"0", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -1;
        assert_int_equal(parse_size(cases[i].in, &v), 0);
        assert_int_equal(v, cases[i].out);
    }
}

static void parse_size_rejects_garbage_and_names_it(void **state)
{
    const char *bad[] = {"", "m", "64q", "-1", "64mm", "1.2.3g", "abc", "64 m"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v;
        assert_int_equal(parse_size(bad[i], &v), -EINVAL);
        assert_non_null(strstr(err_msg(), "invalid size"));
    }
    int64_t v;
    parse_size("64q", &v);
    assert_non_null(strstr(err_msg(), "'64q'"));
}

static void str_to_i64_checks_range(void **state)
{
    int64_t v;
    assert_int_equal(str_to_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(str_to_i64("-1", -1, 100, &v), 0);
    assert_int_equal(str_to_i64("101", 0, 100, &v), -ERANGE);
    assert_int_equal(str_to_i64("4x", 0, 100, &v), -EINVAL);
    assert_int_equal(str_to_i64("", 0, 100, &v), -EINVAL);
}

static void format_bytes_uses_binary_units(void **state)
{
    char buf[32];
    format_bytes(buf, sizeof(buf), 512);
    assert_string_equal(buf, "512B");
    format_bytes(buf, sizeof(buf), 32 << 20);
    assert_string_equal(buf, "32MiB");
    format_bytes(buf, sizeof(buf), 1536 << 10);
    assert_string_equal(buf, "1.5MiB");
}

static void str_helpers(void **state)
{
    char s[] = "  hello \n";
    assert_string_equal(str_trim(s), "hello");
    assert_true(str_has_prefix("CAP_NET", "CAP_"));
    assert_false(str_has_prefix("CA", "CAP_"));
    assert_true(str_has_suffix("a.tar.gz", ".gz"));
    assert_false(str_has_suffix("gz", ".tar.gz"));
    char *p = str_printf("%s-%d", "x", 7);
    assert_string_equal(p, "x-7");
    free(p);
}

static void strv_env_set_replaces_keys(void **state)
{
    strv_t env = {0};
    assert_int_equal(strv_env_set(&env, "PATH=/bin"), 0);
    assert_int_equal(strv_env_set(&env, "A=1"), 0);
    assert_int_equal(strv_env_set(&env, "PATH=/usr/bin"), 0);
    assert_int_equal(env.len, 2);
    assert_string_equal(env.v[0], "PATH=/usr/bin");
    assert_null(env.v[2]);
    assert_string_equal(strv_env_get(&env, "A"), "1");
    assert_null(strv_env_get(&env, "PAT"));
    strv_free(&env);
    assert_null(env.v);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/md-unit.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    return remove_tree(tmpdir);
}

static void write_atomic_then_read_back(void **state)
{
    char path[128], *text = NULL;
    size_t len;
    snprintf(path, sizeof(path), "%s/state.json", tmpdir);
    assert_int_equal(file_write_atomic(path, "{\"a\":1}", 7, 0600), 0);
    assert_int_equal(file_write_atomic(path, "{\"a\":2}", 7, 0600), 0);
    assert_int_equal(file_read_all(path, &text, &len), 0);
    assert_int_equal(len, 7);
    assert_string_equal(text, "{\"a\":2}");
    free(text);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void read_missing_file_names_it(void **state)
{
    char *text = NULL;
    assert_int_equal(file_read_all("/nonexistent/x", &text, NULL), -ENOENT);
    assert_string_equal(err_msg(), "open /nonexistent/x: No such file or directory");
    assert_null(text);
}

static void mkdir_p_and_remove_tree(void **state)
{
    char path[128], file[160], line[32];
    snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
    assert_int_equal(mkdir_p(path, 0755), 0);
    assert_int_equal(mkdir_p(path, 0755), 0); /* idempotent */
    snprintf(file, sizeof(file), "%s/f", path);
    assert_int_equal(file_printf(file, "%d\n", 42), 0);
    assert_int_equal(file_read_line(file, line, sizeof(line)), 0);
    assert_string_equal(line, "42");
    assert_true(path_exists(file));
    snprintf(path, sizeof(path), "%s/a", tmpdir);
    assert_int_equal(remove_tree(path), 0);
    assert_false(path_exists(path));
    assert_int_equal(remove_tree(path), 0); /* already gone is fine */
}

/* A file with data at 0 and at 1 GiB and holes around the second piece. */
static void copy_file_keeps_data_and_holes(void **state)
{
    char from[128], to[128];
    const off_t far = (off_t)1 << 30, size = far + ((off_t)1 << 30);
    snprintf(from, sizeof(from), "%s/sparse", tmpdir);
    snprintf(to, sizeof(to), "%s/copy", tmpdir);
    int in = open(from, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(in >= 0);
    assert_int_equal(pwrite(in, "head", 4, 0), 4);
    assert_int_equal(pwrite(in, "middle", 6, far), 6);
    assert_int_equal(ftruncate(in, size), 0);
    int out = open(to, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(out >= 0);
    assert_int_equal(fd_copy_file(in, out), 0);
    struct stat st;
    char buf[8] = "";
    assert_int_equal(fstat(out, &st), 0);
    assert_int_equal(st.st_size, size);
    assert_true(st.st_blocks * 512 < 16 << 20); /* 2 GiB long, a few blocks used */
    assert_int_equal(pread(out, buf, 4, 0), 4);
    assert_memory_equal(buf, "head", 4);
    assert_int_equal(pread(out, buf, 6, far), 6);
    assert_memory_equal(buf, "middle", 6);
    assert_int_equal(pread(out, buf, 4, far / 2), 4);
    assert_memory_equal(buf, "\0\0\0\0", 4);
    close(in);
    close(out);
    unlink(from);
    unlink(to);
}

/* A file whose size says nothing (/proc) is read to its end. */
static void copy_file_reads_proc_files(void **state)
{
    char to[128], *text = NULL;
    snprintf(to, sizeof(to), "%s/status", tmpdir);
    int in = open("/proc/self/status", O_RDONLY);
    int out = open(to, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(in >= 0 && out >= 0);
    assert_int_equal(fd_copy_file(in, out), 0);
    close(in);
    close(out);
    assert_int_equal(file_read_all(to, &text, NULL), 0);
    assert_non_null(strstr(text, "Name:"));
    free(text);
    unlink(to);
}

static void log_levels_parse(void **state)
{
    enum log_level l;
    assert_int_equal(log_parse_level("debug", &l), 0);
    assert_int_equal(l, LOG_DEBUG);
    assert_int_equal(log_parse_level("error", &l), 0);
    assert_int_equal(l, LOG_ERROR);
    assert_int_equal(log_parse_level("loud", &l), -EINVAL);
    assert_non_null(strstr(err_msg(), "'loud'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_set_records_context_and_cause),
        cmocka_unit_test(err_wrap_prefixes_the_message),
        cmocka_unit_test(err_wrap_without_message_uses_strerror),
        cmocka_unit_test(parse_size_accepts_docker_units),
        cmocka_unit_test(parse_size_rejects_garbage_and_names_it),
        cmocka_unit_test(str_to_i64_checks_range),
        cmocka_unit_test(format_bytes_uses_binary_units),
        cmocka_unit_test(str_helpers),
        cmocka_unit_test(strv_env_set_replaces_keys),
        cmocka_unit_test(write_atomic_then_read_back),
        cmocka_unit_test(read_missing_file_names_it),
        cmocka_unit_test(mkdir_p_and_remove_tree),
        cmocka_unit_test(copy_file_keeps_data_and_holes),
        cmocka_unit_test(copy_file_reads_proc_files),
        cmocka_unit_test(log_levels_parse),
    };
    return cmocka_run_group_tests_name("lib", tests, make_tmpdir, remove_tmpdir);
}
