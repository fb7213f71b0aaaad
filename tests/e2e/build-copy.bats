#!/usr/bin/env bats
# minidock build: COPY and ADD beyond plain files — ADD of URLs (from a
# loopback HTTP server), heredocs (COPY <<EOF), --chmod.

load ../lib/common

setup() {
    containers_setup
    CTX=$T/ctx
    WWW=$T/www
    mkdir -p "$CTX" "$WWW"
    SERVER_PID=
}
teardown() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    containers_teardown
}

# A static HTTP server on 127.0.0.1 for $WWW, with a few extra paths:
#   /redirect/PATH   302 to /PATH          /loop    302 to itself
#   /nodate/PATH     PATH without its Last-Modified header
#   /stall           the headers and one byte, then nothing
# Sets URL (http://127.0.0.1:PORT) and SERVER_PID.
start_server() {
    cat >"$T/server.py" <<'EOF'
import functools, http.server, os, sys, time

class Handler(http.server.SimpleHTTPRequestHandler):
    def redirect(self, to):
        self.send_response(302)
        self.send_header('Location', to)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_GET(self):
        self.hide_date = False
        if self.path.startswith('/redirect/'):
            return self.redirect(self.path[len('/redirect'):])
        if self.path == '/loop':
            return self.redirect('/loop')
        if self.path == '/stall':
            self.send_response(200)
            self.send_header('Content-Length', '1000')
            self.end_headers()
            self.wfile.write(b'x')
            self.wfile.flush()
            time.sleep(600)
            return
        if self.path.startswith('/nodate/'):
            self.hide_date = True
            self.path = self.path[len('/nodate'):]
        return super().do_GET()

    def send_header(self, key, value):
        if key != 'Last-Modified' or not getattr(self, 'hide_date', False):
            super().send_header(key, value)

    def log_message(self, *args):
        pass

root, port_file = sys.argv[1], sys.argv[2]
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                         functools.partial(Handler, directory=root))
server.daemon_threads = True
with open(port_file + '.tmp', 'w') as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + '.tmp', port_file)
server.serve_forever()
EOF
    python3 "$T/server.py" "$WWW" "$T/port" </dev/null >/dev/null 2>&1 3>&- &
    SERVER_PID=$!
    for _ in $(seq 100); do
        [ -f "$T/port" ] && break
        sleep 0.05
    done
    [ -f "$T/port" ] || { echo "the HTTP server did not start" >&2; return 1; }
    URL=http://127.0.0.1:$(cat "$T/port")
}

dockerfile() { cat >"$CTX/Dockerfile"; }

# ---- ADD of URLs ---------------------------------------------------------------------------

@test "ADD of a URL: the file is named after the URL's path, or as the destination says" {
    start_server
    mkdir -p "$WWW/sub" && echo remote >"$WWW/sub/file.txt"
    dockerfile <<EOF
FROM busybox
ADD $URL/sub/file.txt /dst/
ADD $URL/sub/file.txt /dst/named
ADD $URL/sub/file.txt?version=2 /q/
EOF
    run md build -t url:1 "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm url:1 sh -c 'cat /dst/file.txt /dst/named /q/file.txt; ls /dst; ls /q'
    [ "$output" = "$(printf 'remote\nremote\nremote\nfile.txt\nnamed\nfile.txt')" ]
}

@test "ADD of a URL: mode 0600, mtime from Last-Modified (the epoch without it), --chown applies" {
    start_server
    echo data >"$WWW/f"
    touch -d @981173106 "$WWW/f"
    dockerfile <<EOF
FROM busybox
ADD $URL/f /a/
ADD $URL/nodate/f /b/
ADD --chown=nobody:nogroup $URL/f /c/
EOF
    run md build -t url:2 "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm url:2 stat -c '%n %a %u:%g %Y' /a/f /b/f /c/f
    [ "${lines[0]}" = "/a/f 600 0:0 981173106" ]
    [ "${lines[1]}" = "/b/f 600 0:0 0" ]
    [ "${lines[2]}" = "/c/f 600 65534:65534 981173106" ]
}

