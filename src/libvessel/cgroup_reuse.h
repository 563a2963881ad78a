/* A container's cgroup directory that existed before create made it
 * (a cgroupsPath shared with another container, or made and frozen by
 * hand), and a wait on the init that a frozen cgroup would make endless.
 * A fresh directory costs none of these reads: create checks only what
 * mkdir found already there. */
#ifndef VESSEL_CGROUP_REUSE_H
#define VESSEL_CGROUP_REUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* What vessel_cgroup_create found already there. */
struct vessel_cgroup_reuse
{
  uint64_t existed; /* bit i: hierarchy i's directory existed: not create's to remove */
  int procs;        /* the processes in the first of them (-1: none looked at yet) */
  size_t procs_in;  /* which hierarchy that was */
};
#define VESSEL_CGROUP_REUSE_INIT { .procs = -1 }

/* Called for hierarchy i's directory `dir` that mkdir found existing
   (`freezer`: the file that tells whether it is frozen there,
   "freezer.state" in a v1 freezer hierarchy, "cgroup.events" in cgroup2,
   NULL elsewhere): refuses it frozen, as runc does, and counts the
   processes of the first such directory. */
int vessel_cgroup_reuse_check (struct vessel_cgroup_reuse *r, size_t i, const char *dir, const char *freezer,
                               vessel_error **err);

/* Warns, as runc does, when the processes counted are not none: the
   container shares its cgroup, and kill --all, pause and delete will hit
   them too.  Names the container of `root` they belong to, when one
   other than `id` has that cgroup. */
void vessel_cgroup_reuse_warn (const struct vessel_cgroup_reuse *r, char *const *paths, const char *root,
                               const char *id);

/* The first of paths (NULL-terminated) that is frozen or freezing, by the
   v1 freezer or cgroup2's; NULL when none is. */
const char *vessel_cgroup_frozen_dir (char *const *paths);

/* For a wait on the init that heard nothing for a while (see
   vessel_sync_wake_to_check), with *err the wait's EAGAIN: the init
   cannot go on in a frozen cgroup, and nothing else would end the wait
   (its death would, closing its end of the socket).  Clears *err and
   returns 0 to wait on; an error when one of paths is frozen. */
int vessel_cgroup_init_stalled (char *const *paths, vessel_error **err);

/* Thaws those of paths that the v1 freezer froze, where a frozen task
   does not die even of SIGKILL (cgroup2 lets it die); returns one that
   stays frozen (a parent of it is), NULL when none does. */
const char *vessel_cgroup_thaw_v1 (char *const *paths);

/* The paths (malloc'ed, NULL-terminated) that create made: not those that
   existed before (someone else's, maybe shared), for a failed create to
   remove. */
char **vessel_cgroup_reuse_made (const struct vessel_cgroup_reuse *r, char *const *paths);

#endif
