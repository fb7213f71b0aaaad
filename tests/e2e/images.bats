#!/usr/bin/env bats
# minidock images|import|tag|rmi|history and image ls|inspect|prune|rm|tag|import|history

load ../lib/common

setup() { make_tmp; }
teardown() { cleanup_tree "$T"; }

# A small root file system tar of its own (different content: different layer).
small_tar() {
    mkdir -p "$T/small/etc"
    echo "$1" >"$T/small/etc/hello"
    head -c 200000 /dev/urandom >"$T/small/etc/blob"
    tar -C "$T/small" -cf "$T/$1.tar" .
    rm -rf "$T/small"
    echo "$T/$1.tar"
}

# A container record that uses image ID $1: ROOT/containers/<id>/container.json.
fake_container() {
    local id=1a2b3c4d5e6f$(printf '%052d' 0)
    mkdir -p "$T/root/containers/$id"
    printf '{"Id": "%s", "Image": "%s"}\n' "$id" "$1" >"$T/root/containers/$id/container.json"
    [ -z "${2:-}" ] || printf '{"Status": "%s"}\n' "$2" >"$T/root/containers/$id/state.json"
}

blobs() { ls "$T/root/images/blobs/sha256" | wc -l; }

@test "import prints the image ID and tags the image" {
    run import_busybox
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    id=$output
    run md image inspect --format '{{.Id}} {{json .RepoTags}}' busybox
    [ "$output" = "$id [\"busybox:latest\"]" ]
}

@test "import - reads the tar from stdin and leaves no spool file" {
    run md import - from-stdin:1 <"$(busybox_tar)"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    run md images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = from-stdin:1 ]
    run find "$T/root/images" -name '.tmp-*'
    [ "$output" = "" ]
}

@test "import -c sets CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, STOPSIGNAL" {
    md import -c 'CMD ["sh"]' -c 'ENTRYPOINT /bin/env' -c 'ENV A=1 B="two words"' -c 'ENV C 3 4' \
        -c 'WORKDIR /srv' -c 'WORKDIR app' -c 'USER nobody' -c 'EXPOSE 80 53/udp' \
        -c 'LABEL team=ops' -c 'STOPSIGNAL SIGINT' "$(busybox_tar)" conf >/dev/null
    run md image inspect --format '{{json .Config.Cmd}}' conf
    [ "$output" = '["sh"]' ]
    run md image inspect --format '{{json .Config.Entrypoint}}' conf
    [ "$output" = '["/bin/sh","-c","/bin/env"]' ]
    run md image inspect --format '{{json .Config.Env}}' conf
    [ "$output" = '["A=1","B=two words","C=3 4"]' ]
    run md image inspect --format '{{.Config.WorkingDir}} {{.Config.User}} {{.Config.StopSignal}}' conf
    [ "$output" = "/srv/app nobody SIGINT" ]
    run md image inspect --format '{{json .Config.ExposedPorts}} {{json .Config.Labels}}' conf
    [ "$output" = '{"53/udp":{},"80/tcp":{}} {"team":"ops"}' ]
}

@test "import -m sets the comment that history and inspect show" {
    md import -m "from the lab" "$(busybox_tar)" msg >/dev/null
    run md image inspect --format '{{.Comment}}' msg
    [ "$output" = "from the lab" ]
    run md history --format '{{.Comment}}' msg
    [ "$output" = "from the lab" ]
    import_busybox >/dev/null
    run md history --format '{{.Comment}}' busybox
    [ "$output" = "Imported from -" ]
}

@test "import refuses a bad change, a bad reference and a missing file" {
    run -125 md import -c 'RUN echo hi' "$(busybox_tar)"
    [ "$output" = "minidock: import: RUN is not a valid change command" ]
    run -125 md import -c 'EXPOSE http' "$(busybox_tar)"
    [[ "$output" == *"invalid containerPort: http"* ]]
    run -125 md import -c 'STOPSIGNAL SIGNOPE' "$(busybox_tar)"
    [[ "$output" == *"Invalid signal: SIGNOPE"* ]]
    run -125 md import "$(busybox_tar)" 'Bad:Name'
    [[ "$output" == *"invalid reference format"* ]]
    run -125 md import "$(busybox_tar)" 'a b'
    [[ "$output" == *"invalid reference format"* ]]
    run -125 md import "$T/nothing.tar" x
    [[ "$output" == *"$T/nothing.tar"*"No such file or directory"* ]]
    run -125 md import
    [[ "$output" == *'"import" requires at least 1 and at most 2 arguments'* ]]
}