@test "ADD of a URL does not extract an archive" {
    start_server
    mkdir -p "$T/payload/dir" && echo inside >"$T/payload/dir/f"
    tar -C "$T/payload" -czf "$WWW/p.tar.gz" .
    dockerfile <<EOF
FROM busybox
ADD $URL/p.tar.gz /opt/
EOF
    run md build -t url:3 "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm url:3 sh -c 'ls /opt; gzip -dc /opt/p.tar.gz | tar -xOf - ./dir/f'
    [ "$output" = "$(printf 'p.tar.gz\ninside')" ]
}

@test "ADD of a URL that answers 404 fails naming the URL and the status, and leaves nothing" {
    start_server
    dockerfile <<EOF
FROM busybox
ADD $URL/missing.txt /dst/
EOF
    images=$(md images -q | sort -u)
    run md build -t url:404 "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"failed to GET $URL/missing.txt with status 404"* ]]
    [ "$(md images -q | sort -u)" = "$images" ]
    [ -z "$(md ps -aq)" ]
    run md image inspect url:404
    [ "$status" -eq 125 ]
    # no download or scratch directory is left behind
    [ -z "$(find "$T/root/build-cache" -mindepth 1 -maxdepth 1 -name 'tmp-*')" ]
}

@test "ADD of a URL: the same content is a cache hit, new content is rebuilt, a new date alone is not" {
    start_server
    echo one >"$WWW/f"
    dockerfile <<EOF
FROM busybox
ADD $URL/f /f
RUN cat /f
EOF
    md build -t url:c "$CTX" >/dev/null
    run md build -t url:c "$CTX"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 2 ]
    touch -d @1000000000 "$WWW/f"
    run md build -t url:c "$CTX"
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 2 ]
    echo two >"$WWW/f"
    run md build -t url:c "$CTX"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 0 ]
    run md run --rm url:c cat /f
    [ "$output" = "two" ]
}

@test "ADD of a URL follows redirects, keeping the name of the URL asked for, but not forever" {
    start_server
    echo moved >"$WWW/target.txt"
    dockerfile <<EOF
FROM busybox
ADD $URL/redirect/target.txt /r/
EOF
    run md build -t url:r "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm url:r cat /r/target.txt
    [ "$output" = "moved" ]
    printf 'FROM busybox\nADD %s/loop /l\n' "$URL" >"$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"failed to GET $URL/loop: stopped after 10 redirects"* ]]
}

@test "ADD of a URL gives up on a stalled server and refuses a download over the size limit" {
    start_server
    printf 'FROM busybox\nADD %s/stall /s\n' "$URL" >"$CTX/Dockerfile"
    run timeout 120 env MINIDOCK_FETCH_TIMEOUT=2 "$MINIDOCK" --root "$T/root" build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"failed to GET $URL/stall: "* ]]
    head -c 10000 /dev/zero >"$WWW/big"
    printf 'FROM busybox\nADD %s/big /big\n' "$URL" >"$CTX/Dockerfile"
    run env MINIDOCK_LAYER_MAX_SIZE=4K "$MINIDOCK" --root "$T/root" build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"failed to GET $URL/big: bigger than the size limit of 4096 bytes"* ]]
    [ -z "$(find "$T/root/build-cache" -mindepth 1 -maxdepth 1 -name 'tmp-*')" ]
}

@test "COPY of a URL is an error; ADD refuses a URL path with no file name for a directory" {
    build_fails 'FROM busybox\nCOPY http://127.0.0.1:9/f /f\n' "Dockerfile:2:1: source can't be a URL for COPY"
    build_fails 'FROM busybox\nADD http://127.0.0.1:9/ /dir/\n' 'cannot determine filename for source http://127.0.0.1:9/'
}

# ---- heredocs ------------------------------------------------------------------------------

@test "COPY <<EOF writes the body to the destination, variables expanded and quotes kept" {
    dockerfile <<'DF'
FROM busybox
ARG WHO=world
ENV GREETING=hello
COPY <<EOF /etc/motd
$GREETING "${WHO}" it's \$HOME
EOF
RUN cat /etc/motd && stat -c %a /etc/motd
DF
    run md build -t here:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"hello \"world\" it's \$HOME"*"644"* ]]
}

