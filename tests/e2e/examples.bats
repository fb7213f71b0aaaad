#!/usr/bin/env bats
# The course's image examples (examples/): they run with the outputs their
# READMEs show.

load ../lib/common

setup() { containers_setup; }
teardown() { containers_teardown; }

EX=$TOP/examples

@test "hello-world: a static binary FROM scratch prints the welcome text" {
    cp -r "$EX/hello-world" "$T/hw"
    make -s -C "$T/hw" hello
    run md build -t hello-world "$T/hw"
    [ "$status" -eq 0 ]
    run md run hello-world
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Hello from minidock!" ]
    [[ "$output" == *"minidock run -it busybox sh"* ]]
    run md image inspect --format '{{len .RootFS.Layers}} {{json .Config.Cmd}}' hello-world
    [ "$output" = '1 ["/hello"]' ]
    run md ps -a --format '{{.Status}}'
    [[ "$output" =~ ^Exited\ \(0\) ]]
}

@test "percussion: default parameter, override, --env, logs, stop with trap, start, pause" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    run timeout 5 "$MINIDOCK" --root "$T/root" run --rm -e RYTHMEPERCUSSION=0.2 percussion
    [ "${lines[0]}" = "Boum" ]
    md run -d --name batterie -e RYTHMEPERCUSSION=0.2 percussion "Dom Tek" >/dev/null
    for _ in $(seq 50); do [ "$(md logs batterie | wc -l)" -ge 2 ] && break; sleep 0.1; done
    run md logs batterie
    [ "${lines[0]}" = "Dom Tek" ]
    [ "${lines[1]}" = "Dom Tek" ]
    run md inspect --format '{{json .Config.Env}}' batterie
    [[ "$output" == *'"RYTHMEPERCUSSION=0.2"'* ]]
    run md stop batterie
    [ "$status" -eq 0 ]
    run md logs --tail 1 batterie
    [ "$output" = "Fin du concert" ]
    run md inspect --format '{{.State.ExitCode}}' batterie
    [ "$output" = "0" ]
    md start batterie >/dev/null
    md pause batterie >/dev/null
    n=$(md logs batterie | wc -l)
    sleep 0.6
    [ "$(md logs batterie | wc -l)" -eq "$n" ]
    md unpause batterie >/dev/null
    md rm -f batterie >/dev/null
}

@test "percussion variants: CMD only, --entrypoint, shell form" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    md build -q -t percussion:cmd -f "$EX/percussion/Dockerfile.cmd" "$EX/percussion" >/dev/null
    run md run --rm percussion:cmd echo "plus de percussion"
    [ "$output" = "plus de percussion" ]
    run md run --rm --entrypoint /bin/echo percussion "autre chose"
    [ "$output" = "autre chose" ]
    md build -q -t percussion:shell -f "$EX/percussion/Dockerfile.shell" "$EX/percussion" >/dev/null
    run md image inspect --format '{{json .Config.Cmd}}' percussion:shell
    [ "$output" = '["/bin/sh","-c","ps -o pid,args"]' ]
    run md run --rm percussion:shell
    re='^ *1 .*/bin/sh -c ps -o pid,args$'
    [[ "${lines[1]}" =~ $re ]]
}

@test "percussion: save then load gives back the same image" {
    md build -q -t percussion "$EX/percussion" >/dev/null
    id=$(md image inspect --format '{{.Id}}' percussion)
    md save -o "$T/percussion.tar" percussion
    md rmi percussion >/dev/null
    run md load -i "$T/percussion.tar"
    [ "$output" = "Loaded image: percussion:latest" ]
    [ "$(md image inspect --format '{{.Id}}' percussion)" = "$id" ]
}

@test "commit: the file system is kept, the processes are not" {
    md run -d --name atelier busybox sh -c 'echo "fait main" > /etc/motd; sleep 600' >/dev/null
    for _ in $(seq 50); do md exec atelier cat /etc/motd >/dev/null 2>&1 && break; sleep 0.1; done
    run md diff atelier
    [[ "$output" == *"C /etc"* && "$output" == *"A /etc/motd"* ]]
    md commit -m "motd ajouté" atelier atelier:v1 >/dev/null
    run md run --rm atelier:v1 cat /etc/motd
    [ "$output" = "fait main" ]
    run md run --rm atelier:v1 ps -o pid,args
    [[ "$output" != *"sleep 600"* ]]
    run md history --format '{{.Comment}}' atelier:v1
    [ "${lines[0]}" = "motd ajouté" ]
    md rm -f atelier >/dev/null
}