@test "import of a bad tar (garbage, truncated gzip) leaves no blob, layer or tag" {
    head -c 10000 /dev/urandom >"$T/garbage.tar"
    gzip -c "$(busybox_tar)" | head -c 200000 >"$T/cut.tar.gz"
    run -125 md import "$T/garbage.tar" bad:1
    [[ "$output" == "minidock: import: "* ]]
    run -125 md import "$T/cut.tar.gz" bad:2
    [[ "$output" == *"truncated gzip input"* ]]
    run -125 md import - bad:3 <"$T/garbage.tar"
    [ "$(blobs)" -eq 0 ]
    [ -z "$(ls "$T/root/layers")" ]
    [ -z "$(ls -A "$T/root/images/blobs/sha256")" ]
    run md images -q
    [ "$output" = "" ]
}

@test "images prints Docker's table, newest first, <none> for untagged images" {
    import_busybox >/dev/null
    md tag busybox busybox:1.36
    sleep 1
    md import "$(small_tar one)" >/dev/null
    run md images
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
    none='^<none> +<none> +[0-9a-f]{12} +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+kB$'
    [[ "${lines[1]}" =~ $none ]]
    [[ "${lines[2]}" =~ ^busybox\ +latest\ +[0-9a-f]{12}\ +.*\ ago\ +[0-9.]+MB$ ]]
    [[ "${lines[3]}" =~ ^busybox\ +1\.36\  ]]
    [ "${#lines[@]}" -eq 4 ]
}

@test "images -q, --no-trunc, --format, table and json" {
    id=$(import_busybox)
    run md images -q
    [ "$output" = "${id:7:12}" ]
    run md images -q --no-trunc
    [ "$output" = "$id" ]
    run md images --format '{{.Repository}}|{{.Tag}}|{{.ID}}|{{.Digest}}'
    [ "$output" = "busybox|latest|${id:7:12}|<none>" ]
    run md images --format 'table {{.Repository}}\t{{.ID}}'
    [ "${lines[0]}" = "REPOSITORY   IMAGE ID" ]
    [ "${lines[1]}" = "busybox      ${id:7:12}" ]
    run md images --format json
    python3 -c '
import json, sys
row = json.loads(sys.argv[1])
assert row["Repository"] == "busybox" and row["Tag"] == "latest", row
assert row["CreatedSince"].endswith(" ago") and row["Size"].endswith("B"), row
' "$output"
    run md image ls --format '{{.CreatedAt}}'
    [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ [+-][0-9]{4}\  ]]
}

@test "images REPOSITORY[:TAG] and --filter select rows" {
    import_busybox >/dev/null
    md tag busybox busybox:1.36
    md tag busybox other:x
    md import "$(small_tar dangling)" >/dev/null
    run md images --format '{{.Repository}}:{{.Tag}}' busybox
    [ "$output" = "$(printf 'busybox:latest\nbusybox:1.36')" ]
    run md images --format '{{.Repository}}:{{.Tag}}' busybox:1.36
    [ "$output" = "busybox:1.36" ]
    run md images --format '{{.Repository}}:{{.Tag}}' 'oth*'
    [ "$output" = "other:x" ]
    run md images --format '{{.Repository}}:{{.Tag}}' --filter dangling=true
    [ "$output" = "<none>:<none>" ]
    run -125 md images --filter colour=blue
    [[ "$output" == *"invalid filter 'colour=blue'"* ]]
}

