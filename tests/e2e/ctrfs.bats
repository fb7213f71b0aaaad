#!/usr/bin/env bats
# minidock diff, commit, cp, export: a container's file system.

load ../lib/common

setup() { containers_setup; }

teardown() { containers_teardown; }

# A stopped container "ctr" with one file added, one deleted, one directory made.
run_changes() {
    md run --name ctr busybox sh -c 'echo x > /new; rm /bin/true; mkdir -p /etc/x' >/dev/null
}

# A running container "web" that writes a heartbeat to /tmp/beat.
run_beating() {
    md run -d --name web busybox sh -c \
        'i=0; while true; do i=$((i+1)); echo $i > /tmp/beat; sleep 0.1; done' >/dev/null
    for _ in $(seq 50); do
        md cp web:/tmp/beat "$T/beat0" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# The container's mounts of the test root must never show on the host.
no_mount_on_host() {
    ! grep -q "$T/root" /proc/self/mountinfo || false
}

# ---- diff ------------------------------------------------------------------------------------

@test "diff lists Docker's A, C and D lines, sorted" {
    run_changes
    run md diff ctr
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'C /bin\nD /bin/true\nC /etc\nA /etc/x\nA /new')" ]
}

@test "diff works on a running container" {
    md run -d --name web busybox sh -c 'touch /ready; exec sleep 1000' >/dev/null
    for _ in $(seq 50); do
        run md diff web
        [ "$output" = "A /ready" ] && break
        sleep 0.1
    done
    [ "$status" -eq 0 ]
    [ "$output" = "A /ready" ]
}

@test "diff of a --rootfs container says it has no layers" {
    busybox_rootfs "$T/rfs"
    md create --name plain --rootfs "$T/rfs" true >/dev/null
    run md diff plain
    [ "$status" -eq 125 ]
    [[ "$output" == *"--rootfs"*"no layers"* ]]
}

@test "diff of an unknown container fails with Docker's message" {
    run md diff nope
    [ "$status" -eq 125 ]
    [ "$output" = "minidock: No such container: nope" ]
}

# ---- commit ----------------------------------------------------------------------------------

@test "commit makes an image with the container's changes" {
    run_changes
    run md commit -m "my change" -a "Ann <ann@example.com>" ctr snap:1
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    id=$output
    run md run --rm snap:1 cat /new
    [ "$output" = x ]
    run md run --rm snap:1 ls /bin/true
    [ "$status" -ne 0 ]
    run md run --rm snap:1 ls -d /etc/x
    [ "$output" = /etc/x ]
    run md image inspect --format '{{.Id}} {{.Author}} {{.Comment}}' snap:1
    [ "$output" = "$id Ann <ann@example.com> my change" ]
    run md history --format '{{.CreatedBy}}|{{.Comment}}' --no-trunc snap:1
    [ "${lines[0]}" = "sh -c echo x > /new; rm /bin/true; mkdir -p /etc/x|my change" ]
}

@test "commit records the container id and adds one layer" {
    run_changes
    before=$(md image inspect --format '{{len .RootFS.Layers}}' busybox)
    id=$(md commit ctr snap)
    run md image inspect --format '{{len .RootFS.Layers}}' snap
    [ "$output" = "$((before + 1))" ]
    # the config blob names the container, as Docker's "container" field
    grep -q "\"container\":\"$(md inspect --format '{{.Id}}' ctr)\"" \
        "$T/root/images/blobs/sha256/${id#sha256:}"
}

@test "commit keeps the container's Env and WorkingDir" {
    md run --name ctr -e FOO=bar -w /etc busybox true
    md commit ctr snap >/dev/null
    run md run --rm snap sh -c 'echo $FOO; pwd'
    [ "$output" = "$(printf 'bar\n/etc')" ]
}

@test "commit -c CMD sets the command of the new image" {
    run_changes
    md commit -c 'CMD ["cat","/new"]' ctr snap >/dev/null
    run md run --rm snap
    [ "$status" -eq 0 ]
    [ "$output" = x ]
}

@test "commit -c applies ENV, LABEL, EXPOSE, VOLUME, WORKDIR and USER" {
    run_changes
    md commit -c 'ENV A=1 B=2' -c 'LABEL team=ops' -c 'EXPOSE 8080/tcp' -c 'VOLUME /data' \
        -c 'WORKDIR /tmp' -c 'USER nobody' ctr snap >/dev/null
    run md image inspect --format \
        '{{json .Config.Labels}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{.Config.WorkingDir}} {{.Config.User}}' snap
    [ "$output" = '{"team":"ops"} {"8080/tcp":{}} {"/data":{}} /tmp nobody' ]
    run md run --rm snap sh -c 'echo $A$B; pwd'
    [ "$output" = "$(printf '12\n/tmp')" ]
}

