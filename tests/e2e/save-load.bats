#!/usr/bin/env bats
# minidock save | load: one tar that is both an OCI layout and a docker-archive

load ../lib/common

setup() { make_tmp; }
teardown() { cleanup_tree "$T"; }

# minidock with a second, fresh root.
md2() {
    "$MINIDOCK" --root "$T/root2" "$@"
}

# What a store says about a tag: "ID MANIFEST DIFF_ID..." (read from the
# layout itself, so that the test does not depend on `image inspect`).
store_image() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
images = sys.argv[1] + "/images"
def blob(d):
    return json.load(open(images + "/blobs/sha256/" + d.split(":")[1]))
for m in json.load(open(images + "/index.json"))["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        man = blob(m["digest"])
        cfg = blob(man["config"]["digest"])
        print(man["config"]["digest"], m["digest"], *cfg["rootfs"]["diff_ids"])
        break
else:
    sys.exit("no tag " + sys.argv[2])
EOF
}

# Every blob's name is the SHA-256 of its content (dot files included).
blobs_are_sound() {
    local f
    for f in "$1"/images/blobs/sha256/* "$1"/images/blobs/sha256/.[!.]*; do
        [ -e "$f" ] || continue
        [ -f "$f" ] || { echo "not a file: $f"; return 1; }
        [ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || {
            echo "bad blob: $f"
            return 1
        }
    done
}

# The state of a store that bad input must not change.
store_state() {
    ls -a "$1/images/blobs/sha256"
    cat "$1/images/index.json"
}

need_skopeo() {
    command -v skopeo >/dev/null || skip "skopeo is not installed (scripts/deps installs it)"
}

# A busybox image with two tags, saved to $T/bb.tar.
save_busybox() {
    import_busybox busybox:latest >/dev/null
    md tag busybox:latest busybox:v2
    md save -o "$T/bb.tar" busybox
}

# Refusing an archive: exit 125, a message naming the problem, the store unchanged.
refuses() {
    local archive=$1 pattern=$2 before
    before=$(store_state "$T/root")
    run md load -i "$archive"
    echo "$output"
    [ "$status" -eq 125 ]
    [[ "$output" == *"$pattern"* ]]
    [ "$(store_state "$T/root")" = "$before" ]
    [ -z "$(ls -A "$T/root/images" | grep '^\.tmp-load-')" ]
}

@test "save writes an OCI layout and Docker's manifest.json in one tar" {
    save_busybox
    run tar -tf "$T/bb.tar"
    [[ "$output" == *oci-layout* && "$output" == *index.json* ]]
    [[ "$output" == *manifest.json* && "$output" == *repositories* ]]
    tar -xf "$T/bb.tar" -C "$T" manifest.json index.json
    read -r id manifest diff_id < <(store_image "$T/root" docker.io/library/busybox:latest)
    python3 - "$T" "$id" "$manifest" <<'EOF'
import json, sys
t, id, manifest = sys.argv[1:]
[m] = json.load(open(t + "/manifest.json"))
assert m["Config"] == "blobs/sha256/" + id[7:], m
assert m["RepoTags"] == ["busybox:latest", "busybox:v2"], m
assert all(l.startswith("blobs/sha256/") for l in m["Layers"]), m
idx = json.load(open(t + "/index.json"))
anns = [(d["digest"], d["annotations"]) for d in idx["manifests"]]
assert anns == [(manifest, {"io.containerd.image.name": "docker.io/library/busybox:latest",
                            "org.opencontainers.image.ref.name": "latest"}),
                (manifest, {"io.containerd.image.name": "docker.io/library/busybox:v2",
                            "org.opencontainers.image.ref.name": "v2"})], anns
EOF
}

@test "save refuses a terminal and unknown images" {
    import_busybox >/dev/null
    run python3 "$PTYRUN" -- "$MINIDOCK" --root "$T/root" save busybox </dev/null
    [ "$status" -eq 125 ]
    [[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
    run md save -o "$T/x.tar" nosuchimage
    [ "$status" -eq 125 ]
    [[ "$output" == *"No such image: nosuchimage"* ]]
    [ ! -e "$T/x.tar" ] && [ ! -e "$T/x.tar.tmp" ]
}

@test "save then load into a fresh root keeps the image ID, digests and both tags" {
    save_busybox
    run md2 load -i "$T/bb.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'Loaded image: busybox:latest\nLoaded image: busybox:v2')" ]
    for tag in latest v2; do
        [ "$(store_image "$T/root2" "docker.io/library/busybox:$tag")" = \
            "$(store_image "$T/root" "docker.io/library/busybox:$tag")" ]
    done
    [ "$(ls "$T/root2/images/blobs/sha256")" = "$(ls "$T/root/images/blobs/sha256")" ]
    run md2 images
    [[ "$output" == *busybox*latest* && "$output" == *busybox*v2* ]]
}

@test "save to stdout then rmi then load from stdin restores the image" {
    import_busybox >/dev/null
    before=$(store_image "$T/root" docker.io/library/busybox:latest)
    md save busybox:latest >"$T/bb.tar"
    md rmi busybox:latest
    run md load <"$T/bb.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:latest" ]
    [ "$(store_image "$T/root" docker.io/library/busybox:latest)" = "$before" ]
}

@test "an image saved by ID loads untagged" {
    id=$(import_busybox)
    md save -o "$T/id.tar" "${id:7:12}"
    run md2 load -q -i "$T/id.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image ID: $id" ]
}

@test "skopeo reads our save output as docker-archive and as oci-archive" {
    need_skopeo
    save_busybox
    diff_id=$(store_image "$T/root" docker.io/library/busybox:latest | cut -d' ' -f3)
    run skopeo inspect "docker-archive:$T/bb.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$diff_id"* ]]
    run skopeo inspect "oci-archive:$T/bb.tar:latest"
    echo "$output"
    [ "$status" -eq 0 ]
    # and a full copy, which checks every blob and diff_id
    run skopeo copy -q "docker-archive:$T/bb.tar" "oci:$T/copy:x"
    [ "$status" -eq 0 ]
}

@test "umoci reads the OCI layout inside our save output" {
    command -v umoci >/dev/null || skip "umoci is not installed (scripts/deps installs it)"
    save_busybox
    mkdir "$T/layout"
    tar -xf "$T/bb.tar" -C "$T/layout"
    run umoci ls --layout "$T/layout"
    [ "$output" = "$(printf 'latest\nv2')" ]
    run umoci stat --image "$T/layout:latest"
    [ "$status" -eq 0 ]
}

@test "a docker-archive made by skopeo from our store loads with the same diff_ids" {
    need_skopeo
    import_busybox >/dev/null
    skopeo copy -q "oci:$T/root/images:docker.io/library/busybox:latest" \
        "docker-archive:$T/sk.tar:busybox:copied"
    run md2 load -i "$T/sk.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:copied" ]
    # uncompressed layers were gzipped again: other blob digests, same image
    read -r id _ diff_id < <(store_image "$T/root" docker.io/library/busybox:latest)
    read -r id2 _ diff_id2 < <(store_image "$T/root2" docker.io/library/busybox:copied)
    [ "$id2" = "$id" ] && [ "$diff_id2" = "$diff_id" ]
    blobs_are_sound "$T/root2"
}

@test "an oci-archive made by skopeo from our store loads" {
    need_skopeo
    import_busybox >/dev/null
    skopeo copy -q "oci:$T/root/images:docker.io/library/busybox:latest" \
        "oci-archive:$T/sk.tar:busybox:copied"
    run md2 load -i "$T/sk.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: busybox:copied" ]
    [ "$(store_image "$T/root2" docker.io/library/busybox:copied)" = \
        "$(store_image "$T/root" docker.io/library/busybox:latest)" ]
}

@test "load refuses garbage and a truncated archive, and the store stays as it was" {
    save_busybox
    head -c 100000 /dev/urandom >"$T/garbage"
    refuses "$T/garbage" "$T/garbage"
    head -c 300000 "$T/bb.tar" >"$T/short.tar"
    refuses "$T/short.tar" "$T/short.tar"
    : >"$T/empty.tar"
    refuses "$T/empty.tar" "$T/empty.tar"
}

# Legacy docker-archives made from our save output, broken in one way each
# (index.json removed, so manifest.json is what describes them).
legacy_dir() {
    rm -rf "$T/legacy"
    mkdir "$T/legacy"
    tar -xf "$T/bb.tar" -C "$T/legacy"
    rm "$T/legacy/index.json" "$T/legacy/oci-layout"
}

legacy_tar() {
    tar -C "$T/legacy" -cf "$T/$1" .
}

@test "load refuses a manifest.json that names a missing layer" {
    save_busybox
    legacy_dir
    layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' \
        "$T/legacy/manifest.json")
    rm "$T/legacy/$layer"
    legacy_tar missing.tar
    refuses "$T/missing.tar" "layer $layer: not in the archive"
}

@test "load refuses a config whose content does not match its digest" {
    save_busybox
    legacy_dir
    config=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' \
        "$T/legacy/manifest.json")
    sed -i 's/"os":"linux"/"os":"plan9"/' "$T/legacy/$config"
    legacy_tar badconfig.tar
    refuses "$T/badconfig.tar" "$config: digest mismatch"
}

@test "load refuses a layer whose diff_id is not the config's" {
    save_busybox
    legacy_dir
    # a consistent config (named by its digest) that lists another diff_id
    python3 - "$T/legacy" <<'EOF'
import hashlib, json, os, sys
d = sys.argv[1]
[m] = json.load(open(d + "/manifest.json"))
cfg = json.load(open(d + "/" + m["Config"]))
cfg["rootfs"]["diff_ids"] = ["sha256:" + "0" * 64]
text = json.dumps(cfg).encode()
name = "blobs/sha256/" + hashlib.sha256(text).hexdigest()
open(d + "/" + name, "wb").write(text)
os.remove(d + "/" + m["Config"])
m["Config"] = name
json.dump([m], open(d + "/manifest.json", "w"))
EOF
    legacy_tar baddiff.tar
    refuses "$T/baddiff.tar" "diff_id mismatch"
    # the same check on the OCI side: the layer blob is not what the manifest says
    legacy_dir
    layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' \
        "$T/legacy/manifest.json")
    gzip -dc "$T/legacy/$layer" | gzip -9 >"$T/legacy/$layer.new"
    mv "$T/legacy/$layer.new" "$T/legacy/$layer"
    legacy_tar badlayer.tar
    refuses "$T/badlayer.tar" "digest mismatch"
}

@test "load refuses an entry named ../evil and writes nothing outside the root" {
    save_busybox
    python3 - "$T/bb.tar" "$T/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1]) as src, tarfile.open(sys.argv[2], "w") as dst:
    for m in src.getmembers():
        dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    data = b"pwned\n"
    evil = tarfile.TarInfo("../evil")
    evil.size = len(data)
    dst.addfile(evil, io.BytesIO(data))
EOF
    refuses "$T/evil.tar" "'..' is not allowed"
    [ ! -e "$T/root/evil" ] && [ ! -e "$T/root/images/evil" ] && [ ! -e "$T/evil" ]
}

# Bytes in the spool directories of a store's loads.
spool_bytes() {
    du -sbc "$1"/images/.tmp-load-* 2>/dev/null | tail -n1 | cut -f1
}

@test "a load killed with SIGKILL leaves a sound store, and the next load works" {
    mkdir -p "$T/big"
    busybox_rootfs "$T/big/rootfs"
    head -c 200M /dev/urandom >"$T/big/rootfs/random.bin"
    tar -C "$T/big/rootfs" --numeric-owner -cf "$T/big/rootfs.tar" .
    rm -rf "$T/big/rootfs"
    md import "$T/big/rootfs.tar" big:latest >/dev/null
    md save -o "$T/big.tar" big
    rm "$T/big/rootfs.tar"

    # killed for sure in the middle of the archive: the input stops at 150 MB
    mkfifo "$T/fifo"
    md2 load -i "$T/fifo" >/dev/null 2>&1 &
    pid=$!
    python3 -c '
import sys, time
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as dst:
    dst.write(src.read(150 << 20))
    dst.flush()
    time.sleep(60)' "$T/big.tar" "$T/fifo" &
    feeder=$!
    for _ in $(seq 200); do
        [ "$(spool_bytes "$T/root2")" -ge $((100 << 20)) ] && break
        sleep 0.05
    done
    kill -KILL "$pid"
    kill -KILL "$feeder"
    wait "$pid" "$feeder" || true
    run md2 images
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ] # no image, no dangling tag
    blobs_are_sound "$T/root2"

    # and killed at a few points of a whole load (spooling, checking, storing)
    for delay in 0.1 0.3 0.5 0.7 0.9; do
        md2 load -i "$T/big.tar" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" || true
        run md2 images
        [ "$status" -eq 0 ]
        blobs_are_sound "$T/root2"
    done

    run md2 load -i "$T/big.tar"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: big:latest" ]
    [ "$(store_image "$T/root2" docker.io/library/big:latest)" = \
        "$(store_image "$T/root" docker.io/library/big:latest)" ]
    blobs_are_sound "$T/root2"
    # the killed loads' temporary directories were swept
    [ -z "$(ls -A "$T/root2/images" | grep '^\.tmp-load-')" ]
}
