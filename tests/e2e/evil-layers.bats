#!/usr/bin/env bats
# img layer apply against a corpus of malicious layers (tests/fixtures/mkevil-layers).
#
# Each test applies one attack onto $T/target.  Next to it, $T/outside holds
# canary files, and "../../md-evil-*" names would land in /tmp.  A case is
# either refused (status 125, the message names the entry) or contained
# (applied, everything it made is inside the target); either way nothing
# outside the target may change: the canary tree, /etc/passwd, $T itself and
# /tmp's md-evil-* names are compared before and after.

load ../lib/common

IMG=${IMG:-$TOP/labs/04-images/img}
MKEVIL=$FIXTURES/mkevil-layers

setup() {
    [ -x "$IMG" ] || { echo "img is not built: make -C labs/04-images"; return 1; }
    make_tmp
    unset MINIDOCK_LAYER_MAX_SIZE
    mkdir -p "$T/target" "$T/outside/sub"
    echo canary >"$T/outside/canary"
    echo deep >"$T/outside/sub/file"
    BEFORE=$(snapshot)
}

teardown() { cleanup_tree "$T"; }

# What an escape could change: the canary tree (names, types, modes, link
# counts, sizes, link targets, contents, the opaque xattr), /etc/passwd, what
# sits next to the target, and escape names in /tmp.
snapshot() {
    (cd "$T/outside" && find . -printf '%p %y %m %n %s %l\n' | sort &&
        find . -type f -exec sha256sum {} + | sort)
    python3 -c 'import os, sys
try: print("opaque:", os.getxattr(sys.argv[1], "trusted.overlay.opaque"))
except OSError: print("opaque: none")' "$T/outside"
    stat -c '%n %h %s %Y %a' /etc/passwd
    sha256sum /etc/passwd
    ls -A "$T" | grep -vx evil
    ls -d /tmp/md-evil-* 2>/dev/null || true
}

unchanged() {
    local now
    now=$(snapshot)
    [ "$now" = "$BEFORE" ] || { diff <(echo "$BEFORE") <(echo "$now"); return 1; }
}

# corpus CASE...: the layers of these cases in $T/evil (symlinks aim at $T/outside)
corpus() {
    "$MKEVIL" --outside "$T/outside" "$T/evil" "$@"
}

# refused TAR MESSAGE [--flatten]: img refuses $T/evil/TAR with status 125 and a
# message containing MESSAGE; nothing outside the target changed.
refused() {
    local tar=$1 msg=$2
    shift 2
    run -125 "$IMG" layer apply "$@" "$T/evil/$tar" "$T/target"
    echo "$output"
    [[ "$output" == "img: layer apply: $T/evil/$tar: "*"$msg"* ]]
    unchanged
}

# contained TAR [--flatten]: img applies $T/evil/TAR; nothing outside changed.
contained() {
    local tar=$1
    shift
    run -0 "$IMG" layer apply "$@" "$T/evil/$tar" "$T/target"
    echo "$output"
    [[ "${lines[0]}" == digest=sha256:* ]]
    unchanged
}

# ---- names ------------------------------------------------------------------------------------

@test "a ../ name is refused, even after a real directory" {
    corpus dotdot dotdot-inside-name
    refused dotdot.tar "entry '../../md-evil-escape-dotdot': '..' is not allowed in a layer"
    [ ! -e /tmp/md-evil-escape-dotdot ]
    refused dotdot-inside-name.tar "entry 'etc/../../outside/canary': '..' is not allowed"
    [ "$(cat "$T/outside/canary")" = canary ]
}

@test "an absolute name is refused" {
    corpus absolute
    refused absolute.tar "entry '/tmp/md-evil-escape-absolute': absolute names are not allowed"
    [ ! -e /tmp/md-evil-escape-absolute ]
    [ ! -e "$T/target/tmp" ]
}

# ---- symlinks ---------------------------------------------------------------------------------

@test "a file written through a symlink to the outside is refused; the link stays inside" {
    corpus symlink-write
    refused symlink-write.tar "entry 'evil/canary': 'evil' goes through a symlink"
    [ "$(readlink "$T/target/evil")" = "$T/outside" ]
}

@test "a relative symlink climbing out of the target is refused" {
    corpus symlink-relative-write
    refused symlink-relative-write.tar "entry 'up': symlink to '../outside' points outside the layer"
    [ ! -e "$T/target/up" ]
}

