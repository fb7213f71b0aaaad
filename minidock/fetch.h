/* fetch.h — downloading the URL sources of ADD (libcurl).
 *
 *   ADD https://example.com/dl/tool.tar.gz /opt/
 *
 * puts the file /opt/tool.tar.gz in the image, as downloaded: Docker does not
 * extract archives that come from a URL.  The rules are those of Docker's
 * classic builder:
 *   - only http:// and https:// URLs; redirects are followed, at most
 *     FETCH_MAX_REDIRECTS of them, and only to http or https;
 *   - an HTTP error fails: "failed to GET URL with status 404 Not Found";
 *   - the file gets mode 0600, and as mtime the Last-Modified header (the
 *     epoch when there is none);
 *   - the size is capped like a layer's (MINIDOCK_LAYER_MAX_SIZE, layer.h);
 *   - a server that does not answer, or stops sending, is given up after
 *     FETCH_TIMEOUT_DEFAULT seconds ($MINIDOCK_FETCH_TIMEOUT overrides it):
 *     a stalled server cannot hang a build;
 *   - a failed download leaves nothing behind.
 *
 * Functions return 0 or a negative errno, with a message in the error slot.
 */
#ifndef MD_FETCH_H
#define MD_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "layer.h"

#define FETCH_MAX_REDIRECTS   10
#define FETCH_TIMEOUT_DEFAULT 60 /* seconds to connect, and without a byte received */
#define FETCH_TIMEOUT_ENV     "MINIDOCK_FETCH_TIMEOUT"

/* What a download gave. */
struct fetch_result {
    char digest[LAYER_DIGEST_LEN]; /* SHA-256 of the content */
    int64_t size;                  /* bytes */
    time_t mtime;                  /* Last-Modified, or 0 */
    long status;                   /* the final HTTP status, e.g. 200 */
};

/* Does ADD download s?  Docker's test: it starts with "http://" or
 * "https://" (anything else is a path in the context). */
bool fetch_is_url(const char *s);

/* The name Docker gives the download of url: the last component of the
 * URL's path, percent-decoded ("http://h/a/b%20c.txt?x=1" -> "b c.txt"); ""
 * when the path is empty or ends with '/'.  -EINVAL for a malformed escape or
 * a name that cannot be a file name (NUL, "." or ".."); -ENAMETOOLONG when it
 * does not fit in size. */
int fetch_url_filename(const char *url, char *name, size_t size);

/* Download url into dirfd/name (mode 0600, mtime from Last-Modified).  The
 * bytes go to a temporary file in dirfd that is renamed to name only once
 * complete; on any error, nothing is left.  *res describes the download. */
int fetch_url(const char *url, int dirfd, const char *name, struct fetch_result *res);

#endif
