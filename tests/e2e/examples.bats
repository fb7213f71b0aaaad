#!/usr/bin/env bats
# The course's image examples (examples/): they run with the outputs their
# READMEs show.

load ../lib/common

EX=$TOP/examples

# percussion-debian needs debian:bookworm: scripts/mkimage-debian makes it once
# for the whole file (debootstrap comes with make deps; from the cached tarball
# under /var/cache/minidock it takes under a minute, the first time it fetches
# from the host's Debian mirror, as the slow test of mkimage.bats does) in a
# root of its own, tagged debian:bookworm as the example's FROM wants, saved to
# a tar that each Debian test loads into its own root.  A failure here is
# reported by those tests, not by the whole file.
setup_file() {
    DEB_DIR=$(mktemp -d /tmp/md-test-debian.XXXXXX)
    export DEB_DIR
    mkdir "$DEB_DIR/tmp"
    if TMPDIR=$DEB_DIR/tmp "$TOP/scripts/mkimage-debian" --root "$DEB_DIR/root" debian:bookworm \
        >"$DEB_DIR/mkimage.log" 2>&1; then
        "$MINIDOCK" --root "$DEB_DIR/root" save -o "$DEB_DIR/debian.tar" debian:bookworm \
            >>"$DEB_DIR/mkimage.log" 2>&1 || rm -f "$DEB_DIR/debian.tar"
    fi
    cleanup_tree "$DEB_DIR/root"
}
teardown_file() { cleanup_tree "${DEB_DIR:-}"; }

setup() { containers_setup; }
teardown() { containers_teardown; }

# Load debian:bookworm (made by setup_file) into the test's root.
load_debian() {
    if [ ! -s "$DEB_DIR/debian.tar" ]; then
        echo "scripts/mkimage-debian failed in setup_file:" >&2
        cat "$DEB_DIR/mkimage.log" >&2
        return 1
    fi
    md load -q -i "$DEB_DIR/debian.tar" >/dev/null
}

# Run "$@" in the background, output to $T/out, wait for its first line, then
# send SIGINT as Ctrl-C does; sets INT_STATUS to its exit status.
run_then_ctrl_c() {
    "$@" >"$T/out" 2>&1 &
    BG=$!
    for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.1; done
    kill -INT "$BG"
    INT_STATUS=0
    wait "$BG" || INT_STATUS=$?
    BG=
}

@test "hello-world: a static binary FROM scratch prints the welcome text" {
    cp -r "$EX/hello-world" "$T/hw"
    make -s -C "$T/hw" hello
    run md build -t hello-world "$T/hw"
    [ "$status" -eq 0 ]
    run md run hello-world
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Hello from minidock!" ]
    [[ "$output" == *"minidock run -it busybox sh"* ]]
    run md image inspect --format '{{len .RootFS.Layers}} {{json .Config.Cmd}}' hello-world
    [ "$output" = '1 ["/hello"]' ]
    run md ps -a --format '{{.Status}}'
    [[ "$output" =~ ^Exited\ \(0\) ]]
}

@test "percussion: default parameter, override, --env, logs, stop with trap, start, pause" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    run timeout 5 "$MINIDOCK" --root "$T/root" run --rm -e RYTHMEPERCUSSION=0.2 percussion
    [ "${lines[0]}" = "Boum" ]
    md run -d --name batterie -e RYTHMEPERCUSSION=0.2 percussion "Dom Tek" >/dev/null
    for _ in $(seq 50); do [ "$(md logs batterie | wc -l)" -ge 2 ] && break; sleep 0.1; done
    run md logs batterie
    [ "${lines[0]}" = "Dom Tek" ]
    [ "${lines[1]}" = "Dom Tek" ]
    run md inspect --format '{{json .Config.Env}}' batterie
    [[ "$output" == *'"RYTHMEPERCUSSION=0.2"'* ]]
    run md stop batterie
    [ "$status" -eq 0 ]
    run md logs --tail 1 batterie
    [ "$output" = "Fin du concert" ]
    run md inspect --format '{{.State.ExitCode}}' batterie
    [ "$output" = "0" ]
    md start batterie >/dev/null
    md pause batterie >/dev/null
    n=$(md logs batterie | wc -l)
    sleep 0.6
    [ "$(md logs batterie | wc -l)" -eq "$n" ]
    md unpause batterie >/dev/null
    md rm -f batterie >/dev/null
}

