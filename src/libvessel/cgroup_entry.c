/* The cgroup entry executor (see cgroup_entry.h): a process into the
 * container's cgroups as cgroup_entry_plan.c decided, for create and
 * exec. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_entry.h"
#include "utils.h"

pid_t
vessel_clone_into_cgroup (unsigned long flags, int cgroup_fd, bool *into_cgroup)
{
  struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };
  /* Set before each clone: the child's copy says how it was made. */
  *into_cgroup = cgroup_fd >= 0;
  if (cgroup_fd >= 0)
    {
      args.flags |= CLONE_INTO_CGROUP;
      args.cgroup = (uint64_t) cgroup_fd;
      pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
      if (pid >= 0)
        return pid;
      args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      *into_cgroup = false;
    }
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall (SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  return pid;
}

/* Whether vessel writes the pid for entry e, after a clone that entered
   (or not) the cgroup2 directory it was given. */
static bool
written_by_vessel (const struct vessel_cgroup_entry *e, bool cloned_into_cgroup)
{
  return e->how == VESSEL_CGROUP_ENTER_BY_WRITE || (e->how == VESSEL_CGROUP_ENTER_BY_CLONE && !cloned_into_cgroup);
}

/* pid (as `text`) to e's cgroup.procs, through its fd or, without one,
   its path. */
static int
enter_by_write (const struct vessel_cgroup_entry *e, const char *text, size_t len, vessel_error **err)
{
  cleanup_close int own = -1;
  int fd = e->dir_fd;
  if (fd < 0 && (fd = own = open (e->dir, O_DIRECTORY | O_PATH | O_CLOEXEC)) < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", e->dir);
  int ret = write_file_at (fd, "cgroup.procs", text, len, err);
  if (ret < 0 && e->sub)
    return vessel_error_wrap (err, ret, "join cgroup `%s/%s`", e->dir, e->sub);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "join cgroup `%s`", e->dir);
  return 0;
}

/* ---- create ---- */

int
vessel_cgroup_create_enter (const struct vessel_cgroup_create_plan *plan, pid_t pid, bool cloned_into_cgroup,
                            vessel_error **err)
{
  char text[32];
  int len = snprintf (text, sizeof text, "%d", (int) pid);
  for (size_t i = 0; i < plan->host->n; i++)
    {
      struct vessel_cgroup_entry e = vessel_cgroup_create_entry (plan, i);
      int ret = written_by_vessel (&e, cloned_into_cgroup) ? enter_by_write (&e, text, (size_t) len, err) : 0;
      if (ret < 0)
        return ret;
    }
  return 0;
}

int
vessel_cgroup_create_join_self (const struct vessel_cgroup_create_plan *plan, int *last_fd, vessel_error **err)
{
  for (size_t i = 0; i < plan->host->n; i++)
    {
      struct vessel_cgroup_entry e = vessel_cgroup_create_entry (plan, i);
      if (e.how != VESSEL_CGROUP_ENTER_BY_ITSELF && e.how != VESSEL_CGROUP_ENTER_BY_ITSELF_LAST)
        continue;
      cleanup_free char *tasks = xasprintf ("%s/tasks", e.dir);
      if (e.how == VESSEL_CGROUP_ENTER_BY_ITSELF)
        {
          int ret = write_file_at (AT_FDCWD, tasks, "0", 1, err);
          if (ret < 0)
            return ret;
          continue;
        }
      *last_fd = open (tasks, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
      if (*last_fd < 0)
        return vessel_fail_errno (err, errno, "open `%s`", tasks);
    }
  return 0;
}

int
vessel_cgroup_create_join_last (int *last_fd, vessel_error **err)
{
  cleanup_close int fd = *last_fd;
  *last_fd = -1;
  if (fd >= 0 && write (fd, "0", 1) < 0)
    return vessel_fail_errno (err, errno, "join the memory cgroup");
  return 0;
}

/* ---- exec ---- */

/* The controllers of the v1 hierarchy `dir` is in, or NULL. */
static const char *
v1_controllers_of (const struct vessel_cgroup_host *host, const char *dir)
{
  for (size_t i = 0; i < host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &host->h[i];
      size_t len = strlen (h->mountpoint);
      if (!h->v2 && strncmp (dir, h->mountpoint, len) == 0 && dir[len] == '/')
        return h->controllers;
    }
  return NULL;
}

/* The facts of the directories, opened; and the plan. */
static int
plan_exec_entry (char *const *paths, size_t n, char *const *args, size_t n_args,
                 const struct vessel_cgroup_host *host, struct vessel_cgroup_entry **entries, vessel_error **err)
{
  int ret = 0;
  cleanup_free struct vessel_cgroup_dir_facts *dirs = xzalloc (n * sizeof (*dirs));
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      const char *dir = paths[i];
      struct statfs sf;
      dirs[i] = (struct vessel_cgroup_dir_facts) { .path = dir, .fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC) };
      if (dirs[i].fd < 0 || fstatfs (dirs[i].fd, &sf) < 0)
        ret = vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
      else
        {
          dirs[i].v2 = sf.f_type == CGROUP2_SUPER_MAGIC;
          dirs[i].controllers = dirs[i].v2 ? NULL : v1_controllers_of (host, dir);
        }
    }
  if (ret < 0)
    {
      for (size_t i = 0; i < n; i++)
        closep (&dirs[i].fd);
      return ret;
    }
  *entries = xzalloc (n * sizeof (**entries));
  vessel_cgroup_entry_plan (dirs, n, args, n_args, *entries);
  return 0;
}

int
vessel_cgroup_exec_prepare (char *const *paths, size_t n_paths, char *const *args, size_t n_args,
                            struct vessel_cgroup_entry **entries, size_t *n, vessel_error **err)
{
  struct vessel_cgroup_host host = { 0 };
  int ret = 0;
  for (size_t i = 0; i < n_args && host.n == 0 && ret == 0; i++)
    if (vessel_cgroup_arg_names_controllers (args[i]))
      ret = vessel_cgroup_host_detect (&host, err);
  if (ret == 0 && n_paths > 0 && (ret = plan_exec_entry (paths, n_paths, args, n_args, &host, entries, err)) == 0)
    *n = n_paths;
  vessel_cgroup_host_free (&host);
  for (size_t i = 0; i < *n && ret == 0; i++)
    {
      struct vessel_cgroup_entry *c = &(*entries)[i];
      if (c->sub == NULL)
        continue;
      int subfd = vessel_openat2 (c->dir_fd, c->sub, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
      if (subfd < 0)
        ret = vessel_fail_errno (err, errno, "--cgroup: sub-cgroup `%s` of `%s`", c->sub, c->dir);
      closep (&c->dir_fd);
      c->dir_fd = subfd;
    }
  return ret;
}

int
vessel_cgroup_exec_enter (const struct vessel_cgroup_entry *entries, size_t n, pid_t pid, bool cloned_into_cgroup,
                          vessel_error **err)
{
  char text[32];
  int len = snprintf (text, sizeof text, "%d", (int) pid);
  for (size_t i = 0; i < n; i++)
    {
      int ret = written_by_vessel (&entries[i], cloned_into_cgroup)
                    ? enter_by_write (&entries[i], text, (size_t) len, err)
                    : 0;
      if (ret < 0)
        return ret;
    }
  return 0;
}

void
vessel_cgroup_exec_entries_free (struct vessel_cgroup_entry *entries, size_t n)
{
  for (size_t i = 0; i < n; i++)
    closep (&entries[i].dir_fd);
  free (entries);
}
