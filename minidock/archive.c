/* archive.c — libarchive, loaded on first use.
 *
 * libarchive brings 13 shared libraries with it (libxml2, ICU, libstdc++,
 * the compressors...), and loading and relocating them took ~2.5 ms at every
 * start of minidock: more than a tenth of `run --rm busybox true`, which never
 * reads or writes a tar archive.  So minidock is not linked with -larchive.
 * Each libarchive function that minidock and the labs' feature files call is
 * defined here instead, with libarchive's own prototype (archive.h checks
 * that they match), and forwards to the real one: the first call dlopen()s
 * libarchive and resolves them all.  (The labs' own programs link libarchive
 * directly.)  A call to a function missing from the table fails at link time:
 * add a line for it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define LIBARCHIVE "libarchive.so.13"

/* F(return type, name, parameters, arguments); V(...) for the void ones */
// clang-format off
#define ARCHIVE_FUNCTIONS(F, V)                                                                    \
    V(archive_entry_copy_stat, (struct archive_entry *a0, const struct stat *a1), (a0, a1))        \
    F(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *a0), (a0))                       \
    V(archive_entry_free, (struct archive_entry *a0), (a0))                                        \
    F(la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0))                             \
    F(const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0))                      \
    V(archive_entry_linkify,                                                                       \
        (struct archive_entry_linkresolver *a0, struct archive_entry **a1,                         \
         struct archive_entry **a2), (a0, a1, a2))                                                 \
    V(archive_entry_linkresolver_free, (struct archive_entry_linkresolver *a0), (a0))              \
    F(struct archive_entry_linkresolver *, archive_entry_linkresolver_new, (void), ())             \
    V(archive_entry_linkresolver_set_strategy,                                                     \
        (struct archive_entry_linkresolver *a0, int a1), (a0, a1))                                 \
    F(time_t, archive_entry_mtime, (struct archive_entry *a0), (a0))                               \
    F(long, archive_entry_mtime_nsec, (struct archive_entry *a0), (a0))                            \
    F(struct archive_entry *, archive_entry_new, (void), ())                                       \
    F(const char *, archive_entry_pathname, (struct archive_entry *a0), (a0))                      \
    F(__LA_MODE_T, archive_entry_perm, (struct archive_entry *a0), (a0))                           \
    F(dev_t, archive_entry_rdev, (struct archive_entry *a0), (a0))                                 \
    V(archive_entry_set_filetype, (struct archive_entry *a0, unsigned int a1), (a0, a1))           \
    V(archive_entry_set_gid, (struct archive_entry *a0, la_int64_t a1), (a0, a1))                  \
    V(archive_entry_set_hardlink, (struct archive_entry *a0, const char *a1), (a0, a1))            \
    V(archive_entry_set_mtime, (struct archive_entry *a0, time_t a1, long a2), (a0, a1, a2))       \
    V(archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1))            \
    V(archive_entry_set_perm, (struct archive_entry *a0, __LA_MODE_T a1), (a0, a1))                \
    V(archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1))                 \
    V(archive_entry_set_symlink, (struct archive_entry *a0, const char *a1), (a0, a1))             \
    V(archive_entry_set_uid, (struct archive_entry *a0, la_int64_t a1), (a0, a1))                  \
    F(la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0))                            \
    F(const char *, archive_entry_symlink, (struct archive_entry *a0), (a0))                       \
    F(la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0))                             \
    V(archive_entry_unset_atime, (struct archive_entry *a0), (a0))                                 \
    V(archive_entry_unset_birthtime, (struct archive_entry *a0), (a0))                             \
    V(archive_entry_unset_ctime, (struct archive_entry *a0), (a0))                                 \
    V(archive_entry_xattr_add_entry,                                                               \
        (struct archive_entry *a0, const char *a1, const void *a2, size_t a3), (a0, a1, a2, a3))   \
    F(int, archive_entry_xattr_next,                                                               \
        (struct archive_entry *a0, const char **a1, const void **a2, size_t *a3),                  \
        (a0, a1, a2, a3))                                                                          \
    F(int, archive_entry_xattr_reset, (struct archive_entry *a0), (a0))                            \
    F(int, archive_errno, (struct archive *a0), (a0))                                              \
    F(const char *, archive_error_string, (struct archive *a0), (a0))                              \
    F(int, archive_filter_code, (struct archive *a0, int a1), (a0, a1))                            \
    F(int, archive_filter_count, (struct archive *a0), (a0))                                       \
    F(int, archive_format, (struct archive *a0), (a0))                                             \
    F(la_ssize_t, archive_read_data, (struct archive *a0, void *a1, size_t a2), (a0, a1, a2))      \
    F(int, archive_read_data_block,                                                                \
        (struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3))       \
    F(int, archive_read_disk_descend, (struct archive *a0), (a0))                                  \
    F(struct archive *, archive_read_disk_new, (void), ())                                         \
    F(int, archive_read_disk_open, (struct archive *a0, const char *a1), (a0, a1))                 \
    F(int, archive_read_disk_set_behavior, (struct archive *a0, int a1), (a0, a1))                 \
    F(int, archive_read_disk_set_standard_lookup, (struct archive *a0), (a0))                      \
    F(int, archive_read_free, (struct archive *a0), (a0))                                          \
    F(struct archive *, archive_read_new, (void), ())                                              \
    F(int, archive_read_next_header, (struct archive *a0, struct archive_entry **a1), (a0, a1))    \
    F(int, archive_read_next_header2, (struct archive *a0, struct archive_entry *a1), (a0, a1))    \
    F(int, archive_read_open,                                                                      \
        (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3,       \
         archive_close_callback *a4), (a0, a1, a2, a3, a4))                                        \
    F(int, archive_read_open_fd, (struct archive *a0, int a1, size_t a2), (a0, a1, a2))            \
    F(int, archive_read_support_filter_all, (struct archive *a0), (a0))                            \
    F(int, archive_read_support_format_raw, (struct archive *a0), (a0))                            \
    F(int, archive_read_support_format_tar, (struct archive *a0), (a0))                            \
    F(int, archive_write_add_filter_gzip, (struct archive *a0), (a0))                              \
    F(int, archive_write_close, (struct archive *a0), (a0))                                        \
    F(la_ssize_t, archive_write_data,                                                              \
        (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2))                             \
    F(int, archive_write_free, (struct archive *a0), (a0))                                         \
    F(int, archive_write_header, (struct archive *a0, struct archive_entry *a1), (a0, a1))         \
    F(struct archive *, archive_write_new, (void), ())                                             \
    F(int, archive_write_open,                                                                     \
        (struct archive *a0, void *a1, archive_open_callback *a2, archive_write_callback *a3,      \
         archive_close_callback *a4), (a0, a1, a2, a3, a4))                                        \
    F(int, archive_write_open_fd, (struct archive *a0, int a1), (a0, a1))                          \
    F(int, archive_write_set_bytes_in_last_block, (struct archive *a0, int a1), (a0, a1))          \
    F(int, archive_write_set_filter_option,                                                        \
        (struct archive *a0, const char *a1, const char *a2, const char *a3), (a0, a1, a2, a3))    \
    F(int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0))                    \
    F(int, archive_write_set_format_raw, (struct archive *a0), (a0))
