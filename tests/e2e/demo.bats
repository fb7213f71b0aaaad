#!/usr/bin/env bats
# make demo: the tour runs and shows what the README promises.

load ../lib/common

@test "the demo shows info, hostname, PID 1, capabilities and a memory limit at work" {
    run "$TOP/scripts/demo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Cgroup Version:"* ]]
    [[ "$output" == *"demo-box"* ]]
    [[ "$output" =~ \ 1\ root\ +ps ]]
    [[ "$output" == *"CapEff:	00000000a80425fb"* ]]
    [[ "$output" == *"mount=EPERM"* ]]
    [[ "$output" == *"exit status 137"* ]]
    [[ "$output" == *"error=EAGAIN"* ]]
    ! ls -d /tmp/minidock-demo.* 2>/dev/null || false     # it cleans up after itself
}