@test "a symlink from layer 1 is not followed by layer 2" {
    corpus symlink-two-layers
    contained symlink-two-layers.1.tar
    [ -L "$T/target/lnk" ]
    refused symlink-two-layers.2.tar "entry 'lnk/canary': 'lnk' goes through a symlink"
}

@test "a chain of symlinks to a directory is not followed" {
    corpus symlink-chain
    refused symlink-chain.tar "entry 'a/canary': 'a' goes through a symlink"
    [ "$(readlink "$T/target/c")" = "$T/outside" ]
}

@test "symlinks that climb out only together (self -> ., up -> self/..) are not followed" {
    corpus symlink-dotdot-chain
    refused symlink-dotdot-chain.tar "entry 'up/outside/canary': 'up/outside' goes through a symlink"
    [ "$(readlink "$T/target/up")" = self/.. ]
}

@test "a directory entry replaces a symlink of the same name instead of following it" {
    corpus symlink-then-dir
    contained symlink-then-dir.tar
    [ -d "$T/target/d" ] && [ ! -L "$T/target/d" ]
    [ "$(cat "$T/target/d/new")" = inside ]
}

# ---- hard links -------------------------------------------------------------------------------

@test "a hard link to /etc/passwd is refused" {
    corpus hardlink-passwd
    refused hardlink-passwd.tar "entry 'passwd': hard link: entry '/etc/passwd': absolute names"
    [ ! -e "$T/target/passwd" ]
}

@test "hard links to ../ paths are refused" {
    corpus hardlink-dotdot hardlink-dotdot-passwd
    refused hardlink-dotdot.tar "entry 'canary': hard link: entry '../outside/canary': '..'"
    refused hardlink-dotdot-passwd.tar "entry 'pw': hard link: entry '../../../../../../etc/passwd'"
    [ "$(stat -c %h "$T/outside/canary")" -eq 1 ]
    [ -z "$(ls -A "$T/target")" ]
}

@test "a hard link through a symlink is refused" {
    corpus hardlink-through-symlink
    refused hardlink-through-symlink.tar "entry 'h': hard link to 'l/canary', which is not in the target"
    [ "$(stat -c %h "$T/outside/canary")" -eq 1 ]
}

@test "a hard link to a symlink pointing outside links the symlink, and is replaced, not written through" {
    corpus hardlink-to-symlink
    contained hardlink-to-symlink.tar
    [ "$(readlink "$T/target/lnk")" = /etc/passwd ]
    [ -f "$T/target/hl" ] && [ ! -L "$T/target/hl" ]
    [ "$(cat "$T/target/hl")" = pwned ]
}

# ---- special files ----------------------------------------------------------------------------

@test "character and block devices are refused" {
    corpus device-char device-block
    refused device-char.tar "entry 'dev/mem': device nodes are not allowed in a layer"
    refused device-block.tar "entry 'dev/sda': device nodes are not allowed in a layer"
    [ ! -e "$T/target/dev/mem" ] && [ ! -e "$T/target/dev/sda" ]
}

@test "a fifo is created inside the target, as Docker does" {
    corpus fifo
    contained fifo.tar
    [ -p "$T/target/run/fifo" ]
}

@test "a setuid file keeps its bits and lands inside the target" {
    corpus setuid
    contained setuid.tar
    [ "$(stat -c '%a %u' "$T/target/bin/su-evil")" = "4755 0" ]
}

# ---- duplicates -------------------------------------------------------------------------------

@test "a file then a directory of the same name: the directory wins" {
    corpus dup-file-then-dir
    contained dup-file-then-dir.tar
    [ -d "$T/target/x" ]
    [ "$(cat "$T/target/x/inner")" = inner ]
}

@test "a directory then a file of the same name: the file wins" {
    corpus dup-dir-then-file
    contained dup-dir-then-file.tar
    [ -f "$T/target/y" ]
    [ "$(cat "$T/target/y")" = last ]
}

# ---- whiteouts --------------------------------------------------------------------------------

@test "a whiteout above the target is refused" {
    corpus whiteout-dotdot
    refused whiteout-dotdot.tar "entry '../.wh.outside': '..' is not allowed"
    refused whiteout-dotdot.tar "entry '../.wh.outside': '..' is not allowed" --flatten
    [ -d "$T/outside" ]
}

