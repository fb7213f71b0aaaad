#!/usr/bin/env bats
# minidock ps, inspect, top, port, stats, container prune, system df|prune,
# and the `container` / `system` groups.

load ../lib/common

setup() {
    make_tmp
    CGROUPS_BEFORE=$(minidock_cgroups)
}

teardown() { containers_teardown; }

# Start a detached container and wait until it runs: start_bg NAME CMD...
# (run -d in the background, so the test does not depend on when it returns).
start_bg() {
    local name=$1
    shift
    md run -d --name "$name" busybox "$@" >/dev/null 2>&1 &
    for _ in $(seq 100); do
        [ "$(md inspect --format '{{.State.Status}}' "$name" 2>/dev/null)" = running ] && return 0
        sleep 0.05
    done
    echo "container $name did not start" >&2
    return 1
}

# Patch a container's container.json with a Python expression on d:
# patch_doc NAME 'd["NetworkSettings"]["Ports"] = {...}'
patch_doc() {
    local id
    id=$(md inspect --format '{{.Id}}' "$1")
    python3 - "$T/root/containers/$id/container.json" "$2" <<'EOF'
import json, sys
path, code = sys.argv[1], sys.argv[2]
d = json.load(open(path))
exec(code)
json.dump(d, open(path, "w"), indent=2)
EOF
}

# A running "web", an "ex" that exited with 3 and a "cr" never started.
three_containers() {
    import_busybox >/dev/null
    md run --name ex busybox sh -c 'exit 3' || true
    md create --name cr --label team=ops busybox echo hi >/dev/null
    start_bg web sleep 60
}

@test "ps with no container prints Docker's header only" {
    run md ps
    [ "$status" -eq 0 ]
    [ "$output" = "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES" ]
}

@test "ps lists running containers, -a every one with Docker's status strings" {
    three_containers
    run md ps
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
    [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +busybox\ +\"sleep\ 60\"\ +.*\ ago\ +Up\ .*\ web$ ]]
    run md ps -a --format '{{.Names}}|{{.Status}}|{{.State}}'
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[0]}" =~ ^web\|Up\ .*\|running$ ]]
    [ "${lines[1]}" = "cr|Created|created" ]
    [[ "${lines[2]}" =~ ^ex\|Exited\ \(3\)\ .*\ ago\|exited$ ]]
}

@test "ps quotes COMMAND and cuts it at 20 characters; --no-trunc shows ids and commands whole" {
    import_busybox >/dev/null
    id=$(md create --name long busybox httpd -f -p 80 -h /www)
    run md ps -a --format '{{.ID}} {{.Command}}'
    [ "$output" = "${id:0:12} \"httpd -f -p 80 -h /…\"" ]
    run md ps -a --no-trunc --format '{{.ID}} {{.Command}}'
    [ "$output" = "$id \"httpd -f -p 80 -h /www\"" ]
    run md ps -a --format '{{.Image}} {{.Names}} {{.RunningFor}}'
    [[ "$output" =~ ^busybox\ long\ .*\ ago$ ]]
}

@test "ps -q, -n and -l: ids only, the last created ones in every state" {
    import_busybox >/dev/null
    a=$(md create --name aa busybox true)
    b=$(md create --name bb busybox true)
    c=$(md create --name cc busybox true)
    run md ps -q
    [ "$output" = "" ]
    run md ps -a -q
    [ "$output" = "$(printf '%s\n%s\n%s' "${c:0:12}" "${b:0:12}" "${a:0:12}")" ]
    run md ps -q --no-trunc -n 2
    [ "$output" = "$(printf '%s\n%s' "$c" "$b")" ]
    run md ps -l --format '{{.Names}}'
    [ "$output" = cc ]
}

