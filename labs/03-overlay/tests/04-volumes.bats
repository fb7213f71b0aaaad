#!/usr/bin/env bats
# Lab 03 grader, part 4: bind mounts, named volumes and tmpfs, attached under
# a directory that stands for a container's root (`ovl attach`).

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "a read-only bind really rejects writes (EROFS), even for root" {
    make_rootfs
    local src=$T/$(rand_name src)
    mkdir "$src"
    echo host >"$src/f"
    run "$OVL" attach -v "$src:/data:ro" "$ROOTFS"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$(mount_opts "$ROOTFS/data")" == ro,* ]]
    [ "$(cat "$ROOTFS/data/f")" = host ]
    run touch "$ROOTFS/data/new"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
    run rm "$ROOTFS/data/f"
    [[ "$output" == *"Read-only file system"* ]]
    [ -f "$src/f" ]
}

@test "a read-only bind is read-only for the mounts below the source too" {
    make_rootfs
    local src=$T/$(rand_name src)
    mkdir -p "$src/sub"
    mount -t tmpfs tmpfs "$src/sub"
    run "$OVL" attach --mount "type=bind,source=$src,target=/data,readonly" "$ROOTFS"
    echo "$output"
    [ "$status" -eq 0 ]
    run touch "$ROOTFS/data/sub/x"
    echo "$output"
    [[ "$output" == *"Read-only file system"* ]]
    touch "$src/sub/x" # the host's own mount stays writable
}

@test "a read-write bind shares the files with the host" {
    make_rootfs
    local src=$T/$(rand_name src) word
    word=$(rand_name w)
    mkdir "$src"
    "$OVL" attach -v "$src:/srv/data" "$ROOTFS"
    [[ "$(mount_opts "$ROOTFS/srv/data")" == rw,* ]]
    echo "$word" >"$ROOTFS/srv/data/f"
    [ "$(cat "$src/f")" = "$word" ]
}

@test "a bind of a single file works (mount point created as a file)" {
    make_rootfs
    echo "127.0.0.1 x" >"$T/hosts"
    "$OVL" attach -v "$T/hosts:/etc/hosts:ro" "$ROOTFS"
    [ -f "$ROOTFS/etc/hosts" ]
    [ "$(cat "$ROOTFS/etc/hosts")" = "127.0.0.1 x" ]
}

@test "a named volume is created under --root and its data persists" {
    make_rootfs
    local name word
    name=$(rand_name vol) word=$(rand_name w)
    run "$OVL" attach --root "$T/root" -v "$name:/data" "$ROOTFS"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"volume $name (new) -> $ROOTFS/data"* ]]
    [[ "$(mount_line "$ROOTFS/data")" == *" /volumes/$name/_data $ROOTFS/data "* ]] ||
        [[ "$(mount_line "$ROOTFS/data")" == *"/volumes/$name/_data $ROOTFS/data "* ]]
    echo "$word" >"$ROOTFS/data/f"
    umount "$ROOTFS/data"
    [ "$(cat "$T/root/volumes/$name/_data/f")" = "$word" ]
    # a second container finds the same data
    make_rootfs
    run "$OVL" attach --root "$T/root" -v "$name:/other" "$ROOTFS"
    [[ "$output" == "volume $name -> $ROOTFS/other" ]]
    [ "$(cat "$ROOTFS/other/f")" = "$word" ]
}

@test "a new volume is filled from the image's content at that path, keeping owners" {
    make_rootfs
    local name
    name=$(rand_name vol)
    mkdir -p "$ROOTFS/var/lib/app"
    echo image >"$ROOTFS/var/lib/app/seed"
    ln -s seed "$ROOTFS/var/lib/app/link"
    chown 999:998 "$ROOTFS/var/lib/app" "$ROOTFS/var/lib/app/seed"
    "$OVL" attach --root "$T/root" -v "$name:/var/lib/app" "$ROOTFS"
    local data=$T/root/volumes/$name/_data
    [ "$(cat "$data/seed")" = image ]
    [ "$(readlink "$data/link")" = seed ]
    [ "$(stat -c %u:%g "$data/seed")" = 999:998 ]
    [ "$(stat -c %u:%g "$data")" = 999:998 ]
}