@test "COPY <<\"EOF\" keeps the body as written; to a directory, the file is named after the heredoc" {
    dockerfile <<'DF'
FROM busybox
ENV X=expanded
COPY <<"EOF" /raw
$X stays
EOF
ADD <<-CONF /etc/app/
	key=$X
	CONF
DF
    run md build -t here:2 "$CTX"
    [ "$status" -eq 0 ]
    run md run --rm here:2 cat /raw /etc/app/CONF
    [ "$output" = "$(printf '$X stays\nkey=expanded')" ]
}

@test "the body of a COPY heredoc is part of the cache key" {
    cat >"$T/df" <<'DF'
FROM busybox
ARG V=1
COPY <<EOF /v
version $V
EOF
DF
    cp "$T/df" "$CTX/Dockerfile"
    md build -t here:3 "$CTX" >/dev/null
    run md build -t here:3 "$CTX"
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 1 ]
    run md build --build-arg V=2 -t here:3 "$CTX"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Using cache' <<<"$output")" -eq 0 ]
    run md run --rm here:3 cat /v
    [ "$output" = "version 2" ]
}

@test "several heredocs: COPY writes one file each, RUN feeds each to its command" {
    dockerfile <<'DF'
FROM busybox
ENV WHO=students
COPY <<A <<"B" /dir/
first $WHO
A
second $WHO
B
RUN <<one cat > /one && <<-two cat > /two && cat /one /two > /both
1 $WHO
one
	2
	two
RUN <<EOF
echo bare script > /bare
EOF
DF
    md build -t here:4 "$CTX" >/dev/null
    run md run --rm here:4 cat /dir/A /dir/B
    [ "$output" = "$(printf 'first students\nsecond $WHO')" ]
    run md run --rm here:4 cat /both /bare
    [ "$output" = "$(printf '1 students\n2\nbare script')" ]
}

# ---- --chmod -------------------------------------------------------------------------------

@test "COPY --chmod sets the mode of the files and directories copied, not of existing ones" {
    start_server
    mkdir -p "$CTX/src/sub"
    echo x >"$CTX/src/sub/x"
    echo y >"$CTX/y"
    chmod 600 "$CTX/y"
    echo remote >"$WWW/r"
    dockerfile <<EOF
FROM busybox
COPY --chmod=755 y /bin/y-tool
COPY --chmod=0640 src /newdir
COPY --chmod=700 src /tmp/
COPY --chmod=755 <<EOT /hello.sh
#!/bin/sh
echo hello from a heredoc
EOT
ARG MODE=444
ADD --chmod=\$MODE $URL/r /r
RUN /hello.sh
EOF
    run md build -t mode:1 "$CTX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"hello from a heredoc"* ]]
    run md run --rm mode:1 stat -c '%n %a' /bin/y-tool /newdir /newdir/sub /newdir/sub/x /tmp \
        /tmp/sub /tmp/sub/x /hello.sh /r
    [ "$output" = "$(printf '%s\n' '/bin/y-tool 755' '/newdir 640' '/newdir/sub 640' \
        '/newdir/sub/x 640' '/tmp 1777' '/tmp/sub 700' '/tmp/sub/x 700' '/hello.sh 755' \
        '/r 444')" ]
    # the context keeps its own modes
    [ "$(stat -c %a "$CTX/y")" = "600" ]
}

@test "--chmod with a malformed mode fails naming file:line:column; unknown flags still fail" {
    echo y >"$CTX/y"
    for mode in abc 999 17777 0x755 -1; do
        printf 'FROM busybox\nCOPY --chmod=%s y /y\n' "$mode" >"$CTX/Dockerfile"
        run md build "$CTX"
        [ "$status" -eq 125 ]
        [[ "$output" == *"Dockerfile:2:1: invalid --chmod=$mode: expected an octal mode"* ]]
    done
    build_fails 'FROM busybox\nCOPY --chmod= y /y\n' 'Dockerfile:2:*--chmod needs a value'
    build_fails 'FROM busybox\n\nADD --mode=755 y /y\n' 'Dockerfile:3:5: unknown flag --mode for ADD'
    build_fails 'FROM busybox\nCOPY --link y /y\n' 'Dockerfile:2:1: COPY --link is not supported'
    [ -z "$(md ps -aq)" ]
}

# ---- symlinks in the context and the image ---------------------------------------------------

