/* Unit tests of minidock/build.h: the modes of COPY/ADD --chmod, the
 * patterns of .dockerignore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "build.h"

static void expect_mode(const char *s, mode_t want)
{
    mode_t mode = 01;
    assert_int_equal(bld_parse_chmod(s, &mode), 0);
    assert_int_equal(mode, want);
}

static void chmod_takes_octal_modes(void **state)
{
    expect_mode("755", 0755);
    expect_mode("0644", 0644);
    expect_mode("0", 0);
    expect_mode("4755", 04755);
    expect_mode("7777", 07777);
    expect_mode("00000600", 0600);
}

static void chmod_refuses_anything_else(void **state)
{
    static const char *const bad[] = {"",     "abc",  "999",   "0x755",     "-1",    "+x", "u+x",
                                      "755 ", " 755", "17777", "000000600", "0o755", "75a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mode_t mode = 0123;
        assert_int_equal(bld_parse_chmod(bad[i], &mode), -EINVAL);
        assert_int_equal(mode, 0123); /* untouched */
    }
}

static void expect_pattern(const char *line, const char *want)
{
    char out[64];
    assert_int_equal(bld_ignore_pattern(line, out, sizeof(out)), 0);
    assert_string_equal(out, want);
}

/* Docker cleans each pattern with Go's filepath.Clean, then drops a leading '/'. */
static void ignore_patterns_are_cleaned(void **state)
{
    expect_pattern("secret.txt", "secret.txt");
    expect_pattern("./secret.txt", "secret.txt");
    expect_pattern("x/../secret.txt", "secret.txt");
    expect_pattern("/secret.txt", "secret.txt");
    expect_pattern("//a//b/", "a/b");
    expect_pattern("a/./b/.", "a/b");
    expect_pattern("a/b/../../c/*.key", "c/*.key");
    expect_pattern("/../x", "x"); /* ".." stops at the root */
    expect_pattern("../x", "../x");
    expect_pattern("a/../../x", "../x");
    expect_pattern("../../x/..", "../..");
    expect_pattern("./", ".");
    expect_pattern("/", "/");
    expect_pattern("**/*.log", "**/*.log");
    expect_pattern("...", "...");
    expect_pattern(".hidden/..x", ".hidden/..x");
}

static void ignore_negations_and_blanks(void **state)
{
    expect_pattern("!./keep.txt", "!keep.txt");
    expect_pattern("! /a/b/", "!a/b");
    expect_pattern("  dir/  ", "dir");
    expect_pattern("!", "!");
    expect_pattern("   ", "");
    expect_pattern("", "");
}

static void ignore_pattern_needs_room(void **state)
{
    char out[8];
    assert_int_equal(bld_ignore_pattern("abcdef", out, sizeof(out)), 0);
    assert_string_equal(out, "abcdef");
    assert_int_equal(bld_ignore_pattern("abcdefg", out, sizeof(out)), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chmod_takes_octal_modes),
        cmocka_unit_test(chmod_refuses_anything_else),
        cmocka_unit_test(ignore_patterns_are_cleaned),
        cmocka_unit_test(ignore_negations_and_blanks),
        cmocka_unit_test(ignore_pattern_needs_room),
    };
    return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
