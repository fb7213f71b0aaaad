/* import.c — `minidock import`: an image made of one root file system tar.
 *
 * The tar (a file, or stdin spooled to a file first) becomes the image's only
 * layer; `-c` applies Dockerfile instructions to its config (changes.c) and
 * `-m` sets the comment of its history.  Lab 04's image_import_config() does
 * the storing. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "changes.h"
#include "err.h"
#include "file.h"
#include "image.h"
#include "minidock.h"
#include "store.h"
#include "str.h"

/* Copy stdin into a temporary file in the image store's blob directory:
 * same file system, and a stale one (killed import) is collected by gc. */
static int spool_stdin(const struct md_global *g, char *path, size_t size)
{
    char buf[65536];
    ssize_t n;
    int r = 0;
    snprintf(path, size, "%s/images/blobs/sha256/.tmp-stdin-XXXXXX", g->root);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "create %s", path);
    while (r == 0 && (n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno != EINTR)
            r = err_set(errno, "read stdin");
        else if (n > 0)
            r = fd_write_all(fd, buf, (size_t)n);
    }
    close(fd);
    if (r < 0)
        unlink(path);
    return r;
}

/* Docker's config of an imported image: its history says where it came from. */
static json_t *import_config(json_t *settings, const char *message)
{
    char created[64], comment[512];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    store_timestamp(created, sizeof(created), (double)now.tv_sec + now.tv_nsec / 1e9);
    snprintf(comment, sizeof(comment), "%s", message ? message : "Imported from -");
    return json_pack("{s:s, s:s, s:O, s:[{s:s, s:s}]}", "created", created, "comment", comment,
                     "config", settings, "history", "created", created, "comment", comment);
}

static int cmd_import_usage(void)
{
    printf("Usage:  minidock import [OPTIONS] file|- [REPOSITORY[:TAG]]\n\n"
           "Import the contents from a tarball to create a filesystem image\n\nOptions:\n"
           "  -c, --change list      Apply Dockerfile instruction to the created image\n"
           "  -m, --message string   Set commit message for imported image\n");
    return 0;
}

int cmd_import(const struct md_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"change", required_argument, NULL, 'c'},
        {"message", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    json_t *settings = json_object(), *config = NULL;
    struct image_store *st = NULL;
    const char *message = NULL, *ref = NULL;
    char id[LAYER_DIGEST_LEN], spool[4096] = "";
    int c, code = 125;
    while ((c = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
        if (c == 'h') {
            code = cmd_import_usage();
            goto out;
        }
        if (c == 'c' && change_apply(settings, optarg) < 0)
            goto fail;
        if (c == 'm')
            message = optarg;
        if (c == '?') {
            err_setx(EINVAL, "unknown flag: %s", argv[optind - 1]);
            goto fail;
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        err_setx(EINVAL, "\"import\" requires at least 1 and at most 2 arguments");
        goto fail;
    }
    const char *src = argv[optind];
    ref = optind + 1 < argc ? argv[optind + 1] : NULL;
    struct image_ref parsed;
    if (ref && image_ref_parse(ref, &parsed) < 0)
        goto fail;
    if (str_has_prefix(src, "http://") || str_has_prefix(src, "https://")) {
        err_setx(ENOTSUP, "%s: importing from a URL is not supported", src);
        goto fail;
    }
    if (image_store_open(g->root, &st) < 0)
        goto fail;
    if (!strcmp(src, "-") && spool_stdin(g, spool, sizeof(spool)) < 0)
        goto fail;
    config = import_config(settings, message);
    if (!config) {
        err_set(ENOMEM, "import");
        goto fail;
    }
    if (image_import_config(st, spool[0] ? spool : src, ref, config, id) < 0)
        goto fail;
    printf("%s\n", id);
    code = 0;
    goto out;
fail:
    code = md_fail("import");
out:
    if (spool[0])
        unlink(spool);
    image_store_close(st);
    json_decref(config);
    json_decref(settings);
    return code;
}
