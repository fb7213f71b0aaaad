#!/usr/bin/env bats
# minidock's front door: help, version, info, unknown verbs and flags.

load ../lib/common

setup() { make_tmp; }
teardown() { cleanup_tree "$T"; }

@test "--help lists the verbs" {
    run md --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage:  minidock [OPTIONS] COMMAND"* ]]
    for v in info run spec version; do [[ "$output" == *"  $v "* ]]; done
}

@test "each verb has --help" {
    for v in info run spec; do
        run md "$v" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "Usage:  minidock $v"* ]]
    done
}

@test "version prints the client version and platform" {
    run md version
    [ "$status" -eq 0 ]
    [[ "$output" == *"Version:           0."* ]]
    [[ "$output" == *"OS/Arch:           linux/"* ]]
}

@test "an unknown verb or flag exits 125 with a message" {
    run -125 md frobnicate
    [[ "$output" == *"'frobnicate' is not a minidock command"* ]]
    run -125 md --frobnicate
    [[ "$output" == *"unknown flag: --frobnicate"* ]]
    run -125 md --log-level chatty info
    [[ "$output" == *"unknown log level 'chatty'"* ]]
}

@test "info reports kernel, cgroups, overlay, seccomp, user namespaces and capabilities" {
    run md info
    [ "$status" -eq 0 ]
    [[ "$output" == *"Kernel Version:    $(uname -r)"* ]]
    [[ "$output" == *"Root Dir:          $T/root"* ]]
    [[ "$output" == *"Storage Driver:    overlay"* ]]
    [[ "$output" == *"Seccomp:           yes"* ]]
    [[ "$output" == *"User Namespaces:   yes"* ]]
    [[ "$output" == *"Capabilities:"* ]]
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
        [[ "$output" == *"Cgroup Version:    v2"* ]]
    elif [ -d /sys/fs/cgroup/unified ]; then
        [[ "$output" == *"Cgroup Version:    hybrid"* ]]
    else
        [[ "$output" == *"Cgroup Version:    v1"* ]]
    fi
    [[ "$output" =~ memory\ +yes ]]
}

@test "info follows MINIDOCK_CGROUP when forced" {
    MINIDOCK_CGROUP=v1 run md info
    [[ "$output" == *"Cgroup Version:    v1"* ]] || [[ "$output" == *"Cgroups:           unusable"* ]]
}

@test "MINIDOCK_ROOT sets the root directory" {
    MINIDOCK_ROOT=$T/other run "$MINIDOCK" info
    [[ "$output" == *"Root Dir:          $T/other"* ]]
}
