#!/usr/bin/env bats
# Lab 04 grader, part 4: layers are untrusted.  Each malicious tar is refused
# with exit status 125 and a message naming the bad entry, and nothing lands
# outside the target.  The target is $T/a/b/dir: one or two ".." land in
# $T/a or $T/a/b, where the tests look.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

# refused TAR ENTRY: `img layer apply` refuses TAR naming ENTRY; nothing escaped
refused() {
    mkdir -p "$T/a/b/dir"
    run -125 "$IMG" layer apply "$1" "$T/a/b/dir"
    echo "$output"
    [[ "$output" == "img: layer apply: "*"$2"* ]]
    [ "$(ls "$T/a")" = b ]
    [ "$(ls "$T/a/b")" = dir ]
    [ ! -e "$T/escaped" ]
}

@test "an entry with .. is refused" {
    evil_tar "$T/evil.tar" f:../../escaped
    refused "$T/evil.tar" "entry '../../escaped': '..' is not allowed"
}

@test "an absolute entry is refused" {
    evil_tar "$T/evil.tar" "f:$T/escaped"
    refused "$T/evil.tar" "entry '$T/escaped': absolute names are not allowed"
}

@test "writing through a symlink to / is refused" {
    evil_tar "$T/evil.tar" l:evil:/ "f:evil$T/escaped"
    refused "$T/evil.tar" "entry 'evil$T/escaped'"
    [ -L "$T/a/b/dir/evil" ] # the symlink itself is harmless
}

@test "a symlink climbing out of the target is refused" {
    evil_tar "$T/evil.tar" l:up:../.. f:up/escaped
    refused "$T/evil.tar" "entry 'up': symlink to '../..' points outside the layer"
}

@test "a symlink planted by an earlier layer is not followed" {
    mkdir -p "$T/a/b/dir"
    evil_tar "$T/one.tar" l:lnk:/
    img layer apply "$T/one.tar" "$T/a/b/dir"
    evil_tar "$T/two.tar" "f:lnk$T/escaped"
    refused "$T/two.tar" "entry 'lnk$T/escaped'"
}

@test "a hard link to a host file is refused" {
    echo secret >"$T/secret"
    evil_tar "$T/evil.tar" h:shadow:/etc/shadow
    refused "$T/evil.tar" "entry 'shadow'"
    evil_tar "$T/evil.tar" "h:s:../../../secret"
    refused "$T/evil.tar" "entry 's'"
    [ "$(stat -c %h "$T/secret")" -eq 1 ]
}

@test "a device node is refused" {
    evil_tar "$T/evil.tar" c:dev/mem:1:1
    refused "$T/evil.tar" "entry 'dev/mem': device nodes are not allowed"
    [ ! -e "$T/a/b/dir/dev/mem" ]
}

@test "a truncated gzip layer is refused" {
    busybox_tar "$T/bb.tar"
    gzip -c "$T/bb.tar" | head -c 20000 >"$T/trunc.tgz"
    mkdir -p "$T/dir"
    run -125 "$IMG" layer apply "$T/trunc.tgz" "$T/dir"
    echo "$output"
    [[ "$output" == "img: layer apply: "* ]]
}

@test "import refuses a malicious tar and stores nothing" {
    evil_tar "$T/evil.tar" f:bin/sh l:up:../../.. f:up/escaped
    run -125 img import "$T/evil.tar" evil
    echo "$output"
    [[ "$output" == "img: import: "*"entry 'up'"* ]]
    [ "$(count_blobs)" -eq 0 ]
    [ -z "$(ls "$ROOT/layers")" ]
    run -0 img ls
    [ "${#lines[@]}" -eq 1 ]
}