@test "percussion variants: CMD only, --entrypoint, shell form" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    md build -q -t percussion:cmd -f "$EX/percussion/Dockerfile.cmd" "$EX/percussion" >/dev/null
    run md run --rm percussion:cmd echo "plus de percussion"
    [ "$output" = "plus de percussion" ]
    run md run --rm --entrypoint /bin/echo percussion "autre chose"
    [ "$output" = "autre chose" ]
    md build -q -t percussion:shell -f "$EX/percussion/Dockerfile.shell" "$EX/percussion" >/dev/null
    run md image inspect --format '{{json .Config.Cmd}}' percussion:shell
    [ "$output" = '["/bin/sh","-c","ps -o pid,args"]' ]
    run md run --rm percussion:shell
    re='^ *1 .*/bin/sh -c ps -o pid,args$'
    [[ "${lines[1]}" =~ $re ]]
}

@test "percussion: save then load gives back the same image" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    id=$(md image inspect --format '{{.Id}}' percussion)
    md save -o "$T/percussion.tar" percussion
    md rmi percussion >/dev/null
    run md load -i "$T/percussion.tar"
    [ "$output" = "Loaded image: percussion:latest" ]
    [ "$(md image inspect --format '{{.Id}}' percussion)" = "$id" ]
}

@test "commit: the file system is kept, the processes are not" {
    md run -d --name atelier busybox sh -c 'echo "fait main" > /etc/motd; sleep 600' >/dev/null
    for _ in $(seq 50); do md exec atelier cat /etc/motd >/dev/null 2>&1 && break; sleep 0.1; done
    run md diff atelier
    [[ "$output" == *"C /etc"* && "$output" == *"A /etc/motd"* ]]
    md commit -m "motd ajouté" atelier atelier:v1 >/dev/null
    run md run --rm atelier:v1 cat /etc/motd
    [ "$output" = "fait main" ]
    run md run --rm atelier:v1 ps -o pid,args
    [[ "$output" != *"sleep 600"* ]]
    run md history --format '{{.Comment}}' atelier:v1
    [ "${lines[0]}" = "motd ajouté" ]
    md rm -f atelier >/dev/null
}

@test "percussion-debian: FROM debian:bookworm, bash runs the script, Ctrl-C runs the trap" {
    load_debian
    run md build -t percussion:debian "$EX/percussion-debian"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "Successfully tagged percussion:debian" ]
    run md image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Env}}' percussion:debian
    [ "$output" = '["/bin/bash","/usr/local/bin/percussion.sh"] ["Boum"] ["RYTHMEPERCUSSION=2"]' ]
    # two layers, the first one debian's (shared); ENV, ENTRYPOINT, CMD add none
    run md image inspect --format '{{len .RootFS.Layers}} {{index .RootFS.Layers 0}}' percussion:debian
    [ "$output" = "2 $(md image inspect --format '{{index .RootFS.Layers 0}}' debian:bookworm)" ]
    run md images --format '{{.Size}}' percussion:debian
    [ "$output" = "$(md images --format '{{.Size}}' debian:bookworm)" ]
    run md history --format '{{.Size}}' percussion:debian
    [ "${#lines[@]}" -eq 5 ]
    [ "${lines[0]} ${lines[1]} ${lines[2]}" = "0B 0B 0B" ]
    [[ "${lines[3]}" =~ ^[0-9]{3}B$ ]]
    # busybox has no bash
    run -127 md run --rm busybox /bin/bash
    [ "$status" -eq 127 ]
    [ "$output" = 'minidock: run: exec: "/bin/bash": No such file or directory' ]
    # in the foreground, Ctrl-C (SIGINT) runs the trap, and the exit code is 0
    run_then_ctrl_c "$MINIDOCK" --root "$T/root" run --rm -e RYTHMEPERCUSSION=0.2 percussion:debian
    [ "$INT_STATUS" -eq 0 ]
    run cat "$T/out"
    [ "${lines[0]}" = Boum ]
    [ "${lines[-1]}" = "Fin du concert" ]
    run md ps -aq
    [ "$output" = "" ]
}

@test "percussion-debian: bash is PID 1 (exec, top), stop runs its trap and exits 0" {
    load_debian
    md build -q -t percussion:debian "$EX/percussion-debian" >/dev/null
    md run -d --name batterie -e RYTHMEPERCUSSION=0.2 percussion:debian "Dom Tek" >/dev/null
    for _ in $(seq 100); do [ "$(md logs batterie | wc -l)" -ge 3 ] && break; sleep 0.1; done
    run md logs batterie
    [ "${lines[0]}" = "Dom Tek" ]
    [ "${lines[2]}" = "Dom Tek" ]
    run md exec batterie readlink /proc/1/exe
    [ "$output" = /usr/bin/bash ]
    run md top batterie
    [[ "${lines[0]}" == UID*PID*PPID*CMD ]]
    [[ "$output" == *" /bin/bash /usr/local/bin/percussion.sh Dom Tek"* ]]
    [[ "$output" == *" sleep 0.2"* ]]
    run md exec batterie bash -c 'echo $BASH_VERSION'
    [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+\([0-9]+\)-release$ ]]
    run md stop batterie
    [ "$status" -eq 0 ]
    [ "$output" = batterie ]
    run md logs --tail 1 batterie
    [ "$output" = "Fin du concert" ]
    run md ps -a --format '{{.Names}} {{.Image}} {{.Status}}'
    [[ "$output" =~ ^batterie\ percussion:debian\ Exited\ \(0\)\  ]]
    run md rm batterie
    [ "$output" = batterie ]
}

