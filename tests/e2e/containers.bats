#!/usr/bin/env bats
# minidock's container lifecycle on images: run, -d, -it, logs, stop, start,
# restart policies, --rm, volumes, pause, errors, and crash safety.

load ../lib/common

setup() { containers_setup; }

teardown() { containers_teardown; }

# Wait until `md inspect --format TEMPLATE C` prints WANT (5 s at most).
wait_for() {
    local c=$1 tmpl=$2 want=$3
    for _ in $(seq 100); do
        [ "$(md inspect --format "$tmpl" "$c" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.05
    done
    echo "$c: $tmpl is '$(md inspect --format "$tmpl" "$c" 2>&1)', not '$want'" >&2
    return 1
}

@test "run --rm busybox echo hi prints hi and leaves no container" {
    run md run --rm busybox echo hi
    [ "$status" -eq 0 ]
    [ "$output" = "hi" ]
    run md ps -aq
    [ -z "$output" ]
    [ -z "$(ls "$T/root/containers" | grep -v '^\.names$')" ]
}

@test "the container inherits no descriptor of the caller but its stdio" {
    run md run --rm busybox ls /proc/self/fd 7</dev/null 8>/dev/null
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ] # 3: ls's own directory
    # with 3 and 4 free, the pipe `run -d` waits on lands there: the monitor
    # must not keep it either, or run -d would return only when sleep ends
    run md run -d --name fds busybox sleep 60 3>&- 4>&- 7</dev/null
    [ "$status" -eq 0 ]
    [ "$(md inspect --format '{{.State.Running}}' fds)" = true ]
    run md exec fds ls /proc/1/fd
    [ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 " ]
    md rm -f fds >/dev/null
}

@test "run keeps stdout and stderr apart and exits with the command's status" {
    run --separate-stderr md run busybox sh -c 'echo out; echo err >&2; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = "out" ]
    [ "$stderr" = "err" ]
}

@test "run -d returns the 64-hex id at once; ps, logs and stop behave as Docker's" {
    run md run -d --name web busybox sh -c 'trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    id=$output
    wait_for web '{{.State.Status}}' running
    run md ps --format '{{.ID}} {{.Image}} {{.Command}} {{.Names}}'
    [ "$output" = "${id:0:12} busybox \"sh -c trap \\\"echo by…\" web" ]
    run md ps
    [[ "${lines[1]}" =~ ^${id:0:12}\ +busybox\ .*\ Up\ .*\ web$ ]]
    for _ in $(seq 50); do md logs web | grep -q ready && break; sleep 0.1; done
    run md logs web
    [ "$output" = "ready" ]
    run md stop web
    [ "$status" -eq 0 ]
    [ "$output" = "web" ]
    run md inspect --format '{{.State.Status}} {{.State.ExitCode}}' web
    [ "$output" = "exited 0" ]
    run md logs web
    [ "$output" = "$(printf 'ready\nbye')" ]
    run md ps -a
    [[ "${lines[1]}" =~ Exited\ \(0\)\ .*ago ]]
}

@test "stop kills with SIGKILL after the timeout (exit 137); the stop signal is configurable" {
    md run -d --name hard busybox sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
    wait_for hard '{{.State.Running}}' true
    run md stop -t 1 hard
    [ "$status" -eq 0 ]
    run md inspect --format '{{.State.ExitCode}}' hard
    [ "$output" = "137" ]
    md run -d --name usr1 --stop-signal USR1 busybox sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done' >/dev/null
    wait_for usr1 '{{.State.Running}}' true
    md stop usr1
    run md inspect --format '{{.State.ExitCode}} {{.Config.StopSignal}}' usr1
    [ "$output" = "42 USR1" ]
}

@test "start runs a stopped container again with the same upper layer; restart too" {
    md run --name keep busybox sh -c 'echo $((n=$(cat /count 2>/dev/null || echo 0)+1)) > /count; cat /count'
    run md start -a keep
    [ "$output" = "2" ]
    md start keep >/dev/null
    run md wait keep
    [ "$output" = "0" ]
    run md logs keep
    [ "$output" = "$(printf '1\n2\n3')" ]
    md run -d --name rr busybox sleep 60 >/dev/null
    wait_for rr '{{.State.Running}}' true
    pid1=$(md inspect --format "{{.State.Pid}}" rr)
    run md restart -t 0 rr
    [ "$output" = "rr" ]
    wait_for rr '{{.State.Running}}' true
    [ "$(md inspect --format "{{.State.Pid}}" rr)" != "$pid1" ]
}

@test "the image's Entrypoint, Cmd, Env, WorkingDir and User apply, with Docker's overrides" {
    md import -c 'ENTRYPOINT ["echo", "ep"]' -c 'CMD ["default"]' -c 'ENV A=1 B=2' \
        -c 'WORKDIR /tmp' "$(busybox_tar)" cfg:1 >/dev/null
    run md run --rm cfg:1
    [ "$output" = "ep default" ]
    run md run --rm cfg:1 given args
    [ "$output" = "ep given args" ]
    run md run --rm --entrypoint /bin/sh cfg:1 -c 'echo $A$B $(pwd)'
    [ "$output" = "12 /tmp" ]
    run md run --rm --entrypoint /bin/sh -e A=9 -w / cfg:1 -c 'echo $A$B $(pwd)'
    [ "$output" = "92 /" ]
    md import -c 'USER nobody' -c 'CMD echo $HOME from shell form' "$(busybox_tar)" cfg:2 >/dev/null
    run md run --rm cfg:2
    [[ "$output" == *"from shell form" ]]
    run md run --rm cfg:2 id -u
    [ "$output" = "65534" ]
    run md run --rm -u 0 cfg:2 id -u
    [ "$output" = "0" ]
    run md run --rm --entrypoint "" busybox
    [ "$status" -eq 125 ]
    [[ "$output" == *"No command specified"* ]]
}

@test "run -it busybox sh is a working shell on a terminal" {
    run "$PTYRUN" --rows 30 --cols 90 -- "$MINIDOCK" --root "$T/root" run -it --rm busybox sh <<'STEPS'
expect #
send echo $((6*7)) $(stty size)\n
expect 42 30 90
send tty\n
expect /dev/pts/
send exit 3\n
STEPS
    [ "$status" -eq 3 ]
    [[ "$output" == *"42 30 90"* ]]
}

@test "Ctrl-P Ctrl-Q detaches from -it; attach reconnects to the same shell" {
    # busybox's shell asks the terminal for the cursor position at each
    # prompt; an empty line first lets that settle before we type
    run "$PTYRUN" -- "$MINIDOCK" --root "$T/root" run -it --name sh1 busybox sh <<'STEPS'
expect #
send \n
expect #
send MARK=kept; echo set-$MARK\n
expect set-kept
send \x10\x11
STEPS
    echo "$output"
    [ "$status" -eq 0 ]
    run md inspect --format '{{.State.Status}}' sh1
    [ "$output" = "running" ]
    run "$PTYRUN" -- "$MINIDOCK" --root "$T/root" attach sh1 <<'STEPS'
send \n
expect #
send echo mark=$MARK\n
expect mark=kept
send exit 5\n
STEPS
    echo "$output"
    [ "$status" -eq 5 ]
    run md inspect --format '{{.State.Status}} {{.State.ExitCode}}' sh1
    [ "$output" = "exited 5" ]
}

@test "run -i passes stdin through; without -i the command reads nothing" {
    run bash -c "echo piped | '$MINIDOCK' --root '$T/root' run -i --rm busybox cat"
    [ "$output" = "piped" ]
    run bash -c "echo piped | '$MINIDOCK' --root '$T/root' run --rm busybox cat"
    [ "$output" = "" ]
}

@test "logs -f follows until the container exits; --tail and -t" {
    md run -d --name talk busybox sh -c 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done' >/dev/null
    run timeout 20 "$MINIDOCK" --root "$T/root" logs -f talk
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'line %s\n' 1 2 3 4 5 | sed '$!b')" ]
    run md logs --tail 2 talk
    [ "$output" = "$(printf 'line 4\nline 5')" ]
    run md logs -t --tail 1 talk
    [[ "$output" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ line\ 5$ ]]
    head -n1 "$(md inspect --format '{{.LogPath}}' talk)" | grep -q '^{"log":"line 1\\n","stream":"stdout","time":"'
}

