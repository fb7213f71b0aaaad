# common.bash — helpers shared by the Bats tests (lab graders and end-to-end).
bats_require_minimum_version 1.5.0
#
# Each test gets its own temporary directory ($T) that teardown removes, after
# unmounting anything left below it.  Names are random so answers cannot be
# hard-coded and parallel runs do not collide.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIXTURES=$TOP/tests/fixtures
PROBE=$FIXTURES/probe

# A random lower-case name with a prefix: rand_name box -> box-k3x9q2
rand_name() {
    local p=${1:-t}
    echo "$p-$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)"
}

# A fresh temporary directory for this test.
make_tmp() {
    T=$(mktemp -d /tmp/md-test.XXXXXX)
    export T
}

# Unmount every mount under $1 (deepest first), then remove the tree.
cleanup_tree() {
    local d=$1
    [ -n "$d" ] && [ -d "$d" ] || return 0
    awk -v d="$d" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
        sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    rm -rf "$d"
}

# A busybox root filesystem (with the probe at /bin/probe), built once per
# test file and copied per test with hard links where possible.
busybox_rootfs() {
    local dest=$1
    local cache=${BATS_FILE_TMPDIR:-/tmp}/busybox-rootfs
    if [ ! -d "$cache" ]; then
        "$FIXTURES/mkrootfs-busybox" "$cache.tmp" >/dev/null && mv "$cache.tmp" "$cache"
    fi
    cp -a "$cache" "$dest"
}

# Field value from "key=value" lines: kv KEY <<<"$output"
kv() {
    sed -n "s/^$1=//p" | head -n1
}

# Inode of one of the host's namespaces: host_ns net
host_ns() {
    readlink "/proc/self/ns/$1" | sed 's/.*\[\(.*\)\]/\1/'
}

MINIDOCK=$TOP/minidock/minidock
PTYRUN=$TOP/tests/lib/ptyrun.py

# minidock with the test's own root directory.
md() {
    "$MINIDOCK" --root "$T/root" "$@"
}

# The cgroup of a host pid in one v1 hierarchy (or "" for the unified one):
# cgroup_of PID memory -> /minidock/<id>
cgroup_of() {
    local pid=$1 ctl=$2
    if [ -z "$ctl" ]; then
        sed -n 's/^0:://p' "/proc/$pid/cgroup"
    else
        awk -F: -v c="$ctl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
            "/proc/$pid/cgroup"
    fi
}

# Directory of a v1 controller's hierarchy (memory, cpu, pids...), or "".
v1_mount() {
    awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $5 }' \
        /proc/self/mountinfo | head -n1
}

# Groups under the minidock/ parents, in every hierarchy (parents included).
minidock_cgroups() {
    find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -type d \( -name minidock -o -path '*/minidock/*' \) \
        2>/dev/null | sort
}

# Teardown helper: kill the background runtime and its container, then remove
# the cgroups that appeared since $1 (a minidock_cgroups listing taken in setup)
# and, when $2 is given, whose name is one of those ids (one per line): the
# test's own containers, not those of a test run beside it.
kill_and_clean_cgroups() {
    local before=$1 only=${2-all} d
    [ -n "${CPID:-}" ] && kill -KILL "$CPID" 2>/dev/null
    [ -n "${BG:-}" ] && kill -KILL "$BG" 2>/dev/null
    wait 2>/dev/null || true
    comm -13 <(echo "$before") <(minidock_cgroups) | sort -r | while read -r d; do
        [ -d "$d" ] || continue
        [ "$only" = all ] || grep -qxF "$(basename "$d")" <<<"$only" || continue
        for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.05; done
    done
}

# Start a runtime in the background ("$@" is its whole command line) and wait
# until its child, the container's PID 1, runs the probe.  Sets BG (the
# runtime) and CPID (the container's PID 1 as the host sees it).
start_container_bg() {
    "$@" &
    BG=$!
    for _ in $(seq 100); do
        CPID=$(pgrep -P "$BG" | head -n1)
        # comm changes at execve; the cmdline of the clone child would match early
        [ -n "$CPID" ] && [ "$(cat "/proc/$CPID/comm" 2>/dev/null)" = probe ] && return 0
        sleep 0.05
    done
    echo "the container did not start" >&2
    return 1
}

# A tar of the busybox root filesystem (probe included), built once per test
# file: busybox_tar -> prints its path.
busybox_tar() {
    local tar=${BATS_FILE_TMPDIR:-/tmp}/busybox-rootfs.tar
    if [ ! -f "$tar" ]; then
        local d=${BATS_FILE_TMPDIR:-/tmp}/busybox-tar-src
        rm -rf "$d"
        "$FIXTURES/mkrootfs-busybox" "$d" >/dev/null
        tar -C "$d" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
        rm -rf "$d"
    fi
    echo "$tar"
}

# Import the busybox root tar into the test's root as an image:
# import_busybox [REF] (default busybox:latest); prints the image ID.
import_busybox() {
    md import "$(busybox_tar)" "${1:-busybox:latest}"
}

# Teardown for tests that start containers: kill every container process and
# monitor of the test's root, then remove the cgroups they left.
kill_root_containers() {
    local d pid ids
    ids=$(ls "$T/root/containers" 2>/dev/null)
    for d in "$T"/root/containers/*/; do
        [ -f "$d/state.json" ] || continue
        for key in MonitorPid Pid; do
            pid=$(sed -n "s/.*\"$key\": *\([0-9][0-9]*\).*/\1/p" "$d/state.json" | head -n1)
            [ -n "$pid" ] && [ "$pid" -gt 0 ] && kill -KILL "$pid" 2>/dev/null
        done
    done
    kill_and_clean_cgroups "${CGROUPS_BEFORE:-}" "${ids:-none}"
}

# setup/teardown of the tests that run containers from the busybox image.
containers_setup() {
    make_tmp
    CGROUPS_BEFORE=$(minidock_cgroups)
    import_busybox >/dev/null
}
containers_teardown() {
    kill_root_containers
    cleanup_tree "$T"
}

# build_fails DOCKERFILE-PRINTF-FORMAT PATTERN: the build fails with 125 and its
# output matches the glob *PATTERN* (the context is $CTX).
build_fails() {
    printf "$1" > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ] && [[ "$output" == *$2* ]] ||
        { echo "build of $(cat "$CTX/Dockerfile"): status $status: $output" >&2; return 1; }
}
