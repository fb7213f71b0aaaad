#!/usr/bin/env bats
# minidock build: the classic builder's steps, output, cache, multi-stage,
# context rules and errors.

load ../lib/common

setup() {
    containers_setup
    CTX=$T/ctx
    mkdir -p "$CTX"
}
teardown() { containers_teardown; }

# No image and no container left but the ones listed (image count).
count_images() { md images -q | sort -u | wc -l; }

# Start `minidock build ARGS...` in the background (BG, which teardown
# kills); its output goes to $T/out.
build_bg() {
    "$MINIDOCK" --root "$T/root" build "$@" >"$T/out" 2>&1 &
    BG=$!
}

# Wait until the RUN step of the background build runs `sleep N`: sets CID
# (the RUN container's full id) and SLEEP_PID.
wait_for_run_sleep() {
    local n=$1
    for _ in $(seq 200); do
        SLEEP_PID=$(pgrep -f "^sleep $n\$" | head -n1)
        CID=$(md ps -q --no-trunc | head -n1)
        [ -n "$SLEEP_PID" ] && [ -n "$CID" ] && return 0
        sleep 0.05
    done
    echo "the RUN step did not start: $(cat "$T/out")" >&2
    return 1
}

# Wait (20 s at most: a build that ignores the signal fails the test) for the
# background build to end; its exit status goes to BG_STATUS.
wait_build_bg() {
    for _ in $(seq 400); do
        case "$(ps -o stat= -p "$BG")" in "" | Z*) break ;; esac
        sleep 0.05
    done
    case "$(ps -o stat= -p "$BG")" in
    "" | Z*) ;;
    *) echo "the build is still running: $(cat "$T/out")" >&2; return 1 ;;
    esac
    BG_STATUS=0
    wait "$BG" || BG_STATUS=$?
    BG=
}

# load_with_triggers SAVED-TAR REF TRIGGER...: load, as REF, the image of
# SAVED-TAR with these ONBUILD triggers in its config (a config the builder
# would never write), as a docker-save tar with a new config digest.
load_with_triggers() {
    python3 - "$@" >"$T/triggers.tar" <<'PY'
import hashlib, io, json, sys, tarfile
src, ref, triggers = sys.argv[1], sys.argv[2], sys.argv[3:]
with tarfile.open(src) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    cfg = json.load(t.extractfile(m["Config"]))
    layers = [(n, t.extractfile(n).read()) for n in m["Layers"]]
cfg["config"]["OnBuild"] = triggers
data = json.dumps(cfg).encode()
name = hashlib.sha256(data).hexdigest() + ".json"
manifest = json.dumps([{"Config": name, "RepoTags": [ref], "Layers": [n for n, _ in layers]}])
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as t:
    for n, d in [("manifest.json", manifest.encode()), (name, data)] + layers:
        i = tarfile.TarInfo(n)
        i.size = len(d)
        t.addfile(i, io.BytesIO(d))
PY
    md load -i "$T/triggers.tar" >/dev/null
}

@test "a build runs each step, prints Docker's classic output and tags the image" {
    echo hello > "$CTX/greeting"
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
# a comment
ENV WHO=world \
    MSG="hi there"
COPY greeting /data/
RUN echo "$MSG $WHO" > /data/msg && cat /data/msg
WORKDIR /data
CMD ["cat", "msg", "greeting"]
EOF
    run md build -t app:1 "$CTX"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Step 1/6 : FROM busybox" ]
    re='^ ---> [0-9a-f]{12}$'
    [[ "${lines[1]}" =~ $re ]]
    want='Step 4/6 : RUN echo "$MSG $WHO" > /data/msg && cat /data/msg'
    [[ "$output" == *"$want"* ]]
    [[ "$output" == *" ---> Running in "* ]]
    [[ "$output" == *"hi there world"* ]]
    [[ "$output" == *"Removing intermediate container"* ]]
    [[ "${lines[-2]}" =~ ^Successfully\ built\ [0-9a-f]{12}$ ]]
    [ "${lines[-1]}" = "Successfully tagged app:1" ]
    run md run --rm app:1
    [ "$output" = "$(printf 'hi there world\nhello')" ]
    run md image inspect --format '{{.Config.WorkingDir}} {{json .Config.Cmd}}' app:1
    [ "$output" = '/data ["cat","msg","greeting"]' ]
    run md history --format '{{.CreatedBy}}' --no-trunc app:1
    [[ "${lines[0]}" == *'#(nop)'*'CMD ["cat", "msg", "greeting"]'* ]]
    [ -z "$(md ps -aq)" ]
}

