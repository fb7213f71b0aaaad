#!/usr/bin/env bats
# Lab 04 grader, part 7: the Dockerfile parser (dockerfile.c), through
# `img parse`, which prints the instructions as JSON.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

# parse FILE: img parse into $T/out.json
parse() {
    run -0 img parse "$1"
    echo "$output"
    printf '%s\n' "$output" >"$T/out.json"
}

@test "continuation lines are joined, comments inside them skipped" {
    word=$(rand_name w)
    printf 'FROM busybox\nRUN echo %s \\\n# a comment\n\n    && echo b\nCMD x\n' "$word" >"$T/Dockerfile"
    parse "$T/Dockerfile"
    [ "$(json_get "$T/out.json" 'd["instructions"][1]["args"]')" = "['echo $word     && echo b']" ]
    [ "$(json_get "$T/out.json" 'd["instructions"][2]["line"]')" = 6 ]
}

@test "exec form is a JSON array; malformed JSON is the shell form, as in Docker" {
    word=$(rand_name w)
    printf 'from busybox\ncmd ["echo", "%s"]\nentrypoint ["sh", "-c"\n' "$word" >"$T/Dockerfile"
    parse "$T/Dockerfile"
    [ "$(json_get "$T/out.json" 'd["instructions"][1]["cmd"]')" = CMD ]
    [ "$(json_get "$T/out.json" 'd["instructions"][1]["json"]')" = True ]
    [ "$(json_get "$T/out.json" 'd["instructions"][1]["args"]')" = "['echo', '$word']" ]
    [ "$(json_get "$T/out.json" 'd["instructions"][2]["json"]')" = False ]
    [ "$(json_get "$T/out.json" 'd["instructions"][2]["args"]')" = "['[\"sh\", \"-c\"']" ]
}

@test "a JSON array of non-strings is an error with file, line and column" {
    printf 'FROM busybox\n\n  CMD ["echo", 1]\n' >"$T/Dockerfile"
    run -125 img parse "$T/Dockerfile"
    echo "$output"
    [ "$output" = "img: $T/Dockerfile:3:7: when using JSON array syntax, arrays must be comprised of strings only" ]
}

@test "only ARG may come before FROM" {
    printf 'ARG V=1\nFROM busybox:${V}\n' >"$T/ok"
    parse "$T/ok"
    printf 'ARG V=1\n\nRUN true\nFROM busybox\n' >"$T/Dockerfile"
    run -125 img parse "$T/Dockerfile"
    echo "$output"
    [ "$output" = "img: $T/Dockerfile:3:1: expected FROM, found RUN: a Dockerfile starts with FROM (only ARG may come before it)" ]
}

@test "an unknown instruction is named with its line and column" {
    printf 'FROM busybox\nRUN a \\\n  b\n  RUNN c\n' >"$T/Dockerfile"
    run -125 img parse "$T/Dockerfile"
    echo "$output"
    [ "$output" = "img: $T/Dockerfile:4:3: unknown instruction: RUNN" ]
}
