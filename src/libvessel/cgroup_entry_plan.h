/* The cgroup entry plan: which of the container's cgroup directories a
 * new process is put in, who puts it there, and when.  Built without I/O
 * from facts gathered beforehand -- for create, the host's layout and
 * how the init makes its namespaces; for exec, the container's
 * directories as opened and the --cgroup arguments -- and carried out by
 * the one executor create and exec share (cgroup_entry.h).
 *
 * Three ways in:
 *   - vessel writes the pid to the directory's cgroup.procs after the
 *     clone (any hierarchy);
 *   - clone3 puts the child straight into a cgroup2 directory
 *     (CLONE_INTO_CGROUP, Linux 5.7; one directory only), with a
 *     cgroup.procs write of vessel's if the kernel refuses;
 *   - create's init moves itself into its v1 cgroups, writing "0" to
 *     `tasks`: a thread that moves itself skips the
 *     cgroup_threadgroup_rwsem a write of its pid by another process
 *     takes, and the RCU grace period that may wait for (Linux 6.4). */
#ifndef VESSEL_CGROUP_ENTRY_PLAN_H
#define VESSEL_CGROUP_ENTRY_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"

enum vessel_cgroup_entry_how
{
  VESSEL_CGROUP_ENTER_BY_WRITE,       /* vessel writes the pid to cgroup.procs after the clone */
  VESSEL_CGROUP_ENTER_BY_CLONE,       /* CLONE_INTO_CGROUP; written after all if the kernel lacks it */
  VESSEL_CGROUP_ENTER_BY_ITSELF,      /* create's init writes "0" to `tasks` once told they exist */
  VESSEL_CGROUP_ENTER_BY_ITSELF_LAST, /* the same, last: where it must be in every cgroup (memory) */
};

struct vessel_cgroup_entry
{
  const char *dir;  /* the container's directory */
  const char *sub;  /* exec --cgroup: the sub-cgroup of dir entered instead (must exist), or NULL */
  int dir_fd;       /* exec: from the facts (the sub-cgroup's once opened); create: -1, opened when written */
  bool v2;
  int how;          /* enum vessel_cgroup_entry_how */
};

/* ---- create ---- */

struct vessel_cgroup_create_facts
{
  /* The layout (v1, v2 or hybrid).  Rootless: what
     vessel_cgroup_host_rootless left of it, a delegated cgroup2 subtree
     or nothing. */
  const struct vessel_cgroup_host *host;
  char *const *paths; /* the container's directories, in the order of host->h */
  bool fork_for_pid;  /* the init forks into a new pid namespace, which must come after its cgroups */
  bool new_user;      /* the init makes a user namespace (and is not root in ours to write `tasks`) */
};

/* Why the init is entered the way it is. */
enum vessel_cgroup_create_why
{
  VESSEL_CGROUP_WHY_NONE,      /* no hierarchy (rootless without delegation): nothing to enter */
  VESSEL_CGROUP_WHY_V2,        /* cgroup2 alone: the clone enters it */
  VESSEL_CGROUP_WHY_PID_FORK,  /* v1 hierarchies, but the init forks into a new pid namespace after them */
  VESSEL_CGROUP_WHY_USER_NS,   /* v1 hierarchies, but the init makes a user namespace */
  VESSEL_CGROUP_WHY_SELF_JOIN, /* v1 hierarchies: the init starts first and joins them itself */
};

struct vessel_cgroup_create_plan
{
  const struct vessel_cgroup_host *host;
  char *const *paths;
  int why; /* enum vessel_cgroup_create_why */
  /* The init starts at once, in its cgroup2 directory if there is one:
     it makes its namespaces while vessel makes the v1 directories and
     their limits, says so (SYNC_CGROUPS_MADE), and then the init joins
     them itself, before the mount plan's cgroups step or pivot_root, the
     memory one last, where it must be in every cgroup.  Otherwise
     vessel makes everything first, moves the init into what it was not
     cloned into and sends SYNC_GO, which the init waits for. */
  bool init_joins_itself;
  int make_before_clone;    /* VESSEL_CGROUP_*_PART: the directories made before the clone */
  bool limits_before_clone; /* and their limits; otherwise after make_after_clone */
  int make_after_clone;     /* 0, or the part made while the init starts */
  int clone_into;           /* the hierarchy the init is cloned into (its cgroup2 one), or -1 */
  int join_last;            /* the v1 hierarchy an init that joins itself enters last (memory), or -1 */
  int sync_after;           /* what vessel sends once its part is done: SYNC_CGROUPS_MADE or SYNC_GO */
  bool fork_for_pid;
};

void vessel_cgroup_create_plan (const struct vessel_cgroup_create_facts *f, struct vessel_cgroup_create_plan *plan);

/* The entry of hierarchy i (of plan->host). */
struct vessel_cgroup_entry vessel_cgroup_create_entry (const struct vessel_cgroup_create_plan *plan, size_t i);

/* Whether vessel has cgroup.procs writes to make for an init cloned (or
   not) into its cgroup2 directory. */
bool vessel_cgroup_create_vessel_writes (const struct vessel_cgroup_create_plan *plan, bool cloned_into_cgroup);

/* Whether the init waits for SYNC_GO before anything else: it forks into
   a new pid namespace, or vessel writes its pid somewhere.  The same
   answer in vessel and in the init. */
bool vessel_cgroup_create_waits_for_go (const struct vessel_cgroup_create_plan *plan, bool cloned_into_cgroup);

/* ---- exec ---- */

/* One of the container's cgroup directories, as gathered. */
struct vessel_cgroup_dir_facts
{
  const char *path;
  int fd;                  /* O_PATH, opened by the gatherer */
  bool v2;                 /* in a cgroup2 hierarchy */
  const char *controllers; /* a v1 hierarchy's controllers ("cpu,cpuacct"); NULL if unknown or v2 */
};

/* exec: one entry per directory, into `entries` (n of them).  A --cgroup
   "SUB" applies to every hierarchy (the last one given wins), and
   "CONTROLLERS:SUB" to the v1 hierarchies that have every one of those
   controllers (the first one given wins).  The first cgroup2 directory
   is entered at clone time, the others by vessel after it. */
void vessel_cgroup_entry_plan (const struct vessel_cgroup_dir_facts *dirs, size_t n, char *const *args,
                               size_t n_args, struct vessel_cgroup_entry *entries);

/* Whether a --cgroup argument names controllers ("CONTROLLERS:SUB"
   rather than "SUB" or ":SUB"): only then does the gatherer need the
   controllers of each directory. */
bool vessel_cgroup_arg_names_controllers (const char *arg);

/* The directory fd to clone into (the BY_CLONE entry's), or -1. */
int vessel_cgroup_entry_clone_fd (const struct vessel_cgroup_entry *entries, size_t n);

#endif
