#!/usr/bin/env bats
# minidock spec: the OCI runtime-spec config.json of a container, checked
# field by field and by handing it to runc, which must build the same container.

load ../lib/common

setup() {
    CGROUPS_BEFORE=$(minidock_cgroups)
    make_tmp
    chmod 755 "$T"
    R=$T/rootfs
    busybox_rootfs "$R"
}

teardown() {
    [ -n "${RUNC_ID:-}" ] && runc delete -f "$RUNC_ID" >/dev/null 2>&1
    kill_and_clean_cgroups "$CGROUPS_BEFORE"
    cleanup_tree "$T"
}

field() { # field PYTHON-EXPRESSION < config.json
    python3 -c "import json,sys; c=json.load(sys.stdin); print($1)"
}

@test "spec prints an OCI config.json with the run options in it" {
    run md spec --rootfs "$R" -h box -e A=1 -w /srv -u nobody -m 64m --cpus 1.5 --pids-limit 9 \
        --cap-drop ALL --cap-add CHOWN -t /bin/sh -c 'echo hi'
    [ "$status" -eq 0 ]
    echo "$output" >"$T/config.json"
    [ "$(field 'c["ociVersion"]' <"$T/config.json")" = 1.0.2 ]
    [ "$(field 'c["root"]["path"]' <"$T/config.json")" = "$R" ]
    [ "$(field 'c["hostname"]' <"$T/config.json")" = box ]
    [ "$(field 'c["process"]["args"]' <"$T/config.json")" = "['/bin/sh', '-c', 'echo hi']" ]
    [ "$(field 'c["process"]["user"]' <"$T/config.json")" = "{'uid': 65534, 'gid': 65534}" ]
    [ "$(field 'c["process"]["cwd"]' <"$T/config.json")" = /srv ]
    [ "$(field 'c["process"]["terminal"]' <"$T/config.json")" = True ]
    [ "$(field '"A=1" in c["process"]["env"]' <"$T/config.json")" = True ]
    [ "$(field 'c["process"]["capabilities"]["bounding"]' <"$T/config.json")" = "['CAP_CHOWN']" ]
    [ "$(field 'c["linux"]["resources"]["memory"]["limit"]' <"$T/config.json")" = $((64 << 20)) ]
    [ "$(field 'c["linux"]["resources"]["cpu"]["quota"]' <"$T/config.json")" = 150000 ]
    [ "$(field 'c["linux"]["resources"]["pids"]["limit"]' <"$T/config.json")" = 9 ]
    [ "$(field 'sorted(n["type"] for n in c["linux"]["namespaces"])' <"$T/config.json")" = \
        "['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']" ]
    [ "$(field '"/proc/kcore" in c["linux"]["maskedPaths"]' <"$T/config.json")" = True ]
    [ "$(field 'c["linux"]["seccomp"]["defaultAction"]' <"$T/config.json")" = SCMP_ACT_ERRNO ]
}

@test "--privileged and --network host show in the spec" {
    run md spec --rootfs "$R" --privileged --network host /bin/true
    echo "$output" >"$T/config.json"
    [ "$(field '"seccomp" in c["linux"]' <"$T/config.json")" = False ]
    [ "$(field '"maskedPaths" in c["linux"]' <"$T/config.json")" = False ]
    [ "$(field '"network" in [n["type"] for n in c["linux"]["namespaces"]]' <"$T/config.json")" = False ]
}

@test "spec refuses what a bundle cannot hold" {
    run -125 md spec /bin/true
    [[ "$output" == *"--rootfs"* ]]
    run -125 md spec --rootfs "$R" -u ghost /bin/true
    [[ "$output" == *"unable to find user ghost"* ]]
}

@test "runc runs minidock's spec and builds the same container as minidock run" {
    command -v runc >/dev/null || skip "runc is not installed (make deps installs it)"
    opts=(-h "$(rand_name box)" --cap-drop NET_RAW --security-opt no-new-privileges --pids-limit 50)
    run md run --rootfs "$R" "${opts[@]}" /bin/probe info
    [ "$status" -eq 0 ]
    ours=$output
    mkdir "$T/bundle"
    md spec --rootfs "$R" "${opts[@]}" /bin/probe info >"$T/bundle/config.json"
    RUNC_ID=$(rand_name md)
    run runc run -b "$T/bundle" "$RUNC_ID"
    [ "$status" -eq 0 ]
    for k in pid uid hostname CapEff CapBnd CapInh CapAmb NoNewPrivs Seccomp procs ifaces; do
        [ "$(kv "$k" <<<"$output")" = "$(kv "$k" <<<"$ours")" ] ||
            { echo "$k: runc $(kv "$k" <<<"$output"), minidock $(kv "$k" <<<"$ours")"; return 1; }
    done
    # and the seccomp profile denies the same calls
    python3 - "$T/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/probe", "try", "mount", "unshare", "keyctl"]
json.dump(c, open(sys.argv[1], "w"))
PY
    run runc run -b "$T/bundle" "$RUNC_ID"
    [ "$output" = "$(printf 'mount=EPERM\nunshare=EPERM\nkeyctl=EPERM')" ]
}