@test "the second build is all cache; touching a copied file rebuilds from that step only" {
    echo one > "$CTX/a"
    echo two > "$CTX/b"
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN echo first > /first
COPY a /a
RUN echo after-a > /after
COPY b /b
CMD ["cat", "/a", "/b"]
EOF
    md build -t c:1 "$CTX" >/dev/null
    id1=$(md image inspect --format '{{.Id}}' c:1)
    run md build -t c:1 "$CTX"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 5 ]
    [ "$(md image inspect --format '{{.Id}}' c:1)" = "$id1" ]
    echo changed > "$CTX/b"
    run md build -t c:1 "$CTX"
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 3 ]
    [[ "$output" == *"Step 5/6 : COPY b /b"*" ---> "[0-9a-f]* ]]
    run md run --rm c:1
    [ "$output" = "$(printf 'one\nchanged')" ]
    run md build --no-cache -t c:1 "$CTX"
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 0 ]
}

@test "ENTRYPOINT and CMD in exec and shell form are recorded as Docker records them" {
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
ENV RYTHME=4
ENTRYPOINT ["echo", "beat"]
CMD ["default"]
EOF
    md build -q -t ep:1 "$CTX" >/dev/null
    run md run --rm ep:1
    [ "$output" = "beat default" ]
    run md run --rm ep:1 "Dom Tek"
    [ "$output" = "beat Dom Tek" ]
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
CMD echo shell $HOME
EOF
    md build -q -t sh:1 "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.Cmd}}' sh:1
    [ "$output" = '["/bin/sh","-c","echo shell $HOME"]' ]
    run md run --rm sh:1
    [ "$output" = "shell /root" ]
    printf 'FROM busybox\nENTRYPOINT echo entry $HOME\nCMD ["ignored"]\n' > "$CTX/Dockerfile"
    md build -q -t shep:1 "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' shep:1
    [ "$output" = '["/bin/sh","-c","echo entry $HOME"] ["ignored"]' ]
    run md run --rm shep:1 extra args
    [ "$output" = "entry /root" ]
}

@test "metadata instructions: LABEL, EXPOSE, VOLUME, USER, STOPSIGNAL, MAINTAINER, ARG, --label" {
    cat > "$CTX/Dockerfile" <<'EOF'
ARG BASE=busybox
FROM $BASE
ARG VERSION=1.0
LABEL version=$VERSION "com.example.team"="ops team"
EXPOSE 80 53/udp
VOLUME ["/data"]
USER nobody
STOPSIGNAL SIGUSR1
MAINTAINER Jane Doe <jane@example.com>
RUN echo "v=$VERSION" > /tmp/v
EOF
    run md build -q --build-arg VERSION=2.5 --label extra=yes -t meta:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    run md image inspect --format '{{json .Config.Labels}}' meta:1
    [ "$output" = '{"com.example.team":"ops team","extra":"yes","version":"2.5"}' ]
    run md image inspect --format '{{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{.Config.User}} {{.Config.StopSignal}} {{.Author}}' meta:1
    [ "$output" = '{"53/udp":{},"80/tcp":{}} {"/data":{}} nobody SIGUSR1 Jane Doe <jane@example.com>' ]
    run md run --rm meta:1 cat /tmp/v
    [ "$output" = "v=2.5" ]
    run md run --rm meta:1 id -u
    [ "$output" = "65534" ]
}

