/* A bundle: its config.json, parsed and checked before anything happens,
 * so that bad input is refused while nothing exists to clean up. */
#ifndef VESSEL_CONFIG_H
#define VESSEL_CONFIG_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

struct vessel_bundle
{
  char *path;        /* absolute */
  char *config_path; /* <path>/config.json */
  char *rootfs;      /* root.path, absolute */
  struct oci_config *config;
  char *config_text; /* what config was parsed from: the container keeps a copy */
  size_t config_len;
};

/* Reads <bundle>/config.json and validates it. */
int vessel_bundle_load (const char *bundle, struct vessel_bundle *out,
                        vessel_error **err);
void vessel_bundle_free (struct vessel_bundle *b);

/* The checks that need no kernel: namespaces, mappings, sysctls against
   the namespaces that own them, paths, rlimits, capabilities, mount
   options.  Messages start with "config.json: " and name the JSON path. */
int vessel_config_validate (const struct oci_config *c, vessel_error **err);

/* The checks of a process (config.json's, or exec's own): `where` names
   it in messages ("config.json: .process"). */
int vessel_process_validate (const struct oci_process *p, const char *where, vessel_error **err);

/* The namespace entry of `type`, or NULL. */
const struct oci_namespace *vessel_config_namespace (const struct oci_config *c, int type);

/* The st_mode file type of a linux.devices entry's type: S_IFCHR for
   "c" and "u", S_IFBLK for "b", S_IFIFO for "p". */
unsigned vessel_device_file_type (int type);

/* RLIMIT_NOFILE for "RLIMIT_NOFILE"; -1 when unknown. */
int vessel_rlimit_from_name (const char *name);

/* Which namespace a sysctl belongs to (OCI_NS_NETWORK, OCI_NS_IPC,
   OCI_NS_UTS), or -1 when it is not namespaced. */
int vessel_sysctl_namespace (const char *name);

#endif
