/* Unit tests of minidock/fetch.c: which sources ADD downloads, the names of
 * downloads, and the refusals that need no server. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "fetch.h"
#include "file.h"

static void only_http_and_https_are_urls(void **state)
{
    assert_true(fetch_is_url("http://example.com/f"));
    assert_true(fetch_is_url("https://example.com/f"));
    assert_false(fetch_is_url("HTTP://example.com/f")); /* Docker's test is case-sensitive */
    assert_false(fetch_is_url("ftp://example.com/f"));
    assert_false(fetch_is_url("file:///etc/passwd"));
    assert_false(fetch_is_url("git@github.com:a/b.git"));
    assert_false(fetch_is_url("http/file.txt"));
}

static void expect_name(const char *url, const char *want)
{
    char name[256] = "unchanged";
    assert_int_equal(fetch_url_filename(url, name, sizeof(name)), 0);
    assert_string_equal(name, want);
}

static void the_name_is_the_last_component_of_the_path(void **state)
{
    expect_name("http://h/x/file.txt", "file.txt");
    expect_name("https://h:8443/a/b/c.tar.gz", "c.tar.gz");
    expect_name("http://h/file.txt?version=2&x=/y", "file.txt");
    expect_name("http://h/file.txt#part", "file.txt");
    expect_name("http://h/a%20b.txt", "a b.txt");
    expect_name("http://h/dir%2Fname", "name"); /* as Go's url.Path, decoded first */
    expect_name("http://user:pw@h/f", "f");
}

static void no_name_when_the_path_is_empty_or_a_directory(void **state)
{
    expect_name("http://h", "");
    expect_name("http://h/", "");
    expect_name("http://h/dir/", "");
    expect_name("http://h?q=/file.txt", "");
    expect_name("http://h#/file.txt", "");
}

static void bad_names_are_refused(void **state)
{
    char name[256], tiny[4];
    assert_int_equal(fetch_url_filename("http://h/%zz", name, sizeof(name)), -EINVAL);
    assert_int_equal(fetch_url_filename("http://h/%4", name, sizeof(name)), -EINVAL);
    assert_int_equal(fetch_url_filename("http://h/a%00b", name, sizeof(name)), -EINVAL);
    assert_int_equal(fetch_url_filename("http://h/x/..", name, sizeof(name)), -EINVAL);
    assert_int_equal(fetch_url_filename("http://h/.", name, sizeof(name)), -EINVAL);
    assert_int_equal(fetch_url_filename("http://h/long", tiny, sizeof(tiny)), -ENAMETOOLONG);
    assert_non_null(strstr(err_msg(), "http://h/long"));
}

/* The number of entries of dir, . and .. aside. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static void other_schemes_and_bad_names_are_refused_before_any_transfer(void **state)
{
    char dir[] = "/tmp/fetch-test.XXXXXX";
    struct fetch_result res;
    assert_non_null(mkdtemp(dir));
    int dirfd = open(dir, O_PATH | O_DIRECTORY);
    assert_true(dirfd >= 0);
    assert_int_equal(fetch_url("file:///etc/passwd", dirfd, "passwd", &res), -EINVAL);
    assert_int_equal(fetch_url("ftp://127.0.0.1/f", dirfd, "f", &res), -EINVAL);
    assert_int_equal(fetch_url("http://127.0.0.1/f", dirfd, "../f", &res), -EINVAL);
    assert_int_equal(count_entries(dir), 0);
    close(dirfd);
    assert_int_equal(remove_tree(dir), 0);
}

static void a_failed_connection_leaves_nothing(void **state)
{
    /* a bound socket that does not listen: connecting to it is refused */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int sock = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(sock >= 0);
    assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(sock, (struct sockaddr *)&sa, &len), 0);
    char url[64], dir[] = "/tmp/fetch-test.XXXXXX";
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/f", ntohs(sa.sin_port));
    assert_non_null(mkdtemp(dir));
    int dirfd = open(dir, O_PATH | O_DIRECTORY);
    struct fetch_result res;
    assert_true(fetch_url(url, dirfd, "f", &res) < 0);
    assert_non_null(strstr(err_msg(), url));
    assert_int_equal(count_entries(dir), 0);
    close(dirfd);
    close(sock);
    assert_int_equal(remove_tree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_http_and_https_are_urls),
        cmocka_unit_test(the_name_is_the_last_component_of_the_path),
        cmocka_unit_test(no_name_when_the_path_is_empty_or_a_directory),
        cmocka_unit_test(bad_names_are_refused),
        cmocka_unit_test(other_schemes_and_bad_names_are_refused_before_any_transfer),
        cmocka_unit_test(a_failed_connection_leaves_nothing),
    };
    return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