@test "tag adds a reference; unknown source and bad target are errors naming them" {
    id=$(import_busybox)
    run md tag busybox localhost:5000/team/app:v1
    [ "$status" -eq 0 ]
    run md image inspect --format '{{json .RepoTags}}' "$id"
    [ "$output" = '["busybox:latest","localhost:5000/team/app:v1"]' ]
    run md image tag "${id:7:12}" again
    [ "$status" -eq 0 ]
    run -125 md tag nothing x
    [ "$output" = "minidock: No such image: nothing" ]
    run -125 md tag busybox 'UPPER:case'
    [[ "$output" == *"'UPPER:case': invalid reference format: repository name (library/UPPER) must be lowercase"* ]]
    run -125 md tag busybox ':nope'
    [[ "$output" == *"invalid reference format"* ]]
    run -125 md tag busybox
    [[ "$output" == *'"tag" requires exactly 2 arguments'* ]]
}

@test "rmi by tag untags, and deletes the image with its last tag" {
    id=$(import_busybox)
    md tag busybox busybox:1.36
    run md rmi busybox:1.36
    [ "$output" = "Untagged: busybox:1.36" ]
    run md rmi busybox
    [ "${lines[0]}" = "Untagged: busybox:latest" ]
    [ "${lines[1]}" = "Deleted: $id" ]
    [ "$(blobs)" -eq 0 ]
    [ -z "$(ls "$T/root/layers")" ]
}

@test "rmi of an ID with tags in several repositories needs -f" {
    id=$(import_busybox)
    md tag busybox other:1
    run -125 md rmi "${id:7:12}"
    [ "$output" = "minidock: rmi: conflict: unable to delete ${id:7:12} (must be forced) - image is referenced in multiple repositories" ]
    run md rmi -f "${id:7:12}"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Untagged: busybox:latest"*"Untagged: other:1"*"Deleted: $id"* ]]
    run md images -q
    [ "$output" = "" ]
}

@test "rmi of an ID whose tags are all in one repository needs no -f" {
    id=$(import_busybox)
    md tag busybox busybox:1.36
    run md rmi "$id"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Deleted: $id"* ]]
}

@test "rmi refuses an image a container uses, unless forced (then it only untags)" {
    id=$(import_busybox)
    fake_container "$id"
    run -125 md rmi busybox
    [ "$output" = "minidock: rmi: conflict: unable to remove repository reference \"busybox\" (must force) - container 1a2b3c4d5e6f is using its referenced image ${id:7:12}" ]
    run -125 md rmi "${id:7:12}"
    [ "$output" = "minidock: rmi: conflict: unable to delete ${id:7:12} (must be forced) - image is being used by stopped container 1a2b3c4d5e6f" ]
    run md rmi -f busybox
    [ "$output" = "Untagged: busybox:latest" ]
    run md images -q --no-trunc
    [ "$output" = "$id" ]     # still there for the container, untagged
}

@test "rmi and image prune -a keep an image a created container uses" {
    id=$(import_busybox)
    cid=$(md create busybox true)
    run -125 md rmi busybox
    [ "$output" = "minidock: rmi: conflict: unable to remove repository reference \"busybox\" (must force) - container ${cid:0:12} is using its referenced image ${id:7:12}" ]
    run md image prune -a -f
    [ "$output" = "Total reclaimed space: 0B" ]
    run md images -q --no-trunc
    [ "$output" = "$id" ]
}

@test "rmi -f cannot remove an image a running container uses" {
    id=$(import_busybox)
    fake_container "$id" running
    run -125 md rmi -f "$id"
    [[ "$output" == *"unable to delete ${id:7:12} (cannot be forced) - image is being used by running container 1a2b3c4d5e6f"* ]]
}

@test "rmi of unknown images is an error naming each, the others are still removed" {
    import_busybox >/dev/null
    run -125 md rmi nothing busybox
    [[ "$output" == *"minidock: No such image: nothing"* ]]
    [[ "$output" == *"Untagged: busybox:latest"* ]]
    run -125 md rmi 'Bad Name'
    [[ "$output" == "minidock: rmi: invalid reference format"* ]]
    run -125 md rmi
    [[ "$output" == *'"rmi" requires at least 1 argument'* ]]
}