@test "save-load: save -o, what the tar holds, rmi, load -i gives back the same image, and it runs" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    run md images percussion
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" =~ ^percussion\ +latest\ +[0-9a-f]{12}\  ]]
    id=$(md image inspect --format '{{.Id}}' percussion)
    created=$(md image inspect --format '{{.Created}}' percussion)
    run md save -o "$T/percussion.tar" percussion
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
    # Docker's manifest.json and repositories beside an OCI layout, then the blobs
    run tar tf "$T/percussion.tar"
    [ "${lines[*]:0:6}" = "oci-layout index.json manifest.json repositories blobs/ blobs/sha256/" ]
    [ "${#lines[@]}" -eq 10 ]
    [[ "$output" == *"blobs/sha256/${id#sha256:}"* ]]
    run tar xOf "$T/percussion.tar" oci-layout
    [ "$output" = '{"imageLayoutVersion":"1.0.0"}' ]
    # manifest.json: the config is the image ID, the tag, two layers in the tar;
    # index.json: the manifest of percussion:latest, in the tar too
    mkdir "$T/x"
    tar -C "$T/x" -xf "$T/percussion.tar"
    run python3 - "$T/x" "$id" <<'PY'
import json, os, sys
d, image_id = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(d, "manifest.json")))
assert len(m) == 1, m
assert m[0]["Config"] == "blobs/sha256/" + image_id[len("sha256:"):], m
assert m[0]["RepoTags"] == ["percussion:latest"], m
assert len(m[0]["Layers"]) == 2, m
for layer in m[0]["Layers"]:
    assert os.path.isfile(os.path.join(d, layer)), layer
(desc,) = json.load(open(os.path.join(d, "index.json")))["manifests"]
assert desc["annotations"]["org.opencontainers.image.ref.name"] == "latest", desc
manifest = json.load(open(os.path.join(d, "blobs/sha256", desc["digest"][len("sha256:"):])))
assert manifest["config"]["digest"] == image_id, manifest
print("ok")
PY
    [ "$output" = ok ]
    run md rmi percussion
    [ "${lines[0]}" = "Untagged: percussion:latest" ]
    [ "${lines[1]}" = "Deleted: $id" ]
    run md images percussion
    [ "$output" = "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE" ]
    run md load -i "$T/percussion.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: percussion:latest" ]
    run md images percussion
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" =~ ^percussion\ +latest\ +${id:7:12}\  ]]
    [ "$(md image inspect --format '{{.Created}}' percussion)" = "$created" ]
    run_then_ctrl_c "$MINIDOCK" --root "$T/root" run --rm -e RYTHMEPERCUSSION=0.2 percussion
    [ "$INT_STATUS" -eq 0 ]
    run cat "$T/out"
    [ "${lines[0]}" = Boum ]
    [ "${lines[-1]}" = "Fin du concert" ]
}

@test "save-load: save | gzip, load < file, save without a tag takes every tag, never to a terminal" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    id=$(md image inspect --format '{{.Id}}' percussion)
    md save percussion | gzip >"$T/percussion.tar.gz"
    gzip -t "$T/percussion.tar.gz"
    run tar tzf "$T/percussion.tar.gz" manifest.json
    [ "$output" = manifest.json ]
    run md rmi percussion
    [ "${lines[0]}" = "Untagged: percussion:latest" ]
    run md load <"$T/percussion.tar.gz"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: percussion:latest" ]
    [ "$(md image inspect --format '{{.Id}}' percussion)" = "$id" ]
    # without a tag, save takes every tag of the repository
    md tag percussion percussion:v2
    run bash -c "'$MINIDOCK' --root '$T/root' save percussion | tar xO manifest.json"
    [[ "$output" == *'"RepoTags":["percussion:latest","percussion:v2"]'* ]]
    run "$PTYRUN" -- "$MINIDOCK" --root "$T/root" save percussion </dev/null
    [ "$status" -ne 0 ]
    [[ "$output" == *"minidock: save: cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
}
