/* The commands that act on an existing container through its cgroups:
 * pause, resume, ps and update. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_ops.h"
#include "cgroup_resources.h"
#include "container.h"
#include "proctree.h"
#include "state.h"
#include "utils.h"

/* Opens and locks the container, and checks that its status is one of
   `allowed` (a bit mask of 1 << OCI_STATUS_*); `verb` names the command
   in the message.  NULL with *ret and *err set on failure. */
static struct oci_state *
open_in_status (const char *root, const char *id, unsigned allowed, const char *verb, int *rootfd,
                int *dirfd, int *ret, vessel_error **err)
{
  struct oci_state *state = vessel_container_open (root, id, rootfd, dirfd, ret, err);
  if (state == NULL)
    return NULL;
  int status = vessel_state_current_status (state);
  if (!(allowed & (1u << status)))
    {
      oci_state_free (state);
      *ret = vessel_fail (err, EINVAL, "cannot %s container `%s`: it is %s", verb, id, oci_status_name (status));
      return NULL;
    }
  return state;
}

#define LIVE ((1u << OCI_STATUS_CREATED) | (1u << OCI_STATUS_RUNNING) | (1u << OCI_STATUS_PAUSED))

static int
need_cgroup (const struct oci_state *state, const char *verb, const char *id, vessel_error **err)
{
  if (vessel_state_has_cgroup (state))
    return 0;
  return vessel_fail (err, EOPNOTSUPP,
                      "cannot %s container `%s`: it has no cgroup (made by a user other than root, on a host "
                      "that delegates no cgroup v2 subtree to that user)",
                      verb, id);
}

int
vessel_container_pause (const char *root, const char *id, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  unsigned allowed = (1u << OCI_STATUS_CREATED) | (1u << OCI_STATUS_RUNNING);
  int ret;
  cleanup_state struct oci_state *state = open_in_status (root, id, allowed, "pause", &rootfd, &dirfd, &ret, err);
  if (state == NULL || (ret = need_cgroup (state, "pause", id, err)) < 0)
    return ret;
  return vessel_cgroup_freeze (state->vessel->cgroup_paths, true, err);
}

int
vessel_container_resume (const char *root, const char *id, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret;
  cleanup_state struct oci_state *state
      = open_in_status (root, id, 1u << OCI_STATUS_PAUSED, "resume", &rootfd, &dirfd, &ret, err);
  if (state == NULL || (ret = need_cgroup (state, "resume", id, err)) < 0)
    return ret;
  return vessel_cgroup_freeze (state->vessel->cgroup_paths, false, err);
}

int
vessel_container_pids (const char *root, const char *id, pid_t **pids, size_t *n, vessel_error **err)
{
  cleanup_state struct oci_state *state = NULL;
  int ret = vessel_container_state (root, id, &state, err);
  if (ret < 0)
    return ret;
  *pids = NULL;
  *n = 0;
  /* A stopped container lists what is left in its cgroup, if anything,
     as runc's does; without a cgroup nothing is left to find. */
  if (!vessel_state_has_cgroup (state) && state->status == OCI_STATUS_STOPPED)
    return 0;
  if (!vessel_state_has_cgroup (state))
    return vessel_proctree_pids ((pid_t) state->pid, pids, n, err);
  return vessel_cgroup_pids (state->vessel->cgroup_paths, pids, n, err);
}

int
vessel_container_update (const char *root, const char *id, const struct oci_resources *r, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret;
  cleanup_state struct oci_state *state = open_in_status (root, id, LIVE, "update", &rootfd, &dirfd, &ret, err);
  if (state == NULL || (ret = need_cgroup (state, "update", id, err)) < 0)
    return ret;
  struct vessel_cgroup_host host = { 0 };
  if ((ret = vessel_cgroup_host_detect (&host, err)) < 0)
    return ret;
  cleanup_strv char **paths = NULL;
  struct vessel_cgroup_plan plan = { .devices_hierarchy = -1 };
  /* The device rules are only replaced when the update lists some; the
     config's linux.devices are not known here, only runc's defaults. */
  if ((ret = vessel_cgroup_paths_match (&host, state->vessel->cgroup_paths, &paths, err)) == 0
      && (ret = vessel_cgroup_plan_resources (r, NULL, &host, r->devices_len > 0, "update: resources", &plan, err)) == 0
      && (ret = vessel_cgroup_enable_controllers (&host, paths, &plan, err)) == 0)
    ret = vessel_cgroup_apply (&host, paths, &plan, err);
  vessel_cgroup_plan_free (&plan);
  vessel_cgroup_host_free (&host);
  return ret;
}
