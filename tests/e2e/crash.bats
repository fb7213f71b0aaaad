#!/usr/bin/env bats
# Crash safety (DESIGN.md §4): minidock killed with SIGKILL in the middle of
# import or commit leaves a store that works and holds no half-written blob,
# no dangling tag, and no container that rm -f cannot clear.

load ../lib/common

setup() { containers_setup; }

teardown() { containers_teardown; }

# Every blob is named by its own SHA-256, index.json parses, every tag's
# manifest exists, and the verbs that read the store work.
store_is_consistent() {
    local f
    for f in "$T"/root/images/blobs/sha256/*; do
        [ -f "$f" ] || continue
        [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || {
            echo "blob $f does not match its name" >&2
            return 1
        }
    done
    python3 - "$T/root/images" <<'EOF' || return 1
import json, os, sys
root = sys.argv[1]
index = json.load(open(os.path.join(root, "index.json")))
for m in index.get("manifests", []):
    blob = os.path.join(root, "blobs", "sha256", m["digest"].split(":", 1)[1])
    if not os.path.exists(blob):
        sys.exit("index entry %s has no manifest blob" % m["digest"])
EOF
    md images >/dev/null || return 1
    md ps -a >/dev/null || return 1
}

# A root tar with a large incompressible file, so that the work takes long
# enough to be interrupted.
big_tar() {
    local d=$T/big
    busybox_rootfs "$d"
    head -c 64M /dev/urandom >"$d/payload"
    tar -C "$d" --numeric-owner -cf "$T/big.tar" .
    rm -rf "$d"
}

@test "SIGKILL during import leaves a consistent store; the next import succeeds" {
    big_tar
    for delay in 0.05 0.2 0.4 0.8; do
        "$MINIDOCK" --root "$T/root" import "$T/big.tar" big:latest >/dev/null 2>&1 &
        sleep "$delay"
        kill -KILL $! 2>/dev/null || true
        wait $! 2>/dev/null || true
        store_is_consistent
        run md image inspect --format '{{.Id}}' big:latest
        [ "$status" -eq 0 ] || [[ "$output" == *"No such image"* ]]
    done
    run md import "$T/big.tar" big:latest
    [ "$status" -eq 0 ]
    run md run --rm big:latest sh -c 'wc -c < /payload'
    [ "$output" = "67108864" ]
    store_is_consistent
}

@test "SIGKILL during commit leaves a consistent store and a container rm -f clears" {
    md run --name src busybox sh -c 'dd if=/dev/urandom of=/payload bs=1048576 count=64 2>/dev/null'
    for delay in 0.05 0.2 0.4 0.8; do
        "$MINIDOCK" --root "$T/root" commit src snap:latest >/dev/null 2>&1 &
        sleep "$delay"
        kill -KILL $! 2>/dev/null || true
        wait $! 2>/dev/null || true
        store_is_consistent
    done
    run md commit src snap:latest
    [ "$status" -eq 0 ]
    run md run --rm snap:latest sh -c 'wc -c < /payload'
    [ "$output" = "67108864" ]
    # a running container frozen by a killed commit is still removable
    md run -d --name live busybox sh -c 'dd if=/dev/urandom of=/payload bs=1048576 count=64 2>/dev/null; sleep 60' >/dev/null
    for _ in $(seq 100); do
        [ "$(md exec live sh -c 'wc -c < /payload' 2>/dev/null)" = "67108864" ] && break
        sleep 0.1
    done
    "$MINIDOCK" --root "$T/root" commit live live:snap >/dev/null 2>&1 &
    sleep 0.2
    kill -KILL $! 2>/dev/null || true
    wait $! 2>/dev/null || true
    store_is_consistent
    run md rm -f live
    [ "$status" -eq 0 ]
    [ -z "$(md ps -aq --filter name=live)" ]
}

@test "two imports and a container run at once against one root do not corrupt it" {
    tar_=$(busybox_tar)
    for i in 1 2 3 4; do
        "$MINIDOCK" --root "$T/root" import "$tar_" "par:$i" >/dev/null &
    done
    "$MINIDOCK" --root "$T/root" run --rm busybox true &
    wait
    store_is_consistent
    run md images --format '{{.Repository}}:{{.Tag}}'
    for i in 1 2 3 4; do [[ "$output" == *"par:$i"* ]]; done
}
