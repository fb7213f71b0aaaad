/* tty.h — the user's terminal while a container runs with -t. */
#ifndef MD_TTY_H
#define MD_TTY_H

#include <termios.h>

/* Put fd in raw mode (keys go to the container untouched: Ctrl-C included);
 * the previous settings go to *saved.  Returns 0, or -errno. */
int tty_make_raw(int fd, struct termios *saved);
void tty_restore(int fd, const struct termios *saved);

/* Copy the window size of terminal `from` to pty `to`. */
void tty_copy_winsize(int from, int to);

/* Copy what is readable on `in` to `out` (one read).  Returns the bytes
 * copied, 0 at end of file, or -errno. */
long tty_pump(int in, int out);

#endif