@test "multi-stage: COPY --from a named stage, --target stops early" {
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox AS build
RUN mkdir /out && echo built > /out/artifact
FROM busybox
COPY --from=build /out/artifact /app/artifact
CMD ["cat", "/app/artifact"]
EOF
    md build -q -t ms:1 "$CTX" >/dev/null
    run md run --rm ms:1
    [ "$output" = "built" ]
    md build -q --target build -t ms:build "$CTX" >/dev/null
    run md run --rm ms:build cat /out/artifact
    [ "$output" = "built" ]
    # --from an image by name, and an earlier stage by its index
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN echo zero > /zero
FROM scratch
COPY --from=busybox /bin/busybox /bin/busybox
COPY --from=0 /zero /zero
ENTRYPOINT ["/bin/busybox"]
EOF
    md build -q -t ms:img -t ms:again "$CTX" >/dev/null
    run md run --rm ms:again cat /zero
    [ "$output" = "zero" ]
    [ "$(md images -q ms:img)" = "$(md images -q ms:again)" ]
    run md build --target nosuch "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *'target stage "nosuch" could not be found'* ]]
}

@test "COPY: directories copy their contents, --chown, wildcards, .dockerignore" {
    mkdir -p "$CTX/src/sub"
    echo x > "$CTX/src/sub/x"
    echo y > "$CTX/src/y.txt"
    echo z > "$CTX/z.txt"
    echo secret > "$CTX/secret.key"
    printf '*.key\n' > "$CTX/.dockerignore"
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
COPY src /app
COPY --chown=nobody:nogroup *.txt /txt/
RUN ls /app /app/sub /txt && stat -c '%u:%g' /txt/z.txt && ls /tmp
EOF
    run md build -t cp:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"sub"*"y.txt"*"x"*"z.txt"*"65534:65534"* ]]
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
COPY secret.key /
EOF
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"secret.key"*"not found in build context or excluded by .dockerignore"* ]]
    # /tmp keeps its mode: the layer carries only what changed
    run md run --rm cp:1 stat -c %a /tmp
    [ "$output" = "1777" ]
}

@test "ADD extracts local tar archives" {
    mkdir -p "$T/payload/dir" && echo inside > "$T/payload/dir/f"
    tar -C "$T/payload" -czf "$CTX/p.tar.gz" .
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
ADD p.tar.gz /opt/
EOF
    md build -q -t add:1 "$CTX" >/dev/null
    run md run --rm add:1 cat /opt/dir/f
    [ "$output" = "inside" ]
}

@test "FROM scratch with a static binary" {
    cp "$PROBE" "$CTX/probe"
    cat > "$CTX/Dockerfile" <<'EOF'
FROM scratch
COPY probe /
CMD ["/probe", "exit", "0"]
EOF
    md build -q -t scratchy "$CTX" >/dev/null
    run md run --rm scratchy /probe env
    [ "$status" -eq 0 ]
    run md image inspect --format '{{len .RootFS.Layers}}' scratchy
    [ "$output" = "1" ]
}

@test "a failing RUN stops the build with its exit code and leaves no container or tag" {
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
RUN echo before
RUN echo failing >&2; exit 3
RUN echo never
EOF
    run md build -t bad:1 "$CTX"
    [ "$status" -eq 3 ]
    [[ "$output" == *"failing"* ]]
    [[ "$output" == *"The command '/bin/sh -c echo failing >&2; exit 3' returned a non-zero code: 3"* ]]
    [[ "$output" != *"never"* ]]
    [ -z "$(md ps -aq)" ]
    run md image inspect bad:1
    [ "$status" -eq 125 ]
}

@test "COPY cannot reach outside the context; malformed Dockerfiles name file:line:column" {
    echo outside > "$T/outside"
    build_fails 'FROM busybox\nCOPY ../outside /x\n' "forbidden path outside the build context: ../outside"
    build_fails 'FROM busybox\nRUNN echo\n' 'Dockerfile:2:1:*unknown instruction'
    build_fails 'RUN echo\n' "Dockerfile:1:"
    build_fails 'FROM busybox\nENV A="unterminated\n' "Dockerfile:2:"
    run md build "$T/no-such-dir"
    [ "$status" -eq 125 ]
    [ -z "$(md ps -aq)" ]
}


