/* test_dockerfile.c — unit tests of labs/04-images/dockerfile.c.
 *
 * Each test gives a small Dockerfile (or a word to expand) and checks what
 * Docker would make of it: the instructions and their arguments, or the exact
 * "NAME:LINE:COL: message" of the error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "err.h"
#include "str.h"

/* Parse text, which must succeed. */
static struct dockerfile parse(const char *text)
{
    struct dockerfile df;
    int ret = df_parse("Dockerfile", text, &df);
    if (ret < 0)
        fail_msg("df_parse: %s", err_msg());
    return df;
}

/* Parse text, which must fail with exactly message. */
static void parse_fails(const char *text, const char *message)
{
    struct dockerfile df;
    assert_int_equal(df_parse("Dockerfile", text, &df), -EINVAL);
    assert_string_equal(err_msg(), message);
    assert_int_equal(df.n, 0);
    assert_null(df.v);
}

static void assert_args(const strv_t *args, size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    assert_int_equal(args->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(args->v[i], va_arg(ap, const char *));
    va_end(ap);
}

/* Expand word with env (entries separated by '\n'), which must succeed. */
static void expands(const char *word, const char *env_lines, char escape, const char *want)
{
    strv_t env = {0};
    char *copy = strdup(env_lines), *save = NULL;
    for (char *kv = strtok_r(copy, "\n", &save); kv; kv = strtok_r(NULL, "\n", &save))
        assert_int_equal(strv_push(&env, kv), 0);
    char *got = NULL;
    if (df_expand(word, &env, escape, &got) < 0)
        fail_msg("df_expand(%s): %s", word, err_msg());
    assert_string_equal(got, want);
    free(got);
    free(copy);
    strv_free(&env);
}

static void expand_fails(const char *word, const char *message)
{
    char *got = NULL;
    assert_int_equal(df_expand(word, &(strv_t){0}, '\\', &got), -EINVAL);
    assert_null(got);
    assert_string_equal(err_msg(), message);
}

/* ---- lines ---- */

static void instructions_are_case_insensitive_and_comments_skipped(void **state)
{
    struct dockerfile df = parse("# a comment\n\n   # indented comment\nfrom busybox\n"
                                 "  Run echo hi # not a comment\n");
    assert_int_equal(df.n, 2);
    assert_string_equal(df.v[0].cmd, "FROM");
    assert_int_equal(df.v[0].line, 4);
    assert_int_equal(df.v[0].column, 1);
    assert_string_equal(df.v[1].cmd, "RUN");
    assert_int_equal(df.v[1].line, 5);
    assert_int_equal(df.v[1].column, 3);
    assert_args(&df.v[1].args, 1, "echo hi # not a comment");
    assert_string_equal(df.v[1].original, "Run echo hi # not a comment");
    assert_int_equal(df.escape, '\\');
    assert_null(df.syntax);
    df_free(&df);
}

static void continuation_lines_join_and_skip_comments(void **state)
{
    struct dockerfile df = parse("FROM busybox\n"
                                 "RUN echo a \\\n"
                                 "# a comment in the middle\n"
                                 "\n"
                                 "    && echo b \\  \n"
                                 "  # indented comment\n"
                                 "    && echo c\n"
                                 "CMD x\n");
    assert_int_equal(df.n, 3);
    assert_args(&df.v[1].args, 1, "echo a     && echo b     && echo c");
    assert_string_equal(df.v[1].original, "RUN echo a     && echo b     && echo c");
    assert_int_equal(df.v[2].line, 8);
    df_free(&df);
}

static void crlf_and_byte_order_mark_are_accepted(void **state)
{
    struct dockerfile df = parse("\xEF\xBB\xBF"
                                 "FROM busybox\r\nRUN a \\\r\n b\r\n");
    assert_int_equal(df.n, 2);
    assert_args(&df.v[0].args, 1, "busybox");
    assert_args(&df.v[1].args, 1, "a  b");
    df_free(&df);
}

static void a_file_ending_in_a_continuation_keeps_its_last_line(void **state)
{
    struct dockerfile df = parse("FROM busybox\nRUN true \\");
    assert_args(&df.v[1].args, 1, "true");
    df_free(&df);
}

/* ---- directives ---- */

static void escape_directive_changes_the_escape_character(void **state)
{
    struct dockerfile df = parse("# escape=`\n# syntax = docker/dockerfile:1\n"
                                 "FROM windows\nCOPY C:\\a\\ C:\\b\nRUN dir `\n  c:\\\n");
    assert_int_equal(df.escape, '`');
    assert_string_equal(df.syntax, "docker/dockerfile:1");
    assert_args(&df.v[1].args, 2, "C:\\a\\", "C:\\b");
    assert_args(&df.v[2].args, 1, "dir   c:\\");
    df_free(&df);
}

static void directives_after_the_top_are_comments(void **state)
{
    struct dockerfile df = parse("# hello\n# escape=`\nFROM a\nRUN x \\\n y\n");
    assert_int_equal(df.escape, '\\');
    assert_args(&df.v[1].args, 1, "x  y");
    df_free(&df);
    df = parse("\n# escape=`\nFROM a\n");
    assert_int_equal(df.escape, '\\');
    df_free(&df);
    df = parse("# unknown=1\n# escape=`\nFROM a\n");
    assert_int_equal(df.escape, '\\');
    df_free(&df);
}

static void bad_directives_are_errors(void **state)
{
    parse_fails("# escape=x\nFROM a\n",
                "Dockerfile:1:10: invalid escape token 'x' does not match ` or \\");
    parse_fails("# escape=`\n#escape=\\\nFROM a\n",
                "Dockerfile:2:1: only one escape parser directive can be used");
    parse_fails("# syntax=a\n# syntax=b\nFROM a\n",
                "Dockerfile:2:1: only one syntax parser directive can be used");
}

/* ---- exec form and shell form ---- */

static void exec_form_is_a_json_array(void **state)
{
    struct dockerfile df = parse("FROM a\nCMD [\"echo\", \"a \\\"b\\\"\", \"\\u00e9\"]\n"
                                 "ENTRYPOINT []\nRUN echo $HOME\n");
    assert_true(df.v[1].json);
    assert_args(&df.v[1].args, 3, "echo", "a \"b\"", "\xc3\xa9");
    assert_true(df.v[2].json);
    assert_int_equal(df.v[2].args.len, 0);
    assert_false(df.v[3].json);
    assert_args(&df.v[3].args, 1, "echo $HOME");
    df_free(&df);
}

static void malformed_json_is_the_shell_form_as_in_docker(void **state)
{
    struct dockerfile df = parse("FROM a\nCMD [\"echo\", \"hi\"\nRUN ['single', 'quotes']\n"
                                 "ENTRYPOINT [\"a\"] trailing\n");
    assert_false(df.v[1].json);
    assert_args(&df.v[1].args, 1, "[\"echo\", \"hi\"");
    assert_false(df.v[2].json);
    assert_args(&df.v[2].args, 1, "['single', 'quotes']");
    assert_false(df.v[3].json);
    df_free(&df);
}

static void a_json_array_of_non_strings_is_an_error(void **state)
{
    parse_fails("FROM a\nCMD [\"echo\", 1]\n",
                "Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of "
                "strings only");
    parse_fails("FROM a\nCOPY [\"a\", [\"b\"]]\n",
                "Dockerfile:2:6: when using JSON array syntax, arrays must be comprised of "
                "strings only");
}

static void shell_requires_json(void **state)
{
    struct dockerfile df = parse("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\n");
    assert_true(df.v[1].json);
    assert_args(&df.v[1].args, 2, "/bin/bash", "-c");
    df_free(&df);
    parse_fails("FROM a\nSHELL /bin/bash -c\n",
                "Dockerfile:2:7: SHELL requires the arguments to be in JSON form: "
                "SHELL [\"executable\", \"parameters\"]");
    parse_fails("FROM a\nSHELL []\n", "Dockerfile:2:7: SHELL requires at least one argument");
}

/* ---- instructions ---- */

static void from_takes_an_image_a_stage_name_and_a_platform(void **state)
{
    struct dockerfile df = parse("FROM --platform=linux/amd64 golang:1.22 as build\n");
    assert_args(&df.v[0].flags, 1, "--platform=linux/amd64");
    assert_args(&df.v[0].args, 3, "golang:1.22", "as", "build");
    df_free(&df);
    parse_fails("FROM a b\n", "Dockerfile:1:6: FROM requires either one or three arguments: "
                              "FROM IMAGE [AS NAME]");
    parse_fails("FROM a IS b\n",
                "Dockerfile:1:6: expected FROM IMAGE AS NAME, found 'IS' instead of AS");
    parse_fails("FROM a AS 1st\n", "Dockerfile:1:6: invalid name for build stage: '1st', name "
                                   "can't start with a number or contain symbols");
}

static void copy_and_add_take_flags_and_words(void **state)
{
    struct dockerfile df = parse("FROM a\n"
                                 "COPY --from=build --chown=1000:1000 --chmod=755 a b /dst/\n"
                                 "ADD --chown=\"app user\" [\"x y\", \"/z\"]\n"
                                 "copy --link -- --odd /dst\n");
    assert_args(&df.v[1].flags, 3, "--from=build", "--chown=1000:1000", "--chmod=755");
    assert_args(&df.v[1].args, 3, "a", "b", "/dst/");
    assert_args(&df.v[2].flags, 1, "--chown=app user");
    assert_true(df.v[2].json);
    assert_args(&df.v[2].args, 2, "x y", "/z");
    assert_args(&df.v[3].flags, 1, "--link");
    assert_args(&df.v[3].args, 2, "--odd", "/dst");
    df_free(&df);
}

static void flags_are_checked(void **state)
{
    parse_fails("FROM a\nCOPY --form=build a b\n",
                "Dockerfile:2:6: unknown flag --form for COPY (expected --from= --chown= "
                "--chmod= --link --parents --exclude=)");
    parse_fails("FROM a\nCOPY --from a b\n",
                "Dockerfile:2:6: flag --from needs a value: --from=VALUE");
    parse_fails("FROM a\nCMD --x y\n", "Dockerfile:2:5: CMD takes no flags, found --x");
    parse_fails("FROM a\nADD --from=b x y\n",
                "Dockerfile:2:5: unknown flag --from for ADD (expected --chown= --chmod= --link "
                "--checksum= --keep-git-dir --exclude=)");
}

static void missing_arguments_are_errors(void **state)
{
    parse_fails("FROM a\nRUN\n", "Dockerfile:2:1: RUN requires at least one argument");
    parse_fails("FROM a\n  WORKDIR   \n", "Dockerfile:2:3: WORKDIR requires at least one argument");
    parse_fails("FROM a\nCOPY --from=x\n", "Dockerfile:2:1: COPY requires at least one argument");
    parse_fails("FROM a\nCOPY onlyone\n",
                "Dockerfile:2:6: COPY requires at least two arguments: SOURCE... DESTINATION");
    parse_fails("FROM a\nCOPY [\"a\"]\n",
                "Dockerfile:2:6: COPY requires at least two arguments: SOURCE... DESTINATION");
    parse_fails("FROM a\nRUN []\n", "Dockerfile:2:5: RUN requires at least one argument");
    parse_fails("FROM\n", "Dockerfile:1:1: FROM requires at least one argument");
}

static void unknown_instructions_are_errors(void **state)
{
    parse_fails("FROM a\n\n  RUNN echo\n", "Dockerfile:3:3: unknown instruction: RUNN");
    parse_fails("FROM a\nRUN a \\\n  b\nCOPY. /x\n", "Dockerfile:4:1: unknown instruction: COPY.");
}

static void the_first_instruction_must_be_from(void **state)
{
    struct dockerfile df = parse("ARG V=1\nARG B\nFROM busybox:$V\n");
    assert_int_equal(df.n, 3);
    df_free(&df);
    parse_fails("ARG V=1\nRUN true\nFROM a\n",
                "Dockerfile:2:1: expected FROM, found RUN: a Dockerfile starts with FROM (only "
                "ARG may come before it)");
    parse_fails("", "Dockerfile:1:1: no FROM instruction: a Dockerfile starts with FROM (only "
                    "ARG may come before it)");
    parse_fails("# only\n\nARG A\n", "Dockerfile:3:1: no FROM instruction: a Dockerfile starts "
                                     "with FROM (only ARG may come before it)");
}

static void env_and_label_have_two_forms(void **state)
{
    struct dockerfile df = parse("FROM a\nENV A=1 B=\"two words\" C=three\\ words\n"
                                 "ENV OLD  the rest  of the line\n"
                                 "LABEL \"com.example.v\"=\"1.0\" other='x y'\n");
    assert_args(&df.v[1].args, 3, "A=1", "B=\"two words\"", "C=three\\ words");
    assert_args(&df.v[2].args, 2, "OLD", "the rest  of the line");
    assert_args(&df.v[3].args, 2, "\"com.example.v\"=\"1.0\"", "other='x y'");
    df_free(&df);
}

static void env_errors_name_the_column(void **state)
{
    parse_fails("FROM a\nENV A=\"unterminated\n",
                "Dockerfile:2:7: unterminated quote: expected a closing \"");
    parse_fails("FROM a\nLABEL a=b \\\n  c='d\n",
                "Dockerfile:3:5: unterminated quote: expected a closing '");
    parse_fails("FROM a\nENV ALONE\n",
                "Dockerfile:2:10: ENV ALONE needs a value: ENV NAME VALUE or ENV NAME=VALUE");
    parse_fails("FROM a\nENV A=1 B\n", "Dockerfile:2:9: expected NAME=VALUE, found 'B'");
    parse_fails("FROM a\nENV OLD it's\n",
                "Dockerfile:2:11: unterminated quote: expected a closing '");
    parse_fails("FROM a\nARG \"X\n", "Dockerfile:2:5: unterminated quote: expected a closing \"");
}

static void other_instructions_keep_the_rest_of_the_line(void **state)
{
    struct dockerfile df = parse("FROM a\nUSER app:app\nWORKDIR /my dir\nMAINTAINER Jo <jo@x>\n"
                                 "STOPSIGNAL SIGTERM\nEXPOSE 80/tcp  443\nVOLUME /data /logs\n"
                                 "VOLUME [\"/v\"]\n");
    assert_args(&df.v[1].args, 1, "app:app");
    assert_args(&df.v[2].args, 1, "/my dir");
    assert_args(&df.v[3].args, 1, "Jo <jo@x>");
    assert_args(&df.v[4].args, 1, "SIGTERM");
    assert_args(&df.v[5].args, 2, "80/tcp", "443");
    assert_args(&df.v[6].args, 2, "/data", "/logs");
    assert_true(df.v[7].json);
    df_free(&df);
}

static void healthcheck_has_a_type(void **state)
{
    struct dockerfile df = parse("FROM a\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f x\n"
                                 "healthcheck cmd [\"/bin/check\", \"-q\"]\nHEALTHCHECK NONE\n");
    assert_args(&df.v[1].flags, 2, "--interval=5s", "--retries=3");
    assert_args(&df.v[1].args, 2, "CMD", "curl -f x");
    assert_false(df.v[1].json);
    assert_args(&df.v[2].args, 3, "CMD", "/bin/check", "-q");
    assert_true(df.v[2].json);
    assert_args(&df.v[3].args, 1, "NONE");
    df_free(&df);
    parse_fails("FROM a\nHEALTHCHECK NONE x\n",
                "Dockerfile:2:18: HEALTHCHECK NONE takes no arguments");
    parse_fails("FROM a\nHEALTHCHECK RUN x\n",
                "Dockerfile:2:13: unknown HEALTHCHECK type 'RUN': expected CMD or NONE");
    parse_fails("FROM a\nHEALTHCHECK CMD\n", "Dockerfile:2:16: HEALTHCHECK CMD needs a command");
    parse_fails("FROM a\nHEALTHCHECK --every=1s CMD x\n",
                "Dockerfile:2:13: unknown flag --every for HEALTHCHECK (expected --interval= "
                "--timeout= --start-period= --start-interval= --retries=)");
}

static void onbuild_parses_its_trigger(void **state)
{
    struct dockerfile df = parse("FROM a\nONBUILD copy --chown=1 . /app\n");
    assert_args(&df.v[1].args, 1, "copy --chown=1 . /app");
    assert_non_null(df.v[1].trigger);
    assert_string_equal(df.v[1].trigger->cmd, "COPY");
    assert_args(&df.v[1].trigger->flags, 1, "--chown=1");
    assert_args(&df.v[1].trigger->args, 2, ".", "/app");
    assert_int_equal(df.v[1].trigger->column, 9);
    df_free(&df);
    parse_fails("FROM a\nONBUILD ONBUILD RUN x\n",
                "Dockerfile:2:9: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    parse_fails("FROM a\nONBUILD FROM b\n",
                "Dockerfile:2:9: FROM isn't allowed as an ONBUILD trigger");
    parse_fails("FROM a\nONBUILD RUNX\n", "Dockerfile:2:9: unknown instruction: RUNX");
}

/* ---- heredocs ---- */

static void run_heredoc_takes_the_following_lines(void **state)
{
    struct dockerfile df = parse("FROM a\nRUN <<EOF\necho $HOME\n  indented\nEOF\n"
                                 "RUN <<-\"END\" bash\n\t\techo tab\n\tEND\nCMD x\n");
    assert_args(&df.v[1].args, 1, "<<EOF");
    assert_int_equal(df.v[1].nheredocs, 1);
    assert_string_equal(df.v[1].heredocs[0].name, "EOF");
    assert_string_equal(df.v[1].heredocs[0].body, "echo $HOME\n  indented\n");
    assert_true(df.v[1].heredocs[0].expand);
    assert_args(&df.v[2].args, 1, "<<-\"END\" bash");
    assert_string_equal(df.v[2].heredocs[0].name, "END");
    assert_string_equal(df.v[2].heredocs[0].body, "echo tab\n");
    assert_false(df.v[2].heredocs[0].expand);
    assert_int_equal(df.v[3].line, 9);
    df_free(&df);
}

static void copy_heredoc_names_a_file(void **state)
{
    struct dockerfile df = parse("FROM a\nCOPY <<EOF /etc/motd\nhello\nEOF\n"
                                 "RUN echo '<<EOF' && cat <<'X' >/f\nbody\nX\n");
    assert_args(&df.v[1].args, 2, "<<EOF", "/etc/motd");
    assert_string_equal(df.v[1].heredocs[0].body, "hello\n");
    assert_ptr_equal(df_heredoc_of(&df.v[1], "<<EOF"), &df.v[1].heredocs[0]);
    assert_null(df_heredoc_of(&df.v[1], "/etc/motd"));
    assert_int_equal(df.v[2].nheredocs, 1);
    assert_string_equal(df.v[2].heredocs[0].body, "body\n");
    assert_false(df.v[2].heredocs[0].expand);
    assert_ptr_equal(df_heredoc_of(&df.v[2], "<<'X'"), &df.v[2].heredocs[0]);
    assert_int_equal(df.v[0].nheredocs, 0);
    df_free(&df);
    /* several heredocs: the bodies follow one another, in the order of the line */
    df = parse(
        "FROM a\nCOPY <<A <<-\"B\" /dir/\na $X\nA\n\tb\n\tB\nRUN <<one cat && 3<<two cat\n1\none\n"
        "2\ntwo\n");
    assert_int_equal(df.v[1].nheredocs, 2);
    assert_string_equal(df.v[1].heredocs[0].name, "A");
    assert_string_equal(df.v[1].heredocs[0].body, "a $X\n");
    assert_true(df.v[1].heredocs[0].expand);
    assert_string_equal(df.v[1].heredocs[1].name, "B");
    assert_string_equal(df.v[1].heredocs[1].body, "b\n");
    assert_false(df.v[1].heredocs[1].expand);
    assert_ptr_equal(df_heredoc_of(&df.v[1], "<<-\"B\""), &df.v[1].heredocs[1]);
    assert_int_equal(df.v[2].nheredocs, 2);
    assert_string_equal(df.v[2].heredocs[1].name, "two");
    assert_string_equal(df.v[2].heredocs[1].body, "2\n");
    df_free(&df);
}

static void heredoc_errors(void **state)
{
    parse_fails("FROM a\nRUN <<EOF\necho\n",
                "Dockerfile:2:1: unterminated heredoc: expected a line 'EOF' before the end of "
                "the file");
    parse_fails("FROM a\nCOPY <<A <<B /x\na\nA\nb\n",
                "Dockerfile:2:1: unterminated heredoc: expected a line 'B' before the end of "
                "the file");
}

/* ---- expansion ---- */

static void variables_expand(void **state)
{
    const char *env = "HOME=/root\nEMPTY=\nV=1\nV=2\nNOVALUE";
    expands("$HOME/x ${HOME}y $NOPE. $V", env, '\\', "/root/x /rooty . 2");
    expands("${NOPE:-def} ${EMPTY:-def} ${HOME:-def}", env, '\\', "def def /root");
    expands("${NOPE-def} ${EMPTY-def} ${NOVALUE-def}", env, '\\', "def  def");
    expands("${NOPE:+alt} ${EMPTY:+alt} ${HOME:+alt}", env, '\\', "  alt");
    expands("${NOPE+alt} ${EMPTY+alt}", env, '\\', " alt");
    expands("${NOPE:-${HOME:-x}/bin}", env, '\\', "/root/bin");
    expands("${HOME:?must be set} a$ $ $1 $", env, '\\', "/root a$ $  $");
}

static void quotes_and_escapes(void **state)
{
    const char *env = "A=x y";
    expands("\\$A '$A' \"$A\" \"\\$A\" \"\\a\\\\\" a\\ b", env, '\\', "$A $A x y $A \\a\\ a b");
    expands("'it''s' \"say \\\"hi\\\"\" \"'$A'\"", env, '\\', "its say \"hi\" 'x y'");
    expands("`$A C:\\dir `\"", env, '`', "$A C:\\dir \"");
    expands("${A:-'a}b'}", "", '\\', "a}b");
    expands("trailing\\", "", '\\', "trailing");
}

static void expansion_errors(void **state)
{
    expand_fails("'open", "''open': unexpected end of statement while looking for matching "
                          "single-quote");
    expand_fails("\"open", "'\"open': unexpected end of statement while looking for matching "
                           "double-quote");
    expand_fails("${A", "'${A': syntax error: missing '}'");
    expand_fails("${A:-x", "'${A:-x': syntax error: missing '}'");
    expand_fails("${}", "'${}': syntax error: bad substitution");
    expand_fails("${A%x}", "'${A%x}': unsupported modifier in substitution (expected :- :+ :? - "
                           "+ ?)");
    expand_fails("${A:?}", "A: is not allowed to be unset");
    expand_fails("${A?please set A}", "A: please set A");
}

/* levels times "${A:-" + (quoted: a double quote around each level), then
 * "x" and the closing braces. */
static char *nested_defaults(int levels, bool quoted)
{
    const char *open = quoted ? "\"${A:-" : "${A:-", *close = quoted ? "}\"" : "}";
    size_t step = strlen(open) + strlen(close);
    char *word = malloc((size_t)levels * step + 2), *p = word;
    assert_non_null(word);
    for (int i = 0; i < levels; i++)
        p = stpcpy(p, open);
    p = stpcpy(p, "x");
    for (int i = 0; i < levels; i++)
        p = stpcpy(p, close);
    return word;
}

/* Each ${...} inside another is a level of recursion: a bound keeps a
 * Dockerfile from exhausting the stack. */
static void nesting_is_bounded(void **state)
{
    char *word = nested_defaults(64, false);
    expands(word, "", '\\', "x");
    free(word);
    word = nested_defaults(64, true);
    expands(word, "", '\\', "x");
    free(word);
    word = nested_defaults(65, false);
    expand_fails(word, "'${A:-${A:-${A:-${A:-${A:-${A:-${A:-${A:-...': too many nested ${...} "
                       "(at most 64 levels)");
    free(word);
    char *got = NULL;
    for (int quoted = 0; quoted < 2; quoted++) {
        word = nested_defaults(50000, quoted);
        assert_int_equal(df_expand(word, &(strv_t){0}, '\\', &got), -EINVAL);
        assert_non_null(strstr(err_msg(), "too many nested ${...}"));
        free(word);
    }
    /* side by side is not nested */
    char flat[70 * 7 + 1] = "";
    for (int i = 0; i < 70; i++)
        strcat(flat, "${A:-x}");
    got = NULL;
    assert_int_equal(df_expand(flat, &(strv_t){0}, '\\', &got), 0);
    assert_int_equal(strlen(got), 70);
    free(got);
}

/* ---- key/value pairs ---- */

static void key_values_remove_quotes_and_expand(void **state)
{
    struct dockerfile df = parse("FROM a\nENV A=1 B=\"two words\" C=$X\\ z D=\"$X\"\n"
                                 "ENV OLD \"quoted\" $X  end\n"
                                 "LABEL \"com.example\"='$X'\nARG NAME V=${X:-d}\n");
    strv_t env = {0}, pairs = {0};
    assert_int_equal(strv_push(&env, "X=ex"), 0);
    assert_int_equal(df_key_values(&df.v[1], &env, '\\', &pairs), 0);
    assert_args(&pairs, 4, "A=1", "B=two words", "C=ex z", "D=ex");
    strv_free(&pairs);
    assert_int_equal(df_key_values(&df.v[2], &env, '\\', &pairs), 0);
    assert_args(&pairs, 1, "OLD=quoted ex  end");
    strv_free(&pairs);
    assert_int_equal(df_key_values(&df.v[3], &env, '\\', &pairs), 0);
    assert_args(&pairs, 1, "com.example=$X");
    strv_free(&pairs);
    assert_int_equal(df_key_values(&df.v[4], &env, '\\', &pairs), 0);
    assert_args(&pairs, 2, "NAME", "V=ex");
    strv_free(&pairs);
    strv_free(&env);
    df_free(&df);
}

/* ---- JSON ---- */

static void to_json_describes_every_instruction(void **state)
{
    struct dockerfile df = parse("# syntax=x\nFROM a\nCMD [\"sh\"]\nONBUILD RUN <<EOF\n");
    char *text = df_to_json(&df);
    assert_non_null(text);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "syntax")), "x");
    assert_string_equal(json_string_value(json_object_get(root, "escape")), "\\");
    json_t *list = json_object_get(root, "instructions");
    assert_int_equal(json_array_size(list), 3);
    json_t *cmd = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(cmd, "cmd")), "CMD");
    assert_true(json_is_true(json_object_get(cmd, "json")));
    assert_int_equal(json_integer_value(json_object_get(cmd, "line")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cmd, "args"), 0)), "sh");
    json_t *trigger = json_object_get(json_array_get(list, 2), "trigger");
    assert_string_equal(json_string_value(json_object_get(trigger, "cmd")), "RUN");
    json_decref(root);
    free(text);
    df_free(&df);
}

