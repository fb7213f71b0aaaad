/* fetch.c — downloading the URL sources of ADD (see fetch.h for the rules).
 *
 * libcurl does the HTTP; we give it a write callback that hashes the bytes,
 * counts them against the size limit and writes them to a temporary file,
 * and a header callback that keeps the status line, so that an error can be
 * reported as Docker does ("404 Not Found").  The temporary file becomes the
 * download only once everything went well.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"
#include "file.h"
#include "str.h"

/* ---- 1. The name of a download ------------------------------------------------------------- */

bool fetch_is_url(const char *s)
{
    return str_has_prefix(s, "http://") || str_has_prefix(s, "https://");
}

static int hex_value(char c)
{
    if (isdigit((unsigned char)c))
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s (n bytes) into out; -EINVAL on a malformed escape or a NUL. */
static int percent_decode(const char *s, size_t n, char *out, size_t size)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
            if (lo < 0)
                return -EINVAL;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return -EINVAL;
        if (len + 1 >= size)
            return -ENAMETOOLONG;
        out[len++] = c;
    }
    out[len] = '\0';
    return 0;
}

int fetch_url_filename(const char *url, char *name, size_t size)
{
    char path[4096];
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p += strcspn(p, "/?#"); /* skip the host */
    size_t n = *p == '/' ? strcspn(p, "?#") : 0;
    int r = percent_decode(p, n, path, sizeof(path));
    if (r < 0)
        return err_setx(-r, "%s: %s", url,
                        r == -EINVAL ? "malformed URL path" : "the URL path is too long");
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return err_setx(EINVAL, "%s: \"%s\" cannot be a file name", url, base);
    if (strlen(base) >= size || strlen(base) > 255)
        return err_setx(ENAMETOOLONG, "%s: the file name is too long", url);
    snprintf(name, size, "%s", base);
    return 0;
}

/* ---- 2. The transfer ----------------------------------------------------------------------- */

struct download {
    const char *url;
    int fd;          /* the temporary file */
    EVP_MD_CTX *sha; /* of the content */
    int64_t size, max_size;
    char status[128]; /* of the last response: "404 Not Found" */
    long code;        /* its number */
    bool too_big;
    int write_errno;
};

/* Each header line; a status line ("HTTP/1.1 302 Found") starts a response
 * (there is one per redirect): keep the last one. */
static size_t on_header(char *line, size_t one, size_t n, void *arg)
{
    struct download *d = arg;
    size_t len = one * n;
    if (len > 5 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', len);
        size_t rest = sp ? len - (size_t)(sp + 1 - line) : 0;
        while (rest > 0 && (sp[rest] == '\r' || sp[rest] == '\n'))
            rest--;
        snprintf(d->status, sizeof(d->status), "%.*s", (int)rest, sp ? sp + 1 : "");
        d->code = sp ? strtol(sp + 1, NULL, 10) : 0;
    }
    return len;
}

/* Each piece of the body: hashed, counted, written.  Returning less than n
 * stops the transfer. */
static size_t on_body(char *buf, size_t one, size_t n, void *arg)
{
    struct download *d = arg;
    size_t len = one * n;
    if (d->code >= 400)
        return 0; /* an error page is not the file */
    if (d->max_size > 0 && (int64_t)len > d->max_size - d->size) {
        d->too_big = true;
        return 0;
    }
    if (fd_write_all(d->fd, buf, len) < 0) {
        d->write_errno = errno;
        return 0;
    }
    EVP_DigestUpdate(d->sha, buf, len);
    d->size += (int64_t)len;
    return len;
}

/* The timeout from the environment, or the default. */
static int fetch_timeout(long *seconds)
{
    const char *env = getenv(FETCH_TIMEOUT_ENV);
    int64_t v = FETCH_TIMEOUT_DEFAULT;
    int r = env && *env ? str_to_i64(env, 1, 24 * 3600, &v) : 0;
    *seconds = (long)v;
    return r < 0 ? err_wrap(r, "$%s", FETCH_TIMEOUT_ENV) : 0;
}

