/* What commands do to a running container's cgroups: freeze and thaw
 * them (pause, resume), list their processes (ps).  Each takes the
 * container's cgroup directories from its state and tells the cgroup
 * versions apart by the files a directory has, so no host detection is
 * needed: freezer.state is v1's freezer, cgroup.freeze v2's. */
#ifndef VESSEL_CGROUP_OPS_H
#define VESSEL_CGROUP_OPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Freezes (or thaws) the container: the v1 freezer when there is one (as
   runc does on hybrid hosts), else cgroup2's cgroup.freeze.  Returns once
   every process is frozen (thawed). */
int vessel_cgroup_freeze (char **paths, bool freeze, vessel_error **err);

/* Whether the container's cgroup is frozen (or freezing). */
bool vessel_cgroup_is_frozen (char **paths);

/* The pids in the container's cgroup and its sub-cgroups, sorted. */
int vessel_cgroup_pids (char **paths, pid_t **pids, size_t *n, vessel_error **err);

#endif
