/* Namespaces: the table of kinds, and (in the init stub) creating and
 * joining them. */
#ifndef VESSEL_NAMESPACES_H
#define VESSEL_NAMESPACES_H

#include "ocispec.h"

struct vessel_ns_kind
{
  const char *name;      /* as config.json spells it: "network" */
  const char *proc_name; /* under /proc/<pid>/ns/: "net" */
  int clone_flag;        /* CLONE_NEWNET */
};

/* Indexed by enum oci_namespace_type. */
extern const struct vessel_ns_kind vessel_ns_kinds[OCI_NS_COUNT];

#endif
