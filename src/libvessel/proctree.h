#ifndef VESSEL_PROCTREE_H
#define VESSEL_PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The processes of a container that has no cgroup to list them, found
   in /proc: the init, the processes in its pid namespace when that is
   not vessel's, and their descendants; sorted. */
int vessel_proctree_pids (pid_t init, pid_t **pids, size_t *n, vessel_error **err);

#endif