static void unset_refs_names_the_variables_env_does_not_set(void **state)
{
    (void)state;
    strv_t env = {0}, unset = {0};
    assert_int_equal(strv_push(&env, "SET=1"), 0);
    assert_int_equal(strv_push(&env, "BARE"), 0); /* an ARG without a value: unset */
    assert_int_equal(
        df_unset_refs("$SET ${A} ${B:-x} '$C' \\$D \"$E\" ${BARE:+y}", &env, '\\', &unset), 0);
    assert_int_equal(unset.len, 4);
    assert_string_equal(unset.v[0], "A");
    assert_string_equal(unset.v[1], "B");
    assert_string_equal(unset.v[2], "E");
    assert_string_equal(unset.v[3], "BARE");
    strv_free(&unset);
    /* errors are reported as df_expand reports them */
    assert_int_equal(df_unset_refs("${A", &env, '\\', &unset), -EINVAL);
    strv_free(&unset);
    strv_free(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(instructions_are_case_insensitive_and_comments_skipped),
        cmocka_unit_test(unset_refs_names_the_variables_env_does_not_set),
        cmocka_unit_test(continuation_lines_join_and_skip_comments),
        cmocka_unit_test(crlf_and_byte_order_mark_are_accepted),
        cmocka_unit_test(a_file_ending_in_a_continuation_keeps_its_last_line),
        cmocka_unit_test(escape_directive_changes_the_escape_character),
        cmocka_unit_test(directives_after_the_top_are_comments),
        cmocka_unit_test(bad_directives_are_errors),
        cmocka_unit_test(exec_form_is_a_json_array),
        cmocka_unit_test(malformed_json_is_the_shell_form_as_in_docker),
        cmocka_unit_test(a_json_array_of_non_strings_is_an_error),
        cmocka_unit_test(shell_requires_json),
        cmocka_unit_test(from_takes_an_image_a_stage_name_and_a_platform),
        cmocka_unit_test(copy_and_add_take_flags_and_words),
        cmocka_unit_test(flags_are_checked),
        cmocka_unit_test(missing_arguments_are_errors),
        cmocka_unit_test(unknown_instructions_are_errors),
        cmocka_unit_test(the_first_instruction_must_be_from),
        cmocka_unit_test(env_and_label_have_two_forms),
        cmocka_unit_test(env_errors_name_the_column),
        cmocka_unit_test(other_instructions_keep_the_rest_of_the_line),
        cmocka_unit_test(healthcheck_has_a_type),
        cmocka_unit_test(onbuild_parses_its_trigger),
        cmocka_unit_test(run_heredoc_takes_the_following_lines),
        cmocka_unit_test(copy_heredoc_names_a_file),
        cmocka_unit_test(heredoc_errors),
        cmocka_unit_test(variables_expand),
        cmocka_unit_test(quotes_and_escapes),
        cmocka_unit_test(expansion_errors),
        cmocka_unit_test(nesting_is_bounded),
        cmocka_unit_test(key_values_remove_quotes_and_expand),
        cmocka_unit_test(to_json_describes_every_instruction),
    };
    return cmocka_run_group_tests_name("dockerfile", tests, NULL, NULL);
}
