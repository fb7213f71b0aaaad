#!/usr/bin/env bats
# Lab 03 grader, part 2: ovl diff reads an upper dir like `docker diff`.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "ovl diff prints exactly the expected A/C/D lines for a scripted change" {
    make_stack
    local f1 f2 d1 d2 n1 n2
    f1=$(rand_name changed) f2=$(rand_name deleted) d1=$(rand_name replaced)
    d2=$(rand_name newdir) n1=$(rand_name new) n2=$(rand_name kept)
    mkdir -p "$L2/etc" "$L2/$d1/old" "$L1/var"
    echo a >"$L2/etc/$f1"
    echo b >"$L2/etc/$f2"
    echo c >"$L2/$d1/old/x"
    echo d >"$L2/$d1/$n2"
    echo e >"$L1/var/log"
    mount_stack
    echo more >>"$MNT/etc/$f1"          # C (copy-up)
    rm "$MNT/etc/$f2"                   # D (whiteout)
    rm -rf "${MNT:?}/$d1"               # the directory goes...
    mkdir "$MNT/$d1"                    # ...and comes back opaque
    echo again >"$MNT/$d1/$n2"          # C: existed below
    mkdir -p "$MNT/$d2/sub"             # A, A
    echo new >"$MNT/$d2/sub/$n1"        # A
    run "$OVL" diff "$UP" --lower "$L1" --lower "$L2"
    echo "$output"
    [ "$status" -eq 0 ]
    local expected
    expected=$(LC_ALL=C sort -k2 <<EOT
C /etc
C /etc/$f1
D /etc/$f2
C /$d1
D /$d1/old
C /$d1/$n2
A /$d2
A /$d2/sub
A /$d2/sub/$n1
EOT
)
    echo "expected:"
    echo "$expected"
    [ "$output" = "$expected" ]
}

@test "without lowers, everything in upper is added and whiteouts are deleted" {
    make_stack
    local name
    name=$(rand_name f)
    echo x >"$L2/$name"
    mkdir "$L2/dir"
    mount_stack
    rm "$MNT/$name"
    touch "$MNT/dir/new"
    run "$OVL" diff "$UP"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'D /%s\nA /dir\nA /dir/new' "$name" | LC_ALL=C sort -k2)" ]
}

@test "an empty upper dir has no changes" {
    make_stack
    run "$OVL" diff "$UP" --lower "$L2"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "a missing upper dir is refused and named" {
    run -125 "$OVL" diff "$T/none"
    echo "$output"
    [[ "$output" == "ovl: diff $T/none: open directory $T/none: No such file or directory" ]]
}