@test "restart policies: on-failure:N retries N times; always restarts until stopped" {
    md run -d --name flaky --restart on-failure:2 busybox sh -c 'echo try; exit 1' >/dev/null
    for _ in $(seq 100); do
        [ "$(md inspect --format '{{.State.Status}} {{.RestartCount}}' flaky)" = "exited 2" ] && break
        sleep 0.1
    done
    run md inspect --format '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' flaky
    [ "$output" = "exited 2 1" ]
    [ "$(md logs flaky | grep -c try)" -eq 3 ]
    md run -d --name forever --restart always busybox sh -c 'exit 0' >/dev/null
    for _ in $(seq 100); do
        [ "$(md inspect --format '{{.RestartCount}}' forever)" -ge 2 ] && break
        sleep 0.1
    done
    [ "$(md inspect --format '{{.RestartCount}}' forever)" -ge 2 ]
    md stop forever >/dev/null
    wait_for forever '{{.State.Status}}' exited
    n=$(md inspect --format '{{.RestartCount}}' forever)
    sleep 1
    [ "$(md inspect --format '{{.RestartCount}} {{.State.Status}}' forever)" = "$n exited" ]
    run md run --rm --restart always busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"Conflicting options: --restart and --rm"* ]]
}

@test "run -d --rm removes the container when it exits" {
    id=$(md run -d --rm busybox sh -c 'sleep 0.3')
    for _ in $(seq 100); do [ -d "$T/root/containers/$id" ] || break; sleep 0.05; done
    [ ! -d "$T/root/containers/$id" ]
    run md ps -aq
    [ -z "$output" ]
}

