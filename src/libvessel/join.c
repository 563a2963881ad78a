#include <config.h>

#include <errno.h>
#include <sched.h>

#include "join.h"
#include "namespaces.h"
#include "utils.h"

/* create names the path it was given, exec the container. */
static int
join_failed (const struct vessel_join_plan *plan, const struct vessel_ns_join *j, int e, vessel_error **err)
{
  const char *kind = vessel_ns_kinds[j->type].name;
  if (plan->container)
    return vessel_fail_errno (err, e, "join the %s namespace of container `%s`", kind, plan->container);
  return vessel_fail_errno (err, e, "join %s namespace `%s`", kind, j->path);
}

static int
join_one (const struct vessel_join_plan *plan, const struct vessel_ns_join *j)
{
  return setns (plan->by_pidfd ? plan->pidfd : j->fd, vessel_ns_kinds[j->type].clone_flag);
}

int
vessel_join_parent (struct vessel_join_plan *plan, vessel_error **err)
{
  if (plan->user_by_parent)
    {
      if (join_one (plan, &plan->parent_user) < 0)
        return join_failed (plan, &plan->parent_user, errno, err);
      closep (&plan->parent_user.fd);
    }
  if (plan->join_pid && join_one (plan, &plan->pid) < 0)
    return join_failed (plan, &plan->pid, errno, err);
  return 0;
}

/* One by one, in order; one that refuses us before the user namespace is
   joined (EPERM: it belongs to that one) is joined again after it. */
static int
join_in_order (struct vessel_join_plan *plan, vessel_error **err)
{
  bool again[OCI_NS_COUNT] = { false };
  for (size_t i = 0; i < plan->n_joins; i++)
    {
      const struct vessel_ns_join *j = &plan->joins[i];
      if (join_one (plan, j) == 0)
        continue;
      if (errno == EPERM && j->retry_after_user)
        again[i] = true;
      else
        return join_failed (plan, j, errno, err);
    }
  for (size_t i = 0; i < plan->n_joins; i++)
    if (again[i] && join_one (plan, &plan->joins[i]) < 0)
      return join_failed (plan, &plan->joins[i], errno, err);
  return 0;
}

int
vessel_join_namespaces (struct vessel_join_plan *plan, vessel_error **err)
{
  int ret = 0;
  if (!plan->by_pidfd)
    ret = join_in_order (plan, err);
  else if (plan->pidfd_flags && setns (plan->pidfd, (int) plan->pidfd_flags) < 0)
    ret = vessel_fail_errno (err, errno, "join the namespaces of container `%s`", plan->container);
  if (ret == 0 && plan->become_root)
    ret = vessel_ns_become_root (err);
  return ret;
}

size_t
vessel_join_plan_fds (const struct vessel_join_plan *plan, int *keep, size_t max)
{
  size_t n = 0;
  if (plan->parent_user.fd >= 0 && n < max)
    keep[n++] = plan->parent_user.fd;
  if (plan->pid.fd >= 0 && n < max)
    keep[n++] = plan->pid.fd;
  for (size_t i = 0; i < plan->n_joins && n < max; i++)
    if (plan->joins[i].fd >= 0)
      keep[n++] = plan->joins[i].fd;
  return n;
}

void
vessel_join_plan_close (struct vessel_join_plan *plan)
{
  closep (&plan->parent_user.fd);
  closep (&plan->pid.fd);
  for (size_t i = 0; i < plan->n_joins; i++)
    closep (&plan->joins[i].fd);
}
