#!/usr/bin/env bats
# Lab 03 grader, part 1: ovl mount builds a real overlay, and the kernel does
# copy-up, whiteouts and opaque directories in the upper dir.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "ovl mount: mountinfo shows an overlay with the lowerdir, upperdir and workdir given" {
    make_stack
    run mount_stack
    echo "$output"
    [ "$status" -eq 0 ]
    run mount_fs "$MNT"
    echo "$output"
    [[ "$output" == "overlay "* ]]
    [[ "$output" == *"lowerdir=$L1:$L2,"* ]]
    [[ "$output" == *"upperdir=$UP,"* ]]
    [[ "$output" == *"workdir=$WK"* ]]
}

@test "the merged view shows every layer, the top one winning" {
    make_stack
    local name v1 v2
    name=$(rand_name f)
    v1=$(rand_name top) v2=$(rand_name base)
    echo "$v1" >"$L1/$name"
    echo "$v2" >"$L2/$name"
    echo only-base >"$L2/base-only"
    mount_stack
    [ "$(cat "$MNT/$name")" = "$v1" ]
    [ "$(cat "$MNT/base-only")" = only-base ]
}

@test "copy-up: writing a lower file through the mount copies it to upper, the lower stays" {
    make_stack
    local name
    name=$(rand_name file)
    echo original >"$L2/$name"
    mount_stack
    [ ! -e "$UP/$name" ]
    echo appended >>"$MNT/$name"
    [ "$(cat "$L2/$name")" = original ]
    [ "$(cat "$UP/$name")" = "$(printf 'original\nappended')" ]
}

@test "deleting a lower file leaves a whiteout in upper: a character device 0/0" {
    make_stack
    local name
    name=$(rand_name gone)
    echo x >"$L2/$name"
    mount_stack
    rm "$MNT/$name"
    [ ! -e "$MNT/$name" ]
    [ -e "$L2/$name" ]
    run file_kind "$UP/$name"
    echo "$output"
    [ "$output" = "character special file 0:0" ]
}

@test "rm -rf of a lower dir then mkdir gives an opaque dir (trusted.overlay.opaque=y)" {
    make_stack
    local d
    d=$(rand_name dir)
    mkdir -p "$L2/$d/sub"
    touch "$L2/$d/a" "$L2/$d/sub/b"
    mount_stack
    rm -rf "${MNT:?}/$d"
    mkdir "$MNT/$d"
    run xattr "$UP/$d" trusted.overlay.opaque
    echo "$output"
    [ "$output" = y ]
    [ -z "$(ls -A "$MNT/$d")" ]
    [ -e "$L2/$d/a" ]
}

@test "ovl umount removes the overlay and keeps the upper dir" {
    make_stack
    mount_stack
    echo data >"$MNT/new"
    run "$OVL" umount "$MNT"
    [ "$status" -eq 0 ]
    ! is_mounted "$MNT" || false
    [ "$(cat "$UP/new")" = data ]
}

@test "a 60-layer stack mounts although its lowerdir= exceeds one page" {
    local args=() i d total=0
    mkdir -p "$T/u" "$T/w" "$T/m"
    for i in $(seq 60); do
        d=$T/layers/$(rand_name "l$i")-$(head -c 32 /dev/urandom | sha256sum | cut -c1-56)
        mkdir -p "$d"
        echo "$i" >"$d/file-$i"
        args+=(--lower "$d")
        total=$((total + ${#d} + 1))
    done
    echo "lowerdir= would need $total bytes"
    [ "$total" -gt 4096 ]
    run "$OVL" mount "${args[@]}" --upper "$T/u" --work "$T/w" "$T/m"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$(mount_fs "$T/m")" == "overlay "* ]]
    for i in $(seq 60); do
        [ "$(cat "$T/m/file-$i")" = "$i" ]
    done
}

@test "without --upper the overlay is read-only: writes fail with EROFS" {
    make_stack
    echo x >"$L2/f"
    run "$OVL" mount --lower "$L1" --lower "$L2" "$MNT"
    [ "$status" -eq 0 ]
    run touch "$MNT/new"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
}

@test "a missing lower directory is refused and named" {
    make_stack
    run -125 "$OVL" mount --lower "$T/nope" --upper "$UP" --work "$WK" "$MNT"
    echo "$output"
    [[ "$output" == "ovl: mount: lower directory $T/nope: No such file or directory" ]]
    ! is_mounted "$MNT" || false
}
