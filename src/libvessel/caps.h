/* Capabilities: names from config.json to libcap values, and the five sets
 * applied to the container process. */
#ifndef VESSEL_CAPS_H
#define VESSEL_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/capability.h>

#include "error.h"
#include "ocispec.h"

/* "CAP_NET_ADMIN" -> CAP_NET_ADMIN.  Only the spelled-out, upper-case
   names are accepted (libcap would also take numbers and lower case). */
int vessel_cap_from_name (const char *name, cap_value_t *out);

/* The highest capability this build knows by name. */
cap_value_t vessel_cap_last (void);

/* The capability sets of a process as bit masks, decided from the config
   before anything runs; bit n is capability n. */
struct vessel_caps
{
  uint64_t bounding;
  uint64_t effective;
  uint64_t permitted;
  uint64_t inheritable;
  uint64_t ambient;
};

/* Translates process.capabilities; an unknown name is an error naming its
   JSON path (`where` is the path of the capabilities object).  Absent
   capabilities mean empty sets, as with crun: a process gets only what
   the config grants. */
int vessel_caps_from_config (const struct oci_capabilities *caps,
                             const char *where, struct vessel_caps *out,
                             vessel_error **err);

/* Drops what is not in the bounding set.  Needs CAP_SETPCAP, so it runs
   before the process changes to its user. */
int vessel_caps_apply_bounding (const struct vessel_caps *caps, vessel_error **err);

/* Sets effective, permitted and inheritable, then the ambient set.  Runs
   after setuid, which keeps the permitted set thanks to PR_SET_KEEPCAPS. */
int vessel_caps_apply_sets (const struct vessel_caps *caps, vessel_error **err);

#endif
