/* tty.c — the user's terminal while a container runs with -t. */
#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "file.h"
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

long tty_pump(int in, int out)
{
    char buf[16384];
    ssize_t n;
    do
        n = read(in, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EIO ? 0 : -errno; /* EIO: the pty's other side closed */
    int r = n > 0 ? fd_write_all(out, buf, (size_t)n) : 0;
    return r < 0 ? r : n;
}