@test "a volume that is not empty is not filled again; nocopy fills nothing" {
    make_rootfs
    local name
    name=$(rand_name vol)
    mkdir -p "$ROOTFS/app"
    echo image >"$ROOTFS/app/seed"
    "$OVL" volume create "$name" --root "$T/root"
    echo mine >"$T/root/volumes/$name/_data/own"
    "$OVL" attach --root "$T/root" -v "$name:/app" "$ROOTFS"
    [ ! -e "$T/root/volumes/$name/_data/seed" ]
    make_rootfs
    mkdir -p "$ROOTFS/app"
    echo image >"$ROOTFS/app/seed"
    "$OVL" attach --root "$T/root" -v "$(rand_name other):/app:nocopy" "$ROOTFS"
    [ -z "$(ls -A "$ROOTFS/app")" ]
}

@test "ovl volume create, ls, inspect and rm manage ROOT/volumes" {
    local a b
    a=$(rand_name va) b=$(rand_name vb)
    run "$OVL" volume create "$a" --root "$T/root"
    [ "$output" = "$a" ]
    "$OVL" volume create "$b" --root "$T/root"
    [ -d "$T/root/volumes/$a/_data" ]
    run "$OVL" volume ls --root "$T/root"
    echo "$output"
    [ "$output" = "$(printf 'DRIVER    VOLUME NAME\n%s\n' "$(printf 'local     %s\n' "$a" "$b" | LC_ALL=C sort)")" ]
    run "$OVL" volume inspect "$a" --root "$T/root"
    echo "$output"
    [[ "$output" == *"\"Mountpoint\": \"$T/root/volumes/$a/_data\""* ]]
    [[ "$output" == *"\"Name\": \"$a\""* ]]
    [[ "$output" == *"\"Driver\": \"local\""* ]]
    run "$OVL" volume rm "$a" --root "$T/root"
    [ "$output" = "$a" ]
    [ ! -e "$T/root/volumes/$a" ]
    run -125 "$OVL" volume rm "$a" --root "$T/root"
    [ "$output" = "ovl: volume rm: no such volume: $a" ]
}

@test "an anonymous volume gets a 64-hex name" {
    make_rootfs
    run "$OVL" attach --root "$T/root" -v /cache "$ROOTFS"
    echo "$output"
    [[ "$output" =~ ^volume\ [0-9a-f]{64}\ \(new\)\ -\>\ $ROOTFS/cache$ ]]
    [ "$(ls "$T/root/volumes" | wc -l)" -eq 1 ]
}

@test "a tmpfs size limit holds: writing beyond it fails with ENOSPC" {
    make_rootfs
    local mib=$((2 + RANDOM % 6))
    run "$OVL" attach --tmpfs "/scratch:size=${mib}m,mode=1777" "$ROOTFS"
    echo "$output"
    [ "$status" -eq 0 ]
    run mount_fs "$ROOTFS/scratch"
    [[ "$output" == "tmpfs "*"size=$((mib * 1024))k"* ]]
    run dd if=/dev/zero of="$ROOTFS/scratch/big" bs=1M count=$((mib + 4))
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"No space left on device"* ]]
    [ "$(stat -c %s "$ROOTFS/scratch/big")" -le $((mib * 1048576)) ]
}

@test "a tmpfs gets its mode and Docker's nosuid,nodev,noexec" {
    make_rootfs
    "$OVL" attach --mount type=tmpfs,target=/run,tmpfs-mode=750 "$ROOTFS"
    [ "$(stat -c %a "$ROOTFS/run")" = 750 ]
    local opts
    opts=$(mount_opts "$ROOTFS/run")
    echo "$opts"
    [[ ",$opts," == *",nosuid,"* ]]
    [[ ",$opts," == *",nodev,"* ]]
    [[ ",$opts," == *",noexec,"* ]]
}
