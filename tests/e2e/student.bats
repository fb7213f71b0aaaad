#!/usr/bin/env bats
# make student: the starter tree keeps the explanations, drops the solutions,
# builds, and fails cleanly where the student has work to do.

load ../lib/common

setup() { make_tmp; chmod 755 "$T"; }
teardown() { cleanup_tree "$T"; }

@test "the starter tree replaces every LAB block by a TODO that fails cleanly" {
    run "$TOP/scripts/make-student" "$T/student"
    [ "$status" -eq 0 ]
    total=$(grep -c 'LAB([0-9]*):' "$TOP"/labs/*/*.c | awk -F: '{s += $2} END {print s}')
    [[ "$output" == *"$total blocks turned into TODOs"* ]]
    ! grep -q 'SYS_pivot_root' "$T/student/labs/01-namespaces/namespaces.c" || false
    ! grep -q 'write_limit(dir, "memory.limit_in_bytes", memory' "$T/student/labs/02-cgroups/cgroups.c" || false
    grep -q 'TODO(lab 1): switch to the new root with pivot_root' "$T/student/labs/01-namespaces/namespaces.c"
    make -s -C "$T/student" labs >/dev/null 2>&1
    busybox_rootfs "$T/rootfs"
    run -125 "$T/student/labs/01-namespaces/nsbox" -r "$T/rootfs" -- /bin/true
    [[ "$output" == "nsbox: TODO lab 1: "* ]]
}

@test "the starter of lab 2 keeps lab 1 solved" {
    "$TOP/scripts/make-student" --lab 2 "$T/student" >/dev/null
    grep -q 'SYS_pivot_root' "$T/student/labs/01-namespaces/namespaces.c"
    make -s -C "$T/student" labs >/dev/null 2>&1
    busybox_rootfs "$T/rootfs"
    name=$(rand_name box)
    run "$T/student/labs/01-namespaces/nsbox" -r "$T/rootfs" -h "$name" -- /bin/hostname
    [ "$output" = "$name" ]
    run -125 "$T/student/labs/02-cgroups/cgbox" --pids-limit 5 -- /bin/true
    [[ "$output" == *"TODO lab 2: "* ]]
}

@test "make-student refuses to write inside the sources" {
    run "$TOP/scripts/make-student" "$TOP/labs/oops"
    [ "$status" -eq 1 ]
    [ ! -e "$TOP/labs/oops" ]
}
