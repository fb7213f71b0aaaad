#!/usr/bin/env bats
# Lab 04 grader, part 1: import a root file system tar, list and inspect it,
# and check the OCI layout on disk.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "import prints the image ID, the digest of the config" {
    busybox_tar "$T/bb.tar"
    run -0 img import "$T/bb.tar" busybox
    echo "$output"
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    [ -f "$ROOT/images/blobs/sha256/${output#sha256:}" ]
}

@test "the store is an OCI image layout" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    [ "$(json_get "$ROOT/images/oci-layout" 'd["imageLayoutVersion"]')" = 1.0.0 ]
    [ "$(json_get "$ROOT/images/index.json" 'd["schemaVersion"]')" = 2 ]
    [ -d "$ROOT/images/blobs/sha256" ]
}

@test "index.json tags the manifest with org.opencontainers.image.ref.name" {
    busybox_tar "$T/bb.tar"
    name=$(rand_name app)
    img import "$T/bb.tar" "$name:v1"
    run -0 json_get "$ROOT/images/index.json" \
        '[m["annotations"]["org.opencontainers.image.ref.name"] for m in d["manifests"]]'
    echo "$output"
    [ "$output" = "['docker.io/library/$name:v1']" ]
    run -0 json_get "$ROOT/images/index.json" 'd["manifests"][0]["mediaType"]'
    [ "$output" = application/vnd.oci.image.manifest.v1+json ]
}

@test "every blob is named after the SHA-256 of its content" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    [ "$(count_blobs)" -eq 3 ] # layer, config, manifest
    blob_names_match_content
}

@test "the manifest lists the config and one gzip layer" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    m=$(json_get "$ROOT/images/index.json" 'd["manifests"][0]["digest"][7:]')
    f=$ROOT/images/blobs/sha256/$m
    [ "$(json_get "$f" 'd["config"]["mediaType"]')" = application/vnd.oci.image.config.v1+json ]
    [ "$(json_get "$f" 'd["layers"][0]["mediaType"]')" = application/vnd.oci.image.layer.v1.tar+gzip ]
    layer=$ROOT/images/blobs/sha256/$(json_get "$f" 'd["layers"][0]["digest"][7:]')
    [ "$(json_get "$f" 'd["layers"][0]["size"]')" -eq "$(stat -c %s "$layer")" ]
    gzip -t "$layer"
}

@test "the diff_id in the config is the SHA-256 of the uncompressed tar" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" busybox
    run -0 img inspect busybox
    echo "$output"
    want=$(sha256sum <"$T/bb.tar" | cut -c1-64)
    echo "$output" >"$T/config.json"
    [ "$(json_get "$T/config.json" 'd["rootfs"]["diff_ids"][0]')" = "sha256:$want" ]
    [ "$(json_get "$T/config.json" 'd["rootfs"]["type"]')" = layers ]
    [ "$(json_get "$T/config.json" 'd["os"]')" = linux ]
    # and the uncompressed layer blob is exactly that tar
    layer=$(find "$ROOT/images/blobs/sha256" -type f -size +100k)
    [ "$(gzip -dc "$layer" | sha256sum | cut -c1-64)" = "$want" ]
}

@test "ls shows Docker's columns, the tag and a 12-hex image ID" {
    busybox_tar "$T/bb.tar"
    name=$(rand_name app)
    id=$(img import "$T/bb.tar" "$name:1.0")
    run -0 img ls
    echo "$output"
    [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
    [[ "${lines[1]}" =~ ^$name\ +1\.0\ +${id:7:12}\ +.*ago\ +[0-9.]+[kM]?B$ ]]
}

@test "inspect finds an image by tag, by ID and by ID prefix" {
    busybox_tar "$T/bb.tar"
    id=$(img import "$T/bb.tar" busybox:1.36)
    a=$(img inspect busybox:1.36)
    [ "$(img inspect "$id")" = "$a" ]
    [ "$(img inspect "${id:7:12}")" = "$a" ]
    [ "$(img inspect docker.io/library/busybox:1.36)" = "$a" ]
    # the config blob is what inspect shows
    python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == json.loads(sys.argv[2])' \
        "$ROOT/images/blobs/sha256/${id:7}" "$a"
}

@test "a gzip-compressed tar imports to the same diff_id" {
    busybox_tar "$T/bb.tar"
    gzip -k "$T/bb.tar"
    img import "$T/bb.tar" plain
    img import "$T/bb.tar.gz" gz
    [ "$(img inspect plain | grep -A1 diff_ids | tail -n1)" = \
        "$(img inspect gz | grep -A1 diff_ids | tail -n1)" ]
}

@test "import -c sets the config, as docker import --change does" {
    busybox_tar "$T/bb.tar"
    img import -c 'CMD ["/bin/echo", "hi"]' -c 'ENV A=1' -c 'WORKDIR /tmp' "$T/bb.tar" app
    img inspect app >"$T/config.json"
    [ "$(json_get "$T/config.json" 'd["config"]["Cmd"]')" = "['/bin/echo', 'hi']" ]
    [ "$(json_get "$T/config.json" 'd["config"]["Env"]')" = "['A=1']" ]
    [ "$(json_get "$T/config.json" 'd["config"]["WorkingDir"]')" = /tmp ]
    img import -c 'CMD echo hi' "$T/bb.tar" app
    [ "$(img inspect app | tr -d ' \n' | grep -o '"Cmd":\[[^]]*\]')" = '"Cmd":["/bin/sh","-c","echohi"]' ]
}
