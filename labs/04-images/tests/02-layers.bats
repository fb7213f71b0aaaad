#!/usr/bin/env bats
# Lab 04 grader, part 2: layers on disk — shared by ChainID, flattened by
# unpack, whiteouts in overlay form, and img layer create / apply.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "unpack gives a working root file system" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    img unpack busybox "$T/out"
    [ -x "$T/out/bin/busybox" ]
    [ "$(readlink "$T/out/bin/sh")" = busybox ]
    run -0 chroot "$T/out" /bin/sh -c 'echo hello from $(cat /etc/hostname)'
    [ "$output" = "hello from minidock" ]
}

@test "a layer is unpacked once, in ROOT/layers/<ChainID>" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    diff_id=$(sha256sum <"$T/bb.tar" | cut -c1-64)
    # one layer: its ChainID is its diff_id
    [ "$(ls "$ROOT/layers")" = "$diff_id" ]
    [ -x "$ROOT/layers/$diff_id/bin/busybox" ]
}

@test "the same layer imported twice is stored once" {
    busybox_tar "$T/bb.tar"
    a=$(rand_name a) b=$(rand_name b)
    img import "$T/bb.tar" "$a"
    ino=$(stat -c %i "$ROOT/layers"/*/bin/busybox)
    img import "$T/bb.tar" "$b"
    [ "$(ls "$ROOT/layers" | wc -l)" -eq 1 ]
    [ "$(stat -c %i "$ROOT/layers"/*/bin/busybox)" = "$ino" ]
    # one layer blob, a config and a manifest per image
    [ "$(count_blobs)" -eq 5 ]
    [ "$(find "$ROOT/images/blobs/sha256" -type f -size +100k | wc -l)" -eq 1 ]
}

@test "layer apply keeps whiteouts in overlay form" {
    evil_tar "$T/l.tar" d:etc f:etc/keep f:etc/.wh.motd d:var f:var/.wh..wh..opq
    mkdir "$T/dir"
    run -0 img layer apply "$T/l.tar" "$T/dir"
    echo "$output"
    [ "$(stat -c '%F %t:%T' "$T/dir/etc/motd")" = "character special file 0:0" ]
    [ "$(getfattr --only-values -n trusted.overlay.opaque "$T/dir/var" 2>/dev/null || \
        python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$T/dir/var")" = y ]
    [ ! -e "$T/dir/var/.wh..wh..opq" ]
    [ -f "$T/dir/etc/keep" ]
}

@test "layer apply --flatten deletes what whiteouts name" {
    mkdir -p "$T/dir/etc" "$T/dir/var/old"
    echo hi >"$T/dir/etc/motd"
    evil_tar "$T/l.tar" f:etc/.wh.motd d:var f:var/.wh..wh..opq f:var/new
    run -0 img layer apply --flatten "$T/l.tar" "$T/dir"
    [ ! -e "$T/dir/etc/motd" ]
    [ ! -e "$T/dir/var/old" ]
    [ -f "$T/dir/var/new" ]
}

@test "layer create prints the digest and the diff_id of a gzip blob" {
    busybox_rootfs "$T/rootfs"
    run -0 img layer create "$T/rootfs" "$T/layer.tgz"
    echo "$output"
    digest=$(kv digest <<<"$output") diff_id=$(kv diff_id <<<"$output")
    [ "$digest" = "sha256:$(sha256sum <"$T/layer.tgz" | cut -c1-64)" ]
    [ "$diff_id" = "sha256:$(gzip -dc "$T/layer.tgz" | sha256sum | cut -c1-64)" ]
    [ "$(kv size <<<"$output")" -eq "$(stat -c %s "$T/layer.tgz")" ]
    # and applying it back reports the same digests
    mkdir "$T/back"
    run -0 img layer apply "$T/layer.tgz" "$T/back"
    [ "$(kv diff_id <<<"$output")" = "$diff_id" ]
    [ "$(kv digest <<<"$output")" = "$digest" ]
    diff -r --no-dereference "$T/rootfs" "$T/back"
}

@test "layer apply keeps owners, modes and setuid bits" {
    mkdir -p "$T/src/bin"
    echo x >"$T/src/bin/su"
    chown 1234:5678 "$T/src/bin/su"
    chmod 4755 "$T/src/bin/su"
    touch -d @1000000000 "$T/src/bin/su"
    img layer create "$T/src" "$T/l.tgz"
    mkdir "$T/dst"
    img layer apply "$T/l.tgz" "$T/dst"
    [ "$(stat -c '%u:%g %a %Y' "$T/dst/bin/su")" = "1234:5678 4755 1000000000" ]
}
