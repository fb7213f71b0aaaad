#!/usr/bin/env bats
# Lab 02 grader, part 2: the limits reach the kernel's files, and the kernel
# enforces them (OOM killer, fork bomb, CPU quota).

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "--memory is written to memory.limit_in_bytes (v1) or memory.max (v2)" {
    new_name
    local mib=$((32 + RANDOM % 200)) dir file
    start_box "$NAME" --memory "${mib}m" -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    dir=$(group_dir memory "$NAME")
    if [ -f "$dir/memory.limit_in_bytes" ]; then file=memory.limit_in_bytes; else file=memory.max; fi
    echo "$dir/$file: $(cat "$dir/$file"), expected $((mib * 1048576))"
    [ "$(cat "$dir/$file")" -eq $((mib * 1048576)) ]
}

@test "--memory also bounds swap as Docker does (memory+swap = 2 x memory by default)" {
    new_name
    local mib=$((32 + RANDOM % 200)) dir
    start_box "$NAME" --memory "${mib}m" -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    dir=$(group_dir memory "$NAME")
    if [ -f "$dir/memory.memsw.limit_in_bytes" ]; then
        [ "$(cat "$dir/memory.memsw.limit_in_bytes")" -eq $((2 * mib * 1048576)) ]
    elif [ -f "$dir/memory.swap.max" ]; then
        [ "$(cat "$dir/memory.swap.max")" -eq $((mib * 1048576)) ]
    else
        skip "no swap accounting on this host"
    fi
}

@test "a memory hog is killed by the OOM killer: exit 137 and a report" {
    new_name
    run -137 "$CGBOX" --name "$NAME" --memory 32m -- "$PROBE" mem 256
    echo "$output"
    [[ "$output" != *"mem: done"* ]]
    [[ "$output" == *"cgbox: the command was killed by the OOM killer (memory limit 32MiB)"* ]]
    [[ "$output" =~ "OOM kills:  "[1-9] ]]
    [[ "$output" =~ "limit 32MiB" ]]
    no_group "$NAME"
}

@test "a program within its memory limit is not disturbed" {
    new_name
    run "$CGBOX" --name "$NAME" --memory 64m -- "$PROBE" mem 16
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"mem: done 16 MiB"* ]]
    [[ "$output" == *"OOM kills:  0"* ]]
}

@test "--pids-limit is written to pids.max" {
    new_name
    local n=$((10 + RANDOM % 90)) dir
    start_box "$NAME" --pids-limit "$n" -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    dir=$(group_dir pids "$NAME")
    [ "$(cat "$dir/pids.max")" = "$n" ]
}

@test "a fork bomb under --pids-limit 20 stops short of 20 with EAGAIN" {
    new_name
    # the probe signals its whole process group when done: give it its own
    # session, so that the signal stays away from Bats
    run setsid -w "$CGBOX" --name "$NAME" --pids-limit 20 -- "$PROBE" forkbomb
    echo "$output"
    [ "$status" -eq 0 ]
    local forked
    forked=$(kv forked <<<"$output")
    [ -n "$forked" ]
    [ "$forked" -lt 20 ]
    [ "$forked" -gt 0 ]
    [ "$(kv error <<<"$output")" = EAGAIN ]
    no_group "$NAME"
}

@test "--cpus is written to cpu.cfs_quota_us/cpu.cfs_period_us (v1) or cpu.max (v2)" {
    new_name
    local tenths=$((1 + RANDOM % 15)) dir quota
    quota=$((tenths * 10000))
    start_box "$NAME" --cpus "$((tenths / 10)).$((tenths % 10))" -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    dir=$(group_dir cpu "$NAME")
    if [ -f "$dir/cpu.cfs_quota_us" ]; then
        [ "$(cat "$dir/cpu.cfs_quota_us")" = "$quota" ]
        [ "$(cat "$dir/cpu.cfs_period_us")" = 100000 ]
    else
        [ "$(cat "$dir/cpu.max")" = "$quota 100000" ]
    fi
}

@test "a busy loop under --cpus 0.25 gets well under one CPU" {
    new_name
    run "$CGBOX" --name "$NAME" --cpus 0.25 -- "$PROBE" spin 2
    echo "$output"
    [ "$status" -eq 0 ]
    local cpu wall
    cpu=$(kv cpu <<<"$output")
    wall=$(kv wall <<<"$output")
    echo "cpu/wall = $cpu/$wall"
    # the ratio, never absolute times: 0.25 expected, 1 without the quota
    awk -v c="$cpu" -v w="$wall" 'BEGIN { exit !(w > 0 && c / w < 0.5 && c > 0) }'
}

@test "--cpu-shares is written to cpu.shares (v1) or cpu.weight (v2)" {
    new_name
    local dir
    start_box "$NAME" --cpu-shares 512 -- "$PROBE" sleep 30
    wait_for_probe "$NAME"
    dir=$(group_dir cpu "$NAME")
    if [ -f "$dir/cpu.shares" ]; then
        [ "$(cat "$dir/cpu.shares")" = 512 ]
    else
        [ "$(cat "$dir/cpu.weight")" = 20 ] # 1 + (512 - 2) * 9999 / 262142
    fi
}

@test "cgbox stats reports the limit and the tasks of a running group" {
    new_name
    local mib=$((32 + RANDOM % 64))
    start_box "$NAME" --memory "${mib}m" -- "$PROBE" spin 30
    wait_for_probe "$NAME"
    run "$CGBOX" stats "$NAME"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"limit ${mib}MiB"* ]]
    [[ "$output" == *"processes:  1"* ]]
    [[ "$output" == *"frozen:     no"* ]]
    [[ "$output" =~ "CPU time:   "[0-9]+\.[0-9]{3}s ]]
}
