#!/usr/bin/env bats
# Lab 04 grader, part 3: tags, rm (Docker's untag-then-delete rules) and
# garbage collection of blobs and layer directories.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "rm of the last tag untags, deletes, and leaves no blob behind" {
    busybox_tar "$T/bb.tar"
    name=$(rand_name app)
    id=$(img import "$T/bb.tar" "$name")
    run -0 img rm "$name"
    echo "$output"
    [ "${lines[0]}" = "Untagged: $name:latest" ]
    [ "${lines[1]}" = "Deleted: $id" ]
    [ "$(count_blobs)" -eq 0 ]
    [ -z "$(ls "$ROOT/layers")" ]
    [ "$(json_get "$ROOT/images/index.json" 'len(d["manifests"])')" -eq 0 ]
}

@test "rm of one tag among two keeps the image and its blobs" {
    busybox_tar "$T/bb.tar"
    id=$(img import "$T/bb.tar" app:1)
    img tag app:1 app:2
    run -0 img rm app:1
    [ "$output" = "Untagged: app:1" ]
    [ "$(count_blobs)" -eq 3 ]
    run -0 img inspect app:2
    run -125 img inspect app:1
}

@test "rm by ID of an image with several tags needs -f" {
    busybox_tar "$T/bb.tar"
    id=$(img import "$T/bb.tar" app:1)
    img tag app:1 other/app:2
    run -125 img rm "${id:7:12}"
    echo "$output"
    [[ "$output" == *"unable to delete ${id:7:12} (must be forced) - image is referenced in multiple repositories"* ]]
    run -0 img rm -f "${id:7:12}"
    [ "$(count_blobs)" -eq 0 ]
}

@test "removing one of two images sharing a layer keeps the layer" {
    busybox_tar "$T/bb.tar"
    img import "$T/bb.tar" a
    img import "$T/bb.tar" b
    img rm a
    [ "$(ls "$ROOT/layers" | wc -l)" -eq 1 ]
    [ "$(count_blobs)" -eq 3 ]
    img unpack b "$T/out"
    [ -x "$T/out/bin/busybox" ]
    blob_names_match_content
}

@test "a tag moves to the image imported last" {
    busybox_tar "$T/bb.tar"
    first=$(img import "$T/bb.tar" app)
    echo extra >"$T/rootfs/extra"
    tar -C "$T/rootfs" -cf "$T/bb2.tar" .
    second=$(img import "$T/bb2.tar" app)
    [ "$first" != "$second" ]
    run -0 img ls
    echo "$output"
    [[ "$output" == *"app "*"${second:7:12}"* ]]
    [[ "$output" == *"<none> "*"<none> "*"${first:7:12}"* ]]
}
