#!/usr/bin/env bats
# minidock exec: a second command inside a running container — its
# namespaces, cgroup and security settings, options, exit codes and errors.

load ../lib/common

setup() { containers_setup; }

teardown() { containers_teardown; }

# Start a detached container NAME running COMMAND... and wait until it runs.
start_web() {
    local name=$1
    shift
    md run -d --name "$name" busybox "$@" >/dev/null
    for _ in $(seq 100); do
        [ "$(md inspect --format '{{.State.Status}}' "$name")" = running ] && return 0
        sleep 0.05
    done
    echo "$name did not start" >&2
    return 1
}

pid_of() {
    md inspect --format '{{.State.Pid}}' "$1"
}

@test "exec web ps lists the container's PID 1 and the command itself" {
    start_web web httpd -f -p 80
    run md exec web ps -o pid,args
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" =~ ^\ +1\ +httpd\ -f\ -p\ 80$ ]]
    [[ "$output" == *" ps -o pid,args"* ]]
    [ "${#lines[@]}" -eq 3 ]
}

@test "exec joins every namespace of the container and sees its root, not the host's" {
    start_web web sleep 60
    pid=$(pid_of web)
    for ns in mnt uts ipc net pid cgroup user; do
        run md exec web readlink "/proc/self/ns/$ns"
        [ "$status" -eq 0 ]
        [ "$output" = "$(readlink "/proc/$pid/ns/$ns")" ]
    done
    run md exec web hostname
    [ "$output" = "$(md inspect --format '{{.Config.Hostname}}' web)" ]
    [ "$output" = "$(nsenter -t "$pid" -u hostname)" ]
    # the container's root: its /bin/probe, none of the host's mounts
    run md exec web cat /proc/self/mountinfo
    [ "$(awk '$5 == "/"' <<<"$output" | wc -l)" -eq 1 ]
    [[ "$output" != *" $T "* ]]
    ! awk '{print $5}' <<<"$output" | grep -qx "$TOP" || false
    run md exec web sh -c 'test -x /bin/probe && test ! -e /work && echo inside'
    [ "$output" = inside ]
}

@test "the exec'd process is in the container's cgroup, limits included" {
    start_web web sleep 60
    pid=$(pid_of web)
    # inside: the same view as PID 1 (a process outside would see /..)
    run md exec web cat /proc/self/cgroup
    [ "$status" -eq 0 ]
    [ "$output" = "$(md exec web cat /proc/1/cgroup)" ]
    [[ "$output" != *".."* ]]
    # from the host: the same groups, in every hierarchy
    md exec -d web sleep 4242
    for _ in $(seq 50); do
        epid=$(pgrep -f '^sleep 4242$' | head -n1)
        [ -n "$epid" ] && break
        sleep 0.05
    done
    [ -n "$epid" ]
    [ "$(cgroup_of "$epid")" = "$(cgroup_of "$pid")" ]
    [ "$(cgroup_of "$epid" memory)" = "$(cgroup_of "$pid" memory)" ]
    [ "$(cgroup_of "$epid" pids)" = "$(cgroup_of "$pid" pids)" ]
    kill "$epid"
}

@test "exec applies the container's capabilities, seccomp and no_new_privs" {
    start_web web sleep 60
    pid=$(pid_of web)
    run md exec web probe info
    [ "$status" -eq 0 ]
    [ "$(kv CapEff <<<"$output")" = "$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")" ]
    [ "$(kv CapEff <<<"$output")" = 00000000a80425fb ]
    [ "$(kv CapBnd <<<"$output")" = 00000000a80425fb ]
    [ "$(kv Seccomp <<<"$output")" = 2 ]
    [ "$(kv NoNewPrivs <<<"$output")" = 0 ]
    run md exec web probe try mount unshare
    [ "$(kv mount <<<"$output")" = EPERM ]
    [ "$(kv unshare <<<"$output")" = EPERM ]
    run md exec web grep CapEff /proc/self/status
    [[ "$output" == *00000000a80425fb ]]

    md run -d --name nnp --security-opt no-new-privileges busybox sleep 60 >/dev/null
    run md exec nnp probe info
    [ "$(kv NoNewPrivs <<<"$output")" = 1 ]
}

@test "exec --privileged gives the command every capability" {
    start_web web sleep 60
    run md exec --privileged web probe info
    [ "$status" -eq 0 ]
    [ "$(kv CapEff <<<"$output")" = "$(awk '/^CapBnd/ {print $2}' /proc/self/status)" ]
    run md exec --privileged web probe try mount
    [ "$(kv mount <<<"$output")" = ok ]
}

@test "exec -e, --env-file, -w and -u; the container's Env and HOSTNAME are kept" {
    md run -d --name web -e FROM_RUN=1 -e OVER=run -w /tmp busybox sleep 60 >/dev/null
    printf 'FILE_VAR=f\n# comment\n\nOVER=file\n' >"$T/env"
    run md exec -e OVER=cli --env-file "$T/env" web probe env
    [ "$status" -eq 0 ]
    [ "$(kv FROM_RUN <<<"$output")" = 1 ]
    [ "$(kv FILE_VAR <<<"$output")" = f ]
    [ "$(kv OVER <<<"$output")" = file ] # in order: the file comes after -e
    [ "$(kv HOSTNAME <<<"$output")" = "$(md inspect --format '{{.Config.Hostname}}' web)" ]
    [ "$(kv HOME <<<"$output")" = /root ]
    [[ "$(kv PATH <<<"$output")" == */bin* ]]
    [ -z "$(kv TERM <<<"$output")" ]
    run md exec web pwd
    [ "$output" = /tmp ] # the container's WorkingDir
    run md exec -w /etc web pwd
    [ "$output" = /etc ]
    run md exec -u nobody web id -u
    [ "$status" -eq 0 ]
    [ "$output" = 65534 ]
    run md exec -u 1234:5678 web id
    [ "$output" = "uid=1234 gid=5678 groups=5678" ]
}

