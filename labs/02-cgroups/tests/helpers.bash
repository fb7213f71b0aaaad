# helpers.bash — what the lab 02 grader needs besides tests/lib/common.bash.
#
# The grader looks at the kernel's own files, so it finds the cgroup mounts
# itself (from /proc/self/mountinfo), without trusting cgroups.c.  Every test
# uses random group names, remembers them, and its teardown kills whatever is
# left in those groups and removes them, even when the test failed.

CGBOX=$TOP/labs/02-cgroups/cgbox

# Mount point of a cgroup v1 controller ("" if it has none): its name is one of
# the super options, e.g. "rw,memory" or "rw,cpu,cpuacct".
v1_mount() {
    awk -v c="$1" '{
        for (i = 7; $i != "-"; i++) ;
        if ($(i + 1) != "cgroup") next
        n = split($(i + 3), opt, ",")
        for (j = 1; j <= n; j++) if (opt[j] == c) { print $5; exit }
    }' /proc/self/mountinfo
}

# Mount point of the cgroup2 (unified) hierarchy, "" if none.
unified_mount() {
    awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) == "cgroup2") { print $5; exit } }' \
        /proc/self/mountinfo
}

all_cgroup_mounts() {
    awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) ~ /^cgroup2?$/) print $5 }' \
        /proc/self/mountinfo
}

# Is CONTROLLER enabled in the cgroup2 hierarchy?
v2_has() {
    local u
    u=$(unified_mount)
    [ -n "$u" ] && grep -qw "$1" "$u/cgroup.controllers"
}

has_v1() {
    [ -n "$(v1_mount memory)$(v1_mount cpu)$(v1_mount pids)$(v1_mount freezer)" ]
}

# The mode cgbox should detect without MINIDOCK_CGROUP.
host_mode() {
    if has_v1 && [ -n "$(unified_mount)" ]; then echo hybrid
    elif has_v1; then echo v1
    else echo v2
    fi
}

# group_dir CONTROLLER NAME [v1|v2]: the directory whose files serve
# CONTROLLER for the group cgbox/NAME: its v1 hierarchy if the host mounts one
# (and v2 is not forced), else the unified one if the controller is enabled.
group_dir() {
    local c=$1 name=$2 mode=${3:-} m
    m=$(v1_mount "$c")
    if [ "$mode" != v2 ] && [ -n "$m" ]; then
        echo "$m/cgbox/$name"
    elif [ "$mode" != v1 ] && v2_has "$c"; then
        echo "$(unified_mount)/cgbox/$name"
    else
        return 1
    fi
}

# The directory telling the group's members: cgroup2 if used, else v1 memory.
members_dir() {
    local name=$1 mode=${2:-} u
    u=$(unified_mount)
    if [ "$mode" != v1 ] && [ -n "$u" ]; then
        echo "$u/cgbox/$name"
    else
        echo "$(v1_mount memory)/cgbox/$name"
    fi
}

# new_name: a random group name in $NAME, remembered for the teardown.
new_name() {
    NAME=$(rand_name box)
    BOX_NAMES+=("$NAME")
}

# start_box NAME CGBOX-ARGS...: cgbox in the background (its pid in
# $BOX_PID, its output in $T/NAME.out).  fd 3 is closed so Bats does not wait.
start_box() {
    local name=$1
    shift
    "$CGBOX" --name "$name" "$@" >"$T/$name.out" 2>&1 3>&- &
    BOX_PID=$!
    BOX_PIDS+=("$BOX_PID")
}

# wait_for_probe NAME [v1|v2]: print the pid of the probe once it runs inside
# the group (after the exec, so /proc/PID/comm is "probe").
wait_for_probe() {
    local dir pid i
    dir=$(members_dir "$1" "${2:-}")
    for i in $(seq 100); do
        for pid in $(cat "$dir/cgroup.procs" 2>/dev/null); do
            if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = probe ]; then
                echo "$pid"
                return 0
            fi
        done
        sleep 0.05
    done
    echo "no probe appeared in $dir/cgroup.procs" >&2
    return 1
}

# Number of processes in the group (0 when it is gone).
count_procs() {
    local f
    f="$(members_dir "$1" "${2:-}")/cgroup.procs"
    if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi
}

# procs_at_least NAME N [v1|v2]: does the group hold N processes or more?
procs_at_least() {
    [ "$(count_procs "$1" "${3:-}")" -ge "$2" ]
}

# wait_until SECONDS COMMAND...: poll until COMMAND succeeds.
wait_until() {
    local limit=$1 i
    shift
    for i in $(seq $((limit * 20))); do
        "$@" && return 0
        sleep 0.05
    done
    "$@"
}