@test "ps filters on status, name, label, ancestor, id, exited, before and since" {
    three_containers
    cr=$(md inspect --format '{{.Id}}' cr)
    run md ps --filter status=exited --format '{{.Names}}'   # a status filter implies -a
    [ "$output" = ex ]
    run md ps -a -f name=^w --format '{{.Names}}'
    [ "$output" = web ]
    run md ps -a -f label=team --format '{{.Names}}'
    [ "$output" = cr ]
    run md ps -a -f label=team=dev --format '{{.Names}}'
    [ "$output" = "" ]
    run md ps -a -f ancestor=busybox -q
    [ "${#lines[@]}" -eq 3 ]
    run md ps -a -f "id=${cr:0:6}" --format '{{.Names}}'
    [ "$output" = cr ]
    run md ps -a -f exited=3 --format '{{.Names}}'
    [ "$output" = ex ]
    run md ps -a -f status=created -f status=running --format '{{.Names}}'
    [ "$output" = "$(printf 'web\ncr')" ]
    run md ps -a -f before=cr --format '{{.Names}}'
    [ "$output" = ex ]
    run md ps -a -f since=cr --format '{{.Names}}'
    [ "$output" = web ]
}

@test "ps rejects unknown filters and status values" {
    run -125 md ps -f color=red
    [[ "$output" == *"invalid filter 'color'"* ]]
    run -125 md ps -f status=sleeping
    [[ "$output" == *"status: sleeping"* ]]
    run -125 md ps -f name
    [[ "$output" == *"bad format of filter"* ]]
}

@test "ps --format: table, json, labels, mounts, networks, ports and sizes" {
    import_busybox >/dev/null
    md create --name pub --label b=2 --label a=1 -v data:/data busybox httpd >/dev/null
    patch_doc pub 'd["NetworkSettings"]["Ports"] = {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None}'
    run md ps -a --format 'table {{.Names}}\t{{.Labels}}\t{{.Mounts}}\t{{.Ports}}'
    [ "${lines[0]}" = "NAMES     LABELS    MOUNTS    PORTS" ]
    [ "${lines[1]}" = "pub       a=1,b=2   data      0.0.0.0:8080->80/tcp, 443/tcp" ]
    run md ps -a --format json
    python3 -c '
import json, sys
row = json.loads(sys.argv[1])
assert row["Names"] == "pub" and row["Command"] == "\"httpd\"" and row["State"] == "created", row
assert row["LocalVolumes"] == "1" and row["Networks"] == "none", row
' "$output"
    run md ps -a -s --format '{{.Size}}'
    [[ "$output" =~ ^[0-9.]+k?B\ \(virtual\ [0-9.]+[kM]B\)$ ]]
}

@test "inspect prints Docker's document, State included, as a JSON array" {
    three_containers
    run md inspect web ex
    [ "$status" -eq 0 ]
    python3 -c '
import json, sys
web, ex = json.loads(sys.argv[1])
assert web["Name"] == "/web" and len(web["Id"]) == 64, web["Name"]
assert web["State"]["Status"] == "running" and web["State"]["Running"] is True, web["State"]
assert web["State"]["Pid"] > 0 and web["RestartCount"] == 0, web["State"]
assert "MonitorPid" not in web["State"], web["State"]
assert web["Path"] == "sleep" and web["Args"] == ["60"], web
assert web["Config"]["Image"] == "busybox" and web["Image"].startswith("sha256:"), web
assert ex["State"]["Status"] == "exited" and ex["State"]["ExitCode"] == 3, ex["State"]
assert list(web)[:5] == ["Id", "Created", "Path", "Args", "State"], list(web)
' "$output"
    [[ "$output" == "["$'\n'"    {"$'\n'"        \"Id\": "* ]]     # 4-space indent, as Docker
}

@test "inspect --format runs the course's templates" {
    import_busybox >/dev/null
    id=$(md create --name pub busybox httpd)
    patch_doc pub 'd["NetworkSettings"]["Ports"] = {"8787/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]}; d["NetworkSettings"]["Networks"] = {"bridge": {"IPAddress": "172.17.0.2"}}'
    run md inspect --format '{{.LogPath}}' pub
    [ "$output" = "$T/root/containers/$id/$id-json.log" ]
    run md inspect --format '{{.Config.Image}}' pub
    [ "$output" = busybox ]
    run md inspect --format '{{json .Config}}' pub
    python3 -c 'import json, sys; c = json.loads(sys.argv[1]); assert c["Cmd"] == ["httpd"], c' "$output"
    run md inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' pub
    [ "$output" = 172.17.0.2 ]
    run md inspect --format '{{(index (index .NetworkSettings.Ports "8787/tcp") 0).HostPort}}' pub
    [ "$output" = 8080 ]
    run md container inspect -f '{{.Name}} {{.State.Status}}' pub
    [ "$output" = "/pub created" ]
}

