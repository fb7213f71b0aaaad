#!/usr/bin/env bats
# Lab 02 grader, part 5: MINIDOCK_CGROUP=v2 uses the unified hierarchy only.
# On a hybrid host its controllers may be missing: membership, freeze and
# kill still work there, and a limit fails with a clear message.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

setup_file() {
    export MINIDOCK_CGROUP=v2
}

need_v2() {
    [ -n "$(unified_mount)" ] || skip "no cgroup2 mount on this host"
}

@test "v2 mode: cgbox info says v2 and reads cgroup.controllers" {
    need_v2
    run "$CGBOX" info
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mode:     v2"* ]]
    [[ "$output" == *"cgroup2:  $(unified_mount)"* ]]
    if v2_has memory; then
        [[ "$output" == *"memory    v2"* ]]
    else
        [[ "$output" == *"memory    unavailable"* ]]
    fi
}

@test "v2 mode: the command is in the unified hierarchy only" {
    need_v2
    new_name
    start_box "$NAME" -- "$PROBE" sleep 30
    pid=$(wait_for_probe "$NAME" v2)
    cat "/proc/$pid/cgroup"
    grep -qx "$pid" "$(unified_mount)/cgbox/$NAME/cgroup.procs"
    grep -qx "0::/cgbox/$NAME" "/proc/$pid/cgroup"
    local c m
    for c in memory cpu pids freezer; do
        m=$(v1_mount "$c")
        [ -z "$m" ] || [ ! -d "$m/cgbox/$NAME" ]
    done
}

@test "v2 mode: --memory goes to memory.max, or fails clearly without the memory controller" {
    need_v2
    new_name
    if v2_has memory; then
        start_box "$NAME" --memory 48m -- "$PROBE" sleep 30
        wait_for_probe "$NAME" v2
        [ "$(cat "$(unified_mount)/cgbox/$NAME/memory.max")" = $((48 * 1048576)) ]
    else
        run -125 "$CGBOX" --name "$NAME" --memory 48m -- "$PROBE" exit 0
        echo "$output"
        [[ "$output" == *"cgbox: memory limit: the memory controller is not enabled in the cgroup v2 hierarchy at $(unified_mount)"* ]]
        [[ "$output" != *"--- cgroup"* ]] # the command never ran
        no_group "$NAME"
    fi
}

@test "v2 mode: freeze uses cgroup.freeze and thaw resumes" {
    need_v2
    check_freeze_and_thaw v2
}

@test "v2 mode: kill empties the group" {
    need_v2
    check_kill_empties_group v2
}