@test "-f names another Dockerfile; --no-cache runs every step again" {
    mkdir -p "$T/elsewhere"
    echo data > "$CTX/data"
    cat > "$T/elsewhere/Build.file" <<'EOF'
FROM busybox
COPY data /data
RUN cat /data
EOF
    run md build -f "$T/elsewhere/Build.file" -t f:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Step 1/3 : FROM busybox"* ]]
    run md run --rm f:1 cat /data
    [ "$output" = "data" ]
    # relative to the current directory, as docker's CLI
    cd "$T"
    run md build -f elsewhere/Build.file -t f:1 "$CTX"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 2 ]
    run md build --no-cache -f elsewhere/Build.file -t f:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" != *"Using cache"* ]]
    [[ "$output" == *"Running in"* ]]
    run md build -f "$T/nosuch" "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"unable to read the Dockerfile"*"nosuch"* ]]
}

@test "build -: a tar on stdin is the context; a Dockerfile alone has an empty context" {
    echo from-tar > "$CTX/file"
    printf 'FROM busybox\nCOPY file /file\nCMD ["cat", "/file"]\n' > "$CTX/Dockerfile"
    tar -C "$CTX" -czf "$T/ctx.tgz" .
    run md build -t stdin:tar - < "$T/ctx.tgz"
    [ "$status" -eq 0 ]
    run md run --rm stdin:tar
    [ "$output" = "from-tar" ]
    # -f inside the tar
    mkdir -p "$CTX/sub" && printf 'FROM busybox\nCMD ["echo", "sub"]\n' > "$CTX/sub/Df"
    tar -C "$CTX" -cf "$T/ctx.tar" .
    md build -q -f sub/Df -t stdin:sub - < "$T/ctx.tar" >/dev/null
    run md run --rm stdin:sub
    [ "$output" = "sub" ]
    # a Dockerfile on stdin: RUN works, COPY finds nothing
    printf 'FROM busybox\nRUN echo made > /made\n' > "$T/df"
    run md build -t stdin:df - < "$T/df"
    [ "$status" -eq 0 ]
    run md run --rm stdin:df cat /made
    [ "$output" = "made" ]
    printf 'FROM busybox\nCOPY file /file\n' > "$T/df"
    run md build - < "$T/df"
    [ "$status" -eq 125 ]
    [[ "$output" == *"file not found in build context"* ]]
    # a tar that climbs out is refused, and nothing is left in build-cache
    python3 - "$T/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    data = b"FROM busybox\n"
    i = tarfile.TarInfo("../../escape"); i.size = len(data)
    t.addfile(i, io.BytesIO(data))
PY
    run md build - < "$T/evil.tar"
    [ "$status" -eq 125 ]
    [[ "$output" == *"the build context on stdin"* ]]
    [ ! -e "$T/escape" ] && [ ! -e "$T/root/escape" ]
    [ -z "$(ls "$T/root/build-cache" | grep -E '^(tmp|context|stdin)-')" ]
}

@test "SHELL changes the shell of shell-form RUN and CMD; HEALTHCHECK is recorded" {
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
SHELL ["/bin/sh", "-ec"]
RUN echo "shell: $0 $-" > /shell
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q -O- http://localhost/ || exit 1
CMD echo from-cmd
EOF
    md build -q -t shell:1 "$CTX" >/dev/null
    run md run --rm shell:1 cat /shell
    [[ "$output" == "shell: /bin/sh "*e* ]]
    run md image inspect --format '{{json .Config.Cmd}} {{json .Config.Shell}}' shell:1
    [ "$output" = '["/bin/sh","-ec","echo from-cmd"] ["/bin/sh","-ec"]' ]
    run md image inspect --format '{{json .Config.Healthcheck.Test}} {{json .Config.Healthcheck.Interval}} {{json .Config.Healthcheck.Timeout}} {{json .Config.Healthcheck.Retries}}' shell:1
    [ "$output" = '["CMD-SHELL","wget -q -O- http://localhost/ || exit 1"] 5000000000 2000000000 4' ]
    printf 'FROM busybox\nHEALTHCHECK NONE\n' > "$CTX/Dockerfile"
    md build -q -t hc:none "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.Healthcheck}}' hc:none
    [ "$output" = '{"Test":["NONE"]}' ]
    build_fails 'FROM busybox\nSHELL /bin/bash -c\n' 'Dockerfile:2:*SHELL requires the arguments to be in JSON form'
}

