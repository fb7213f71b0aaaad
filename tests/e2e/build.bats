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
    printf 'FROM busybox\nCOPY ../outside /x\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"forbidden path outside the build context: ../outside"* ]]
    printf 'FROM busybox\nRUNN echo\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"Dockerfile:2:1:"*"unknown instruction"* ]]
    printf 'RUN echo\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"Dockerfile:1:"* ]]
    printf 'FROM busybox\nENV A="unterminated\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"Dockerfile:2:"* ]]
    run md build "$T/no-such-dir"
    [ "$status" -eq 125 ]
    [ -z "$(md ps -aq)" ]
}
