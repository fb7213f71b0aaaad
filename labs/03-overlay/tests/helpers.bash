# helpers.bash — what the lab 03 grader needs besides tests/lib/common.bash.
#
# The grader looks at the kernel's own view (/proc/self/mountinfo, stat of
# the upper dir, xattrs), not only at ovl's output.  Every test works in its
# own $T, with random names; teardown unmounts everything under $T (deepest
# first, lazily) and removes it, even when the test failed.

OVL=$TOP/labs/03-overlay/ovl

setup() {
    # a failure, not a skip: the grader counts skips as points
    [ -x "$OVL" ] || { echo "ovl is not built: make -C labs/03-overlay"; return 1; }
    grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
    make_tmp
}

teardown() {
    cleanup_tree "$T"
}

# The mountinfo line of the mount at $1 ("" if none).
mount_line() {
    awk -v m="$1" '$5 == m' /proc/self/mountinfo | tail -n1
}

# File system type and super options of the mount at $1: "overlay rw,lowerdir=..."
mount_fs() {
    mount_line "$1" | awk '{ for (i = 7; $i != "-"; i++) ; print $(i + 1), $(i + 3) }'
}

# Per-mount options (ro/rw, nosuid...) of the mount at $1.
mount_opts() {
    mount_line "$1" | awk '{ print $6 }'
}

is_mounted() {
    [ -n "$(mount_line "$1")" ]
}

# An overlay of two random lowers under $T: sets L1 (top), L2, UP, WK, MNT.
make_stack() {
    L1=$T/$(rand_name top)
    L2=$T/$(rand_name base)
    UP=$T/$(rand_name upper)
    WK=$T/$(rand_name work)
    MNT=$T/$(rand_name merged)
    mkdir -p "$L1" "$L2" "$UP" "$WK" "$MNT"
}

mount_stack() {
    "$OVL" mount --lower "$L1" --lower "$L2" --upper "$UP" --work "$WK" "$MNT"
}

xattr() {
    python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$1" "$2"
}

# "character special file 0:0" for a whiteout
file_kind() {
    stat -c '%F %t:%T' "$1"
}

# A directory standing for a container's root (the "image" content is up to
# the test): sets ROOTFS.
make_rootfs() {
    ROOTFS=$T/$(rand_name rootfs)
    mkdir -p "$ROOTFS"
}
