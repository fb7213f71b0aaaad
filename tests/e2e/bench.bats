#!/usr/bin/env bats
# bench/: the benchmark scripts run to the end, print their ratios and leave
# nothing behind.  Times are never checked (DESIGN.md §10): one run of each
# command, no warm-up.

load ../lib/common

setup() {
    for t in hyperfine podman runc; do
        command -v "$t" >/dev/null || skip "$t missing (make deps)"
    done
    make_tmp
}
teardown() { cleanup_tree "$T"; }

@test "run-build times cold and cached builds of minidock and podman and prints both ratios" {
    run "$TOP/bench/run-build" --runs 1 --warmup 0 --json "$T/result.json"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ratio\ minidock/podman\ cold\ +=\ [0-9]+\.[0-9]{2} ]]
    [[ "$output" =~ ratio\ minidock/podman\ cached\ +=\ [0-9]+\.[0-9]{2} ]]
    run python3 -c 'import json, sys
print(" ".join(r["command"] for r in json.load(open(sys.argv[1]))["results"]))' "$T/result.json"
    [ "$output" = "minidock-cold podman-cold minidock-cached podman-cached" ]
}

@test "run-build leaves no temp dir, mount, process, runc container or cgroup behind" {
    run "$TOP/bench/run-build" --runs 1 --warmup 0
    [ "$status" -eq 0 ]
    dir=$(sed -n 's/^== preparing under \([^ ]*\) .*/\1/p' <<<"$output")
    # podman's RUN steps ran under --cgroup-parent=/mdbench-PID
    tag=$(sed -n 's|^== preparing under .* under /\(mdbench-[0-9]*\))$|\1|p' <<<"$output")
    [[ "$dir" == /tmp/minidock-bench.* ]]
    [ -n "$tag" ]
    [ ! -e "$dir" ]
    run ! grep -qF "$dir" /proc/self/mountinfo
    run ! pgrep -f "$dir"
    [ -z "$(runc list | grep -F "$dir")" ]
    [ -z "$(find /sys/fs/cgroup -maxdepth 5 -name "$tag")" ]
}

@test "run-build rejects an unknown option with its usage" {
    run "$TOP/bench/run-build" --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == "usage: run-build "* ]]
}

@test "run-latency times minidock, runc and podman and prints both ratios" {
    run "$TOP/bench/run-latency" --runs 1 --warmup 0 --json "$T/latency.json"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ratio\ minidock/runc\ +=\ [0-9]+\.[0-9]{2} ]]
    [[ "$output" =~ ratio\ minidock/podman\ +=\ [0-9]+\.[0-9]{2} ]]
    run python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["results"]))' "$T/latency.json"
    [ "$output" = "3" ]
}
