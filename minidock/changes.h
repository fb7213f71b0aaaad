/* changes.h — Dockerfile instructions applied to an image's config object,
 * for `import -c` and `commit -c` (Docker's --change).
 *
 * Accepted: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME,
 * WORKDIR.  settings is the "config" object of an image config (Cmd, Env,
 * ExposedPorts...): the instruction changes it in place.  Returns 0 or a
 * negative errno with "--change 'LINE': <problem>" in the error slot. */
#ifndef MD_CHANGES_H
#define MD_CHANGES_H

#include <jansson.h>

int change_apply(json_t *settings, const char *change);

#endif
