#!/usr/bin/env bats
# minidock run --rootfs: isolation, options, limits, terminal, signals, exit codes.

load ../lib/common

setup() {
    CGROUPS_BEFORE=$(minidock_cgroups)
    make_tmp
    chmod 755 "$T"
    R=$T/rootfs
    busybox_rootfs "$R"
}

teardown() {
    kill_and_clean_cgroups "$CGROUPS_BEFORE"
    cleanup_tree "$T"
}

# Run a container in the background; sets BG (minidock) and CPID (the
# container's PID 1 as the host sees it).
start_bg() {
    start_container_bg "$MINIDOCK" --root "$T/root" run "$@"
}

stop_bg() {
    kill -KILL "$CPID" 2>/dev/null
    wait "$BG" 2>/dev/null || true
    BG=
}

@test "run executes the command in new namespaces and returns its output" {
    run md run --rootfs "$R" /bin/probe info
    [ "$status" -eq 0 ]
    [ "$(kv pid <<<"$output")" = 1 ]
    [ "$(kv ifaces <<<"$output")" = lo ]
    [ "$(kv ns.mnt <<<"$output")" != "$(host_ns mnt)" ]
    [ "$(kv ns.pid <<<"$output")" != "$(host_ns pid)" ]
    [ "$(kv ns.cgroup <<<"$output")" != "$(host_ns cgroup)" ]
}

@test "the default hostname is the 12-hex short id, and HOSTNAME is set" {
    run md run --rootfs "$R" /bin/sh -c 'hostname; echo $HOSTNAME'
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9a-f]{12}$ ]]
    [ "${lines[1]}" = "${lines[0]}" ]
}

@test "-h sets the hostname" {
    name=$(rand_name web)
    run md run --rootfs "$R" -h "$name" /bin/hostname
    [ "$output" = "$name" ]
}

@test "the container gets Docker's security defaults" {
    run md run --rootfs "$R" /bin/probe info
    [ "$(kv CapEff <<<"$output")" = 00000000a80425fb ]
    [ "$(kv CapBnd <<<"$output")" = 00000000a80425fb ]
    [ "$(kv Seccomp <<<"$output")" = 2 ]
    [ "$(kv NoNewPrivs <<<"$output")" = 0 ]
    run md run --rootfs "$R" /bin/probe try mount unshare open_by_handle_at
    [ "$output" = "$(printf 'mount=EPERM\nunshare=EPERM\nopen_by_handle_at=EPERM')" ]
}

@test "--privileged, --cap-add, --cap-drop and --security-opt change them" {
    run md run --rootfs "$R" --privileged /bin/probe info
    [ "$(kv Seccomp <<<"$output")" = 0 ]
    run md run --rootfs "$R" --cap-drop ALL --cap-add CHOWN /bin/probe info
    [ "$(kv CapEff <<<"$output")" = 0000000000000001 ]
    run md run --rootfs "$R" --security-opt seccomp=unconfined /bin/probe info
    [ "$(kv Seccomp <<<"$output")" = 0 ]
    run md run --rootfs "$R" --security-opt no-new-privileges /bin/probe info
    [ "$(kv NoNewPrivs <<<"$output")" = 1 ]
    run md run --rootfs "$R" --cap-add SYS_ADMIN /bin/probe try mount
    [ "$output" = mount=ok ]
}

@test "-e, --env-file, -w and -u shape the process" {
    val=$(rand_name v)
    printf '# a comment\nFROM_FILE=%s\n\nFROM_HOST\n' "$val" >"$T/env"
    FROM_HOST=host-$val run md run --rootfs "$R" -e "A=1" -e FROM_HOST --env-file "$T/env" \
        -w /work -u nobody /bin/sh -c 'echo $A $FROM_FILE $FROM_HOST; pwd; id -u'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "1 $val host-$val" ]
    [ "${lines[1]}" = /work ]
    [ "${lines[2]}" = 65534 ]
}

@test "exit codes: the command's, 125, 126 and 127" {
    run md run --rootfs "$R" /bin/sh -c 'exit 3'
    [ "$status" -eq 3 ]
    run -127 md run --rootfs "$R" nothing-here
    [[ "$output" == *'exec: "nothing-here": executable file not found in $PATH'* ]]
    run -126 md run --rootfs "$R" /etc/hosts
    run -125 md run --rootfs "$T/absent" /bin/true
    [[ "$output" == "minidock: run: rootfs $T/absent: No such file or directory"* ]]
    run -125 md run --rootfs "$R" -u ghost /bin/true
    [[ "$output" == *"unable to find user ghost"* ]]
}