@test "ONBUILD triggers run in the child's build and are not inherited further" {
    echo child-file > "$CTX/app.txt"
    cat > "$T/Dockerfile.parent" <<'EOF'
FROM busybox
ONBUILD COPY app.txt /app/
ONBUILD RUN echo triggered > /app/ran
EOF
    md build -q -f "$T/Dockerfile.parent" -t parent:1 "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.OnBuild}}' parent:1
    [ "$output" = '["COPY app.txt /app/","RUN echo triggered > /app/ran"]' ]
    run md run --rm parent:1 ls /app
    [ "$status" -ne 0 ]
    printf 'FROM parent:1\nCMD ["cat", "/app/app.txt", "/app/ran"]\n' > "$CTX/Dockerfile"
    run md build -t child:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"# Executing 2 build triggers"* ]]
    run md run --rm child:1
    [ "$output" = "$(printf 'child-file\ntriggered')" ]
    run md image inspect --format '{{json .Config.OnBuild}}' child:1
    [ "$output" = "null" ]
}

@test "--build-arg: ARG defaults, overrides, the unconsumed warning; ARG values stay out of Env" {
    cat > "$CTX/Dockerfile" <<'EOF'
FROM busybox
ARG GREETING=hello
ARG WHO
RUN echo "$GREETING ${WHO:-nobody}" > /msg
EOF
    run md build -t args:1 "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm args:1 cat /msg
    [ "$output" = "hello nobody" ]
    run md build -t args:2 --build-arg WHO=students --build-arg UNUSED=1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"[Warning] One or more build-args [UNUSED] were not consumed"* ]]
    run md run --rm args:2 cat /msg
    [ "$output" = "hello students" ]
    run md image inspect --format '{{json .Config.Env}}' args:2
    [[ "$output" != *GREETING* && "$output" != *WHO* ]]
    # --build-arg NAME takes the value from the environment
    WHO=env-value run md build -q -t args:3 --build-arg WHO "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm args:3 cat /msg
    [ "$output" = "hello env-value" ]
    # another value reaches the cache keys of ENV and of COPY's expanded destination
    echo f > "$CTX/f"
    printf 'FROM busybox\nARG V=1\nENV X=v$V\nARG D=/a\nCOPY f $D\n' > "$CTX/Dockerfile"
    md build -q -t argc:1 "$CTX" >/dev/null
    md build -q -t argc:2 --build-arg V=2 --build-arg D=/b "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.Env}}' argc:2
    [[ "$output" == *'"X=v2"'* ]]
    run md run --rm argc:2 cat /b
    [ "$output" = "f" ]
}

@test "--network none has only loopback in RUN; --network host sees the host's interfaces" {
    printf 'FROM busybox\nRUN cat /proc/net/dev > /net\n' > "$CTX/Dockerfile"
    md build -q --network none -t net:none "$CTX" >/dev/null
    run md run --rm net:none sh -c 'tail -n +3 /net | cut -d: -f1 | tr -d " "'
    [ "$output" = "lo" ]
    md build -q --no-cache --network host -t net:host "$CTX" >/dev/null
    run md run --rm net:host sh -c 'tail -n +3 /net | wc -l'
    [ "$output" -eq "$(tail -n +3 /proc/net/dev | wc -l)" ]
    run md build --network bridge9 "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"--network bridge9"* ]]
}

