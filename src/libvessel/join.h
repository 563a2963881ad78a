/* The join plan's executor (the plan: join_plan.h), shared by create and
 * exec: the setns calls, in the plan's order, by the plan's means. */
#ifndef VESSEL_JOIN_H
#define VESSEL_JOIN_H

#include <stddef.h>

#include "error.h"
#include "join_plan.h"

/* Parent, before cloning the process: joins plan->parent_user (closing
   its fd), then the pid namespace, for the children to come. */
int vessel_join_parent (struct vessel_join_plan *plan, vessel_error **err);

/* The process (create's init, exec's clone): joins plan->joins in order,
   through plan->pidfd in one setns or one by one through their fds (those
   that the user namespace must come first for, again after it), then
   becomes root in a joined user namespace. */
int vessel_join_namespaces (struct vessel_join_plan *plan, vessel_error **err);

/* The plan's open fds into keep[] (at most max); returns how many. */
size_t vessel_join_plan_fds (const struct vessel_join_plan *plan, int *keep, size_t max);
void vessel_join_plan_close (struct vessel_join_plan *plan);

#endif
