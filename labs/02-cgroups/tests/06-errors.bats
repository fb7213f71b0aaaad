#!/usr/bin/env bats
# Lab 02 grader, part 6: bad input is refused with exit status 125 and a
# message naming the input, before any cgroup is created.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "an invalid size is refused: --memory 64q" {
    new_name
    run -125 "$CGBOX" --name "$NAME" --memory 64q -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == "cgbox: --memory: invalid size '64q'"* ]]
    no_group "$NAME"
}

@test "an invalid CPU count is refused: --cpus abc" {
    new_name
    run -125 "$CGBOX" --name "$NAME" --cpus abc -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == "cgbox: --cpus: invalid number of CPUs 'abc'"* ]]
    no_group "$NAME"
}

@test "an invalid pids limit is refused: --pids-limit many" {
    run -125 "$CGBOX" --pids-limit many -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == "cgbox: --pids-limit: invalid number 'many'"* ]]
}

@test "an unknown option is refused and named" {
    run -125 "$CGBOX" --frobnicate -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == "cgbox: unknown option '--frobnicate'"* ]]
}

@test "an option without its value is refused" {
    run -125 "$CGBOX" --memory
    echo "$output"
    [[ "$output" == "cgbox: option '--memory' needs a value"* ]]
}

@test "a missing command is refused" {
    run -125 "$CGBOX" --memory 64m
    echo "$output"
    [[ "$output" == "cgbox: no command given"* ]]
}

@test "--memory-swap smaller than --memory is refused" {
    new_name
    run -125 "$CGBOX" --name "$NAME" --memory 64m --memory-swap 32m -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == *"memory+swap limit: must be at least the memory limit"* ]]
    [[ "$output" != *"--- cgroup"* ]]
    no_group "$NAME"
}

@test "a name that is not a plain name is refused: --name ../x" {
    run -125 "$CGBOX" --name ../x -- "$PROBE" exit 0
    echo "$output"
    [[ "$output" == "cgbox: --name: invalid name '../x'"* ]]
}

@test "freezing a group that does not exist fails and names it" {
    new_name
    run -125 "$CGBOX" freeze "$NAME"
    echo "$output"
    [[ "$output" == *"no cgroup named cgbox/$NAME"* ]]
}

@test "an unknown signal is refused: kill NAME BOGUS" {
    new_name
    run -125 "$CGBOX" kill "$NAME" BOGUS
    echo "$output"
    [[ "$output" == *"invalid signal 'BOGUS'"* ]]
}

@test "a bad MINIDOCK_CGROUP value is refused and named" {
    MINIDOCK_CGROUP=v3 run -125 "$CGBOX" info
    echo "$output"
    [[ "$output" == *"MINIDOCK_CGROUP=v3: expected v1 or v2"* ]]
}