@test "history shows the config's history with the image ID on top" {
    id=$(md import -c 'CMD ["sh"]' "$(busybox_tar)" hist)
    run md history hist
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
    [[ "${lines[1]}" =~ ^${id:7:12}\ +.*\ ago\ +[0-9.]+[kMG]B\ +Imported\ from\ -$ ]]
    run md history -q hist
    [ "$output" = "${id:7:12}" ]
    run md history -q --no-trunc hist
    [ "$output" = "$id" ]
    run md image history --format '{{.ID}}|{{.CreatedBy}}|{{.Comment}}' hist
    [ "$output" = "${id:7:12}||Imported from -" ]
    run -125 md history nothing
    [ "$output" = "minidock: No such image: nothing" ]
}

@test "history shows <missing> below the top and matches layers to non-empty entries" {
    id=$(import_busybox)
    # an image with two history entries, the lower one an empty layer
    python3 - "$T/root" "$id" <<'EOF'
import hashlib, json, os, sys
root, iid = sys.argv[1], sys.argv[2]
blobs = os.path.join(root, "images/blobs/sha256")
index = json.load(open(os.path.join(root, "images/index.json")))
manifest = json.load(open(os.path.join(blobs, index["manifests"][0]["digest"][7:])))
config = json.load(open(os.path.join(blobs, iid[7:])))
config["history"] = [{"created": "2020-01-01T00:00:00Z", "created_by": "/bin/sh -c #(nop)  ENV A=1 B=2 C=3 D=4 E=5 F=6 G=7", "empty_layer": True},
                     {"created": "2020-01-02T00:00:00Z", "created_by": "ADD file:x in /"}]
def put(doc):
    data = json.dumps(doc, separators=(",", ":")).encode()
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    return "sha256:" + h, len(data)
manifest["config"]["digest"], manifest["config"]["size"] = put(config)
d, size = put(manifest)
index["manifests"].append({"mediaType": manifest["mediaType"], "digest": d, "size": size,
                           "annotations": {"org.opencontainers.image.ref.name": "docker.io/library/two:1"}})
json.dump(index, open(os.path.join(root, "images/index.json"), "w"))
EOF
    run md history --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}' two:1
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^[0-9a-f]{12}\|ADD\ file:x\ in\ /\|[0-9.]+[kMG]B$ ]]
    [ "${lines[1]}" = "<missing>|/bin/sh -c #(nop)  ENV A=1 B=2 C=3 D=4 E=5 F…|0B" ]
    run md history --no-trunc --format '{{.CreatedBy}}' two:1
    [ "${lines[1]}" = "/bin/sh -c #(nop)  ENV A=1 B=2 C=3 D=4 E=5 F=6 G=7" ]
}

@test "image inspect prints Docker's document as a JSON array" {
    id=$(import_busybox)
    run md image inspect busybox
    [ "$status" -eq 0 ]
    python3 -c '
import json, sys
[i] = json.loads(sys.argv[1])
assert i["Id"] == sys.argv[2], i
assert i["RepoTags"] == ["busybox:latest"] and i["RepoDigests"] == [], i
assert i["Parent"] == "" and i["Comment"] == "Imported from -" and i["Author"] == "", i
assert i["Created"].endswith("Z") and i["Os"] == "linux" and i["Architecture"], i
assert i["Config"]["Cmd"] is None and i["Config"]["Env"] is None, i
assert i["Size"] > 1000000, i
assert i["RootFS"]["Type"] == "layers" and len(i["RootFS"]["Layers"]) == 1, i
assert "LastTagTime" in i["Metadata"], i
' "$output" "$id"
    run md image inspect --format '{{.Os}}/{{.Architecture}} {{len .RootFS.Layers}}' "${id:7:12}"
    [[ "$output" =~ ^linux/[a-z0-9]+\ 1$ ]]
}

@test "image inspect of an unknown image names it; the known ones are still printed" {
    import_busybox >/dev/null
    run -125 md image inspect --format '{{.RepoTags}}' busybox nothing
    [[ "$output" == *"[busybox:latest]"* ]]
    [[ "$output" == *"minidock: No such image: nothing"* ]]
    run -125 md image inspect
    [[ "$output" == *'"image inspect" requires at least 1 argument'* ]]
}

