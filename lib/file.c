/* file.c — whole-file helpers (see file.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "file.h"

int file_read_all(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "open %s", path);

    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int ret = 0;
    if (!buf) {
        ret = err_set(ENOMEM, "read %s", path);
        goto out;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                ret = err_set(ENOMEM, "read %s", path);
                goto out;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ret = err_set(errno, "read %s", path);
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    buf = NULL;
    if (len)
        *len = n;
out:
    free(buf);
    close(fd);
    return ret;
}

int fd_send(int sock, const void *buf, size_t len, int fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        msg.msg_control = cbuf;
        msg.msg_controllen = sizeof(cbuf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

ssize_t fd_recv(int sock, void *buf, size_t len, int *fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    *fd = -1;
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof(int));
    return n;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copy the bytes [off, end) of in to the same offsets of out; end < 0: up to
 * the end of in.  copy_file_range first (no copy through user space), then
 * read and write through a buffer where the kernel cannot (another file
 * system, or a file it reads as empty). */
static int copy_span(int in, int out, off_t off, off_t end)
{
    char buf[65536];
    bool kernel = end >= 0;
    while (end < 0 || off < end) {
        size_t want = end < 0 || end - off > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)(end - off);
        ssize_t n;
        if (kernel) {
            loff_t from = off, to = off;
            n = copy_file_range(in, &from, out, &to, end - off, 0);
            if (n <= 0 && (n == 0 || errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                           errno == EOPNOTSUPP)) {
                kernel = false; /* pread says whether the end is really there */
                continue;
            }
        } else {
            n = pread(in, buf, want, off);
            if (n > 0 && lseek(out, off, SEEK_SET) < 0)
                return -errno;
            int w = n > 0 ? fd_write_all(out, buf, (size_t)n) : 0;
            if (w < 0)
                return w;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break; /* the end of in (it may have shrunk) */
        off += n;
    }
    return 0;
}

int fd_copy_file(int in, int out)
{
    struct stat st;
    if (fstat(in, &st) < 0)
        return -errno;
    if (st.st_size == 0)
        return copy_span(in, out, 0, -1);
    for (off_t off = 0;;) {
        off_t data = lseek(in, off, SEEK_DATA);
        if (data < 0 && errno == ENXIO) /* only a hole is left: out gets its size */
            return ftruncate(out, st.st_size) < 0 ? -errno : 0;
        if (data < 0) /* no SEEK_DATA here: all of it is data */
            return copy_span(in, out, off, -1);
        off_t hole = lseek(in, data, SEEK_HOLE);
        if (hole < 0)
            return -errno;
        if (hole <= data) /* a file system that says nonsense: read on */
            return copy_span(in, out, data, -1);
        int r = copy_span(in, out, data, hole);
        if (r < 0)
            return r;
        off = hole;
    }
}

int fd_close_from(int first)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
        return 0;
#endif
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd >= first && fd != dirfd(d))
            close(fd);
    }
    closedir(d);
    return 0;
}

static void fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* mkostemp, write, rename: readers see the old file or the new one, never half
 * of it; with sync, fsync the file before the rename (so that the name never
 * points at unwritten data after a crash) and the directory after it. */
static int write_and_rename(const char *path, const void *buf, size_t len, mode_t mode, bool sync)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
        return err_setx(ENAMETOOLONG, "write %s: path too long", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return err_set(errno, "create temporary file for %s", path);

    int r = fd_write_all(fd, buf, len);
    if (r == 0 && fchmod(fd, mode) < 0)
        r = -errno;
    if (r == 0 && sync && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return err_set(-r, "write %s", path);
    }
    if (sync)
        fsync_parent(path);
    return 0;
}

int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
    return write_and_rename(path, buf, len, mode, true);
}

int file_write_atomic_nosync(const char *path, const void *buf, size_t len, mode_t mode)
{
    return write_and_rename(path, buf, len, mode, false);
}

int file_write_str(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(errno, "open %s", path);
    int r = fd_write_all(fd, s, strlen(s));
    close(fd);
    if (r < 0)
        return err_set(-r, "write '%s' to %s", s, path);
    return 0;
}

int file_printf(const char *path, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return err_setx(EOVERFLOW, "write %s: value too long", path);
    return file_write_str(path, buf);
}

int file_read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return err_set(errno, "open %s", path);
    int ret = 0;
    if (!fgets(buf, (int)size, f)) {
        ret = ferror(f) ? err_set(EIO, "read %s", path) : err_setx(ENODATA, "%s is empty", path);
        buf[0] = '\0';
    } else {
        buf[strcspn(buf, "\n")] = '\0';
    }
    fclose(f);
    return ret;
}

int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return err_setx(ENAMETOOLONG, "mkdir %s: path too long", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return err_set(errno, "mkdir %s", buf);
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return err_set(errno, "mkdir %s", buf);
    return 0;
}

int path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int remove_at(int dirfd, const char *name, dev_t dev)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
    if (st.st_dev != dev)
        return -EXDEV; /* a mount point: never descend into another file system */

    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -errno;
    }
    int ret = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int r = remove_at(fd, e->d_name, dev);
        if (r < 0 && ret == 0)
            ret = r;
    }
    closedir(d);
    if (ret == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        ret = -errno;
    return ret;
}

int remove_tree_at(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -errno;
    return remove_at(dirfd, name, st.st_dev);
}

int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : err_set(errno, "stat %s", path);
    int r = remove_at(AT_FDCWD, path, st.st_dev);
    return r < 0 ? err_set(-r, "remove %s", path) : 0;
}