@test "exec exits with the command's status, 127 when not found, 126 when not executable" {
    start_web web sleep 60
    run md exec web sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run -127 md exec web nosuch
    [[ "$output" == *'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH'* ]]
    run -126 md exec web /etc/passwd
    [[ "$output" == *'exec: "/etc/passwd": '* ]]
    run -126 md exec -u nosuchuser web true
    [[ "$output" == *"unable to find user nosuchuser"* ]]
    run -126 md exec -w /nowhere web true
    [[ "$output" == *'chdir to cwd ("/nowhere")'* ]]
    run -125 md exec -w relative web true
    [[ "$output" == *"needs to be an absolute path"* ]]
    run -137 md exec web sh -c 'kill -9 $$'
}

@test "exec passes stdin with -i only; nothing of ours leaks past stdio" {
    start_web web sleep 60
    run bash -c "echo piped | '$MINIDOCK' --root '$T/root' exec -i web cat"
    [ "$output" = piped ]
    run bash -c "echo piped | '$MINIDOCK' --root '$T/root' exec web cat"
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    # only 0, 1, 2 are open in the command (": " keeps sh from exec'ing ls)
    run md exec web sh -c 'ls /proc/$$/fd; :'
    [ "$output" = "$(printf '0\n1\n2')" ]
    run md exec -i web sh -c 'ls /proc/$$/fd; :'
    [ "$output" = "$(printf '0\n1\n2')" ]
}

@test "exec forwards signals to the command" {
    start_web web sleep 60
    "$MINIDOCK" --root "$T/root" exec web probe trap >"$T/out" &
    cli=$!
    for _ in $(seq 100); do grep -q ready "$T/out" && break; sleep 0.05; done
    kill -TERM "$cli"
    code=0
    wait "$cli" || code=$?
    [ "$code" -eq 143 ]
    grep -q 'got signal 15' "$T/out"
}

@test "exec -d returns at once and the command keeps running" {
    start_web web sleep 60
    SECONDS=0
    run md exec -d web sh -c 'echo started >/tmp/mark; sleep 3; echo done >>/tmp/mark'
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    [ "$SECONDS" -lt 3 ]
    for _ in $(seq 50); do
        [ "$(md exec web cat /tmp/mark 2>/dev/null)" = started ] && break
        sleep 0.05
    done
    [ "$(md exec web cat /tmp/mark)" = started ]
    run md exec web ps -o args
    [[ "$output" == *"sleep 3"* ]]
    run -127 md exec -d web nosuch # a failure to start is still reported
}

@test "exec -it gets a working shell on a terminal of the container" {
    start_web web sleep 60
    run "$PTYRUN" --rows 30 --cols 90 -- "$MINIDOCK" --root "$T/root" exec -it web sh <<'STEPS'
expect #
send echo $((6*7)) $(stty size) $TERM\n
expect 42 30 90 xterm
send tty\n
expect /dev/pts/
send exit 3\n
STEPS
    [ "$status" -eq 3 ]
    [[ "$output" == *"42 30 90 xterm"* ]]
    [[ "$output" =~ /dev/pts/[0-9]+ ]]
    run "$PTYRUN" -- "$MINIDOCK" --root "$T/root" exec -t web probe tty </dev/null
    [ "$(kv stdout_tty <<<"$output" | tr -d '\r')" = 1 ]
}

@test "exec refuses a stopped, a paused and an unknown container" {
    md run --name done busybox true
    id=$(md inspect --format '{{.Id}}' done)
    run -125 md exec done true
    [[ "$output" == *"Container $id is not running"* ]]

    start_web web sleep 60
    id=$(md inspect --format '{{.Id}}' web)
    md pause web
    run -125 md exec web true
    [[ "$output" == *"Container $id is paused, unpause the container before exec"* ]]
    md unpause web
    run md exec web true
    [ "$status" -eq 0 ]

    run -125 md exec nosuch true
    [[ "$output" == *"No such container: nosuch"* ]]
    run -125 md exec web
    [[ "$output" == *'"exec" requires at least 2 arguments'* ]]
}

@test "exec never joins a pid that is no longer the container's PID 1" {
    start_web web sleep 60
    state="$T/root/containers/$(md inspect --format '{{.Id}}' web)/state.json"
    cp "$state" "$T/state.json"
    # as if the recorded pid had been recycled: same number, other start time
    sed -i 's/"PidStart": *\([0-9]*\)/"PidStart": 1\1/' "$state"
    run -125 md exec web true
    [[ "$output" == *"is not running"* ]]
    cp "$T/state.json" "$state"
    run md exec web true
    [ "$status" -eq 0 ]
}

@test "container exec is the same verb" {
    start_web web sleep 60
    run md container exec web echo hi
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
}
