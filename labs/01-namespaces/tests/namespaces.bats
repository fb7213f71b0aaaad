#!/usr/bin/env bats
# Grader of lab 01: each check looks at the kernel's view of the container
# from the host (or asks the probe inside), never only at nsbox's own output.

load ../../../tests/lib/common

NSBOX=$TOP/labs/01-namespaces/nsbox

setup() {
    make_tmp
    chmod 755 "$T"          # --user maps root to uid 100000, which must reach the rootfs
    R=$T/rootfs
    busybox_rootfs "$R"
}

teardown() {
    [ -n "${BG:-}" ] && kill -KILL "$BG" 2>/dev/null; wait 2>/dev/null || true
    cleanup_tree "$T"
}

# Start a long-running container in the background; sets BG (nsbox) and CPID
# (the container's PID 1 as the host sees it).
start_bg() {
    start_container_bg "$NSBOX" "$@"
}

@test "every namespace of the container differs from the host's" {
    start_bg -r "$R" -- /bin/probe sleep 30
    for ns in mnt uts ipc pid net cgroup; do
        [ "$(readlink /proc/$CPID/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
            { echo "namespace $ns is shared with the host"; return 1; }
    done
    # without --user, the user namespace is the host's
    [ "$(readlink /proc/$CPID/ns/user)" = "$(readlink /proc/self/ns/user)" ]
}

@test "the hostname is set inside and unchanged outside" {
    name=$(rand_name box)
    before=$(hostname)
    run "$NSBOX" -r "$R" -h "$name" -- /bin/hostname
    [ "$status" -eq 0 ]
    [ "$output" = "$name" ]
    [ "$(hostname)" = "$before" ]
}

@test "the command is PID 1 and sees only its own processes" {
    run "$NSBOX" -r "$R" -- /bin/probe info
    [ "$status" -eq 0 ]
    [ "$(kv pid <<<"$output")" = 1 ]
    [ "$(kv procs <<<"$output")" = 1 ]
}

@test "a fresh /proc is mounted: ps lists only the container" {
    run "$NSBOX" -r "$R" -- /bin/ps -o pid,comm
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 2 ]       # header + ps itself
    [[ "${lines[1]}" =~ ^\ *1\ ps$ ]]
}

@test "host files are invisible and the old root is detached" {
    secret=$(rand_name secret)
    echo hidden >"$T/$secret"
    run "$NSBOX" -r "$R" -- /bin/sh -c "ls /tmp /; find / -name '$secret' -xdev 2>/dev/null; cat /proc/self/mountinfo"
    [ "$status" -eq 0 ]
    ! grep -q "$secret" <<<"$output" || false
    # no mount point of the host's tree in mountinfo (field 4, the root of a bind mount
    # within its file system, does name the directory, as for any bind mount)
    ! awk '{print $5}' <<<"$output" | grep -q "$T" || false
    run "$NSBOX" -r "$R" -- /bin/probe mountinfo
    [ "${lines[0]}" = "/" ]
    # the only mounts are the container's own: /, /proc..., /dev..., /sys...
    for m in "${lines[@]}"; do
        [[ "$m" == / || "$m" == /proc* || "$m" == /dev* || "$m" == /sys* ]] ||
            { echo "unexpected mount $m"; return 1; }
    done
}

