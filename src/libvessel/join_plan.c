#include <config.h>

#include <sched.h>
#include <string.h>

#include "join_plan.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct vessel_ns_kind vessel_ns_kinds[OCI_NS_COUNT] = {
  [OCI_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
  [OCI_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [OCI_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
  [OCI_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [OCI_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [OCI_NS_USER] = { "user", "user", CLONE_NEWUSER },
  [OCI_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [OCI_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

static void
plan_init (struct vessel_join_plan *plan, const char *container)
{
  memset (plan, 0, sizeof (*plan));
  plan->container = container;
  plan->pidfd = -1;
  plan->parent_user = (struct vessel_ns_join) { OCI_NS_USER, NULL, -1, false };
  plan->pid = (struct vessel_ns_join) { OCI_NS_PID, NULL, -1, false };
}

static void
add_join (struct vessel_join_plan *plan, int type, const char *path, size_t index)
{
  plan->joins[plan->n_joins++] = (struct vessel_ns_join) { type, path, -1, false, index };
}

void
vessel_join_plan_for_create (const struct oci_config *c, struct vessel_join_plan *plan)
{
  plan_init (plan, NULL);
  const struct oci_linux *lx = c->linux;
  size_t n = lx ? lx->namespaces_len : 0;
  const char *user_path = NULL;
  size_t user_index = 0;
  for (size_t i = 0; i < n; i++)
    {
      const struct oci_namespace *ns = &lx->namespaces[i];
      if (ns->path == NULL)
        continue;
      if (ns->type == OCI_NS_PID)
        {
          plan->join_pid = true;
          plan->pid.path = ns->path;
          plan->pid.index = i;
        }
      else if (ns->type == OCI_NS_USER)
        {
          user_path = ns->path;
          user_index = i;
        }
      else
        add_join (plan, ns->type, ns->path, i);
    }
  if (user_path == NULL)
    return;
  /* Those that belong to the host's user namespace need the host's
     privileges, which joining the user namespace gives up; those that
     belong to the joined one refuse us until we are in it. */
  for (size_t i = 0; i < plan->n_joins; i++)
    plan->joins[i].retry_after_user = true;
  add_join (plan, OCI_NS_USER, user_path, user_index);
  plan->become_root = true;
}

void
vessel_join_plan_for_exec (const struct vessel_exec_join_facts *f, struct vessel_join_plan *plan)
{
  plan_init (plan, f->container);
  plan->by_pidfd = f->has_pidfd;
  const struct oci_linux *lx = f->linux;
  bool join[OCI_NS_COUNT] = { false };
  for (size_t i = 0; lx && i < lx->namespaces_len; i++)
    {
      const struct oci_namespace *ns = &lx->namespaces[i];
      if (ns->type == OCI_NS_PID)
        plan->join_pid = true;
      else if (ns->type != OCI_NS_USER || ns->path == NULL || !f->init_userns_is_ours)
        join[ns->type] = true;
    }
  plan->become_root = join[OCI_NS_USER];
  if (join[OCI_NS_USER] && plan->join_pid && !f->root)
    {
      plan->user_by_parent = true;
      join[OCI_NS_USER] = false;
    }
  if (join[OCI_NS_USER])
    add_join (plan, OCI_NS_USER, NULL, 0);
  for (int t = 0; t < OCI_NS_COUNT; t++)
    if (join[t] && t != OCI_NS_USER)
      add_join (plan, t, NULL, 0);
  for (size_t i = 0; i < plan->n_joins; i++)
    plan->pidfd_flags |= (unsigned long) vessel_ns_kinds[plan->joins[i].type].clone_flag;
}