@test "named volumes persist, start with the image's content, and -v ro binds are read-only" {
    md run --rm -v data:/data busybox sh -c 'echo kept > /data/f'
    run md run --rm -v data:/data busybox cat /data/f
    [ "$output" = "kept" ]
    [ "$(cat "$T/root/volumes/data/_data/f")" = "kept" ]
    md run --rm -v etcvol:/etc busybox true
    [ -f "$T/root/volumes/etcvol/_data/passwd" ]
    mkdir "$T/host" && echo host > "$T/host/h"
    run md run --rm -v "$T/host:/h:ro" busybox sh -c 'cat /h/h; echo x > /h/new'
    [ "$status" -ne 0 ]
    [[ "$output" == host*"Read-only file system"* ]]
    [ ! -e "$T/host/new" ]
    md run --rm -v "$T/host:/h" busybox sh -c 'echo rw > /h/new'
    [ "$(cat "$T/host/new")" = "rw" ]
    run md run --rm --tmpfs /scratch:size=1m busybox sh -c 'grep " /scratch " /proc/mounts'
    [[ "$output" == "tmpfs /scratch tmpfs "*"size=1024k"* ]]
    run md run --rm -v /no/such/dir:/x busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *"bind source path does not exist: /no/such/dir"* ]]
}

@test "anonymous volumes: inspect lists them, rm -v removes them" {
    md create --name anon -v /cache busybox true >/dev/null
    name=$(md inspect --format '{{range .Mounts}}{{.Name}}{{end}}' anon)
    [[ "$name" =~ ^[0-9a-f]{64}$ ]]
    run md inspect --format '{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}}{{end}}' anon
    [ "$output" = "volume /cache true" ]
    [ -d "$T/root/volumes/$name/_data" ]
    md rm -v anon
    [ ! -e "$T/root/volumes/$name" ]
}

@test "a volume cannot be mounted over a symlink that leaves the root" {
    d=$T/evil && mkdir -p "$d" && busybox_rootfs "$d/rootfs"
    ln -s /tmp "$d/rootfs/escape"
    tar -C "$d/rootfs" --numeric-owner -cf "$d/evil.tar" .
    md import "$d/evil.tar" evil >/dev/null
    mkdir "$T/vol"
    md run --rm -v "$T/vol:/escape/inside" evil sh -c 'touch /escape/inside/x'
    [ -e "$T/vol/x" ]
    [ ! -e /tmp/inside ]
}

@test "pause and unpause use the freezer; ps shows (Paused)" {
    md run -d --name pp busybox sh -c 'while :; do sleep 0.1; done' >/dev/null
    wait_for pp '{{.State.Running}}' true
    run md pause pp
    [ "$output" = "pp" ]
    run md ps --format '{{.Status}}'
    [[ "$output" == Up*"(Paused)" ]]
    run md inspect --format '{{.State.Status}} {{.State.Paused}}' pp
    [ "$output" = "paused true" ]
    run md pause pp
    [ "$status" -eq 125 ]
    [[ "$output" == *"is already paused"* ]]
    md unpause pp
    run md inspect --format '{{.State.Status}}' pp
    [ "$output" = "running" ]
    md pause pp
    run md stop -t 1 pp
    [ "$status" -eq 0 ]
    wait_for pp '{{.State.Status}}' exited
}

