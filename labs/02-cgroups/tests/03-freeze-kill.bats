#!/usr/bin/env bats
# Lab 02 grader, part 3: freeze, thaw and kill a running group (docker pause,
# unpause, kill), with the host's default cgroup layout.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "freeze stops the processes of the group and thaw resumes them" {
    check_freeze_and_thaw ""
}

@test "cgbox stats says when the group is frozen" {
    new_name
    start_box "$NAME" -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    run "$CGBOX" freeze "$NAME"
    [ "$status" -eq 0 ]
    run "$CGBOX" stats "$NAME"
    echo "$output"
    [[ "$output" == *"frozen:     yes"* ]]
}

@test "kill empties the group and the command ends with 137" {
    check_kill_empties_group ""
}

@test "kill also works on a frozen group" {
    new_name
    start_box "$NAME" -- "$PROBE" sleep 60
    wait_for_probe "$NAME"
    run "$CGBOX" freeze "$NAME"
    [ "$status" -eq 0 ]
    run "$CGBOX" kill "$NAME"
    [ "$status" -eq 0 ]
    wait_until 5 no_procs "$NAME"
    local rc=0
    wait "$BOX_PID" || rc=$?
    [ "$rc" -eq 137 ]
}

@test "kill NAME TERM delivers SIGTERM to the command" {
    new_name
    start_box "$NAME" -- "$PROBE" trap
    wait_until 5 grep -q '^ready$' "$T/$NAME.out"
    run "$CGBOX" kill "$NAME" TERM
    echo "$output"
    [ "$status" -eq 0 ]
    local rc=0
    wait "$BOX_PID" || rc=$?
    cat "$T/$NAME.out"
    [ "$rc" -eq 143 ]
    grep -q "got signal 15" "$T/$NAME.out"
    wait_until 5 no_group "$NAME"
}
