/* spec.h — a container's settings as an OCI runtime-spec config.json.
 *
 * The Open Container Initiative's runtime spec is the file runc, crun and
 * podman's runtimes read.  Writing our settings in that form lets a student
 * compare minidock with runc on the very same bundle, and documents exactly
 * what minidock does: namespaces, mounts, capabilities, seccomp, limits. */
#ifndef MD_SPEC_H
#define MD_SPEC_H

#include <jansson.h>

#include "cgroups.h"
#include "namespaces.h"

/* Build config.json for cfg (rootfs, process, security) with the limits and
 * the cgroup path ("minidock/<id>").  The rootfs must exist: --user names
 * are resolved from its /etc/passwd, since the spec only knows numbers. */
int spec_build(const struct ns_config *cfg, const struct cg_limits *limits, const char *cgroup_path,
               json_t **out);

#endif
