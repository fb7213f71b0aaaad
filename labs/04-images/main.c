/* img — a small image store, like `docker import / images / inspect / rmi` (lab 04).
 *
 *   img [--root DIR] import [-c INSTR]... TAR NAME[:TAG]
 *                                              a root file system tar -> a one-layer image;
 *                                              -c 'CMD ["/hello"]' sets the config, as Docker's
 *   img [--root DIR] ls                        REPOSITORY TAG IMAGE ID CREATED SIZE
 *   img [--root DIR] inspect NAME              the image's config (JSON)
 *   img [--root DIR] unpack NAME DIR           every layer applied onto DIR (one flat tree)
 *   img [--root DIR] tag NAME NEWNAME[:TAG]
 *   img [--root DIR] rm [-f] NAME
 *   img layer apply [--flatten] TAR DIR        one layer onto DIR, whiteouts in overlay form
 *   img layer create DIR OUT                   DIR -> a gzip layer blob; prints digest and diff_id
 *   img parse DOCKERFILE                       the Dockerfile's instructions, as JSON
 *
 * The store is ROOT/images (an OCI image layout) and ROOT/layers; ROOT is
 * --root, else $MINIDOCK_ROOT, else /var/lib/minidock.  A thin driver over
 * image.c and layer.c: parse, call, print.  Errors are printed as
 * "img: <context>: <cause>" with exit status 125.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dockerfile.h"
#include "err.h"
#include "file.h"
#include "human.h"
#include "image.h"
#include "layer.h"
#include "str.h"

#define EXIT_IMG     125 /* img's own errors, as Docker's */
#define DEFAULT_ROOT "/var/lib/minidock"

static void usage(FILE *out)
{
    fprintf(out, "usage: img [--root DIR] import [-c INSTR]... TAR NAME[:TAG]\n"
                 "                                                import a root file system tar\n"
                 "       img [--root DIR] ls                      list images\n"
                 "       img [--root DIR] inspect NAME            show the image's config\n"
                 "       img [--root DIR] unpack NAME DIR         flatten the image into DIR\n"
                 "       img [--root DIR] tag NAME NEWNAME[:TAG]  add a tag\n"
                 "       img [--root DIR] rm [-f] NAME            untag / remove an image\n"
                 "       img layer apply [--flatten] TAR DIR      apply one layer onto DIR\n"
                 "       img layer create DIR OUT                 make a gzip layer from DIR\n"
                 "       img parse DOCKERFILE                     show its instructions as JSON\n"
                 "\n"
                 "ROOT: --root, else $MINIDOCK_ROOT, else " DEFAULT_ROOT "\n");
}

static int fail(int ret)
{
    fprintf(stderr, "img: %s\n", err_msg());
    return EXIT_IMG;
}

static int bad_usage(const char *what)
{
    fprintf(stderr, "img: %s\n", what);
    usage(stderr);
    return EXIT_IMG;
}

/* ---- output as Docker prints it ------------------------------------------------------------- */

/* The table, laid out like Go's tabwriter in `docker images`: each column
 * as wide as its widest cell, plus 3 spaces. */
#define NCOLS 5

struct table {
    strv_t cells; /* row after row, NCOLS cells each */
    size_t width[NCOLS];
};

static int table_add(struct table *t, const char *const cells[NCOLS])
{
    for (int c = 0; c < NCOLS; c++) {
        if (strv_push(&t->cells, cells[c]) < 0)
            return err_set(ENOMEM, "ls");
        if (strlen(cells[c]) > t->width[c])
            t->width[c] = strlen(cells[c]);
    }
    return 0;
}

static void table_print(const struct table *t)
{
    for (size_t i = 0; i < t->cells.len; i++) {
        int c = (int)(i % NCOLS);
        if (c < NCOLS - 1)
            printf("%-*s", (int)t->width[c] + 3, t->cells.v[i]);
        else
            printf("%s\n", t->cells.v[i]);
    }
}

static int add_row(struct table *t, const struct image *img, const char *ref)
{
    char repo[300] = "<none>", tag[140] = "<none>", id[13], created[64], size[32];
    struct image_ref r;
    if (ref && image_ref_parse(ref, &r) == 0) {
        image_ref_repository(&r, repo, sizeof(repo));
        if (r.tag[0])
            snprintf(tag, sizeof(tag), "%s", r.tag);
    }
    snprintf(id, sizeof(id), "%.12s", img->id + 7);
    human_ago(created, sizeof(created), (double)(time(NULL) - img->created));
    human_size_precision(size, sizeof(size), img->size, HUMAN_TABLE_PRECISION);
    return table_add(t, (const char *const[NCOLS]){repo, tag, id, created, size});
}

