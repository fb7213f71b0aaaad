/* Unit tests of labs/01-namespaces/security.c: the pure parts (capability
 * names, --security-opt, --user resolution against a fixture /etc). */
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
#include "security.h"

/* Docker's default list, by name: the constant must be exactly these. */
static void default_caps_are_dockers_fourteen(void **state)
{
    static const char *const docker[] = {
        "CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
        "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
        "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
        "KILL",    "AUDIT_WRITE",
    };
    uint64_t mask = 0;
    for (size_t i = 0; i < sizeof(docker) / sizeof(docker[0]); i++) {
        int cap;
        assert_int_equal(sec_cap_from_name(docker[i], &cap), 0);
        mask |= 1ULL << cap;
    }
    assert_int_equal(mask, SEC_DEFAULT_CAPS);
    struct sec_config sec;
    sec_default(&sec);
    assert_int_equal(sec.caps, 0xa80425fbULL);
    assert_true(sec.seccomp);
    assert_false(sec.no_new_privs);
    assert_false(sec.privileged);
}

static void cap_names_in_every_spelling(void **state)
{
    int a, b, c;
    assert_int_equal(sec_cap_from_name("NET_ADMIN", &a), 0);
    assert_int_equal(sec_cap_from_name("CAP_NET_ADMIN", &b), 0);
    assert_int_equal(sec_cap_from_name("net_admin", &c), 0);
    assert_int_equal(a, 12);
    assert_int_equal(b, 12);
    assert_int_equal(c, 12);
    assert_int_equal(sec_cap_from_name("all", &a), 0);
    assert_int_equal(a, -1);
    assert_int_equal(sec_cap_from_name("NET_WIZARD", &a), -EINVAL);
    assert_string_equal(err_msg(), "unknown capability 'NET_WIZARD'");
}

static void cap_add_and_drop(void **state)
{
    struct sec_config sec;
    sec_default(&sec);
    assert_int_equal(sec_cap_drop(&sec, "NET_RAW"), 0);
    assert_int_equal(sec_cap_add(&sec, "SYS_ADMIN"), 0);
    assert_int_equal(sec.caps, (0xa80425fbULL & ~(1ULL << 13)) | (1ULL << 21));
    assert_int_equal(sec_cap_drop(&sec, "ALL"), 0);
    assert_int_equal(sec.caps, 0);
    assert_int_equal(sec_cap_add(&sec, "ALL"), 0);
    assert_true(sec.caps >= (1ULL << (sec_last_cap() + 1)) - 1);
}

static void security_opts(void **state)
{
    struct sec_config sec;
    sec_default(&sec);
    assert_int_equal(sec_parse_opt(&sec, "no-new-privileges"), 0);
    assert_true(sec.no_new_privs);
    assert_int_equal(sec_parse_opt(&sec, "no-new-privileges:false"), 0);
    assert_false(sec.no_new_privs);
    assert_int_equal(sec_parse_opt(&sec, "seccomp=unconfined"), 0);
    assert_false(sec.seccomp);
    assert_int_equal(sec_parse_opt(&sec, "apparmor=weird"), -EINVAL);
    assert_non_null(strstr(err_msg(), "'apparmor=weird'"));
}

static char etc[64];

static int make_etc(void **state)
{
    char path[128];
    snprintf(etc, sizeof(etc), "/tmp/md-unit-etc.XXXXXX");
    if (!mkdtemp(etc))
        return -1;
    snprintf(path, sizeof(path), "%s/passwd", etc);
    file_write_str(path, "root:x:0:0:root:/root:/bin/sh\n"
                         "www-data:x:33:33:www-data:/var/www:/bin/false\n"
                         "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                         "broken-line-without-fields\n");
    snprintf(path, sizeof(path), "%s/group", etc);
    file_write_str(path, "root:x:0:\nusers:x:100:\nstaff:x:50:alice\n");
    return 0;
}

static int remove_etc(void **state)
{
    return remove_tree(etc);
}

static void resolve_user_names_and_numbers(void **state)
{
    uid_t uid;
    gid_t gid;
    char home[64];
    assert_int_equal(sec_resolve_user(etc, "www-data", &uid, &gid, home, sizeof(home)), 0);
    assert_int_equal(uid, 33);
    assert_int_equal(gid, 33);
    assert_string_equal(home, "/var/www");
    /* a number need not exist in passwd: group 0, home / */
    assert_int_equal(sec_resolve_user(etc, "1234", &uid, &gid, home, sizeof(home)), 0);
    assert_int_equal(uid, 1234);
    assert_int_equal(gid, 0);
    assert_string_equal(home, "/");
    /* a number that exists takes its passwd entry's group */
    assert_int_equal(sec_resolve_user(etc, "65534", &uid, &gid, home, sizeof(home)), 0);
    assert_int_equal(gid, 65534);
    assert_int_equal(sec_resolve_user(etc, "nobody:users", &uid, &gid, home, sizeof(home)), 0);
    assert_int_equal(uid, 65534);
    assert_int_equal(gid, 100);
    assert_int_equal(sec_resolve_user(etc, "1000:50", &uid, &gid, home, sizeof(home)), 0);
    assert_int_equal(uid, 1000);
    assert_int_equal(gid, 50);
}

static void resolve_user_errors_name_the_user(void **state)
{
    uid_t uid;
    gid_t gid;
    char home[64];
    assert_int_equal(sec_resolve_user(etc, "ghost", &uid, &gid, home, sizeof(home)), -ENOENT);
    assert_string_equal(err_msg(), "unable to find user ghost: no matching entries in passwd file");
    assert_int_equal(sec_resolve_user(etc, "root:ghosts", &uid, &gid, home, sizeof(home)), -ENOENT);
    assert_string_equal(err_msg(),
                        "unable to find group ghosts: no matching entries in group file");
    assert_int_equal(sec_resolve_user(etc, ":100", &uid, &gid, home, sizeof(home)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_caps_are_dockers_fourteen),
        cmocka_unit_test(cap_names_in_every_spelling),
        cmocka_unit_test(cap_add_and_drop),
        cmocka_unit_test(security_opts),
        cmocka_unit_test(resolve_user_names_and_numbers),
        cmocka_unit_test(resolve_user_errors_name_the_user),
    };
    return cmocka_run_group_tests_name("security", tests, make_etc, remove_etc);
}
