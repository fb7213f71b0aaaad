/* tty.c — the user's terminal while a container runs with -t. */
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

int tty_make_raw(int fd, struct termios *saved)
{
    struct termios raw;
    if (tcgetattr(fd, saved) < 0)
        return -errno;
    raw = *saved;
    cfmakeraw(&raw);
    if (tcsetattr(fd, TCSANOW, &raw) < 0)
        return -errno;
    return 0;
}

void tty_restore(int fd, const struct termios *saved)
{
    tcsetattr(fd, TCSANOW, saved);
}

void tty_copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

long tty_pump(int in, int out)
{
    char buf[16384];
    ssize_t n;
    do
        n = read(in, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EIO ? 0 : -errno; /* EIO: the pty's other side closed */
    int r = n > 0 ? write_all(out, buf, (size_t)n) : 0;
    return r < 0 ? r : n;
}