/* ---- verbs ----------------------------------------------------------------------------------- */

/* The arguments of CMD and ENTRYPOINT: a JSON array (exec form), or a
 * string run by /bin/sh -c (shell form), as in a Dockerfile. */
static json_t *command_form(const char *text)
{
    json_t *cmd = json_loads(text, 0, NULL);
    if (json_is_array(cmd))
        return cmd;
    json_decref(cmd);
    return json_pack("[s, s, s]", "/bin/sh", "-c", text);
}

/* `import -c INSTRUCTION`: the Dockerfile instructions `docker import
 * --change` takes that an image needs to run (CMD, ENTRYPOINT, ENV, WORKDIR, USER). */
static int apply_change(json_t *settings, const char *change)
{
    char word[16];
    int n = 0;
    if (sscanf(change, "%15s %n", word, &n) != 1 || !change[n])
        return err_setx(EINVAL, "-c '%s': expected INSTRUCTION ARGUMENTS", change);
    const char *arg = change + n;
    if (!strcasecmp(word, "CMD"))
        return json_object_set_new(settings, "Cmd", command_form(arg));
    if (!strcasecmp(word, "ENTRYPOINT"))
        return json_object_set_new(settings, "Entrypoint", command_form(arg));
    if (!strcasecmp(word, "WORKDIR"))
        return json_object_set_new(settings, "WorkingDir", json_string(arg));
    if (!strcasecmp(word, "USER"))
        return json_object_set_new(settings, "User", json_string(arg));
    if (!strcasecmp(word, "ENV") && strchr(arg, '=')) {
        json_t *env = json_object_get(settings, "Env");
        if (!env)
            json_object_set_new(settings, "Env", env = json_array());
        return json_array_append_new(env, json_string(arg));
    }
    return err_setx(EINVAL, "-c '%s': unsupported (CMD, ENTRYPOINT, ENV K=V, WORKDIR, USER)",
                    change);
}