static CURL *new_handle(struct download *d, long timeout, char *errbuf)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, d->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
    /* a stalled server: give up after timeout seconds without a byte */
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->max_size);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FILETIME, 1L); /* Last-Modified */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "minidock");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, d);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    return c;
}

/* The message for a failed transfer, most telling cause first. */
static int transfer_error(const struct download *d, CURLcode rc, const char *errbuf)
{
    if (d->code >= 400)
        return err_setx(EIO, "failed to GET %s with status %s", d->url, d->status);
    if (d->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return err_setx(EFBIG, "failed to GET %s: bigger than the size limit of %lld bytes ($%s)",
                        d->url, (long long)d->max_size, LAYER_MAX_SIZE_ENV);
    if (d->write_errno)
        return err_set(d->write_errno, "failed to GET %s: write the file", d->url);
    if (rc == CURLE_TOO_MANY_REDIRECTS)
        return err_setx(ELOOP, "failed to GET %s: stopped after %d redirects", d->url,
                        FETCH_MAX_REDIRECTS);
    return err_setx(rc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO, "failed to GET %s: %s",
                    d->url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

/* Run the transfer into d->fd; on success, res gets the digest and mtime. */
static int transfer(struct download *d, struct fetch_result *res)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout;
    int r = fetch_timeout(&timeout);
    if (r < 0)
        return r;
    CURL *c = new_handle(d, timeout, errbuf);
    if (!c)
        return err_setx(ENOMEM, "failed to GET %s: cannot start libcurl", d->url);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK || d->code >= 400) {
        r = transfer_error(d, rc, errbuf);
    } else {
        unsigned char sha[32];
        unsigned len;
        curl_off_t filetime = -1;
        curl_easy_getinfo(c, CURLINFO_FILETIME_T, &filetime);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
        EVP_DigestFinal_ex(d->sha, sha, &len);
        layer_digest_format(sha, res->digest);
        res->size = d->size;
        res->mtime = filetime >= 0 ? (time_t)filetime : 0;
    }
    curl_easy_cleanup(c);
    return r;
}

int fetch_url(const char *url, int dirfd, const char *name, struct fetch_result *res)
{
    struct download d = {.url = url, .fd = -1};
    char part[300];
    int r = 0;
    memset(res, 0, sizeof(*res));
    if (!fetch_is_url(url))
        return err_setx(EINVAL, "%s: only http:// and https:// URLs can be downloaded", url);
    if (strchr(name, '/') || snprintf(part, sizeof(part), ".%s.part", name) >= (int)sizeof(part))
        return err_setx(EINVAL, "%s: invalid file name \"%s\"", url, name);
    if ((r = layer_max_size(&d.max_size)) < 0)
        return r;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_setx(EIO, "failed to GET %s: cannot initialise libcurl", url);
    d.sha = EVP_MD_CTX_new();
    if (!d.sha || !EVP_DigestInit_ex(d.sha, EVP_sha256(), NULL))
        r = err_setx(ENOMEM, "sha256");
    if (r == 0) {
        d.fd = openat(dirfd, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d.fd < 0)
            r = err_set(errno, "create %s", part);
    }
    if (r == 0)
        r = transfer(&d, res);
    /* Docker's mode and times: 0600, the server's Last-Modified */
    struct timespec times[2] = {{.tv_sec = res->mtime}, {.tv_sec = res->mtime}};
    if (r == 0 && fchmod(d.fd, 0600) < 0)
        r = err_set(errno, "chmod %s", name);
    if (r == 0 && futimens(d.fd, times) < 0)
        r = err_set(errno, "set the time of %s", name);
    if (d.fd >= 0 && close(d.fd) < 0 && r == 0)
        r = err_set(errno, "write %s", name);
    if (r == 0 && renameat(dirfd, part, dirfd, name) < 0)
        r = err_set(errno, "rename %s to %s", part, name);
    if (r < 0 && d.fd >= 0)
        unlinkat(dirfd, part, 0);
    EVP_MD_CTX_free(d.sha);
    curl_global_cleanup();
    return r;
}
