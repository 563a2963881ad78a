/* The join plan: which existing namespaces a process joins, in which
 * order and by whom, and which cgroups it enters and how.  Built without
 * I/O from facts gathered beforehand -- for create, the config's
 * namespace paths; for exec, the container's state and which of the
 * init's namespaces differ from ours -- and carried out by the one
 * executor create and exec share (join.h). */
#ifndef VESSEL_JOIN_PLAN_H
#define VESSEL_JOIN_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "ocispec.h"

struct vessel_ns_kind
{
  const char *name;      /* as config.json spells it: "network" */
  const char *proc_name; /* under /proc/<pid>/ns/: "net" */
  int clone_flag;        /* CLONE_NEWNET */
};

/* Indexed by enum oci_namespace_type. */
extern const struct vessel_ns_kind vessel_ns_kinds[OCI_NS_COUNT];

struct vessel_ns_join
{
  int type;              /* enum oci_namespace_type */
  const char *path;      /* create: from the config; exec: NULL (the init's) */
  int fd;                /* opened before it is joined, -1 until then */
  bool retry_after_user; /* refused (EPERM) before the user namespace: joined again after it */
  size_t index;          /* create: in .linux.namespaces, for messages */
};

struct vessel_join_plan
{
  /* exec: names the container in messages ("join the net namespace of
     container `c1`"); create (NULL): messages name the path. */
  const char *container;
  /* exec, when the kernel has pidfds: every join through the init's
     pidfd, those of joins[] in one setns (the kernel orders them).
     Otherwise (create, or no pidfds) one by one through their fds. */
  bool by_pidfd;
  int pidfd;                   /* set by the caller of the executor; -1 in the plan */
  unsigned long pidfd_flags;   /* the CLONE_NEW* of joins[], for that setns */
  bool user_by_parent;         /* vessel joins parent_user itself, before the pid namespace */
  struct vessel_ns_join parent_user;
  bool join_pid;               /* vessel joins the pid namespace for its children */
  struct vessel_ns_join pid;
  struct vessel_ns_join joins[OCI_NS_COUNT]; /* joined by the process, in this order */
  size_t n_joins;
  bool become_root;            /* a user namespace is joined: be uid 0 in it */
};

/* create: the config's namespaces with a path.  The pid namespace is
   joined by vessel (a pid namespace applies to children: the init is
   born in it); the others by the init, the user namespace last, each of
   them that refuses us before it (EPERM: it belongs to the joined user
   namespace, not to the host's) again after it. */
void vessel_join_plan_for_create (const struct oci_config *c, struct vessel_join_plan *plan);

/* What exec knows before it plans, gathered by exec.c. */
struct vessel_exec_join_facts
{
  const char *container;
  const struct oci_linux *linux; /* the container's config */
  bool has_pidfd;                /* the init's pidfd is open */
  bool init_userns_is_ours;      /* only looked at when the user namespace was joined by path */
  bool root;                     /* euid 0; only looked at when joining a user and a pid namespace */
};

/* exec: the init's namespaces, those of the config (created or joined by
   path).  The user namespace first (the others belong to it), but not
   when it is ours already (entering one's own user namespace again is
   refused, EINVAL).  vessel joins the pid namespace for its child; an
   unprivileged vessel first joins the user namespace too, because setns
   into a pid namespace needs CAP_SYS_ADMIN over its owner, which only
   the owner gives such a caller. */
void vessel_join_plan_for_exec (const struct vessel_exec_join_facts *f, struct vessel_join_plan *plan);

#endif