# Does the group cgbox/NAME exist in some hierarchy?
group_exists() {
    local m
    for m in $(all_cgroup_mounts); do
        [ -d "$m/cgbox/$1" ] && return 0
    done
    return 1
}

no_group() { ! group_exists "$1"; }

# CPU time of a process in clock ticks (user + system).
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

alive() {
    local s
    s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
    [ -n "$s" ] && [ "$s" != Z ]
}

# Kill what is left in our groups (thawed first: a frozen task cannot die),
# let the cgbox processes finish, then remove the groups.
cleanup_boxes() {
    local name m d pid i
    for name in "${BOX_NAMES[@]}"; do
        for m in $(all_cgroup_mounts); do
            d=$m/cgbox/$name
            [ -d "$d" ] || continue
            [ -f "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
            [ -f "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
            for pid in $(cat "$d/cgroup.procs" 2>/dev/null); do
                kill -KILL "$pid" 2>/dev/null
            done
        done
    done
    for pid in "${BOX_PIDS[@]}"; do
        for i in $(seq 50); do
            alive "$pid" || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for name in "${BOX_NAMES[@]}"; do
        for m in $(all_cgroup_mounts); do
            d=$m/cgbox/$name
            for i in $(seq 50); do
                [ -d "$d" ] || break
                rmdir "$d" 2>/dev/null && break
                sleep 0.1
            done
        done
    done
    for m in $(all_cgroup_mounts); do
        rmdir "$m/cgbox" 2>/dev/null # only when empty: another cgbox may be running
    done
    return 0
}

setup() {
    # a failure, not a skip: the grader counts skips as points
    [ -x "$CGBOX" ] || { echo "cgbox is not built: make -C labs/02-cgroups"; return 1; }
    [ -x "$PROBE" ] || { echo "the probe is not built: make -C tests/fixtures"; return 1; }
    make_tmp
    BOX_NAMES=()
    BOX_PIDS=()
}

teardown() {
    cleanup_boxes
    cleanup_tree "$T"
}

# ---- checks shared by the default, v1 and v2 test files -------------------
# Each takes the mode ("" for the host's default, v1 or v2); the caller
# exports MINIDOCK_CGROUP to match.

# is_frozen NAME [MODE]: does the kernel say the group is frozen?
is_frozen() {
    local u
    u=$(unified_mount)
    if [ "${2:-}" != v1 ] && [ -n "$u" ]; then
        grep -qx 'frozen 1' "$u/cgbox/$1/cgroup.events"
    else
        [ "$(cat "$(v1_mount freezer)/cgbox/$1/freezer.state")" = FROZEN ]
    fi
}

no_procs() {
    [ "$(count_procs "$1" "${2:-}")" -eq 0 ]
}

# Freeze a busy loop: its CPU time stops; thaw it: the CPU time moves again.
check_freeze_and_thaw() {
    local mode=${1:-} pid t1 t2 t3
    new_name
    start_box "$NAME" -- "$PROBE" spin 60
    pid=$(wait_for_probe "$NAME" "$mode")
    run "$CGBOX" freeze "$NAME"
    echo "freeze: $output"
    [ "$status" -eq 0 ]
    is_frozen "$NAME" "$mode"
    t1=$(cpu_ticks "$pid")
    sleep 0.5
    t2=$(cpu_ticks "$pid")
    echo "frozen: CPU ticks $t1 -> $t2"
    [ "$t1" -eq "$t2" ]
    run "$CGBOX" thaw "$NAME"
    echo "thaw: $output"
    [ "$status" -eq 0 ]
    ! is_frozen "$NAME" "$mode"
    sleep 0.5
    t3=$(cpu_ticks "$pid")
    echo "thawed: CPU ticks $t2 -> $t3"
    [ "$t3" -gt "$t2" ]
}

# cgbox kill NAME: every process of the group dies, the running cgbox exits
# 137 and removes the group.
check_kill_empties_group() {
    local mode=${1:-} rc=0
    new_name
    start_box "$NAME" -- sh -c "\"$PROBE\" sleep 60 & \"$PROBE\" sleep 60"
    wait_until 5 procs_at_least "$NAME" 2 "$mode"
    run "$CGBOX" kill "$NAME"
    echo "kill: $output"
    [ "$status" -eq 0 ]
    wait_until 5 no_procs "$NAME" "$mode"
    wait "$BOX_PID" || rc=$?
    cat "$T/$NAME.out"
    [ "$rc" -eq 137 ]
    wait_until 5 no_group "$NAME"
}
