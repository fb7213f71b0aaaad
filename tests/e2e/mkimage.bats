#!/usr/bin/env bats
# scripts/mkimage-busybox and scripts/mkimage-debian: base images without the internet.
#
# The busybox tests take seconds.  The test that builds a Debian image with
# debootstrap (installed by make deps) fetches from the host's Debian mirror
# the first time, then reuses the cached tarball
# (${MINIDOCK_CACHE:-/var/cache/minidock}/debootstrap-CODENAME-minbase-ARCH.tgz).

load ../lib/common

MKBB=$TOP/scripts/mkimage-busybox
MKDEB=$TOP/scripts/mkimage-debian

setup() {
    make_tmp
    CGROUPS_BEFORE=$(minidock_cgroups)
    # the scripts' temporary directories go here, to check they are removed
    mkdir "$T/tmp"
    export TMPDIR=$T/tmp
}
teardown() {
    kill_root_containers
    cleanup_tree "$T"
}

@test "mkimage-busybox imports busybox:latest into --root and it runs" {
    run "$MKBB" --root "$T/root"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    id=$output
    run md image inspect --format '{{.Id}} {{json .RepoTags}}' busybox
    [ "$output" = "$id [\"busybox:latest\"]" ]
    run md run --rm busybox sh -c 'echo hello from $(busybox | head -n1 | cut -d" " -f1)'
    [ "$status" -eq 0 ]
    [ "$output" = "hello from BusyBox" ]
    run ls -A "$T/tmp"
    [ "$output" = "" ]
}

@test "mkimage-busybox REF uses MINIDOCK_ROOT and tags REF" {
    MINIDOCK_ROOT=$T/root run "$MKBB" my/bb:1.0
    [ "$status" -eq 0 ]
    run md images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = my/bb:1.0 ]
    run md run --rm my/bb:1.0 ls /bin/sh /etc/passwd
    [ "$status" -eq 0 ]
    run ls -A "$T/tmp"
    [ "$output" = "" ]
}

@test "mkimage-busybox rejects bad usage and leaves nothing" {
    run "$MKBB" --root "$T/root" a:1 b:2
    [ "$status" -eq 2 ]
    [[ "$output" == *usage:* ]]
    run "$MKBB" --bogus
    [ "$status" -eq 2 ]
    run "$MKBB" --root "$T/root" 'Bad Ref!'
    [ "$status" -ne 0 ]
    run md images -q
    [ "$output" = "" ]
    run ls -A "$T/tmp"
    [ "$output" = "" ]
}

@test "mkimage-debian fails cleanly on an unreachable mirror (no temp dir, no mount, no image)" {
    run "$MKDEB" --root "$T/root" --no-cache --mirror http://127.0.0.1:9/debian
    [ "$status" -ne 0 ]
    [[ "$output" == *"debootstrap failed"* ]]
    run ls -A "$T/tmp"
    [ "$output" = "" ]
    run grep -c "$T/tmp" /proc/self/mountinfo
    [ "$output" = 0 ]
    run md images -q
    [ "$output" = "" ]
}

# bats test_tags=slow
@test "slow: mkimage-debian builds debian:CODENAME and bash runs in it" {
    # debootstrap comes with make deps; the packages come from the host's own
    # Debian mirror (about 40 s the first time, then from the cache)
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    run "$MKDEB" --root "$T/root"
    [ "$status" -eq 0 ]
    [[ "${lines[-1]}" =~ ^sha256:[0-9a-f]{64}$ ]]
    run md images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "debian:$codename" ]
    run md image inspect --format '{{json .Config.Cmd}}' "debian:$codename"
    [ "$output" = '["bash"]' ]
    run md run --rm "debian:$codename" bash -c 'echo $BASH_VERSION'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
    # an apt-style layout, and the image's release is the host's
    run md run --rm "debian:$codename" sh -c '. /etc/os-release; echo $VERSION_CODENAME; test -x /usr/bin/apt-get && test -d /var/lib/dpkg/info && echo apt'
    [ "$status" -eq 0 ]
    [ "$output" = "$codename"$'\n'apt ]
    run ls -A "$T/tmp"
    [ "$output" = "" ]
    run grep -c "$T/tmp" /proc/self/mountinfo
    [ "$output" = 0 ]
}
