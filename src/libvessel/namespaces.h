/* Namespaces: the plan of what to create (decided from the config alone;
 * what to join, and the table of kinds, are the join plan's: join_plan.h),
 * and the small steps that carry it out in the parent and in the init. */
#ifndef VESSEL_NAMESPACES_H
#define VESSEL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "join.h"
#include "ocispec.h"

/* Why two ways: a namespace belongs to the user namespace that was
   current when it was created, and only that user namespace's root may
   mount in it, mount proc for it, and so on.  When nothing is joined, one
   clone3 with every CLONE_NEW* flag gets this right (the kernel creates
   the user namespace first).  When a user namespace is joined, or a new
   one meets namespaces joined by path (which belong to the host's user
   namespace and need the host's privileges to enter), the init must first
   setns, then unshare, and a new pid namespace created after that needs
   one more fork, because unshare(CLONE_NEWPID) only applies to children. */
struct vessel_ns_plan
{
  bool wanted[OCI_NS_COUNT];  /* new or joined */
  bool create[OCI_NS_COUNT];  /* created (not joined) */
  unsigned long clone_flags;  /* CLONE_NEW* passed to clone3 */
  unsigned long unshare_flags; /* CLONE_NEW* the init unshares itself (slow path) */
  bool fork_for_pid;          /* slow path: fork once more into the new pid ns */
  bool unshare_cgroup;        /* cgroup ns: created once the init is in its cgroup */
  bool new_time;              /* time ns: created by the parent, see vessel_ns_parent_prepare */
  bool new_user;              /* a new user namespace: the parent writes the id maps */
  struct vessel_join_plan join; /* the namespaces joined by path */
};

/* Pure: decides from the config (the joins by vessel_join_plan_for_create). */
void vessel_ns_plan_build (const struct oci_config *c, struct vessel_ns_plan *plan);

/* Leaves clone3 only the new pid namespace (which must be made there),
   and lets the init create the others itself with unshare, while the
   parent goes on.  Not with a new user namespace, which must own them
   all, nor on the slow path, which unshares already. */
void vessel_ns_plan_unshare_in_init (struct vessel_ns_plan *plan);

/* Parent, before clone: opens every path to join (errors name the path),
   enters a joined pid namespace and creates the time namespace for its
   children (writing the offsets), saving what to restore. */
struct vessel_ns_saved
{
  int pid_fd;  /* our own pid namespace */
  int time_fd; /* our own time namespace */
};
int vessel_ns_parent_prepare (struct vessel_ns_plan *plan, const struct oci_config *c,
                              struct vessel_ns_saved *saved, vessel_error **err);
/* Parent, right after clone: back to its own pid and time namespaces for
   what it starts later (hooks). */
void vessel_ns_parent_restore (struct vessel_ns_saved *saved);
void vessel_ns_plan_close (struct vessel_ns_plan *plan);

/* Parent: writes uid_map and gid_map of process pid. */
int vessel_ns_write_id_maps (pid_t pid, const struct oci_linux *lx, vessel_error **err);

/* An empty user namespace with these mappings, held only by the fd
   returned (what an id-mapped mount takes). */
int vessel_userns_with_maps (const struct oci_id_mapping *uids, size_t n_uids,
                             const struct oci_id_mapping *gids, size_t n_gids, vessel_error **err);

/* After creating or joining a user namespace: a process has every
   capability in it, but is not uid 0 there until it says so (files it
   creates would belong to the overflow uid, and uid 0 may not be mapped:
   then it stays as it is). */
int vessel_ns_become_root (vessel_error **err);

/* Init, in a network namespace it created: brings the loopback device up
   (a new namespace's lo starts down; runc and crun bring it up, and a
   service bound to 127.0.0.1 counts on it). */
int vessel_ns_loopback_up (vessel_error **err);

#endif
