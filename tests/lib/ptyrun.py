#!/usr/bin/env python3
"""ptyrun.py — drive an interactive program through a real pseudo-terminal.

    ptyrun.py [--rows N --cols N] [--timeout S] -- COMMAND [ARG...] < SCRIPT

SCRIPT has one step per line:
    send TEXT      write TEXT (Python escapes allowed: \\n, \\x03 for Ctrl-C)
    expect TEXT    wait until TEXT has appeared in the output since the last expect
    resize R C     change the window size (the program gets SIGWINCH)
    sleep S        wait S seconds
The output is copied to stdout; the exit status is the program's own, or 124
when a step times out.
"""
import codecs, fcntl, os, pty, select, struct, sys, termios, time

def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

def main():
    args = sys.argv[1:]
    rows, cols, timeout = 24, 80, 20.0
    while args and args[0] != "--":
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--rows": rows = int(val)
        elif opt == "--cols": cols = int(val)
        elif opt == "--timeout": timeout = float(val)
    cmd = args[1:]
    steps = [l.rstrip("\n") for l in sys.stdin if l.strip()]

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    set_size(fd, rows, cols)
    seen = b""

    def pump(wait):
        nonlocal seen
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        sys.stdout.buffer.write(data); sys.stdout.flush()
        seen += data
        return True

    for step in steps:
        verb, _, arg = step.partition(" ")
        if verb == "send":
            os.write(fd, codecs.decode(arg, "unicode_escape").encode())
        elif verb == "expect":
            want = codecs.decode(arg, "unicode_escape").encode()
            end = time.time() + timeout
            while want not in seen:
                if time.time() > end or not pump(0.1) and want not in seen:
                    sys.stderr.write("ptyrun: timed out waiting for %r\n" % want)
                    os.kill(pid, 9); os.waitpid(pid, 0)
                    return 124
            seen = seen[seen.index(want) + len(want):]
        elif verb == "resize":
            r, c = arg.split()
            set_size(fd, int(r), int(c))
            os.kill(pid, 28)  # SIGWINCH to the foreground program
        elif verb == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    end = time.time() + timeout
    while pump(0.1) and time.time() < end:
        pass
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)

sys.exit(main())
