/* Unit tests of minidock/build.h: the modes of COPY/ADD --chmod. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chmod_takes_octal_modes),
        cmocka_unit_test(chmod_refuses_anything_else),
    };
    return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