@test "whiteouts of . and .. are refused" {
    corpus whiteout-dots whiteout-dot
    refused whiteout-dots.tar "entry '.wh...': invalid whiteout" --flatten
    refused whiteout-dots.tar "entry '.wh...': invalid whiteout"
    refused whiteout-dot.tar "entry 'sub/.wh..': invalid whiteout" --flatten
    [ -d "$T/target" ]
}

@test "a whiteout through a symlink is refused" {
    corpus whiteout-symlink
    refused whiteout-symlink.tar "entry 'lnk/.wh.canary': 'lnk' goes through a symlink" --flatten
    refused whiteout-symlink.tar "entry 'lnk/.wh.canary': 'lnk' goes through a symlink"
    [ -f "$T/outside/canary" ]
}

@test "an opaque marker on an outside directory is refused" {
    corpus opaque-dotdot opaque-symlink
    refused opaque-dotdot.tar "entry '../outside/.wh..wh..opq': '..' is not allowed" --flatten
    refused opaque-symlink.tar "entry 'o/.wh..wh..opq': 'o' goes through a symlink" --flatten
    refused opaque-symlink.tar "entry 'o/.wh..wh..opq': 'o' goes through a symlink"
    [ -f "$T/outside/sub/file" ]
}

# ---- broken streams ---------------------------------------------------------------------------

@test "a truncated gzip layer is refused, naming the entry being read" {
    corpus truncated-gzip
    refused truncated-gzip.tar.gz "entry 'big': truncated gzip input"
}

@test "a gzip of garbage is refused" {
    corpus garbage-gzip
    refused garbage-gzip.tar.gz "read the layer: Unrecognized archive format"
    [ -z "$(ls -A "$T/target")" ]
}

# ---- size: zip bombs and sparse files ---------------------------------------------------------

@test "a zip bomb entry (4 GiB of zeros in 4 MiB) is refused at its header" {
    corpus bomb-entry
    [ "$(stat -c %s "$T/evil/bomb-entry.tar.gz")" -lt $((8 << 20)) ]
    export MINIDOCK_LAYER_MAX_SIZE=64M
    refused bomb-entry.tar.gz \
        "entry 'zeros': 4294967296 bytes would take the layer over its size limit of 67108864 bytes"
    [ ! -e "$T/target/zeros" ]
}

@test "zeros past the end of the archive are stopped by the limit on the uncompressed stream" {
    corpus bomb-stream
    export MINIDOCK_LAYER_MAX_SIZE=64M
    refused bomb-stream.tar.gz "read the layer: the uncompressed layer is over its size limit of 67108864 bytes"
}

@test "a sparse file declaring 1 TiB is refused by the default limit" {
    corpus sparse-huge
    refused sparse-huge.tar \
        "entry 'huge': 1099511627776 bytes would take the layer over its size limit of 68719476736 bytes"
    [ ! -e "$T/target/huge" ]
}

@test "sparse data past a file's declared size is refused" {
    corpus sparse-beyond-size
    refused sparse-beyond-size.tar "entry 'beyond': data past the end of the file"
    [ ! -e "$T/target/beyond" ] || [ "$(stat -c %s "$T/target/beyond")" -le 4096 ]
}

@test "a well-made sparse file is applied with its holes" {
    corpus sparse-ok
    contained sparse-ok.tar
    [ "$(stat -c %s "$T/target/sparse")" -eq $((16 << 20)) ]
    [ "$(du -k "$T/target/sparse" | cut -f1)" -lt 1024 ]
    [ "$(dd if="$T/target/sparse" bs=4096 skip=2048 count=1 2>/dev/null | tr -d s | wc -c)" -eq 0 ]
}

@test "a malformed MINIDOCK_LAYER_MAX_SIZE refuses the layer" {
    corpus fifo
    export MINIDOCK_LAYER_MAX_SIZE=lots
    refused fifo.tar "\$MINIDOCK_LAYER_MAX_SIZE: invalid size 'lots'"
    [ ! -e "$T/target/run" ]
}

# ---- the corpus itself ------------------------------------------------------------------------

@test "every case of the corpus is tested here" {
    run -0 "$MKEVIL" --list
    [ "${#lines[@]}" -ge 30 ]
    for line in "${lines[@]}"; do
        name=${line%% *}
        [[ "$line" == *"Expect: "* ]]
        grep -q "corpus .*\\b$name\\b" "$BATS_TEST_FILENAME" || { echo "untested: $name"; return 1; }
    done
}
