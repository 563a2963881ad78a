/* Namespaces, the pure half (namespaces.c carries the plan out): what to
 * create and with which call, from the config alone. */
#include <config.h>

#include <sched.h>
#include <string.h>

#include "namespaces.h"
#include "utils.h"

void
vessel_ns_plan_build (const struct oci_config *c, struct vessel_ns_plan *plan)
{
  memset (plan, 0, sizeof (*plan));
  vessel_join_plan_for_create (c, &plan->join);
  const struct oci_linux *lx = c->linux;
  size_t n = lx ? lx->namespaces_len : 0;
  for (size_t i = 0; i < n; i++)
    {
      const struct oci_namespace *ns = &lx->namespaces[i];
      plan->wanted[ns->type] = true;
      if (ns->path == NULL)
        plan->create[ns->type] = true;
    }

  plan->new_user = plan->create[OCI_NS_USER];
  plan->new_time = plan->create[OCI_NS_TIME];
  plan->unshare_cgroup = plan->create[OCI_NS_CGROUP];

  unsigned long flags = 0;
  static const int by_clone[] = { OCI_NS_USER, OCI_NS_MOUNT, OCI_NS_UTS, OCI_NS_IPC, OCI_NS_NETWORK };
  for (size_t i = 0; i < ARRAY_SIZE (by_clone); i++)
    if (plan->create[by_clone[i]])
      flags |= (unsigned long) vessel_ns_kinds[by_clone[i]].clone_flag;

  bool joins_user = plan->join.become_root;
  bool slow = joins_user || (plan->new_user && plan->join.n_joins > 0);
  if (!slow)
    plan->clone_flags = flags | (plan->create[OCI_NS_PID] ? CLONE_NEWPID : 0);
  else
    {
      plan->unshare_flags = flags;
      plan->fork_for_pid = plan->create[OCI_NS_PID];
    }
}

void
vessel_ns_plan_unshare_in_init (struct vessel_ns_plan *plan)
{
  if (plan->new_user || plan->fork_for_pid)
    return;
  plan->unshare_flags |= plan->clone_flags & ~(unsigned long) CLONE_NEWPID;
  plan->clone_flags &= CLONE_NEWPID;
}