@test "nothing leaks into the host's mount table, during or after the run" {
    # Put the rootfs under a *shared* mount, as on systemd hosts: without a
    # private "/", every mount the container makes would propagate here.
    mount --bind "$T" "$T"
    mount --make-rshared "$T"
    before=$(wc -l </proc/self/mountinfo)
    start_bg -r "$R" -- /bin/probe sleep 30
    ! grep -q " $R/" /proc/self/mountinfo || false
    [ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
    kill "$BG"; wait "$BG" 2>/dev/null || true; BG=
    [ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
}

@test "/dev holds only the six devices, pts, shm, mqueue and the fd links" {
    run "$NSBOX" -r "$R" -- /bin/ls /dev
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" ]
    run "$NSBOX" -r "$R" -- /bin/sh -c 'echo hi >/dev/null && head -c 4 /dev/zero | wc -c'
    [ "$output" = 4 ]
}

@test "Docker's 14 capabilities: CapEff and CapBnd are 00000000a80425fb" {
    run "$NSBOX" -r "$R" -- /bin/probe info
    [ "$(kv CapEff <<<"$output")" = 00000000a80425fb ]
    [ "$(kv CapBnd <<<"$output")" = 00000000a80425fb ]
    [ "$(kv CapInh <<<"$output")" = 0000000000000000 ]
    # and the host's process sees the same mask for the container's pid
    start_bg -r "$R" -- /bin/probe sleep 30
    grep -q 'CapEff:.*00000000a80425fb' "/proc/$CPID/status"
}

@test "seccomp is in filter mode and no_new_privs is off by default" {
    run "$NSBOX" -r "$R" -- /bin/probe info
    [ "$(kv Seccomp <<<"$output")" = 2 ]
    [ "$(kv NoNewPrivs <<<"$output")" = 0 ]
}

@test "--security-opt no-new-privileges sets no_new_privs" {
    run "$NSBOX" -r "$R" --security-opt no-new-privileges -- /bin/probe info
    [ "$(kv NoNewPrivs <<<"$output")" = 1 ]
}

@test "mount, unshare, setns, keyctl and open_by_handle_at are denied" {
    run "$NSBOX" -r "$R" -- /bin/probe try mount unshare setns keyctl open_by_handle_at bpf
    [ "$status" -eq 0 ]
    [ "$(kv mount <<<"$output")" = EPERM ]
    [ "$(kv unshare <<<"$output")" = EPERM ]
    [ "$(kv setns <<<"$output")" = EPERM ]
    [ "$(kv keyctl <<<"$output")" = EPERM ]
    [ "$(kv open_by_handle_at <<<"$output")" = EPERM ]
    [ "$(kv bpf <<<"$output")" = EPERM ]
}

@test "the same operations work with --privileged, which keeps every capability" {
    run "$NSBOX" -r "$R" --privileged -- /bin/probe info
    [ "$(kv Seccomp <<<"$output")" = 0 ]
    host_eff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
    [ "$(kv CapEff <<<"$output")" = "$host_eff" ]
    run "$NSBOX" -r "$R" --privileged -- /bin/probe try mount unshare
    [ "$(kv mount <<<"$output")" = ok ]
    [ "$(kv unshare <<<"$output")" = ok ]
}

@test "--cap-drop and --cap-add change the sets" {
    run "$NSBOX" -r "$R" --cap-drop ALL -- /bin/probe info
    [ "$(kv CapEff <<<"$output")" = 0000000000000000 ]
    run "$NSBOX" -r "$R" --cap-drop NET_RAW --cap-add NET_ADMIN -- /bin/probe info
    # a80425fb - NET_RAW (bit 13) + NET_ADMIN (bit 12)
    [ "$(kv CapEff <<<"$output")" = 00000000a80415fb ]
}

@test "masked paths: /proc/kcore, /proc/keys and /proc/timer_list read as empty" {
    for f in /proc/kcore /proc/keys /proc/timer_list; do
        [ -e "$f" ] || continue      # some kernels have no /proc/kcore
        run "$NSBOX" -r "$R" -- /bin/probe read "$f"
        [ "$output" = "read $f=ok:0" ] || { echo "$f: $output"; return 1; }
    done
}

@test "read-only paths: /proc/sys and /proc/sysrq-trigger cannot be written" {
    run "$NSBOX" -r "$R" -- /bin/probe write /proc/sys/kernel/hostname x
    [ "$output" = "write /proc/sys/kernel/hostname=EROFS" ]
    if [ -e /proc/sysrq-trigger ]; then
        run "$NSBOX" -r "$R" -- /bin/probe write /proc/sysrq-trigger h
        [ "$output" = "write /proc/sysrq-trigger=EROFS" ]
    fi
}

@test "the network namespace has only lo, and it is up" {
    run "$NSBOX" -r "$R" -- /bin/probe info
    [ "$(kv ifaces <<<"$output")" = lo ]
    run "$NSBOX" -r "$R" -- /bin/cat /sys/class/net/lo/operstate /sys/class/net/lo/flags
    [ "${lines[1]}" = 0x9 ]      # IFF_UP | IFF_LOOPBACK
}

@test "--user maps root inside to uid 100000 outside" {
    start_bg -r "$R" --user -- /bin/probe sleep 30
    [ "$(readlink /proc/$CPID/ns/user)" != "$(readlink /proc/self/ns/user)" ]
    read -r inside outside count <"/proc/$CPID/uid_map"
    [ "$inside $outside $count" = "0 100000 65536" ]
    awk '/^Uid:/ {print $2}' "/proc/$CPID/status" | grep -qx 100000
    run "$NSBOX" -r "$R" --user -- /bin/probe info
    [ "$(kv uid <<<"$output")" = 0 ]
}

@test "-u runs as another user, with no effective capabilities" {
    run "$NSBOX" -r "$R" -u nobody -- /bin/probe info
    [ "$(kv uid <<<"$output")" = 65534 ]
    [ "$(kv gid <<<"$output")" = 65534 ]
    [ "$(kv CapEff <<<"$output")" = 0000000000000000 ]
    run "$NSBOX" -r "$R" -u 1234:100 -- /bin/id
    [ "$output" = "uid=1234 gid=100(users) groups=100(users)" ]
}

@test "-e and -w set the environment and working directory" {
    val=$(rand_name v)
    run "$NSBOX" -r "$R" -e "GREETING=$val" -w /srv/app -- /bin/sh -c 'echo $GREETING; pwd'
    [ "${lines[0]}" = "$val" ]
    [ "${lines[1]}" = /srv/app ]
}

@test "exit status: the command's own, 127 when not found, 126 when not executable" {
    run "$NSBOX" -r "$R" -- /bin/sh -c 'exit 42'
    [ "$status" -eq 42 ]
    run -127 "$NSBOX" -r "$R" -- no-such-command
    [ "$status" -eq 127 ]
    [[ "$output" == *'exec: "no-such-command": executable file not found in $PATH'* ]]
    run -126 "$NSBOX" -r "$R" -- /etc/passwd
    [ "$status" -eq 126 ]
}

@test "setup errors inside the child reach the user with status 125" {
    run "$NSBOX" -r "$R" -u no-such-user -- /bin/true
    [ "$status" -eq 125 ]
    [[ "$output" == *"unable to find user no-such-user"* ]]
    run "$NSBOX" -r "$R" -w /etc/passwd -- /bin/true
    [ "$status" -eq 125 ]
    [[ "$output" == *"working directory /etc/passwd"* ]]
    run "$NSBOX" -r "$T/missing" -- /bin/true
    [ "$status" -eq 125 ]
    [[ "$output" == *"$T/missing"* ]]
}

@test "--init runs a reaper as PID 1 that passes the command's status on" {
    run "$NSBOX" -r "$R" --init -- /bin/probe info
    [ "$(kv pid <<<"$output")" = 2 ]
    [ "$(kv ppid <<<"$output")" = 1 ]
    run "$NSBOX" -r "$R" --init -- /bin/sh -c 'exit 7'
    [ "$status" -eq 7 ]
}

@test "signals sent to nsbox reach the command (with and without --init)" {
    for init in "" --init; do
        "$NSBOX" -r "$R" $init -- /bin/probe trap >"$T/out" &
        BG=$!
        for _ in $(seq 100); do grep -q ready "$T/out" && break; sleep 0.05; done
        kill -TERM "$BG"
        wait "$BG" && st=0 || st=$?
        BG=
        [ "$st" -eq 143 ] || { echo "init='$init' status $st"; return 1; }
        grep -q 'got signal 15' "$T/out"
    done
}

@test "a rootfs whose /dev is a symbolic link to the host is refused" {
    target=$T/$(rand_name outside)
    rm -rf "$R/dev"
    ln -s "$target" "$R/dev"
    run -125 "$NSBOX" -r "$R" -- /bin/true
    [[ "$output" == *"/dev is not a directory"* ]]
    [ ! -e "$target" ]
}

@test "--init reaps orphaned processes: no zombie is left" {
    run "$NSBOX" -r "$R" --init -- /bin/sh -c '(sleep 0.2 &); sleep 1; ps -o stat,comm'
    [ "$status" -eq 0 ]
    ! grep -q '^Z' <<<"$output" || false
}