// clang-format on

#define POINTER(ret, name, params, args) ret(*name) params;
#define VOID_POINTER(name, params, args) void(*name) params;

static struct {
    ARCHIVE_FUNCTIONS(POINTER, VOID_POINTER)
    void (*archive_set_error)(struct archive *, int, const char *, ...);
} la;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

/* Like a library the dynamic loader cannot find at start-up, a missing
 * libarchive is an installation error (make deps): say so and stop. */
static void *symbol(void *lib, const char *name)
{
    void *fn = lib ? dlsym(lib, name) : NULL;
    if (!fn) {
        fprintf(stderr, "minidock: %s: %s\n", LIBARCHIVE, dlerror());
        exit(125);
    }
    return fn;
}

static void load(void)
{
    void *lib = dlopen(LIBARCHIVE, RTLD_NOW | RTLD_LOCAL);
#define RESOLVE(ret, name, params, args) *(void **)&la.name = symbol(lib, #name);
#define VOID_RESOLVE(name, params, args) *(void **)&la.name = symbol(lib, #name);
    ARCHIVE_FUNCTIONS(RESOLVE, VOID_RESOLVE)
    *(void **)&la.archive_set_error = symbol(lib, "archive_set_error");
}

#define FORWARD(ret, name, params, args)                                                           \
    ret name params                                                                                \
    {                                                                                              \
        pthread_once(&loaded, load);                                                               \
        return la.name args;                                                                       \
    }
#define VOID_FORWARD(name, params, args)                                                           \
    void name params                                                                               \
    {                                                                                              \
        pthread_once(&loaded, load);                                                               \
        la.name args;                                                                              \
    }
ARCHIVE_FUNCTIONS(FORWARD, VOID_FORWARD)

/* The one variadic function: format here, pass the text on. */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_once(&loaded, load);
    la.archive_set_error(a, err, "%s", msg);
}