static int cmd_import(struct image_store *st, int argc, char **argv)
{
    char id[LAYER_DIGEST_LEN];
    json_t *settings = json_object();
    int ret = 0, i = 1;
    for (; ret == 0 && i + 1 < argc && (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--change"));
         i += 2)
        ret = apply_change(settings, argv[i + 1]);
    if (ret == 0 && argc - i != 2) {
        json_decref(settings);
        return bad_usage("import: expected [-c INSTRUCTION]... TAR NAME[:TAG]");
    }
    if (ret == 0)
        ret = image_import(st, argv[i], argv[i + 1], settings, id);
    json_decref(settings);
    if (ret < 0)
        return fail(err_wrap(ret, "import"));
    printf("%s\n", id);
    return 0;
}

static int cmd_ls(struct image_store *st, int argc, char **argv)
{
    struct image *imgs;
    size_t n;
    int ret = image_list(st, &imgs, &n);
    if (ret < 0)
        return fail(err_wrap(ret, "ls"));
    struct table table = {0};
    ret = table_add(&table,
                    (const char *const[NCOLS]){"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"});
    for (size_t i = 0; ret == 0 && i < n; i++) {
        if (imgs[i].tags.len == 0)
            ret = add_row(&table, &imgs[i], NULL);
        for (size_t t = 0; ret == 0 && t < imgs[i].tags.len; t++)
            ret = add_row(&table, &imgs[i], imgs[i].tags.v[t]);
    }
    if (ret == 0)
        table_print(&table);
    strv_free(&table.cells);
    image_list_free(imgs, n);
    return ret < 0 ? fail(ret) : 0;
}

static int cmd_inspect(struct image_store *st, int argc, char **argv)
{
    struct image img;
    json_t *config;
    if (argc != 2)
        return bad_usage("inspect: expected NAME");
    int ret = image_lookup(st, argv[1], &img);
    if (ret == 0) {
        ret = image_config(st, &img, &config);
        image_free(&img);
    }
    if (ret < 0)
        return fail(err_wrap(ret, "inspect"));
    json_dumpf(config, stdout, JSON_INDENT(4));
    putchar('\n');
    json_decref(config);
    return 0;
}

static int cmd_unpack(struct image_store *st, int argc, char **argv)
{
    struct image img;
    if (argc != 3)
        return bad_usage("unpack: expected NAME DIR");
    int ret = image_lookup(st, argv[1], &img);
    if (ret == 0) {
        ret = image_unpack(st, &img, argv[2]);
        image_free(&img);
    }
    return ret < 0 ? fail(err_wrap(ret, "unpack %s", argv[1])) : 0;
}

static int cmd_tag(struct image_store *st, int argc, char **argv)
{
    if (argc != 3)
        return bad_usage("tag: expected NAME NEWNAME[:TAG]");
    int ret = image_tag(st, argv[1], argv[2]);
    return ret < 0 ? fail(err_wrap(ret, "tag")) : 0;
}

static int cmd_rm(struct image_store *st, int argc, char **argv)
{
    strv_t report = {0};
    bool force = argc == 3 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force"));
    if (argc != 2 + force)
        return bad_usage("rm: expected [-f] NAME");
    int ret = image_remove(st, argv[argc - 1], force, &report);
    for (size_t i = 0; i < report.len; i++)
        printf("%s\n", report.v[i]);
    strv_free(&report);
    return ret < 0 ? fail(err_wrap(ret, "rm")) : 0;
}

static int print_info(const struct layer_info *info)
{
    printf("digest=%s\ndiff_id=%s\nsize=%lld\n", info->digest, info->diff_id,
           (long long)info->size);
    return 0;
}

static int cmd_layer(int argc, char **argv)
{
    struct layer_info info;
    int ret;
    if (argc >= 4 && !strcmp(argv[1], "apply")) {
        bool flatten = !strcmp(argv[2], "--flatten");
        if (argc != 4 + flatten)
            return bad_usage("layer apply: expected [--flatten] TAR DIR");
        ret = layer_apply(argv[2 + flatten], argv[3 + flatten], flatten ? LAYER_FLATTEN : 0, &info);
        return ret < 0 ? fail(err_wrap(ret, "layer apply")) : print_info(&info);
    }
    if (argc == 4 && !strcmp(argv[1], "create")) {
        ret = layer_create(argv[2], LAYER_FROM_DIR, argv[3], &info);
        return ret < 0 ? fail(err_wrap(ret, "layer create")) : print_info(&info);
    }
    return bad_usage("layer: expected apply [--flatten] TAR DIR, or create DIR OUT");
}

static int cmd_parse(int argc, char **argv)
{
    struct dockerfile df;
    char *text = NULL, *json = NULL;
    if (argc != 2)
        return bad_usage("parse: expected DOCKERFILE");
    int ret = file_read_all(argv[1], &text, NULL);
    if (ret == 0)
        ret = df_parse(argv[1], text, &df);
    free(text);
    if (ret < 0)
        return fail(ret);
    json = df_to_json(&df);
    df_free(&df);
    if (!json)
        return fail(err_setx(ENOMEM, "parse: cannot write JSON"));
    printf("%s\n", json);
    free(json);
    return 0;
}

struct command {
    const char *name;
    int (*run)(struct image_store *st, int argc, char **argv);
};

static const struct command commands[] = {
    {"import", cmd_import}, {"ls", cmd_ls},   {"images", cmd_ls}, {"inspect", cmd_inspect},
    {"unpack", cmd_unpack}, {"tag", cmd_tag}, {"rm", cmd_rm},     {"rmi", cmd_rm},
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *root = getenv("MINIDOCK_ROOT");
    int opt;
    while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            root = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_IMG;
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1)
        return bad_usage("missing command");
    if (!strcmp(argv[0], "layer"))
        return cmd_layer(argc, argv);
    if (!strcmp(argv[0], "parse"))
        return cmd_parse(argc, argv);

    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[0], commands[i].name) != 0)
            continue;
        struct image_store *st;
        int ret = image_store_open(root && root[0] ? root : DEFAULT_ROOT, &st);
        if (ret < 0)
            return fail(ret);
        int status = commands[i].run(st, argc, argv);
        image_store_close(st);
        return status;
    }
    fprintf(stderr, "img: unknown command '%s'\n", argv[0]);
    usage(stderr);
    return EXIT_IMG;
}
