/* The cgroup entry executor: carries out the plans of cgroup_entry_plan.h
 * for create (vessel's writes after the clone, the init's moves of
 * itself) and for exec (its directories gathered and opened, then
 * entered), and the clone that enters a cgroup2 directory. */
#ifndef VESSEL_CGROUP_ENTRY_H
#define VESSEL_CGROUP_ENTRY_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup_entry_plan.h"
#include "error.h"

/* clone3 (fork semantics, SIGCHLD at exit) with the CLONE_* `flags`,
   straight into the cgroup2 directory cgroup_fd when it is >= 0 and the
   kernel can (*into_cgroup true); otherwise the caller moves the child
   with cgroup.procs.  *into_cgroup is set before each attempt, so that
   the child's copy of it, when it lies in the memory the child gets,
   tells the child how it was made.  Returns as fork does. */
pid_t vessel_clone_into_cgroup (unsigned long flags, int cgroup_fd, bool *into_cgroup);

/* ---- create ---- */

/* vessel: writes pid to cgroup.procs where the plan says vessel does,
   and where the clone was to enter but did not. */
int vessel_cgroup_create_enter (const struct vessel_cgroup_create_plan *plan, pid_t pid, bool cloned_into_cgroup,
                                vessel_error **err);

/* The init, once its cgroups exist: moves itself into those it enters
   itself, but the last one, whose `tasks` file it opens for *last_fd. */
int vessel_cgroup_create_join_self (const struct vessel_cgroup_create_plan *plan, int *last_fd, vessel_error **err);

/* The init, where it must be in every cgroup: into the last one, through
   *last_fd (closed; nothing to do when it is -1). */
int vessel_cgroup_create_join_last (int *last_fd, vessel_error **err);

/* ---- exec ---- */

/* The container's directories (its state's cgroup paths), opened, with
   their version and, only when a --cgroup names controllers, their
   controllers; planned (*entries, *n: 0 before; set also on a later
   failure, for vessel_cgroup_exec_entries_free), and each
   --cgroup sub-cgroup, which must exist, opened in place of its
   directory: the cgroup2 one for CLONE_INTO_CGROUP. */
int vessel_cgroup_exec_prepare (char *const *paths, size_t n_paths, char *const *args, size_t n_args,
                                struct vessel_cgroup_entry **entries, size_t *n, vessel_error **err);

/* vessel, after the clone: the entries the clone did not enter. */
int vessel_cgroup_exec_enter (const struct vessel_cgroup_entry *entries, size_t n, pid_t pid, bool cloned_into_cgroup,
                              vessel_error **err);

void vessel_cgroup_exec_entries_free (struct vessel_cgroup_entry *entries, size_t n);

#endif