@test "errors: unknown image, unknown container, name in use, ambiguous prefix, rm of a running one" {
    run md run --rm nosuch:tag true
    [ "$status" -eq 125 ]
    [[ "$output" == *"Unable to find image 'nosuch:tag' locally"* ]]
    run md run --rm busybox /no/such/cmd
    [ "$status" -eq 127 ]
    [[ "$output" == *"/no/such/cmd"* ]]
    run md run --rm busybox /etc/passwd
    [ "$status" -eq 126 ]
    md create --name taken busybox true >/dev/null
    run md create --name taken busybox true
    [ "$status" -eq 125 ]
    [[ "$output" == *'Conflict. The container name "/taken" is already in use'* ]]
    for c in stop start kill logs rm inspect wait pause; do
        run md $c nosuchcontainer
        [ "$status" -eq 125 ]
        [[ "$output" == *"No such container: nosuchcontainer"* || "$output" == *"No such object: nosuchcontainer"* ]]
    done
    # ids are random: make enough containers that two share a first digit
    for _ in $(seq 17); do md create busybox true >/dev/null; done
    p=$(md ps -aq --no-trunc | cut -c1 | sort | uniq -d | head -n1)
    run md rm "$p"
    [ "$status" -eq 125 ]
    [[ "$output" == *"multiple"* ]]
    md run -d --name busy busybox sleep 60 >/dev/null
    wait_for busy '{{.State.Running}}' true
    run md rm busy
    [ "$status" -eq 125 ]
    [[ "$output" == *"container is running: stop the container before removing or force remove"* ]]
    run md rm -f busy
    [ "$status" -eq 0 ]
    run md ps -a --filter name=busy -q
    [ -z "$output" ]
}