@test "commit of a running container leaves it running and thawed" {
    run_beating
    run md commit web live
    [ "$status" -eq 0 ]
    run md inspect --format '{{.State.Status}} {{.State.Paused}}' web
    [ "$output" = "running false" ]
    # the heartbeat moves on: the container's processes are not frozen
    md cp web:/tmp/beat "$T/beat1"
    for _ in $(seq 50); do
        sleep 0.1
        md cp web:/tmp/beat "$T/beat2"
        [ "$(cat "$T/beat1")" != "$(cat "$T/beat2")" ] && break
    done
    [ "$(cat "$T/beat1")" != "$(cat "$T/beat2")" ]
    run md run --rm live cat /tmp/beat
    [[ "$output" =~ ^[0-9]+$ ]]
}

@test "commit refuses an unknown container and a bad reference" {
    run_changes
    run md commit nope snap
    [ "$status" -eq 125 ]
    [ "$output" = "minidock: No such container: nope" ]
    run md commit ctr 'Bad:Ref!'
    [ "$status" -eq 125 ]
    [[ "$output" == *"invalid reference format"* ]]
    run md commit -c 'FROM scratch' ctr snap
    [ "$status" -eq 125 ]
    [[ "$output" == *"FROM is not a valid change command"* ]]
    run md images -q
    [ "${#lines[@]}" -eq 1 ]
}

# ---- cp --------------------------------------------------------------------------------------

@test "cp copies a file out of a stopped container" {
    run_changes
    run md cp ctr:/new "$T/out"
    [ "$status" -eq 0 ]
    [ "$(cat "$T/out")" = x ]
    mkdir "$T/dir"
    md cp ctr:/new "$T/dir"            # an existing directory: copied inside it
    [ "$(cat "$T/dir/new")" = x ]
    no_mount_on_host
}

@test "cp copies a directory out, and SRC/. copies its contents" {
    md run --name ctr busybox sh -c 'mkdir -p /d/sub; echo f > /d/sub/f; echo g > /d/g'
    md cp ctr:/d "$T/copy"             # DEST missing: it becomes the directory
    [ "$(cat "$T/copy/sub/f")" = f ]
    [ "$(cat "$T/copy/g")" = g ]
    mkdir "$T/into"
    md cp ctr:/d "$T/into"             # DEST exists: the directory goes inside
    [ "$(cat "$T/into/d/sub/f")" = f ]
    mkdir "$T/flat"
    md cp ctr:/d/. "$T/flat"
    [ "$(cat "$T/flat/g")" = g ]
    [ ! -e "$T/flat/d" ]
}

@test "cp copies a file and a directory into a stopped container" {
    run_changes
    echo hello >"$T/h"
    mkdir -p "$T/tree/sub" && echo deep >"$T/tree/sub/f"
    md cp "$T/h" ctr:/h
    md cp "$T/tree" ctr:/etc
    run md diff ctr
    [[ "$output" == *"A /h"* ]]
    [[ "$output" == *"A /etc/tree/sub/f"* ]]
    md commit ctr snap >/dev/null
    run md run --rm snap cat /h /etc/tree/sub/f
    [ "$output" = "$(printf 'hello\ndeep')" ]
    no_mount_on_host
}

@test "cp works both ways with a running container" {
    run_beating
    echo hello >"$T/h"
    md cp "$T/h" web:/tmp/h
    md cp web:/tmp/h "$T/back"
    [ "$(cat "$T/back")" = hello ]
}

@test "cp -a keeps owners, cp without it does not" {
    md run --name ctr busybox sh -c 'echo o > /owned; chown 1234:4321 /owned'
    md cp ctr:/owned "$T/plain"
    md cp -a ctr:/owned "$T/kept"
    [ "$(stat -c %u:%g "$T/plain")" = 0:0 ]
    [ "$(stat -c %u:%g "$T/kept")" = 1234:4321 ]
}

