/* attach.c — the CLI's end of a monitor connection: our terminal or stdio on
 * one side, frames on the other (run without -d, start -a, attach). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "container.h"
#include "err.h"
#include "file.h"
#include "tty.h"

#define CTRL_P 0x10
#define CTRL_Q 0x11

static void send_size(int fd)
{
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%u %u", ws.ws_row, ws.ws_col);
        frame_write(fd, FRAME_RESIZE, buf, strlen(buf));
    }
}

/* Input from our stdin; with a terminal, Ctrl-P Ctrl-Q detaches (Docker's
 * default detach keys).  Returns 1 to detach, 0 to go on, -1 at EOF. */
static int relay_input(int fd, bool tty, bool *saw_ctrl_p)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0)
        return -1;
    size_t start = 0;
    for (ssize_t i = 0; tty && i < n; i++) {
        if (*saw_ctrl_p && buf[i] == CTRL_Q)
            return 1;
        *saw_ctrl_p = buf[i] == CTRL_P;
    }
    /* a lone Ctrl-P is held back until we know what follows it */
    size_t end = (size_t)n;
    if (tty && *saw_ctrl_p)
        end--;
    if (end > start)
        frame_write(fd, FRAME_STDIN, buf + start, end - start);
    return 0;
}

int ctr_attach_relay(int fd, bool stdin_, bool tty, bool sig_proxy, int *exit_code)
{
    struct termios saved;
    bool raw = false, saw_ctrl_p = false, input = stdin_;
    sigset_t sigs, old;
    int r = 0;

    *exit_code = -1;
    sigemptyset(&sigs);
    if (tty)
        sigaddset(&sigs, SIGWINCH);
    if (sig_proxy) {
        const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
            sigaddset(&sigs, forwarded[i]);
    }
    sigprocmask(SIG_BLOCK, &sigs, &old);
    int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    if (tty && isatty(STDIN_FILENO)) {
        send_size(fd);
        raw = stdin_ && tty_make_raw(STDIN_FILENO, &saved) == 0;
    }
    for (;;) {
        struct pollfd fds[3] = {{.fd = fd, .events = POLLIN},
                                {.fd = input ? STDIN_FILENO : -1, .events = POLLIN},
                                {.fd = sigfd, .events = POLLIN}};
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            r = err_set(errno, "poll");
            break;
        }
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGWINCH) {
                    send_size(fd);
                } else {
                    char num[16];
                    snprintf(num, sizeof(num), "%u", si.ssi_signo);
                    frame_write(fd, FRAME_SIGNAL, num, strlen(num));
                }
            }
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            int d = relay_input(fd, tty, &saw_ctrl_p);
            if (d == 1)
                break; /* detached: *exit_code stays -1 */
            if (d < 0) {
                input = false;
                frame_write(fd, FRAME_STDIN_EOF, NULL, 0);
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            enum frame_type type;
            char *data = NULL;
            size_t len;
            int k = frame_read(fd, &type, &data, &len);
            if (k < 0) {
                r = k;
                break;
            }
            if (k == 0) {
                r = err_setx(EPIPE, "lost the connection to the container's monitor");
                break;
            }
            if (type == FRAME_STDOUT)
                fd_write_all(STDOUT_FILENO, data, len);
            else if (type == FRAME_STDERR)
                fd_write_all(STDERR_FILENO, data, len);
            else if (type == FRAME_EXIT)
                *exit_code = len ? atoi(data) : 125;
            free(data);
            if (type == FRAME_EXIT)
                break;
        }
    }
    if (raw)
        tty_restore(STDIN_FILENO, &saved);
    if (sigfd >= 0)
        close(sigfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}
