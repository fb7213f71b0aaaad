/* Unit tests of minidock/names.c: generated and user-given container names. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "names.h"

static void generated_names_look_like_dockers(void **state)
{
    regex_t re;
    char buf[64];
    assert_int_equal(regcomp(&re, "^[a-z]+_[a-z]+$", REG_EXTENDED | REG_NOSUB), 0);
    for (int i = 0; i < 200; i++) {
        names_generate(buf, sizeof(buf), 0);
        assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
        assert_true(names_valid(buf));
    }
    regfree(&re);
    assert_int_equal(regcomp(&re, "^[a-z]+_[a-z]+[0-9]$", REG_EXTENDED | REG_NOSUB), 0);
    names_generate(buf, sizeof(buf), 1);
    assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
    regfree(&re);
}

static void user_names_follow_dockers_rule(void **state)
{
    assert_true(names_valid("web"));
    assert_true(names_valid("my-app_1.0"));
    assert_true(names_valid("9lives"));
    assert_false(names_valid("a"));
    assert_false(names_valid("-web"));
    assert_false(names_valid("_web"));
    assert_false(names_valid("web app"));
    assert_false(names_valid("web/app"));
    assert_false(names_valid(""));
    assert_false(names_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_names_look_like_dockers),
        cmocka_unit_test(user_names_follow_dockers_rule),
    };
    return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
