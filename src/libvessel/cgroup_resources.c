/* Carries a cgroup plan out (see cgroup_resources.h): the controllers
 * turned on in the ancestors' cgroup.subtree_control, then the files
 * written in the plan's order, then the device rules.  The plan comes
 * from cgroup_resources_plan.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_devices.h"
#include "cgroup_resources.h"
#include "log.h"
#include "utils.h"

/* ---- carrying it out ----------------------------------------------------------- */

/* The controller a cgroup2 file belongs to: its name up to the dot. */
static void
file_controller (const char *file, char *out, size_t size)
{
  const char *dot = strchr (file, '.');
  snprintf (out, size, "%.*s", dot ? (int) (dot - file) : 0, file);
}

/* Enables in dir's cgroup.subtree_control the space-separated controllers
   `wanted` (failing if one cannot be) and, when `all`, every other
   controller dir has (as runc and crun do on cgroup2 hosts, so that
   stats and later updates find their files), as far as the kernel lets. */
static int
enable_in (const char *dir, const char *wanted, bool all, vessel_error **err)
{
  cleanup_close int fd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  cleanup_free char *enabled = NULL, *available = NULL;
  int ret = read_file_at (fd, "cgroup.subtree_control", &enabled, NULL, err);
  if (ret < 0 || (all && (ret = read_file_at (fd, "cgroup.controllers", &available, NULL, err)) < 0))
    return ret;
  enabled[strcspn (enabled, "\n")] = '\0';
  cleanup_free char *list = xasprintf ("%s %s", wanted, available ? available : "");
  char *save = NULL;
  for (char *c = strtok_r (list, " \n", &save); c; c = strtok_r (NULL, " \n", &save))
    {
      if (vessel_cgroup_list_has (enabled, c, ' '))
        continue;
      bool required = vessel_cgroup_list_has (wanted, c, ' ');
      char add_c[80];
      int len = snprintf (add_c, sizeof add_c, "+%s", c);
      if ((ret = write_file_at (fd, "cgroup.subtree_control", add_c, (size_t) len, err)) < 0)
        {
          if (required)
            return vessel_error_wrap (err, ret, "enable the %s controller in `%s`", c, dir);
          vessel_error_freep (err);
        }
    }
  return 0;
}

/* Fails unless every controller of `wanted` is on in dir's cgroup.subtree_control. */
static int
require_enabled (const char *dir, const char *wanted, vessel_error **err)
{
  cleanup_close int fd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_free char *enabled = NULL;
  int ret = fd < 0 ? vessel_fail_errno (err, errno, "open cgroup `%s`", dir)
                   : read_file_at (fd, "cgroup.subtree_control", &enabled, NULL, err);
  if (ret < 0 || enabled == NULL)
    return ret < 0 ? ret : -EIO;
  enabled[strcspn (enabled, "\n")] = '\0';
  cleanup_free char *list = xstrdup (wanted);
  char *save = NULL;
  for (char *c = strtok_r (list, " ", &save); c; c = strtok_r (NULL, " ", &save))
    if (!vessel_cgroup_list_has (enabled, c, ' '))
      return vessel_fail (err, ENOTSUP,
                          "the %s controller is only on the cgroup2 hierarchy of this hybrid host, and not enabled in "
                          "`%s/cgroup.subtree_control`: vessel does not change the system's root cgroup; enable it "
                          "there, or drop the settings that need it",
                          c, dir);
  return 0;
}

/* The controllers whose files the plan writes in hierarchy k, space-separated. */
static void
wanted_controllers (const struct vessel_cgroup_plan *plan, size_t k, char *wanted, size_t size)
{
  *wanted = '\0';
  for (size_t i = 0; i < plan->n; i++)
    {
      if (plan->writes[i].hierarchy != k)
        continue;
      char c[64];
      file_controller (plan->writes[i].file, c, sizeof c);
      /* cgroup.* files are the core's, always there */
      if (!*c || strcmp (c, "cgroup") == 0 || vessel_cgroup_list_has (wanted, c, ' ')
          || strlen (wanted) + strlen (c) + 2 >= size)
        continue;
      if (*wanted)
        strcat (wanted, " ");
      strcat (wanted, c);
    }
}

