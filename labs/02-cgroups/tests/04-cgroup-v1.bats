#!/usr/bin/env bats
# Lab 02 grader, part 4: MINIDOCK_CGROUP=v1 uses the v1 hierarchies only
# (one mount per controller), on hosts that have them.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

setup_file() {
    export MINIDOCK_CGROUP=v1
}

need_v1() {
    has_v1 || skip "no cgroup v1 controller on this host"
    local c
    for c in "$@"; do
        [ -n "$(v1_mount "$c")" ] || skip "no v1 $c controller on this host"
    done
}

@test "v1 mode: cgbox info says v1 and lists the v1 mounts" {
    need_v1 memory
    run "$CGBOX" info
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mode:     v1"* ]]
    [[ "$output" == *"memory    v1  $(v1_mount memory)"* ]]
}

@test "v1 mode: the command is in every v1 hierarchy and not in the unified one" {
    need_v1
    new_name
    start_box "$NAME" -- "$PROBE" sleep 30
    pid=$(wait_for_probe "$NAME" v1)
    cat "/proc/$pid/cgroup"
    local c m u
    for c in memory cpu cpuacct pids freezer; do
        m=$(v1_mount "$c")
        [ -n "$m" ] || continue
        grep -qx "$pid" "$m/cgbox/$NAME/cgroup.procs"
        grep -qE "^[0-9]+:([a-z_]+,)*$c(,[a-z_]+)*:/cgbox/$NAME\$" "/proc/$pid/cgroup"
    done
    u=$(unified_mount)
    if [ -n "$u" ]; then
        [ ! -d "$u/cgbox/$NAME" ]
        ! grep -qx "0::/cgbox/$NAME" "/proc/$pid/cgroup" || false
    fi
}

@test "v1 mode: limits go to memory.limit_in_bytes, cpu.cfs_quota_us and pids.max" {
    need_v1 memory cpu pids
    new_name
    local mib=$((32 + RANDOM % 200)) n=$((10 + RANDOM % 90))
    start_box "$NAME" --memory "${mib}m" --cpus 0.5 --pids-limit "$n" -- "$PROBE" sleep 30
    wait_for_probe "$NAME" v1
    [ "$(cat "$(v1_mount memory)/cgbox/$NAME/memory.limit_in_bytes")" -eq $((mib * 1048576)) ]
    [ "$(cat "$(v1_mount cpu)/cgbox/$NAME/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "$(v1_mount cpu)/cgbox/$NAME/cpu.cfs_period_us")" = 100000 ]
    [ "$(cat "$(v1_mount pids)/cgbox/$NAME/pids.max")" = "$n" ]
}

@test "v1 mode: a memory hog is killed by the OOM killer (memory.oom_control)" {
    need_v1 memory
    new_name
    run -137 "$CGBOX" --name "$NAME" --memory 32m -- "$PROBE" mem 256
    echo "$output"
    [[ "$output" == *"killed by the OOM killer"* ]]
    [[ "$output" =~ "OOM kills:  "[1-9] ]]
}

@test "v1 mode: freeze uses freezer.state and thaw resumes" {
    need_v1 freezer
    check_freeze_and_thaw v1
}

@test "v1 mode: kill (freeze, signal each process, thaw) empties the group" {
    need_v1 freezer
    check_kill_empties_group v1
}