@test "inspect falls back to images; unknown names and ambiguous prefixes are errors" {
    import_busybox >/dev/null
    id=$(md create --name one busybox true)
    run md inspect --format '{{index .RepoTags 0}}' busybox
    [ "$output" = busybox:latest ]
    run -125 md inspect nothing
    [[ "$output" == *"No such object: nothing"* ]]
    run -125 md container inspect busybox
    [[ "$output" == *"No such container: busybox"* ]]
    # two containers whose ids share a prefix
    cp -a "$T/root/containers/$id" "$T/root/containers/abcdef${id:6}"
    cp -a "$T/root/containers/$id" "$T/root/containers/abcdee${id:6}"
    run -125 md inspect abcde
    [[ "$output" == *"multiple IDs found with provided prefix: abcde"* ]]
    run md inspect --format '{{.Path}}' abcdef
    [ "$output" = true ]
}

@test "top lists the container's processes in ps -ef columns" {
    import_busybox >/dev/null
    start_bg web sleep 60
    pid=$(md inspect --format '{{.State.Pid}}' web)
    run md top web
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
    [ "${lines[0]:0:20}" = "UID                 " ]        # Docker's minimum width of 20
    [[ "${lines[1]}" =~ ^root\ +$pid\ +[0-9]+\ +0\ +[0-9A-Za-z:]+\ +\?\ +00:00:0[0-9]\ +sleep\ 60$ ]]
}

@test "top of a stopped or unknown container is an error" {
    import_busybox >/dev/null
    md create --name cr busybox true >/dev/null
    run -125 md top cr
    [ "$output" = "minidock: container cr is not running" ]
    run -125 md top nothing
    [[ "$output" == *"No such container: nothing"* ]]
}

@test "port prints NetworkSettings.Ports; empty when nothing is published" {
    import_busybox >/dev/null
    md create --name plain busybox true >/dev/null
    run md port plain
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    md create --name pub busybox true >/dev/null
    patch_doc pub 'd["NetworkSettings"]["Ports"] = {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}, {"HostIp": "::", "HostPort": "8080"}], "53/udp": [{"HostIp": "", "HostPort": "5353"}]}'
    run md port pub
    [ "$output" = "$(printf '53/udp -> 0.0.0.0:5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080')" ]
    run md port pub 80
    [ "$output" = "$(printf '0.0.0.0:8080\n[::]:8080')" ]
    run md port pub 53/udp
    [ "$output" = 0.0.0.0:5353 ]
    run -125 md port pub 81
    [[ "$output" == *"No public port '81/tcp' published for pub"* ]]
}

@test "stats --no-stream shows the running containers' usage" {
    import_busybox >/dev/null
    md create --name cr busybox true >/dev/null
    start_bg web sleep 60
    run md stats --no-stream
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +NAME\ +CPU\ %\ +MEM\ USAGE\ /\ LIMIT\ +MEM\ %\ +NET\ I/O\ +BLOCK\ I/O\ +PIDS$ ]]
    [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +web\ +[0-9.]+%\ +[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]i?B\ +[0-9.]+%\ +.*\ 1$ ]]
    run md stats --no-stream --format '{{.Name}} {{.PIDs}}' web cr
    [ "$output" = "$(printf 'web 1\ncr 0')" ]
    run -125 md stats --no-stream nothing
    [[ "$output" == *"No such container: nothing"* ]]
}

@test "container prune removes only stopped containers, after asking" {
    three_containers
    run md container prune </dev/null
    [ "$(md ps -a -q | wc -l)" -eq 3 ]
    ex=$(md inspect --format '{{.Id}}' ex)
    cr=$(md inspect --format '{{.Id}}' cr)
    run md container prune -f
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Deleted Containers:" ]
    [[ "$output" == *"$ex"* && "$output" == *"$cr"* ]]
    [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+k?B$ ]]
    run md ps -a --format '{{.Names}}'
    [ "$output" = web ]
    [ ! -e "$T/root/containers/$ex" ]
}

