/* Unit tests of minidock/human.c: Docker's durations, statuses and sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "human.h"

static void expect_duration(double s, const char *want)
{
    char buf[64];
    human_duration(buf, sizeof(buf), s);
    assert_string_equal(buf, want);
}

static void durations_like_docker(void **state)
{
    expect_duration(0.2, "Less than a second");
    expect_duration(1, "1 second");
    expect_duration(9.9, "9 seconds");
    expect_duration(59, "59 seconds");
    expect_duration(60, "About a minute");
    expect_duration(119, "About a minute");
    expect_duration(120, "2 minutes");
    expect_duration(3599, "59 minutes");
    expect_duration(3600, "About an hour");
    expect_duration(5400, "2 hours"); /* 1.5 h rounds to 2 */
    expect_duration(47 * 3600, "47 hours");
    expect_duration(48 * 3600, "2 days");
    expect_duration(14 * 86400, "2 weeks");
    expect_duration(60 * 86400, "2 months");
    expect_duration(800 * 86400.0, "2 years");
}

static void statuses_like_docker_ps(void **state)
{
    char buf[64];
    human_status(buf, sizeof(buf), "running", 0, false, 1000, 0, 1003);
    assert_string_equal(buf, "Up 3 seconds");
    human_status(buf, sizeof(buf), "running", 0, true, 1000, 0, 1003);
    assert_string_equal(buf, "Up 3 seconds (Paused)");
    human_status(buf, sizeof(buf), "exited", 0, false, 1000, 1001, 1010);
    assert_string_equal(buf, "Exited (0) 9 seconds ago");
    human_status(buf, sizeof(buf), "exited", 137, false, 1000, 1001, 1001 + 3600 * 5);
    assert_string_equal(buf, "Exited (137) 5 hours ago");
    human_status(buf, sizeof(buf), "created", 0, false, 0, 0, 1000);
    assert_string_equal(buf, "Created");
    human_status(buf, sizeof(buf), "restarting", 1, false, 1000, 1002, 1004);
    assert_string_equal(buf, "Restarting (1) 2 seconds ago");
    human_ago(buf, sizeof(buf), 30);
    assert_string_equal(buf, "30 seconds ago");
}

static void sizes_like_docker_tables(void **state)
{
    char buf[32];
    human_size_precision(buf, sizeof(buf), 2933000, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "2.93MB");
    human_size_precision(buf, sizeof(buf), 4261000, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "4.26MB");
    human_size_precision(buf, sizeof(buf), 1500000000, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "1.5GB");
    human_size_precision(buf, sizeof(buf), 100000, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "100kB");
    human_size_precision(buf, sizeof(buf), 999, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "999B");
    human_size_precision(buf, sizeof(buf), 0, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "0B");
    human_size_precision(buf, sizeof(buf), 1000, HUMAN_TABLE_PRECISION);
    assert_string_equal(buf, "1kB");
}

static void sizes_like_docker_reports(void **state)
{
    char buf[32];
    human_size(buf, sizeof(buf), 512);
    assert_string_equal(buf, "512B");
    human_size(buf, sizeof(buf), 4261000);
    assert_string_equal(buf, "4.261MB");
    human_size(buf, sizeof(buf), 1240000000);
    assert_string_equal(buf, "1.24GB");
    human_size(buf, sizeof(buf), 13256);
    assert_string_equal(buf, "13.26kB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_like_docker),
        cmocka_unit_test(statuses_like_docker_ps),
        cmocka_unit_test(sizes_like_docker_tables),
        cmocka_unit_test(sizes_like_docker_reports),
    };
    return cmocka_run_group_tests_name("human", tests, NULL, NULL);
}