@test "image prune removes dangling images, asks first, and reports the space" {
    import_busybox >/dev/null
    dangling=$(md import "$(small_tar loose)")
    run md image prune </dev/null
    [[ "$output" == *"WARNING! This will remove all dangling images."* ]]
    [ "$(md images -q | wc -l)" -eq 2 ]
    run md image prune -f
    [ "${lines[0]}" = "Deleted Images:" ]
    [ "${lines[1]}" = "deleted: $dangling" ]
    [[ "${lines[2]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+kB$ ]]
    run md images --format '{{.Repository}}'
    [ "$output" = busybox ]
    run md image prune -f
    [ "$output" = "Total reclaimed space: 0B" ]
}

@test "image prune -a removes every image no container uses" {
    used=$(import_busybox)
    md import "$(small_tar tagged)" unused:1 >/dev/null
    fake_container "$used"
    run md image prune -a -f
    [ "${lines[0]}" = "Deleted Images:" ]
    [ "${lines[1]}" = "untagged: unused:1" ]
    [[ "${lines[2]}" == "deleted: sha256:"* ]]
    run md images --format '{{.Repository}}'
    [ "$output" = busybox ]
}

@test "image groups the image verbs" {
    import_busybox >/dev/null
    run md image ls -q
    [[ "$output" =~ ^[0-9a-f]{12}$ ]]
    run md image tag busybox copy:1
    [ "$status" -eq 0 ]
    run md image rm copy:1
    [ "$output" = "Untagged: copy:1" ]
    run md image import - piped <"$(busybox_tar)"
    [[ "$output" =~ ^sha256: ]]
    run md image --help
    [[ "$output" == *"prune"* ]]
    run -125 md image frobnicate
    [[ "$output" == *"'image frobnicate' is not a minidock command"* ]]
}

@test "flags may follow the arguments, as with docker (not after run's or exec's command)" {
    import_busybox >/dev/null
    id=$(md images -q --no-trunc busybox)
    run md image inspect busybox --format '{{.Id}}'
    [ "$status" -eq 0 ] && [ "$output" = "$id" ]
    run md inspect busybox -f '{{.Os}}'
    [ "$output" = "linux" ]
    run md images busybox --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "busybox:latest" ]
    run md history busybox -q
    [ "$status" -eq 0 ] && [ "${#lines[@]}" -ge 1 ]
    # after run's image, words are the command's: -f here is not inspect's flag
    run md run --rm busybox echo -f x
    [ "$output" = "-f x" ]
}

@test "build parents: images hides intermediates, rmi deletes untagged parents (not with --no-prune), image prune keeps a tagged image's cache" {
    import_busybox >/dev/null
    mkdir -p "$T/ctx"
    printf 'FROM busybox\nENV A=1\nENV B=2\nCMD ["true"]\n' > "$T/ctx/Dockerfile"
    md build -q -t chain:1 "$T/ctx" >/dev/null
    run md images -q
    [ "${#lines[@]}" -eq 2 ]
    run md images -a -q
    [ "${#lines[@]}" -eq 4 ]
    parent=$(md image inspect --format '{{.Parent}}' chain:1)
    [[ "$parent" =~ ^sha256:[0-9a-f]{64}$ ]]
    [ "$(md image inspect --format '{{.Config.Env}}' "$parent")" != "" ]
    run md rmi "$parent"
    [ "$status" -eq 125 ]
    [[ "$output" == *"image has dependent child images"* ]]
    # image prune removes dangling images only: the build cache survives
    md image prune -f >/dev/null
    run md build -t chain:1 "$T/ctx"
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ]
    run md rmi chain:1
    [ "$status" -eq 0 ]
    [ "$(grep -c '^Deleted: ' <<<"$output")" -eq 3 ]
    [ "$(md images -a -q | wc -l)" -eq 1 ]
    # --no-prune keeps the parents; image prune then removes the chain
    md build -q -t chain:2 "$T/ctx" >/dev/null
    run md rmi --no-prune chain:2
    [ "$(grep -c '^Deleted: ' <<<"$output")" -eq 1 ]
    [ "$(md images -a -q | wc -l)" -eq 3 ]
    run md image prune -f
    [ "$(grep -c '^deleted: ' <<<"$output")" -eq 2 ]
    [ "$(md images -a -q | wc -l)" -eq 1 ]
    # and the cache entries of deleted images went with them
    [ -z "$(ls "$T/root/build-cache" | grep -E '^[0-9a-f]{64}$')" ]
}
