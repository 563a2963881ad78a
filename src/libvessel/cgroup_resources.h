/* linux.resources as cgroup file writes.
 *
 * vessel_cgroup_plan_resources is pure: from the resources and the host's
 * layout (which controller lives in which hierarchy, v1 or v2) it decides
 * every (hierarchy, file, value) to write, with runc's and crun's v1 -> v2
 * conversions (cgroup_resources_plan.c).  vessel_cgroup_apply carries a
 * plan out, in order, with errors that name the file and the value
 * (cgroup_resources.c). */
#ifndef VESSEL_CGROUP_RESOURCES_H
#define VESSEL_CGROUP_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "error.h"
#include "ocispec.h"

struct vessel_cgroup_write
{
  size_t hierarchy;    /* index in host->h */
  const char *controller; /* the controller the file belongs to ("memory"); NULL for unified */
  char *file;          /* "memory.max" */
  char *value;         /* "536870912" */
  /* When the file does not exist (a kernel or I/O scheduler without it),
     this one is written instead; with neither, the write is skipped with
     a warning if `optional`, else it fails. */
  char *fallback_file;
  char *fallback_value;
  bool optional;
  /* The same file is written again later in the plan: a refusal now
     (EINVAL: an order the kernel does not accept yet) is not an error. */
  bool again_later;
  /* Written only when the plan's earlier `again_later` write of the same
     file was refused: the retry, once the writes between have made room. */
  bool only_after_refusal;
};

/* A device rule in cgroup terms: type 'a', 'c' or 'b', -1 for "*". */
struct vessel_device_rule
{
  bool allow;
  char type;
  int64_t major;
  int64_t minor;
  char access[4]; /* some of "rwm" */
};

struct vessel_cgroup_plan
{
  struct vessel_cgroup_write *writes;
  size_t n;
  /* The device rules in the order they take effect (a leading "deny all",
     the config's rules, runc's default devices and the config's
     linux.devices): written to devices.allow/deny on v1, compiled into an
     eBPF program on v2, where the last matching rule wins. */
  struct vessel_device_rule *devices;
  size_t n_devices;
  bool devices_v2;     /* the devices controller is cgroup2's eBPF hook */
  int devices_hierarchy; /* -1: no devices controller at all */
  char **warnings;     /* what the host cannot do and is left out */
  size_t n_warnings;
};

/* Pure.  `devices` adds the device rules (create: yes; update: only when
   the resources list some).  `where` names r in messages: its fields are
   appended (VESSEL_RESOURCES_IN_CONFIG, or "update: resources"). */
#define VESSEL_RESOURCES_IN_CONFIG "config.json: .linux.resources"
int vessel_cgroup_plan_resources (const struct oci_resources *r, const struct oci_linux *lx,
                                  const struct vessel_cgroup_host *host, bool devices, const char *where,
                                  struct vessel_cgroup_plan *plan, vessel_error **err);
void vessel_cgroup_plan_free (struct vessel_cgroup_plan *plan);

/* Pure: whether `word` is one of the `sep`-separated words of list. */
bool vessel_cgroup_list_has (const char *list, const char *word, char sep);

/* The hierarchy holding `controller` ("memory"), preferring v1 on hybrid
   hosts as runc does, or -1. */
int vessel_cgroup_locate (const struct vessel_cgroup_host *host, const char *controller);

/* Turns on, in every ancestor of the container's cgroup2 cgroup, the
   controllers the plan writes files of (cgroup.subtree_control). */
int vessel_cgroup_enable_controllers (const struct vessel_cgroup_host *host, char **paths,
                                      const struct vessel_cgroup_plan *plan, vessel_error **err);

/* Writes the plan's files, then the device rules. */
int vessel_cgroup_apply (const struct vessel_cgroup_host *host, char **paths,
                         const struct vessel_cgroup_plan *plan, vessel_error **err);

#endif