@test "a killed monitor leaves a container that ps reports as exited and rm -f clears" {
    md run -d --name orphan busybox sleep 60 >/dev/null
    wait_for orphan '{{.State.Running}}' true
    mon=$(sed -n 's/.*"MonitorPid": *\([0-9]*\).*/\1/p' "$T"/root/containers/*/state.json)
    pid=$(md inspect --format '{{.State.Pid}}' orphan)
    kill -KILL "$mon"
    for _ in $(seq 50); do kill -0 "$mon" 2>/dev/null || break; sleep 0.05; done
    run md ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "orphan exited" ]
    run md rm -f orphan
    [ "$status" -eq 0 ]
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    ! kill -0 "$pid" 2>/dev/null || false
    [ -z "$(md ps -aq)" ]
    [ -z "$(comm -13 <(echo "$CGROUPS_BEFORE") <(minidock_cgroups) | grep -v '/minidock$')" ]
}

@test "SIGKILL during rm leaves a container that rm -f can still clear" {
    md run --name big busybox sh -c 'mkdir /many; cd /many; i=0; while [ $i -lt 3000 ]; do echo $i > f$i; i=$((i+1)); done'
    for delay in 0.01 0.03 0.06; do
        "$MINIDOCK" --root "$T/root" rm big >/dev/null 2>&1 &
        sleep "$delay"
        kill -KILL $! 2>/dev/null || true
        wait $! 2>/dev/null || true
        [ -d "$T/root/containers" ] || break
        md ps -a >/dev/null
    done
    md rm -f big >/dev/null 2>&1 || true
    run md ps -aq
    [ -z "$output" ]
    run md create --name big busybox true
    [ "$status" -eq 0 ]
}

@test "rm -f removes a container whose record a crash left unreadable" {
    id=$(md create --rm --name torn busybox true)
    : >"$T/root/containers/$id/container.json" # an --rm record is not fsynced
    run md ps -aq
    [ -z "$output" ]
    run md rm torn
    [ "$status" -eq 125 ]
    run md rm -f torn
    [ "$status" -eq 0 ]
    [ ! -e "$T/root/containers/$id" ]
    run md create --name torn busybox true
    [ "$status" -eq 0 ]
}

@test "concurrent creates with one name: exactly one wins, the store stays consistent" {
    for i in $(seq 8); do
        ("$MINIDOCK" --root "$T/root" create --name same busybox true >/dev/null 2>&1 && echo won >>"$T/wins") &
    done
    wait
    [ "$(wc -l <"$T/wins")" -eq 1 ]
    run md ps -aq
    [ "${#lines[@]}" -eq 1 ]
}

@test "a stopped container leaves no process, mount or cgroup behind" {
    md run -d --name clean busybox sleep 60 >/dev/null
    wait_for clean '{{.State.Running}}' true
    pid=$(md inspect --format '{{.State.Pid}}' clean)
    mon=$(sed -n 's/.*"MonitorPid": *\([0-9]*\).*/\1/p' "$T"/root/containers/*/state.json)
    [ -n "$mon" ]
    md stop -t 0 clean >/dev/null
    ! kill -0 "$pid" 2>/dev/null || false
    ! grep -q "$T" /proc/self/mountinfo || false
    [ -z "$(comm -13 <(echo "$CGROUPS_BEFORE") <(minidock_cgroups) | grep -v '/minidock$')" ]
    # the monitor exits too (a zombie waiting for init to reap it counts as gone)
    for _ in $(seq 50); do
        state=$(awk '{print $3}' "/proc/$mon/stat" 2>/dev/null || true)
        [ -z "$state" ] || [ "$state" = Z ] && break
        sleep 0.05
    done
    [ -z "$state" ] || [ "$state" = Z ]
}

@test "rename: the new name works everywhere, the old one is free, a taken name is refused" {
    md create --name old busybox true >/dev/null
    md create --name other busybox true >/dev/null
    run md rename old new
    [ "$status" -eq 0 ]
    run md inspect --format '{{.Name}}' new
    [ "$output" = "/new" ]
    run md ps -a --format '{{.Names}}' --filter name=new
    [ "$output" = "new" ]
    run md inspect old
    [ "$status" -eq 125 ]
    md create --name old busybox true >/dev/null
    run md rename new other
    [ "$status" -eq 125 ]
    [[ "$output" == *'"/other" is already in use'* ]]
}

@test "the issue's acceptance walk: httpd detached, then ps, logs, top, exec, pause, stop, start, diff, commit, rm -f" {
    run md run -d --name web busybox httpd -f -v -p 80
    [ "$status" -eq 0 ]
    wait_for web '{{.State.Status}}' running
    run md ps --format '{{.Names}} {{.Command}} {{.State}}'
    [ "$output" = 'web "httpd -f -v -p 80" running' ]
    run md logs web
    [ "$status" -eq 0 ]
    run md top web
    [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
    [[ "${lines[1]}" == *"httpd -f -v -p 80" ]]
    run md exec web ps
    [[ "$output" == *"1 root"*"httpd -f -v -p 80"* ]]
    md pause web >/dev/null
    run md inspect --format '{{.State.Status}}' web
    [ "$output" = "paused" ]
    md unpause web >/dev/null
    md exec web sh -c 'echo changed > /etc/motd'
    run md stop -t 1 web
    [ "$output" = "web" ]
    run md ps -a --format '{{.Status}}'
    [[ "$output" =~ ^Exited\ \(137\) ]]
    run md start web
    [ "$output" = "web" ]
    wait_for web '{{.State.Status}}' running
    run md diff web
    [[ "$output" == *"C /etc"* && "$output" == *"A /etc/motd"* ]]
    run md commit web web:v2
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    run md run --rm web:v2 cat /etc/motd
    [ "$output" = "changed" ]
    run md rm -f web
    [ "$output" = "web" ]
    [ -z "$(md ps -aq)" ]
}

@test "run -d --init returns at once; rm -f works after an attached client went away" {
    # (a hang, not a time: the command sleeps 600 s, the client must not wait for it)
    run timeout 60 "$MINIDOCK" --root "$T/root" run -d --init busybox sleep 600
    [ "$status" -eq 0 ]
    id=$output
    [ "$(md inspect --format '{{.State.Running}}' "$id")" = "true" ]
    md rm -f "$id" >/dev/null
    # the attached client dies (head exits): the monitor drops it and still serves rm -f
    md run --name yes-head busybox yes | head -n 1
    run timeout 20 "$MINIDOCK" --root "$T/root" rm -f yes-head
    [ "$status" -eq 0 ]
    [ -z "$(md ps -aq)" ]
}