@test "cp resolves symlinks inside the container, never on the host" {
    md run --name ctr busybox sh -c 'echo container-secret > /etc/shadow;
        ln -s /etc/shadow /etc/evil; ln -s ../../../../../../etc/shadow /etc/evil2;
        ln -s / /escape'
    md cp -L ctr:/etc/evil "$T/a"
    [ "$(cat "$T/a")" = container-secret ]
    md cp -L ctr:/etc/evil2 "$T/b"
    [ "$(cat "$T/b")" = container-secret ]
    md cp ctr:/escape/etc/shadow "$T/c"
    [ "$(cat "$T/c")" = container-secret ]
    md cp ctr:/etc/evil "$T/d"         # without -L: the link itself, as Docker
    [ -L "$T/d" ]
    [ "$(readlink "$T/d")" = /etc/shadow ]
}

@test "cp into a symlinked directory writes inside the container" {
    name=$(rand_name x)
    mkdir "$T/hostdir"
    md run --name ctr busybox sh -c "ln -s /tmp /lt; ln -s $T/hostdir /hl"
    echo hello >"$T/h"
    md cp "$T/h" "ctr:/lt/$name"
    [ ! -e "/tmp/$name" ]
    md cp "ctr:/tmp/$name" "$T/back"
    [ "$(cat "$T/back")" = hello ]
    run md cp "$T/h" ctr:/hl/f         # $T/hostdir does not exist in the container
    [ "$status" -eq 125 ]
    [ ! -e "$T/hostdir/f" ]
}

@test "cp into a running container's symlink stays inside it" {
    name=$(rand_name x)
    md run -d --name web busybox sh -c 'ln -s /tmp /lt; exec sleep 1000' >/dev/null
    echo hello >"$T/h"
    for _ in $(seq 50); do
        md cp "$T/h" "web:/lt/$name" 2>/dev/null && break
        sleep 0.1
    done
    [ ! -e "/tmp/$name" ]
    md cp "web:/tmp/$name" "$T/back"
    [ "$(cat "$T/back")" = hello ]
}

@test "cp reports a missing path, a missing parent and a directory onto a file" {
    run_changes
    run md cp ctr:/nope "$T/x"
    [ "$status" -eq 125 ]
    [ "$output" = "minidock: Could not find the file /nope in container ctr" ]
    run md cp "$T/nope" ctr:/x
    [ "$status" -eq 125 ]
    [[ "$output" == *"$T/nope: No such file or directory"* ]]
    run md cp ctr:/new "$T/missing/x"
    [ "$status" -eq 125 ]
    [ ! -e "$T/missing" ]
    touch "$T/file"
    run md cp ctr:/etc "$T/file"
    [ "$status" -eq 125 ]
    [[ "$output" == *"cannot copy a directory to a file"* ]]
    run md cp nope:/x "$T/x"
    [ "$output" = "minidock: No such container: nope" ]
    run md cp "$T/a" "$T/b"
    [[ "$output" == *"must specify at least one container source"* ]]
}

# ---- export ----------------------------------------------------------------------------------

@test "export writes a flat tar that import turns into a runnable image" {
    run_changes
    md export ctr >"$T/ctr.tar"
    tar -tf "$T/ctr.tar" >"$T/list"
    grep -qx new "$T/list"
    grep -qx 'etc/x/' "$T/list"
    run ! grep -qx 'bin/true' "$T/list"
    run ! grep -q '\.wh\.' "$T/list"
    md import "$T/ctr.tar" flat >/dev/null
    run md run --rm flat cat /new
    [ "$status" -eq 0 ]
    [ "$output" = x ]
    no_mount_on_host
}

@test "export -o writes the file whole, with no temporary left" {
    run_changes
    run md export -o "$T/out.tar" ctr
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    tar -tf "$T/out.tar" | grep -qx new
    [ ! -e "$T/out.tar.tmp" ]
}

@test "export of a running container leaves out /proc's content" {
    run_beating
    md export web >"$T/web.tar"
    tar -tf "$T/web.tar" >"$T/list"
    grep -qx 'tmp/beat' "$T/list"
    grep -qx 'proc/' "$T/list"
    run ! grep -q '^proc/.' "$T/list"
}

@test "export refuses a terminal and an unknown container" {
    run_changes
    run python3 "$PTYRUN" -- "$MINIDOCK" --root "$T/root" export ctr </dev/null
    [ "$status" -eq 125 ]
    [[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
    run md export -o "$T/x.tar" nope
    [ "$status" -eq 125 ]
    [ "$output" = "minidock: No such container: nope" ]
    [ ! -e "$T/x.tar" ]
}