@test "symlinks in the context resolve inside it: no host file is read, hashed or unpacked" {
    # the host has a secret tar, a pin and a file the context mirrors
    HOST=$T/host
    mkdir -p "$HOST/sub" "$T/payload"
    echo TOPSECRET > "$T/payload/secret.txt"
    tar -C "$T/payload" -cf "$HOST/secret.tar" .
    echo 1234 > "$HOST/sub/pin.txt"
    # the context: links to the host, and its own copy of the pin at the same path inside
    ln -s "$HOST" "$CTX/link"
    ln -s /proc "$CTX/proc"
    mkdir -p "$CTX$HOST/sub" && echo 0000 > "$CTX$HOST/sub/pin.txt"
    dockerfile <<'DF'
FROM busybox
ADD link/secret.tar /out/
DF
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"link/secret.tar: file not found in build context"* ]]
    dockerfile <<'DF'
FROM busybox
COPY link/sub/pin.txt /pin
DF
    md build -q -t pin:1 "$CTX" >/dev/null
    run md run --rm pin:1 cat /pin
    [ "$output" = "0000" ]
    # the cache follows the context's file, not the host's
    echo 9999 > "$HOST/sub/pin.txt"
    run md build -t pin:1 "$CTX"
    [[ "$output" == *"Using cache"* ]]
    # wildcards do not list the host's directory
    dockerfile <<'DF'
FROM busybox
COPY link/se* /x/
DF
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"no source files were specified: link/se*"* ]]
    [[ "$output" != *secret* || "$output" == *"link/se*"* ]]
    # a link to /proc: nothing of the host's /proc (this would block on kmsg)
    dockerfile <<'DF'
FROM busybox
COPY proc/kmsg /x
DF
    run timeout 20 "$MINIDOCK" --root "$T/root" build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"COPY proc/kmsg: "* ]] # here: the link resolves to itself (a loop)
    # COPY of the link itself copies the link
    dockerfile <<'DF'
FROM busybox
COPY link /thelink
DF
    md build -q -t link:1 "$CTX" >/dev/null
    run md run --rm link:1 readlink /thelink
    [ "$output" = "$HOST" ]
}

@test "the Dockerfile and .dockerignore are read inside the context: no host file, no FIFO" {
    echo 'root:x:0:0:SECRET-LINE:/root:/bin/sh' > "$T/host-file"
    ln -s "$T/host-file" "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"unable to read the Dockerfile"* ]]
    [[ "$output" != *SECRET-LINE* ]]
    rm "$CTX/Dockerfile"
    mkfifo "$CTX/Dockerfile"
    run timeout 20 "$MINIDOCK" --root "$T/root" build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"Dockerfile: not a regular file"* ]]
    rm "$CTX/Dockerfile"
    printf 'FROM busybox\n' > "$CTX/Dockerfile"
    mkfifo "$CTX/.dockerignore"
    run timeout 20 "$MINIDOCK" --root "$T/root" build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *".dockerignore: not a regular file"* ]]
    # -f - reads the Dockerfile from stdin, with the directory as the context
    rm "$CTX/.dockerignore"
    echo ctx-file > "$CTX/f"
    printf 'FROM busybox\nCOPY f /f\n' | md build -q -t stdin-df:1 -f - "$CTX" >/dev/null
    run md run --rm stdin-df:1 cat /f
    [ "$output" = "ctx-file" ]
}

@test "--chown names are looked up in the image, even when its /etc is a symlink to the host" {
    mkdir -p "$T/fake-etc"
    echo 'hostuser:x:4242:4343::/:/bin/sh' > "$T/fake-etc/passwd"
    echo 'hostgrp:x:4343:' > "$T/fake-etc/group"
    echo data > "$CTX/f"
    cat > "$CTX/Dockerfile" <<DF
FROM busybox
RUN rm -rf /etc && ln -s $T/fake-etc /etc
COPY --chown=hostuser:hostgrp f /f
DF
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"unable to find user hostuser"* ]]
    # numbers out of range are refused, not wrapped
    printf 'FROM busybox\nCOPY --chown=99999999999 f /f\n' > "$CTX/Dockerfile"
    run md build "$CTX"
    [ "$status" -eq 125 ]
    [[ "$output" == *"99999999999"* ]]
}