@test "system df counts images, containers and volumes" {
    three_containers
    md volume create spare >/dev/null
    run md system df
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
    [[ "${lines[1]}" =~ ^Images\ +1\ +1\ +[0-9.]+[kM]B\ +0B\ \(0%\)$ ]]
    [[ "${lines[2]}" =~ ^Containers\ +3\ +1\ + ]]
    [[ "${lines[3]}" =~ ^Local\ Volumes\ +1\ +0\ + ]]
    [ "${lines[4]}" = "Build Cache     0         0         0B        0B" ]
    run md system df --format '{{.Type}}={{.TotalCount}}'
    [ "$output" = "$(printf 'Images=1\nContainers=3\nLocal Volumes=1\nBuild Cache=0')" ]
}

@test "system prune removes stopped containers, dangling images and, with --volumes, anonymous volumes" {
    three_containers
    md volume create named >/dev/null
    anon=$(md volume create)
    md create --name keeper -v keepvol:/data busybox true >/dev/null
    # importing busybox under the other image's tag leaves the other one dangling
    mkdir "$T/other" && echo x >"$T/other/f" && tar -C "$T/other" -cf "$T/other.tar" .
    md import "$T/other.tar" spare:1 >/dev/null
    md import "$(busybox_tar)" spare:1 >/dev/null
    [ "$(md images --format '{{.Repository}}' | sort | tr '\n' ' ')" = "<none> busybox spare " ]
    run md system prune -f --volumes
    [ "$status" -eq 0 ]
    [[ "$output" == *"Deleted Containers:"* ]]
    [[ "$output" == *"Deleted Volumes:"$'\n'"$anon"* ]]
    [[ "$output" == *"Total reclaimed space:"* ]]
    run md ps -a --format '{{.Names}}'
    [ "$output" = web ]
    [ -d "$T/root/volumes/named" ]
    [ ! -e "$T/root/volumes/$anon" ]
    run md images --format '{{.Repository}}'       # only the dangling image went
    [ "$(sort <<<"$output" | tr '\n' ' ')" = "busybox spare " ]
}

@test "system prune -a removes every image no container uses" {
    import_busybox >/dev/null
    mkdir "$T/other" && echo x >"$T/other/f" && tar -C "$T/other" -cf "$T/other.tar" .
    md import "$T/other.tar" other:1 >/dev/null
    md create --name cr busybox true >/dev/null
    start_bg web sleep 60
    run md system prune -a -f
    [ "$status" -eq 0 ]
    [[ "$output" == *"Deleted Images:"*"untagged: other:1"*"deleted: sha256:"* ]]
    run md images --format '{{.Repository}}'
    [ "$output" = busybox ]
}

@test "container and system groups dispatch to the verbs" {
    import_busybox >/dev/null
    md create --name cr busybox true >/dev/null
    run md container ls -a --format '{{.Names}}'
    [ "$output" = cr ]
    run md container list -aq
    [[ "$output" =~ ^[0-9a-f]{12}$ ]]
    run md container --help
    [[ "$output" == *"prune"*"top"* ]]
    run -125 md container frobnicate
    [[ "$output" == *"'container frobnicate' is not a minidock command"* ]]
    run md system df --format '{{.Type}}'
    [ "${lines[0]}" = Images ]
    run -125 md system
    [[ "$output" == *"Usage:  minidock system COMMAND"* ]]
}

@test "inspect prints containers and images named together in one array" {
    import_busybox >/dev/null
    md create --name web busybox true >/dev/null
    run md inspect web busybox
    [ "$status" -eq 0 ]
    python3 -c '
import json, sys
docs = json.loads(sys.argv[1])
assert len(docs) == 2, docs
assert docs[0]["Name"] == "/web" and docs[0]["State"]["Status"] == "created", docs[0]
assert docs[1]["RepoTags"] == ["busybox:latest"], docs[1]
' "$output"
    run md inspect --format '{{.Id}}' busybox web
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" == sha256:* ]]
    run -125 md inspect web nothing
    [[ "$output" == *"No such object: nothing"* ]]
    run -125 md inspect --type image web
    [[ "$output" == *"No such image: web"* ]]
}
