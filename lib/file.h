/* file.h — whole-file helpers.
 *
 * All return 0 (or a length) on success and a negative errno on failure, with
 * the path named in the error slot.
 */
#ifndef MD_FILE_H
#define MD_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Read a whole file into a NUL-terminated buffer the caller frees. */
int file_read_all(const char *path, char **out, size_t *len);

/* Write a file crash-safely: temporary file in the same directory, fsync,
 * rename over path, fsync the directory.  Readers see old or new, never half. */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/* The same without the two fsyncs (each a journal commit, 0.1-0.5 ms): still
 * atomic for readers, but after a machine crash the file may hold the old
 * content, the new one, nothing, or be missing.  Only for files that nothing
 * needs after a crash. */
int file_write_atomic_nosync(const char *path, const void *buf, size_t len, mode_t mode);

/* Write a short string to a kernel control file (cgroup, /proc): one write(),
 * no temporary file, because the kernel acts on the write itself. */
int file_write_str(const char *path, const char *s);

/* Printf-style variant of file_write_str. */
int file_printf(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read the first line of a small file (trailing newline removed). */
int file_read_line(const char *path, char *buf, size_t size);

/* write(2) until all of buf is written (retrying on EINTR); 0 or -errno. */
int fd_write_all(int fd, const void *buf, size_t len);

/* Copy the regular file in to out, a new empty file, through a fixed buffer
 * (or the kernel's copy_file_range): only the data is copied, so holes stay
 * holes (SEEK_DATA, SEEK_HOLE) and a sparse file stays sparse.  Files whose
 * size says nothing (/proc, /sys) are read to their end.  0 or -errno (no
 * message recorded: callers name the files). */
int fd_copy_file(int in, int out);

/* One message on a Unix socket, with a file descriptor attached when fd >= 0
 * (SCM_RIGHTS: the receiver gets its own descriptor for the same open file).
 * fd_send returns 0 or -errno; fd_recv the size read (0 at end of file, -1
 * with errno) and the descriptor received, or -1, in *fd (close-on-exec). */
int fd_send(int sock, const void *buf, size_t len, int fd);
ssize_t fd_recv(int sock, void *buf, size_t len, int *fd);

/* Close every descriptor >= first (close_range, or /proc/self/fd on kernels
 * before 5.9): what a forked helper does when it must not keep its parent's
 * files open.  Returns 0 or -errno. */
int fd_close_from(int first);

/* mkdir -p: create path and its missing parents. */
int mkdir_p(const char *path, mode_t mode);

/* Does path exist (lstat succeeds)? */
int path_exists(const char *path);

/* rm -rf without crossing mount points or following symlinks. */
int remove_tree(const char *path);

/* The same for name relative to the directory dirfd; returns 0 or -errno
 * (no message recorded: callers name the entry themselves). */
int remove_tree_at(int dirfd, const char *name);

#endif
