#!/usr/bin/env bats
# Lab 02 grader, part 1: cgbox runs a command inside a fresh cgroup.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "cgbox info reports the cgroup mode the mounts show" {
    run "$CGBOX" info
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mode:     $(host_mode)"* ]]
    local u
    u=$(unified_mount)
    if [ -n "$u" ]; then
        [[ "$output" == *"cgroup2:  $u"* ]]
    fi
}

@test "the command runs in the group: cgroup.procs and /proc/PID/cgroup" {
    new_name
    start_box "$NAME" -- "$PROBE" sleep 30
    pid=$(wait_for_probe "$NAME")
    cat "/proc/$pid/cgroup"
    local mem u
    mem=$(v1_mount memory)
    u=$(unified_mount)
    [ -n "$mem$u" ]
    if [ -n "$mem" ]; then # the v1 memory hierarchy
        grep -qx "$pid" "$mem/cgbox/$NAME/cgroup.procs"
        grep -qE "^[0-9]+:memory:/cgbox/$NAME\$" "/proc/$pid/cgroup"
    fi
    if [ -n "$u" ]; then # the unified hierarchy
        grep -qx "$pid" "$u/cgbox/$NAME/cgroup.procs"
        grep -qx "0::/cgbox/$NAME" "/proc/$pid/cgroup"
    fi
}

@test "children of the command are born in the group" {
    new_name
    start_box "$NAME" -- sh -c "\"$PROBE\" sleep 30 & \"$PROBE\" sleep 30"
    wait_until 5 procs_at_least "$NAME" 2
    local dir pid
    dir=$(members_dir "$NAME")
    for pid in $(cat "$dir/cgroup.procs"); do
        grep -q "/cgbox/$NAME\$" "/proc/$pid/cgroup"
    done
}

@test "the command's exit status is passed on" {
    new_name
    run "$CGBOX" --name "$NAME" -- "$PROBE" exit 7
    echo "$output"
    [ "$status" -eq 7 ]
}

@test "a command that does not exist exits 127 with a message" {
    new_name
    run -127 "$CGBOX" --name "$NAME" -- "$T/no-such-command"
    echo "$output"
    [[ "$output" == *"cgbox: exec $T/no-such-command: No such file or directory"* ]]
}

@test "a file that is not executable exits 126" {
    new_name
    echo "not a program" >"$T/data"
    run -126 "$CGBOX" --name "$NAME" -- "$T/data"
    echo "$output"
    [[ "$output" == *"Permission denied"* ]]
}

@test "the group is removed when the command exits" {
    new_name
    run "$CGBOX" --name "$NAME" -- "$PROBE" exit 0
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"--- cgroup cgbox/$NAME"* ]]
    no_group "$NAME"
}

@test "processes left behind by the command are killed and the group removed" {
    new_name
    # sh exits at once; its background probe would outlive it without cgbox
    run "$CGBOX" --name "$NAME" -- sh -c "\"$PROBE\" sleep 60 >/dev/null & exit 3"
    echo "$output"
    [ "$status" -eq 3 ]
    no_group "$NAME"
    ! ps -eo args= | grep -q "^$PROBE sleep 60\$" || false
}

@test "SIGTERM sent to cgbox is forwarded to the command" {
    new_name
    start_box "$NAME" -- "$PROBE" trap
    wait_until 5 grep -q '^ready$' "$T/$NAME.out"
    kill -TERM "$BOX_PID"
    local status=0
    wait "$BOX_PID" || status=$?
    cat "$T/$NAME.out"
    [ "$status" -eq 143 ]
    grep -q "got signal 15" "$T/$NAME.out"
    no_group "$NAME"
}

@test "a default name is generated: cgbox-<8 hex digits>" {
    run "$CGBOX" -- "$PROBE" exit 0
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ "--- cgroup cgbox/cgbox-"[0-9a-f]{8}" (" ]]
    local name=${output#*cgroup cgbox/}
    name=${name%% *}
    no_group "$name"
}