@test "ARG used before its definition and other malformed Dockerfiles fail with file:line:column and leave nothing" {
    before=$(count_images)
    build_fails 'FROM busybox\nWORKDIR /app/$DIR\nARG DIR=x\n' 'Dockerfile:2:1: WORKDIR: $DIR is used before its definition (ARG DIR on line 3)'
    build_fails 'FROM busybox\nARG TAG=latest\nFROM busybox:${TAG}\n' 'Dockerfile:3:1: FROM: FROM uses $TAG, but ARG TAG (line 2) is declared in a stage'
    # a variable that no ARG declares is not an error (Docker expands it to "")
    printf 'FROM busybox\nENV X=a${NOPE}b\n' > "$CTX/Dockerfile"
    md build -q -t empty:1 "$CTX" >/dev/null
    run md image inspect --format '{{json .Config.Env}}' empty:1
    [[ "$output" == *'"X=ab"'* ]]
    md rmi empty:1 >/dev/null
    build_fails 'FROM busybox\nCOPY --nope=1 a /a\n' 'Dockerfile:2:*--nope'
    build_fails 'FROM nosuch-image:1\n' "Dockerfile:1:1: FROM: nosuch-image:1"
    build_fails 'FROM busybox\nENV\n' "Dockerfile:2:1:"
    # SHELL needs a JSON array: a malformed one is an error (RUN, CMD and ENTRYPOINT
    # fall back to the shell form instead, as Docker does)
    build_fails 'FROM busybox\nSHELL ["/bin/sh", "-c"\n' 'Dockerfile:2:'
    # malformed JSON falls back to the shell form, as Docker does
    printf 'FROM busybox\nCMD ["unterminated\n' > "$CTX/Dockerfile"
    run md build -t shellform:1 "$CTX"
    [ "$status" -eq 0 ]
    md rmi shellform:1 >/dev/null
    [ "$(count_images)" -eq "$before" ]
    [ -z "$(md ps -aq)" ]
}

@test "a killed build's scratch directories are swept by the next build" {
    sleep 0 &
    dead=$!
    wait "$dead"
    mkdir -p "$T/root/build-cache/tmp-$dead/upper" "$T/root/build-cache/context-$dead"
    mkdir -p "$T/root/build-cache/tmp-$$" # a live process: kept
    printf 'FROM busybox\n' > "$CTX/Dockerfile"
    md build -q "$CTX" >/dev/null
    [ ! -e "$T/root/build-cache/tmp-$dead" ] && [ ! -e "$T/root/build-cache/context-$dead" ]
    [ -d "$T/root/build-cache/tmp-$$" ]
}

@test "a build killed with SIGKILL during RUN: the next build removes its container, processes and cgroups" {
    n=$((300000 + RANDOM))
    printf 'FROM busybox\nRUN echo start; sleep %d\n' "$n" > "$CTX/Dockerfile"
    build_bg "$CTX"
    wait_for_run_sleep "$n"
    run md inspect --format '{{index .Config.Labels "minidock.build.pid"}}' "$CID"
    [ "$output" = "$BG" ]
    kill -KILL "$BG"
    wait_build_bg
    [ "$BG_STATUS" -eq 137 ]
    # the builder is gone, its RUN container runs on
    [ "$(md ps -q --no-trunc)" = "$CID" ]
    minidock_cgroups | grep -q "$CID"
    mon=$(sed -n 's/.*"MonitorPid": *\([0-9]*\).*/\1/p' "$T/root/containers/$CID/state.json")
    [ -n "$mon" ] && kill -0 "$mon"
    printf 'FROM busybox\nRUN true\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 0 ]
    [ -z "$(md ps -aq)" ]
    run ! pgrep -f "^sleep $n\$"
    # the monitor is gone (a zombie waiting for init to reap it counts as gone)
    state=$(awk '{print $3}' "/proc/$mon/stat" 2>/dev/null || true)
    [ -z "$state" ] || [ "$state" = Z ]
    [ -z "$(minidock_cgroups | grep "$CID")" ]
}

