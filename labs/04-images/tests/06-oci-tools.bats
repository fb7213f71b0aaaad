#!/usr/bin/env bats
# Lab 04 grader, part 6: other OCI tools read our store.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "skopeo inspects the image in our OCI layout" {
    command -v skopeo >/dev/null || skip "skopeo is not installed (apt-get install skopeo)"
    busybox_tar "$T/bb.tar"
    id=$(img import "$T/bb.tar" busybox:1.0)
    run -0 skopeo inspect "oci:$ROOT/images:docker.io/library/busybox:1.0"
    echo "$output"
    echo "$output" >"$T/out.json"
    [ "$(json_get "$T/out.json" 'd["Os"]')" = linux ]
    [ "$(json_get "$T/out.json" 'len(d["Layers"])')" -eq 1 ]
    run -0 skopeo inspect --config "oci:$ROOT/images:docker.io/library/busybox:1.0"
    echo "$output" >"$T/config.json"
    [ "$(json_get "$T/config.json" 'd["rootfs"]["diff_ids"][0]')" = \
        "sha256:$(sha256sum <"$T/bb.tar" | cut -c1-64)" ]
}
