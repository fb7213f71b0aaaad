#!/usr/bin/env bats
# Lab 03 grader, part 3: ovl layer turns an upper dir into an OCI layer tar.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

# An upper dir with a change of every kind, made by the kernel itself.
make_changes() {
    make_stack
    GONE=$(rand_name gone) OPQ=$(rand_name opq) NEWF=$(rand_name new)
    mkdir -p "$L2/$OPQ"
    touch "$L2/$GONE" "$L2/$OPQ/old" "$L2/keep"
    mount_stack
    rm "$MNT/$GONE"
    rm -rf "${MNT:?}/$OPQ"
    mkdir "$MNT/$OPQ"
    echo hello >"$MNT/$OPQ/$NEWF"
    echo changed >"$MNT/keep"
    "$OVL" umount "$MNT"
}

@test "ovl layer writes .wh. files for whiteouts and .wh..wh..opq for opaque dirs" {
    make_changes
    run "$OVL" layer "$UP" "$T/layer.tar"
    [ "$status" -eq 0 ]
    run tar -tvf "$T/layer.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ "-rw------- 0/0"\ +"0 "[^$'\n']*" .wh.$GONE" ]]
    [[ "$output" == *" $OPQ/"$'\n'*" $OPQ/.wh..wh..opq"* ]]
    [[ "$output" == *" $OPQ/$NEWF"* ]]
    [[ "$output" == *" keep"* ]]
    # the whiteout device itself never reaches the layer
    ! tar -tf "$T/layer.tar" | grep -qx "$GONE" || false
}

@test "entries come in sorted order, directories first, without the root" {
    make_changes
    "$OVL" layer "$UP" "$T/layer.tar"
    run tar -tf "$T/layer.tar"
    echo "$output"
    local names
    names=$(tar -tf "$T/layer.tar" | sed 's,/$,,; s,\.wh\.\.wh\.\.opq$,,; s,/$,,; s,\.wh\.,,')
    [ "$names" = "$(LC_ALL=C sort <<<"$names")" ]
    [[ "$(head -n1 <<<"$output")" != "./" ]]
}

@test "the layer keeps owners, modes, symlinks and hard links" {
    make_stack
    local uid=$((1000 + RANDOM % 1000))
    echo x >"$UP/file"
    chown "$uid:$((uid + 1))" "$UP/file"
    chmod 4751 "$UP/file"
    ln -s /etc/hostname "$UP/link"
    ln "$UP/file" "$UP/hard"
    mkfifo "$UP/fifo"
    "$OVL" layer "$UP" "$T/layer.tar"
    run tar --numeric-owner -tvf "$T/layer.tar"
    echo "$output"
    [[ "$output" =~ "-rwsr-x--x $uid/$((uid + 1))"\ +"2 "[^$'\n']*" file" ]]
    [[ "$output" == *" hard link to file"* ]]
    [[ "$output" == *" link -> /etc/hostname"* ]]
    [[ "$output" =~ "prw-r--r--"[^$'\n']*" fifo" ]]
}

@test "the same upper dir gives the same bytes: layers are reproducible" {
    make_changes
    "$OVL" layer "$UP" "$T/a.tar"
    sleep 1
    "$OVL" layer "$UP" - >"$T/b.tar"
    [ "$(sha256sum <"$T/a.tar")" = "$(sha256sum <"$T/b.tar")" ]
}

@test "the layer unpacks to the same content" {
    make_changes
    "$OVL" layer "$UP" "$T/layer.tar"
    mkdir "$T/x"
    tar -xf "$T/layer.tar" -C "$T/x"
    [ "$(cat "$T/x/$OPQ/$NEWF")" = hello ]
    [ "$(cat "$T/x/keep")" = changed ]
    [ -f "$T/x/.wh.$GONE" ]
    [ ! -s "$T/x/.wh.$GONE" ]
}

@test "a layer of a missing upper fails and leaves no file behind" {
    run -125 "$OVL" layer "$T/none" "$T/out.tar"
    echo "$output"
    [[ "$output" == "ovl: layer of $T/none: open directory $T/none"* ]]
    [ ! -e "$T/out.tar" ]
}
