#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_reuse.h"
#include "utils.h"

/* ---- host detection ------------------------------------------------------ */

int
vessel_cgroup_host_detect (struct vessel_cgroup_host *host, vessel_error **err)
{
  cleanup_free char *mountinfo = NULL, *self = NULL;
  int ret = read_file_at (AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL, err);
  if (ret < 0)
    return ret;
  ret = read_file_at (AT_FDCWD, "/proc/self/cgroup", &self, NULL, err);
  if (ret < 0)
    return ret;
  if ((ret = vessel_cgroup_host_parse (mountinfo, self, host, err)) < 0)
    return ret;
  for (size_t i = 0; i < host->n; i++)
    if (host->h[i].v2)
      {
        cleanup_close int fd = open (host->h[i].mountpoint, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (fd < 0 || read_file_at (fd, "cgroup.controllers", &host->v2_controllers, NULL, NULL) < 0)
          host->v2_controllers = xstrdup ("");
        host->v2_controllers[strcspn (host->v2_controllers, "\n")] = '\0';
      }
  return 0;
}

/* Whether an unprivileged caller may make and join cgroup `path`: the
   nearest directory of it that exists takes new directories and
   processes from us (a subtree delegated to us). */
static bool
delegated_to_us (const char *path)
{
  cleanup_free char *dir = xstrdup (path);
  for (;;)
    {
      if (access (dir, F_OK) == 0)
        {
          cleanup_free char *procs = vessel_cgroup_path_join (dir, "cgroup.procs");
          return access (dir, W_OK) == 0 && access (procs, W_OK) == 0;
        }
      char *slash = strrchr (dir, '/');
      if (slash == NULL || slash == dir)
        return false;
      *slash = '\0';
    }
}

bool
vessel_cgroup_host_rootless (struct vessel_cgroup_host *host, char ***paths)
{
  if (host->mode == VESSEL_CGROUP_V2 && host->n == 1 && (*paths)[0] && delegated_to_us ((*paths)[0]))
    return true;
  free_strvp (paths);
  *paths = xzalloc (sizeof (char *));
  vessel_cgroup_host_free (host);
  return false;
}

/* ---- create, destroy ------------------------------------------------------ */

/* A new v1 cpuset has no cpus and no memory nodes, and refuses tasks until
   it gets some: give it its parent's. */
static int
copy_cpuset_from_parent (const char *dir, vessel_error **err)
{
  static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_close int pfd = openat (dfd, "..", O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0 || pfd < 0)
    return vessel_fail_errno (err, errno, "open cpuset `%s`", dir);
  for (size_t i = 0; i < ARRAY_SIZE (files); i++)
    {
      cleanup_free char *mine = NULL, *parent = NULL;
      size_t len = 0;
      int ret = read_file_at (dfd, files[i], &mine, NULL, err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "cpuset `%s`", dir);
      if (mine[0] != '\n' && mine[0] != '\0')
        continue;
      ret = read_file_at (pfd, files[i], &parent, &len, err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "cpuset parent of `%s`", dir);
      if (parent[0] == '\n' || parent[0] == '\0')
        {
          /* A concurrent create made the parent and has not filled it yet:
             fill it here (with the same values), then take them. */
          cleanup_free char *up = xstrdup (dir);
          char *slash = strrchr (up, '/');
          if (slash == NULL || slash == up)
            return vessel_fail (err, ENOSPC, "cpuset parent of `%s` has no %s", dir, files[i]);
          *slash = '\0';
          free (parent);
          parent = NULL;
          if ((ret = copy_cpuset_from_parent (up, err)) < 0
              || (ret = read_file_at (pfd, files[i], &parent, &len, err)) < 0)
            return ret;
        }
      ret = write_file_at (dfd, files[i], parent, len, err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "cpuset `%s`", dir);
    }
  return 0;
}

/* mkdir -p below `stop`; a new v1 cpuset directory gets its parent's
   cpus and mems, top down.  1 when `path` existed already. */
static int
mkdir_tree (const char *path, const char *stop, bool cpuset, vessel_error **err)
{
  if (mkdir (path, 0755) == 0)
    return cpuset ? copy_cpuset_from_parent (path, err) : 0;
  if (errno == EEXIST)
    return 1;
  if (errno != ENOENT || strcmp (path, stop) == 0)
    return vessel_fail_errno (err, errno, "create cgroup `%s`", path);
  cleanup_free char *parent = xstrdup (path);
  char *slash = strrchr (parent, '/');
  if (slash == NULL || slash == parent)
    return vessel_fail_errno (err, ENOENT, "create cgroup `%s`", path);
  *slash = '\0';
  int ret = mkdir_tree (parent, stop, cpuset, err);
  if (ret < 0)
    return ret;
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    return vessel_fail_errno (err, errno, "create cgroup `%s`", path);
  return cpuset ? copy_cpuset_from_parent (path, err) : 0;
}

int
vessel_cgroup_create (const struct vessel_cgroup_host *host, char **paths, int which, int *v2_fd,
                      struct vessel_cgroup_reuse *reuse, vessel_error **err)
{
  for (size_t i = 0; i < host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &host->h[i];
      if (!(which & (h->v2 ? VESSEL_CGROUP_V2_PART : VESSEL_CGROUP_V1_PART)))
        continue;
      bool cpuset = !h->v2 && vessel_cgroup_options_have_all (h->controllers, "cpuset");
      int ret = mkdir_tree (paths[i], h->mountpoint, cpuset, err);
      if (ret < 0)
        return ret;
      const char *freezer = h->v2 ? "cgroup.events" : vessel_cgroup_options_have_all (h->controllers, "freezer") ? "freezer.state" : NULL;
      if (ret > 0 && (ret = vessel_cgroup_reuse_check (reuse, i, paths[i], freezer, err)) < 0)
        return ret;
      if (h->v2)
        {
          *v2_fd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
          if (*v2_fd < 0)
            return vessel_fail_errno (err, errno, "open cgroup `%s`", paths[i]);
        }
    }
  return 0;
}

/* Signals every pid listed in cgroup.procs; returns how many there were. */
static int
signal_procs (const char *dir, int signo, vessel_error **err)
{
  cleanup_close int fd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  cleanup_free char *procs = NULL;
  int ret = read_file_at (fd, "cgroup.procs", &procs, NULL, err);
  if (ret < 0)
    return ret == -ENOENT ? 0 : ret;
  int count = 0;
  for (char *p = procs; *p;)
    {
      char *end = NULL;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (pid > 0 && kill ((pid_t) pid, signo) == 0)
        count++;
      p = end;
      while (*p == '\n')
        p++;
    }
  return count;
}

int
vessel_cgroup_signal_all (char **paths, int signo, vessel_error **err)
{
  for (size_t i = 0; paths[i]; i++)
    {
      int ret = signal_procs (paths[i], signo, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

/* cgroup2 says when it empties: cgroup.events changes ("populated 0")
   and poll reports POLLPRI, so no sleeping is needed there. */
static bool
wait_v2_empty (const char *dir, int timeout_ms)
{
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_close int fd = dfd < 0 ? -1 : openat (dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  for (;;)
    {
      char buf[256];
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      if (n < 0)
        return false;
      buf[n] = '\0';
      if (strstr (buf, "populated 0"))
        return true;
      struct pollfd p = { .fd = fd, .events = POLLPRI };
      int r = poll (&p, 1, timeout_ms);
      if (r <= 0)
        return false;
    }
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* A frozen v1 task does not die of SIGKILL until thawed: kill, then thaw. */
static void
kill_frozen_v1 (int dfd, const char *dir)
{
  cleanup_free char *state = NULL;
  if (read_file_at (dfd, "freezer.state", &state, NULL, NULL) < 0 || strncmp (state, "THAWED", 6) == 0)
    return;
  signal_procs (dir, SIGKILL, NULL);
  write_file_at (dfd, "freezer.state", "THAWED", 6, NULL);
}

/* Kills what is left in a cgroup v2 directory and waits until it is empty. */
static void
empty_v2 (int dfd, const char *dir)
{
  /* cgroup.kill (5.14+) kills everything inside at once, forks and all. */
  vessel_error *ignored = NULL;
  if (write_file_at (dfd, "cgroup.kill", "1", 1, &ignored) < 0)
    signal_procs (dir, SIGKILL, NULL);
  vessel_error_free (ignored);
  wait_v2_empty (dir, 5000);
}

/* rmdir, retried: cgroup v1 has no event for "empty", and a dead process
   leaves its v1 cgroups only when its parent reaps it (which may be
   another program, such as a shim): retry, backing off, for up to 5 s. */
static int
remove_dir (const char *dir, vessel_error **err)
{
  long waited = 0, step = 1;
  while (rmdir (dir) < 0)
    {
      if (errno == ENOENT)
        break;
      if (errno != EBUSY || waited >= 5000)
        return vessel_fail_errno (err, errno, "remove cgroup `%s`", dir);
      signal_procs (dir, SIGKILL, NULL);
      sleep_ms (step);
      waited += step;
      step = step < 64 ? step * 2 : 64;
    }
  return 0;
}

int
vessel_cgroup_destroy (char **paths, vessel_error **err)
{
  /* Mostly the container has stopped and its directories are empty: one
     rmdir each. */
  bool busy = false;
  for (size_t i = 0; paths[i]; i++)
    if (rmdir (paths[i]) < 0 && errno != ENOENT)
      busy = true;
  if (!busy)
    return 0;
  /* Else first everything killed (a frozen v1 cgroup thawed), then the
     directories removed: a frozen process would keep every hierarchy's
     directory busy. */
  for (size_t i = 0; paths[i]; i++)
    {
      cleanup_close int dfd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
      if (dfd < 0)
        continue;
      if (faccessat (dfd, "cgroup.events", F_OK, 0) == 0)
        empty_v2 (dfd, paths[i]);
      else
        kill_frozen_v1 (dfd, paths[i]);
    }
  for (size_t i = 0; paths[i]; i++)
    {
      int ret = remove_dir (paths[i], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}
