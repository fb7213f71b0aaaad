#!/usr/bin/env bats
# Lab 04 grader, part 5: bad input gets exit status 125 and a clear message.

bats_require_minimum_version 1.5.0
load ../../../tests/lib/common
load helpers

@test "an unknown image is named" {
    run -125 img inspect nothere
    echo "$output"
    [ "$output" = "img: inspect: No such image: nothere" ]
}

@test "an upper-case repository gets Docker's message" {
    busybox_tar "$T/bb.tar"
    run -125 img import "$T/bb.tar" BusyBox
    echo "$output"
    [ "$output" = "img: import: 'BusyBox': invalid reference format: repository name (library/BusyBox) must be lowercase" ]
    [ "$(count_blobs)" -eq 0 ]
}

@test "an invalid reference is refused" {
    busybox_tar "$T/bb.tar"
    run -125 img import "$T/bb.tar" 'bad name'
    [ "$output" = "img: import: 'bad name': invalid reference format" ]
}

@test "a missing tar is named" {
    run -125 img import "$T/none.tar" app
    echo "$output"
    [[ "$output" == "img: import: "*"$T/none.tar"*"No such file or directory" ]]
}

@test "a file that is not a tar is refused" {
    echo "not a tar" >"$T/junk"
    run -125 img import "$T/junk" app
    echo "$output"
    [[ "$output" == "img: import: "* ]]
    [ "$(count_blobs)" -eq 0 ]
}

@test "an unknown command is refused" {
    run -125 img frobnicate
    [[ "$output" == "img: unknown command 'frobnicate'"* ]]
}