@test "SIGTERM and SIGINT during RUN stop the build at once and remove its container; other builds leave it alone" {
    n=$((300000 + RANDOM))
    printf 'FROM busybox\nRUN echo start; sleep %d\n' "$n" > "$CTX/Dockerfile"
    build_bg "$CTX"
    wait_for_run_sleep "$n"
    # a concurrent build sweeps only the RUN containers of builds that are gone
    mkdir -p "$T/other" && printf 'FROM busybox\nRUN true\n' > "$T/other/Dockerfile"
    md build -q "$T/other" >/dev/null
    [ "$(md ps -q --no-trunc)" = "$CID" ]
    [ "$(pgrep -f "^sleep $n\$")" = "$SLEEP_PID" ]
    kill -TERM "$BG"
    wait_build_bg
    [ "$BG_STATUS" -eq 143 ]
    [[ "$(cat "$T/out")" == *"minidock: build: interrupted by SIGTERM"* ]]
    [ -z "$(md ps -aq)" ]
    run ! pgrep -f "^sleep $n\$"
    [ -z "$(minidock_cgroups | grep "$CID")" ]
    # SIGINT (Ctrl-C), with -q; a background job of a script ignores SIGINT,
    # so the build starts with the default disposition
    python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
        "$MINIDOCK" --root "$T/root" build -q --no-cache "$CTX" >"$T/out" 2>&1 &
    BG=$!
    wait_for_run_sleep "$n"
    kill -INT "$BG"
    wait_build_bg
    [ "$BG_STATUS" -eq 130 ]
    [[ "$(cat "$T/out")" == *"interrupted by SIGINT"* ]]
    [ -z "$(md ps -aq)" ]
    run ! pgrep -f "^sleep $n\$"
}

@test ".dockerignore: the kept files are streamed, not read whole; a 2 GiB sparse file costs no memory" {
    truncate -s 2G "$CTX/big"
    echo small > "$CTX/small"
    printf '*.log\n' > "$CTX/.dockerignore"
    printf 'FROM busybox\nCOPY small /small\n' > "$CTX/Dockerfile"
    # the peak memory of the build, in KiB (getrusage of the waited child)
    run python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$MINIDOCK" --root "$T/root" build -q -t sparse:1 "$CTX"
    [ "$status" -eq 0 ]
    [ "$output" -lt $((200 * 1024)) ]
    run md run --rm sparse:1 cat /small
    [ "$output" = "small" ]
}

@test ".dockerignore patterns are cleaned as Docker cleans them: ./a, x/../a, /dir/" {
    mkdir -p "$CTX/dir" "$CTX/sub"
    for f in secret.txt other.key dir/inner sub/deep.key kept; do echo "$f" > "$CTX/$f"; done
    printf './secret.txt\nx/../other.key\n/dir/\nsub//./*.key\n' > "$CTX/.dockerignore"
    printf 'FROM busybox\nCOPY . /ctx/\n' > "$CTX/Dockerfile"
    md build -q -t cleaned:1 "$CTX" >/dev/null
    run md run --rm cleaned:1 find /ctx
    [ "$(LC_ALL=C sort <<<"$output")" = "$(printf '/ctx\n/ctx/.dockerignore\n/ctx/Dockerfile\n/ctx/kept\n/ctx/sub')" ]
}

@test "a base image with an ONBUILD trigger Docker refuses (FROM, ONBUILD, MAINTAINER) fails before any trigger runs" {
    printf 'FROM busybox\n' > "$CTX/Dockerfile"
    md build -q -t base:1 "$CTX" >/dev/null
    md save -o "$T/base.tar" base:1
    # FROM itself: without the check, each FROM would run the trigger again
    load_with_triggers "$T/base.tar" loop:1 "FROM loop:1"
    build_fails 'FROM loop:1\n' "Dockerfile:1:1: FROM: ONBUILD trigger \"FROM loop:1\": FROM isn't allowed as an ONBUILD trigger"
    load_with_triggers "$T/base.tar" two:1 "RUN echo ran-first > /ran" "MAINTAINER me"
    build_fails 'FROM two:1\n' "ONBUILD trigger \"MAINTAINER me\": MAINTAINER isn't allowed as an ONBUILD trigger"
    [[ "$output" != *"Executing"* && "$output" != *"Running in"* ]]
    load_with_triggers "$T/base.tar" chain:1 "ONBUILD RUN true"
    build_fails 'FROM chain:1\n' 'ONBUILD trigger "ONBUILD RUN true": chaining ONBUILD'
    # the accepted triggers still run
    load_with_triggers "$T/base.tar" fine:1 "RUN echo triggered > /ran"
    printf 'FROM fine:1\n' > "$CTX/Dockerfile"
    md build -q -t child:1 "$CTX" >/dev/null
    run md run --rm child:1 cat /ran
    [ "$output" = "triggered" ]
    [ -z "$(md ps -aq)" ]
}
