#!/usr/bin/env bats
# minidock volume create|ls|inspect|rm|prune

load ../lib/common

setup() { make_tmp; }
teardown() { cleanup_tree "$T"; }

@test "volume create makes ROOT/volumes/NAME/_data and prints the name" {
    name=$(rand_name vol)
    run md volume create --label team=ops "$name"
    [ "$status" -eq 0 ]
    [ "$output" = "$name" ]
    [ -d "$T/root/volumes/$name/_data" ]
    run md volume create "$name"          # an existing name is not an error
    [ "$status" -eq 0 ]
}

@test "volume create without a name makes an anonymous volume with a 64-hex name" {
    run md volume create
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run md volume inspect --format '{{json .Labels}}' "$output"
    [ "$output" = '{"com.docker.volume.anonymous":""}' ]
}

@test "volume ls prints Docker's table, -q and --format" {
    md volume create alpha >/dev/null
    md volume create --label k=v beta >/dev/null
    run md volume ls
    [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
    [ "${lines[1]}" = "local     alpha" ]
    [ "${lines[2]}" = "local     beta" ]
    run md volume ls -q
    [ "$output" = "$(printf 'alpha\nbeta')" ]
    run md volume ls --format '{{.Name}}={{.Labels}}'
    [ "$output" = "$(printf 'alpha=\nbeta=k=v')" ]
    run md volume ls --format 'table {{.Name}}\t{{.Driver}}'
    [ "${lines[0]}" = "VOLUME NAME   DRIVER" ]
    [ "${lines[1]}" = "alpha         local" ]
}

@test "volume inspect prints Docker's document" {
    md volume create --label a=1 data >/dev/null
    run md volume inspect data
    [ "$status" -eq 0 ]
    python3 -c '
import json, sys
[v] = json.loads(sys.argv[1])
assert v["Name"] == "data" and v["Driver"] == "local" and v["Scope"] == "local", v
assert v["Labels"] == {"a": "1"}, v
assert v["Mountpoint"] == sys.argv[2] + "/volumes/data/_data", v
assert v["CreatedAt"].endswith("Z"), v
' "$output" "$T/root"
    run md volume inspect --format '{{.Mountpoint}}' data
    [ "$output" = "$T/root/volumes/data/_data" ]
}

@test "volume rm removes; unknown and invalid names are errors naming them" {
    md volume create gone >/dev/null
    run md volume rm gone
    [ "$output" = gone ]
    [ ! -e "$T/root/volumes/gone" ]
    run -125 md volume rm gone
    [[ "$output" == *"No such volume: gone"* ]]
    run -125 md volume inspect nothing
    [[ "$output" == *"No such volume: nothing"* ]]
    run -125 md volume create 'bad name'
    [[ "$output" == *"'bad name'"* ]]
    run -125 md volume create --label =x ok-name
    [[ "$output" == *"invalid label '=x'"* ]]
}

@test "volume prune removes anonymous volumes, -a all of them, and asks first" {
    md volume create keep >/dev/null
    anon=$(md volume create)
    run md volume prune </dev/null          # no answer: nothing removed
    [ -d "$T/root/volumes/$anon" ]
    run md volume prune -f
    [[ "$output" == *"Deleted Volumes:"*"$anon"*"Total reclaimed space:"* ]]
    [ ! -e "$T/root/volumes/$anon" ]
    [ -d "$T/root/volumes/keep" ]
    run md volume prune -f -a
    [[ "$output" == *keep* ]]
    run md volume ls -q
    [ "$output" = "" ]
}

@test "volume rm refuses a volume a container uses, naming the container" {
    import_busybox >/dev/null
    id=$(md create --name user -v used:/data busybox true)
    run -125 md volume rm used
    [[ "$output" == *"remove used: volume is in use - [$id]"* ]]
    [ -d "$T/root/volumes/used" ]
    md rm user >/dev/null
    run md volume rm used
    [ "$output" = used ]
}

@test "volume prune skips the volumes containers use, stopped ones included" {
    import_busybox >/dev/null
    md create --name anon-user -v /data busybox true >/dev/null
    anon=$(md inspect --format '{{range .Mounts}}{{.Name}}{{end}}' anon-user)
    md create --name named-user -v named:/data busybox true >/dev/null
    spare=$(md volume create)
    run md volume prune -f -a
    [[ "$output" == *"$spare"* ]]
    [[ "$output" != *"$anon"* && "$output" != *named* ]]
    [ -d "$T/root/volumes/$anon" ]
    [ -d "$T/root/volumes/named" ]
}
