/* The default config.json that `vessel spec` writes. */
#ifndef VESSEL_DEFAULT_SPEC_H
#define VESSEL_DEFAULT_SPEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* runc's default: a busybox-friendly `sh` with a terminal, the standard
   mounts, masked and read-only paths and a minimal capability set.  With
   `rootless`, adjusted so that the user uid/gid can run it unchanged: a
   user namespace mapping root to them, no network namespace, /sys bound
   from the host, no resources. */
int vessel_default_spec (bool rootless, uid_t uid, gid_t gid,
                         struct oci_config **out, vessel_error **err);

#endif
