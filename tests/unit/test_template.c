/* Unit tests of minidock/template.c: the Go-template subset of --format,
 * with the templates the course uses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "template.h"

static const char *inspect_json =
    "{\"Id\": \"3f2a1b\", \"Name\": \"/web\", \"LogPath\": \"/var/lib/minidock/c/3f/log.json\","
    " \"State\": {\"Status\": \"running\", \"Running\": true, \"Pid\": 42, \"ExitCode\": 0},"
    " \"Config\": {\"Image\": \"nginx\", \"Env\": [\"A=1\", \"B=2\"], \"Cmd\": null,"
    "   \"Labels\": {\"b\": \"2\", \"a\": \"1\"}},"
    " \"NetworkSettings\": {\"Networks\": {\"bridge\": {\"IPAddress\": \"172.17.0.2\"},"
    "                                     \"app\": {\"IPAddress\": \"10.0.0.5\"}},"
    "   \"Ports\": {\"8787/tcp\": [{\"HostIp\": \"0.0.0.0\", \"HostPort\": \"32768\"}]}},"
    " \"Size\": 1.5, \"Mounts\": []}";

static json_t *data;

static int load(void **state)
{
    data = json_loads(inspect_json, 0, NULL);
    return data ? 0 : -1;
}

static int unload(void **state)
{
    json_decref(data);
    return 0;
}

static void expect(const char *tmpl, const char *want)
{
    char *out = NULL;
    int r = tmpl_render(tmpl, data, &out);
    if (r < 0)
        fail_msg("%s: %s", tmpl, err_msg());
    assert_string_equal(out, want);
    free(out);
}

static void expect_error(const char *tmpl, const char *fragment)
{
    char *out = NULL;
    assert_true(tmpl_render(tmpl, data, &out) < 0);
    assert_null(out);
    if (!strstr(err_msg(), fragment))
        fail_msg("'%s' gave '%s', expected '%s'", tmpl, err_msg(), fragment);
}

static void the_courses_templates(void **state)
{
    expect("{{.LogPath}}", "/var/lib/minidock/c/3f/log.json");
    expect("{{.Config.Image}}", "nginx");
    expect("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}");
    expect("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "10.0.0.5172.17.0.2");
    expect("{{(index (index .NetworkSettings.Ports \"8787/tcp\") 0).HostPort}}", "32768");
}

static void fields_and_printing(void **state)
{
    expect("id={{.Id}} pid={{.State.Pid}} run={{.State.Running}}", "id=3f2a1b pid=42 run=true");
    expect("{{.Config.Env}}", "[A=1 B=2]");
    expect("{{.Config.Labels}}", "map[a:1 b:2]");
    expect("{{.Config.Cmd}}", "<nil>");
    expect("{{.Nope}}|{{.State.Nope}}", "<no value>|<no value>");
    expect("{{.Size}}", "1.5");
    expect("{{.}}", "map[Config:map[Cmd:<nil> Env:[A=1 B=2] Image:nginx Labels:map[a:1 b:2]] "
                    "Id:3f2a1b LogPath:/var/lib/minidock/c/3f/log.json Mounts:[] Name:/web "
                    "NetworkSettings:map[Networks:map[app:map[IPAddress:10.0.0.5] "
                    "bridge:map[IPAddress:172.17.0.2]] Ports:map[8787/tcp:[map[HostIp:0.0.0.0 "
                    "HostPort:32768]]]] Size:1.5 State:map[ExitCode:0 Pid:42 Running:true "
                    "Status:running]]");
    expect("no actions at all", "no actions at all");
}

static void range_with_variables(void **state)
{
    expect("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", "a=1;b=2;");
    expect("{{range $i, $e := .Config.Env}}{{$i}}:{{$e}} {{end}}", "0:A=1 1:B=2 ");
    expect("{{range $e := .Config.Env}}[{{$e}}]{{end}}", "[A=1][B=2]");
    expect("{{range .Mounts}}x{{else}}no mounts{{end}}", "no mounts");
    expect("{{range $n, $c := .NetworkSettings.Networks}}{{$n}} {{$c.IPAddress}}\n{{end}}",
           "app 10.0.0.5\nbridge 172.17.0.2\n");
    expect("{{range .Config.Env}}{{$.Name}}{{end}}", "/web/web");
}

static void if_else_with(void **state)
{
    expect("{{if .State.Running}}up{{else}}down{{end}}", "up");
    expect("{{if .State.ExitCode}}failed{{else}}ok{{end}}", "ok");
    expect("{{if .Mounts}}m{{else}}none{{end}}", "none");
    expect("{{if eq .State.Status \"running\" \"paused\"}}alive{{end}}", "alive");
    expect("{{if ne .State.Pid 42}}x{{else}}pid 42{{end}}", "pid 42");
    expect("{{if and .State.Running (not .Mounts)}}y{{end}}", "y");
    expect("{{with .State}}{{.Status}}{{end}}", "running");
    expect("{{with .Nope}}x{{else}}nothing{{end}}", "nothing");
    expect("{{if .State.Running}}{{if .Mounts}}a{{else}}b{{end}}{{end}}", "b");
}

static void functions_and_pipelines(void **state)
{
    expect("{{len .Config.Env}} {{len .Config.Labels}} {{len .Name}}", "2 2 4");
    expect("{{.Config.Image | upper}}", "NGINX");
    expect("{{upper .Config.Image | lower}}", "nginx");
    expect("{{join .Config.Env \",\"}}", "A=1,B=2");
    expect("{{index (split .LogPath \"/\") 3}}", "minidock");
    expect("{{println .Id .State.Pid}}", "3f2a1b 42\n");
    expect("{{print \"a\" \"b\" 1 2}}", "ab1 2");
    expect("{{json .Config.Env}}", "[\"A=1\",\"B=2\"]");
    expect("{{json .Nope}}", "null");
    expect("{{title \"hello world\"}}", "Hello World");
    expect("{{index .Config.Labels \"a\"}}", "1");
    expect("{{$x := .State}}{{$x.Status}}", "running");
    expect("{{`raw \"q\"`}}", "raw \"q\"");
}

static void trim_markers(void **state)
{
    expect("a  {{- .Id -}}  b", "a3f2a1bb");
    expect("{{range .Config.Env -}}\n  {{.}}\n{{- end}}", "A=1B=2");
    expect("{{-3}}", "-3");
}

static void parse_errors_name_the_column(void **state)
{
    expect_error("{{.Id", ":1:1: unclosed action");
    expect_error("{{if .Id}}x", "missing {{end}}");
    expect_error("x{{end}}", ":1:4: unexpected {{end}}");
    expect_error("{{foo .Id}}", ":1:3: function \"foo\" not defined");
    expect_error("{{\"abc}}", "unterminated quoted string");
    expect_error("{{(index .Config}}", "unclosed left paren");
    expect_error("{{}}", "missing value for command");
    expect_error("{{.Id)}}", "unexpected right paren");
    expect_error("{{ # }}", "unexpected \"#\" in operand");
}

static void execution_errors(void **state)
{
    expect_error("{{index .Config.Env 5}}", "index out of range: 5");
    expect_error("{{index .Id 0}}", "cannot index a scalar");
    expect_error("{{len .State.Pid}}", "len of a value that has no length");
    expect_error("{{range .Id}}x{{end}}", "range can't iterate over a string");
    expect_error("{{$nope}}", "undefined variable \"$nope\"");
    expect_error("{{.Config.Env.Foo}}", "can't evaluate field Foo in a list");
    expect_error("{{.Id 3}}", "can't give argument to non-function");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_courses_templates),        cmocka_unit_test(fields_and_printing),
        cmocka_unit_test(range_with_variables),         cmocka_unit_test(if_else_with),
        cmocka_unit_test(functions_and_pipelines),      cmocka_unit_test(trim_markers),
        cmocka_unit_test(parse_errors_name_the_column), cmocka_unit_test(execution_errors),
    };
    return cmocka_run_group_tests_name("template", tests, load, unload);
}