int
vessel_cgroup_enable_controllers (const struct vessel_cgroup_host *host, char **paths,
                                  const struct vessel_cgroup_plan *plan, vessel_error **err)
{
  for (size_t k = 0; k < host->n; k++)
    {
      if (!host->h[k].v2)
        continue;
      char wanted[256];
      wanted_controllers (plan, k, wanted, sizeof wanted);
      /* On hybrid hosts the cgroup2 hierarchy is joined, not managed: its
         subtree_control is only touched for what the config needs. */
      bool all = host->mode == VESSEL_CGROUP_V2;
      if (!*wanted && !all)
        continue;
      /* Every cgroup from the hierarchy's root down to the container's
         parent, top down: a controller is only available below a cgroup
         that enables it in cgroup.subtree_control. */
      cleanup_free char *dir = xstrdup (paths[k]);
      char *first = dir + strlen (host->h[k].mountpoint);
      if (!all && *first == '/')
        {
          /* Hybrid: the unified root is the system's; vessel does not turn
             controllers on there, it only uses those already on. */
          *first = '\0';
          int ret = require_enabled (dir, wanted, err);
          *first = '/';
          if (ret < 0)
            return ret;
          first = strchr (first + 1, '/');
        }
      for (char *slash = first; slash && *slash == '/'; slash = strchr (slash + 1, '/'))
        {
          *slash = '\0';
          int ret = enable_in (dir, wanted, all, err);
          if (ret < 0)
            return ret;
          *slash = '/';
        }
    }
  return 0;
}

/* 0 when written (or skipped as allowed), 1 when an `again_later` write
   was refused for now. */
static int
write_one (int dirfd, const char *dir, const struct vessel_cgroup_write *w, vessel_error **err)
{
  const char *file = w->file, *value = w->value;
  cleanup_close int fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && w->fallback_file)
    {
      file = w->fallback_file;
      value = w->fallback_value;
      fd = openat (dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    }
  if (fd < 0 && errno == ENOENT && w->optional)
    {
      vessel_warn ("cgroup file `%s/%s` does not exist on this kernel: not set", dir, file);
      return 0;
    }
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open cgroup file `%s/%s`", dir, file);
  int ret = write_all (fd, value, strlen (value));
  if (ret == -EINVAL && w->again_later)
    return 1;
  if (ret < 0 && w->optional && (ret == -EINVAL || ret == -EOPNOTSUPP))
    {
      vessel_warn ("write `%s` to `%s/%s` refused by the kernel: not set", value, dir, file);
      return 0;
    }
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "write `%s` to `%s/%s`", value, dir, file);
  return 0;
}

static bool
was_refused (const struct vessel_cgroup_write *const *refused, size_t n, const struct vessel_cgroup_write *w)
{
  for (size_t i = 0; i < n; i++)
    if (refused[i]->hierarchy == w->hierarchy && strcmp (refused[i]->file, w->file) == 0)
      return true;
  return false;
}

int
vessel_cgroup_apply (const struct vessel_cgroup_host *host, char **paths,
                     const struct vessel_cgroup_plan *plan, vessel_error **err)
{
  for (size_t i = 0; i < plan->n_warnings; i++)
    vessel_warn ("%s", plan->warnings[i]);
  int dirfds[32];
  size_t n = host->n < ARRAY_SIZE (dirfds) ? host->n : ARRAY_SIZE (dirfds);
  for (size_t k = 0; k < n; k++)
    dirfds[k] = -1;
  int ret = 0;
  const struct vessel_cgroup_write *refused[8]; /* deferred: refused, to come again */
  size_t n_refused = 0;
  for (size_t i = 0; i < plan->n && ret >= 0; i++)
    {
      const struct vessel_cgroup_write *w = &plan->writes[i];
      size_t k = w->hierarchy;
      if (k >= n || (w->only_after_refusal && !was_refused (refused, n_refused, w)))
        continue;
      if (dirfds[k] < 0 && (dirfds[k] = open (paths[k], O_DIRECTORY | O_PATH | O_CLOEXEC)) < 0)
        ret = vessel_fail_errno (err, errno, "open cgroup `%s`", paths[k]);
      else if ((ret = write_one (dirfds[k], paths[k], w, err)) == 1 && n_refused < ARRAY_SIZE (refused))
        refused[n_refused++] = w;
    }
  ret = ret < 0 ? ret : 0;
  for (size_t k = 0; k < n; k++)
    closep (&dirfds[k]);
  if (ret == 0 && plan->n_devices > 0 && plan->devices_hierarchy >= 0)
    ret = vessel_device_rules_apply (paths[plan->devices_hierarchy], plan, err);
  return ret;
}
