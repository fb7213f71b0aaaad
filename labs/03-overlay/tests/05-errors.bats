#!/usr/bin/env bats
# Lab 03 grader, part 5: bad input is refused with exit status 125 and a
# message naming the input, before anything is mounted.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

nothing_mounted_under() {
    ! awk -v d="$1" 'index($5, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo || false
}

@test "bad -v specs are refused and named" {
    make_rootfs
    local spec
    for spec in "data" "/a:b" "/a:/b:rx" "/a:/b:ro,rw" "./rel:/b" "x:/b" "/a:/b:ro:x" "/a:/"; do
        run -125 "$OVL" attach -v "$spec" "$ROOTFS"
        echo "$output"
        [[ "$output" == "ovl: attach: invalid volume specification '$spec': "* ]]
    done
}

@test "a bad spec after good ones mounts nothing at all" {
    make_rootfs
    mkdir "$T/src"
    run -125 "$OVL" attach -v "$T/src:/ok" --tmpfs /run -v "/x:/y:bogus" "$ROOTFS"
    echo "$output"
    [[ "$output" == *"unknown option 'bogus'"* ]]
    nothing_mounted_under "$ROOTFS"
}

@test "bad --mount and --tmpfs specs are refused and named" {
    make_rootfs
    run -125 "$OVL" attach --mount "type=nfs,target=/x" "$ROOTFS"
    [ "$output" = "ovl: attach: invalid --mount 'type=nfs,target=/x': invalid value 'nfs' for 'type'" ]
    run -125 "$OVL" attach --mount "type=bind,target=/x" "$ROOTFS"
    [[ "$output" == *"a bind mount needs an absolute source path" ]]
    run -125 "$OVL" attach --mount "type=tmpfs,target=/x,tmpfs-size=huge" "$ROOTFS"
    [[ "$output" == *"invalid value 'huge' for 'tmpfs-size'" ]]
    run -125 "$OVL" attach --tmpfs "/run:size=1m,uid=0" "$ROOTFS"
    [[ "$output" == "ovl: attach: invalid --tmpfs '/run:size=1m,uid=0': unknown option 'uid=0'"* ]]
    nothing_mounted_under "$ROOTFS"
}

@test "a bind of a missing host path is refused and named" {
    make_rootfs
    run -125 "$OVL" attach -v "$T/missing:/data" "$ROOTFS"
    echo "$output"
    [ "$output" = "ovl: attach: bind source path does not exist: $T/missing" ]
}

@test "invalid volume names are refused" {
    local name
    for name in _x .x a "a/b" "a b" "a:b"; do
        run -125 "$OVL" volume create "$name" --root "$T/root"
        echo "$output"
        [[ "$output" == "ovl: volume create: invalid volume name '$name'"* ]]
    done
    [ ! -e "$T/root/volumes" ] || [ -z "$(ls -A "$T/root/volumes")" ]
}

@test "unknown commands and options are refused" {
    run -125 "$OVL" frobnicate
    [ "$output" = "ovl: unknown command 'frobnicate' (see ovl --help)" ]
    run -125 "$OVL" mount --lowr /x /y
    [ "$output" = "ovl: mount: unknown option '--lowr' (see ovl --help)" ]
    run -125 "$OVL" mount --lower
    [ "$output" = "ovl: mount: option '--lower' needs a value" ]
    run -125 "$OVL" volume
    [[ "$output" == "ovl: volume : "* ]] || [[ "$output" == "ovl: volume: "* ]]
}