@test "bad options are refused with 125 and a message naming them" {
    run -125 md run --rootfs "$R" -m 64q /bin/true
    [[ "$output" == *"invalid size '64q'"* ]]
    run -125 md run --rootfs "$R" --cpus lots /bin/true
    [[ "$output" == *"lots"* ]]
    run -125 md run --rootfs "$R" --name 'bad name' /bin/true
    [[ "$output" == *"Invalid container name (bad name)"* ]]
    run -125 md run --rootfs "$R" --cap-add NOT_A_CAP /bin/true
    [[ "$output" == *"unknown capability 'NOT_A_CAP'"* ]]
    run -125 md run --rootfs "$R" --frobnicate /bin/true
    [[ "$output" == *"--frobnicate"* ]]
    run -125 md run --rootfs "$R" --env-file "$T/none" /bin/true
    [[ "$output" == *"$T/none"* ]]
    run -125 md run /bin/true
    [[ "$output" == *"invalid reference format"* ]]
    run -125 md run
    [[ "$output" == *'"minidock run" requires at least 1 argument'* ]]
    run -125 md run --rootfs "$R" -m 64m --memory-swap 32m /bin/true
    [[ "$output" == *"--memory-swap"* ]]
}

@test "-m puts the container in a cgroup with that memory limit" {
    start_bg --rootfs "$R" -m 48m /bin/probe sleep 30
    mem=$(v1_mount memory)
    if [ -n "$mem" ]; then
        cg=$(cgroup_of "$CPID" memory)
        [[ "$cg" == /minidock/* ]]
        [ "$(cat "$mem$cg/memory.limit_in_bytes")" = $((48 * 1024 * 1024)) ]
        [ "$(cat "$mem$cg/memory.memsw.limit_in_bytes")" = $((96 * 1024 * 1024)) ]
    else
        cg=$(cgroup_of "$CPID" "")
        [ "$(cat "/sys/fs/cgroup$cg/memory.max")" = $((48 * 1024 * 1024)) ]
    fi
    stop_bg
}

@test "a memory hog is killed by the OOM killer: exit 137" {
    run -137 md run --rootfs "$R" -m 32m /bin/probe mem 256
    [[ "$output" != *"done 256"* ]]
}

@test "--cpus, --cpu-shares and --pids-limit are written to the cgroup" {
    start_bg --rootfs "$R" --cpus 0.5 --cpu-shares 512 --pids-limit 33 /bin/probe sleep 30
    cpu=$(v1_mount cpu) pids=$(v1_mount pids)
    if [ -n "$cpu" ]; then
        cg=$(cgroup_of "$CPID" cpu)
        [ "$(cat "$cpu$cg/cpu.cfs_quota_us")" = 50000 ]
        [ "$(cat "$cpu$cg/cpu.cfs_period_us")" = 100000 ]
        [ "$(cat "$cpu$cg/cpu.shares")" = 512 ]
        cg=$(cgroup_of "$CPID" pids)
        [ "$(cat "$pids$cg/pids.max")" = 33 ]
    else
        cg=$(cgroup_of "$CPID" "")
        [ "$(cat "/sys/fs/cgroup$cg/cpu.max")" = "50000 100000" ]
        [ "$(cat "/sys/fs/cgroup$cg/pids.max")" = 33 ]
    fi
    stop_bg
}

@test "--pids-limit stops a fork bomb" {
    run md run --rootfs "$R" --pids-limit 16 /bin/probe forkbomb
    [ "$status" -eq 0 ]
    [ "$(kv forked <<<"$output")" -lt 16 ]
    [ "$(kv error <<<"$output")" = EAGAIN ]
}

@test "--cpus holds a busy loop near its quota" {
    run md run --rootfs "$R" --cpus 0.25 /bin/probe spin 1.5
    wall=$(kv wall <<<"$output") cpu=$(kv cpu <<<"$output")
    # a ratio, not a time: the loop gets about a quarter of one CPU
    awk -v c="$cpu" -v w="$wall" 'BEGIN { exit !(c / w < 0.5) }'
}

@test "the cgroup is removed when the container exits" {
    before=$(minidock_cgroups)
    run md run --rootfs "$R" -m 32m --pids-limit 10 /bin/sh -c 'cat /proc/self/cgroup'
    [ "$status" -eq 0 ]
    [[ "$output" == *"0::/"* ]]       # its own cgroup namespace: it sees itself at the root
    [ "$(minidock_cgroups)" = "$before" ]
}

@test "without -i the container's stdin is empty; with -i it is ours" {
    run bash -c "echo typed | '$MINIDOCK' --root '$T/root' run --rootfs '$R' /bin/cat"
    [ "$output" = "" ]
    run bash -c "echo typed | '$MINIDOCK' --root '$T/root' run -i --rootfs '$R' /bin/cat"
    [ "$output" = typed ]
}

@test "-t gives the container a real terminal of its own" {
    run md run -t --rootfs "$R" /bin/probe tty
    [ "$status" -eq 0 ]
    [[ "$output" == *"stdout_tty=1"* ]]
    [[ "$output" == *"ttyname=/dev/pts/0"* ]]
}

@test "-it: an interactive shell works, the window size follows, Ctrl-C reaches the container" {
    run "$PTYRUN" --rows 33 --cols 101 -- "$MINIDOCK" --root "$T/root" run -it --rootfs "$R" /bin/sh <<'STEPS'
expect #
send stty size\n
expect 33 101
resize 40 120
sleep 0.3
send stty size\n
expect 40 120
send sleep 60\n
sleep 0.5
send \x03
expect #
send echo still-$((40+2))\n
expect still-42
send exit 5\n
STEPS
    [ "$status" -eq 5 ]
}

@test "SIGTERM, SIGINT and SIGHUP sent to minidock reach the container" {
    for sig in TERM INT HUP; do
        "$MINIDOCK" --root "$T/root" run --rootfs "$R" /bin/probe trap >"$T/out" &
        BG=$!
        for _ in $(seq 100); do grep -q ready "$T/out" && break; sleep 0.05; done
        kill -$sig "$BG"
        wait "$BG" && st=0 || st=$?
        BG=
        num=$(kill -l $sig)
        [ "$st" -eq $((128 + num)) ] || { echo "$sig: status $st"; return 1; }
        grep -q "got signal $num" "$T/out"
    done
}

@test "--init makes a reaper PID 1 and keeps signals working" {
    run md run --rootfs "$R" --init /bin/probe info
    [ "$(kv pid <<<"$output")" = 2 ]
    "$MINIDOCK" --root "$T/root" run --rootfs "$R" --init /bin/probe trap >"$T/out" &
    BG=$!
    for _ in $(seq 100); do grep -q ready "$T/out" && break; sleep 0.05; done
    kill -TERM "$BG"
    wait "$BG" && st=0 || st=$?
    BG=
    [ "$st" -eq 143 ]
}

@test "--network host keeps the host's network namespace" {
    run md run --rootfs "$R" --network host /bin/probe info
    [ "$(kv ns.net <<<"$output")" = "$(host_ns net)" ]
    run -125 md run --rootfs "$R" --network bridge /bin/true
}

@test "--memory-swap sets memory plus swap; -1 leaves swap unlimited" {
    mem=$(v1_mount memory)
    [ -n "$mem" ] || skip "no cgroup v1 memory controller on this host (covered by the unit tests)"
    start_bg --rootfs "$R" -m 32m --memory-swap 80m /bin/probe sleep 30
    cg=$(cgroup_of "$CPID" memory)
    [ "$(cat "$mem$cg/memory.limit_in_bytes")" = $((32 << 20)) ]
    [ "$(cat "$mem$cg/memory.memsw.limit_in_bytes")" = $((80 << 20)) ]
    stop_bg
    start_bg --rootfs "$R" -m 32m --memory-swap -1 /bin/probe sleep 30
    cg=$(cgroup_of "$CPID" memory)
    [ "$(cat "$mem$cg/memory.memsw.limit_in_bytes")" -gt $((1 << 40)) ]
    stop_bg
}

@test "MINIDOCK_CGROUP=v2 puts the container in the cgroup2 hierarchy only" {
    grep -q ' - cgroup2 ' /proc/self/mountinfo || skip "no cgroup2 mount on this host"
    MINIDOCK_CGROUP=v2 start_bg --rootfs "$R" /bin/probe sleep 30
    [[ "$(cgroup_of "$CPID" "")" == /minidock/* ]]
    if [ -n "$(v1_mount memory)" ]; then
        [ "$(cgroup_of "$CPID" memory)" = "$(cgroup_of $$ memory)" ]   # not moved in v1
    fi
    stop_bg
    unified=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
    if grep -qw memory "$unified/cgroup.controllers"; then
        MINIDOCK_CGROUP=v2 run md run --rootfs "$R" -m 32m /bin/true
        [ "$status" -eq 0 ]
    else   # hybrid host: the cgroup2 tree has no memory controller to limit with
        MINIDOCK_CGROUP=v2 run -125 md run --rootfs "$R" -m 32m /bin/true
        [[ "$output" == *"memory controller"* ]]
    fi
}

@test "MINIDOCK_CGROUP=v1 uses the v1 hierarchies only" {
    [ -n "$(v1_mount memory)" ] || skip "no cgroup v1 hierarchies on this host"
    MINIDOCK_CGROUP=v1 start_bg --rootfs "$R" -m 40m /bin/probe sleep 30
    [[ "$(cgroup_of "$CPID" memory)" == /minidock/* ]]
    [ "$(cgroup_of "$CPID" "")" = "$(cgroup_of $$ "")" ]
    stop_bg
}
