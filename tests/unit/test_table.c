/* Unit tests of minidock/table.c: Docker's aligned tables (Go's tabwriter,
 * minimum width 10, padding 3), --format templates and json rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

/* Render rows {"A": a, "B": b} with format and return what the table prints. */
static char *render(const char *format, const char *const rows[][2], size_t n)
{
    json_t *titles = json_pack("{s:s, s:s}", "A", "NAME", "B", "SIZE");
    struct table *t = NULL;
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(table_open(format, titles, &t), 0);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_pack("{s:s, s:s}", "A", rows[i][0], "B", rows[i][1]);
        assert_int_equal(table_add(t, row), 0);
        json_decref(row);
    }
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(table_flush(t, f), 0);
    fclose(f);
    json_decref(titles);
    return out;
}

static void columns_are_padded_to_the_widest_cell_plus_three(void **state)
{
    static const char *const rows[][2] = {{"alpha", "1kB"}, {"a-much-longer-name", "2MB"}};
    char *out = render("table {{.A}}\t{{.B}}", rows, 2);
    assert_string_equal(out, "NAME                 SIZE\n"
                             "alpha                1kB\n"
                             "a-much-longer-name   2MB\n");
    free(out);
}

static void narrow_columns_get_the_minimum_width_of_ten(void **state)
{
    static const char *const rows[][2] = {{"a", "1"}};
    char *out = render("table {{.A}}\\t{{.B}}", rows, 1); /* "\t" as typed on a command line */
    assert_string_equal(out, "NAME      SIZE\n"
                             "a         1\n");
    free(out);
}

static void widths_count_characters_not_bytes(void **state)
{
    /* "…" is three bytes and one character, as Docker's Ellipsis leaves it */
    static const char *const rows[][2] = {{"\"sleep 60 && echo…\"", "x"}, {"plain", "y"}};
    char *out = render("table {{.A}}\t{{.B}}", rows, 2);
    assert_string_equal(out, "NAME                  SIZE\n"
                             "\"sleep 60 && echo…\"   x\n"
                             "plain                 y\n");
    free(out);
}

static void without_table_rows_are_printed_as_rendered(void **state)
{
    static const char *const rows[][2] = {{"alpha", "1kB"}, {"b", "2MB"}};
    char *out = render("{{.A}}\t{{.B}}", rows, 2);
    assert_string_equal(out, "alpha\t1kB\nb\t2MB\n");
    free(out);
}

static void json_prints_one_object_per_line(void **state)
{
    static const char *const rows[][2] = {{"alpha", "1kB"}};
    char *out = render("json", rows, 1);
    assert_string_equal(out, "{\"A\":\"alpha\",\"B\":\"1kB\"}\n");
    free(out);
}

static void print_columns_takes_a_minimum_width(void **state)
{
    strv_t lines = {0};
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(strv_push(&lines, "UID\tPID\tCMD"), 0);
    assert_int_equal(strv_push(&lines, "root\t1\tsleep 60"), 0);
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    table_print_columns(&lines, 20, f);
    fclose(f);
    assert_string_equal(out, "UID                 PID                 CMD\n"
                             "root                1                   sleep 60\n");
    free(out);
    strv_free(&lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_are_padded_to_the_widest_cell_plus_three),
        cmocka_unit_test(narrow_columns_get_the_minimum_width_of_ten),
        cmocka_unit_test(widths_count_characters_not_bytes),
        cmocka_unit_test(without_table_rows_are_printed_as_rendered),
        cmocka_unit_test(json_prints_one_object_per_line),
        cmocka_unit_test(print_columns_takes_a_minimum_width),
    };
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
