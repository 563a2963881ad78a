#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_ops.h"
#include "utils.h"

/* The first of the container's cgroup directories that has `file`. */
static const char *
dir_with (char **paths, const char *file)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", paths[i], file);
      if (access (p, F_OK) == 0)
        return paths[i];
    }
  return NULL;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* ---- freezing --------------------------------------------------------------- */

/* v1: the state goes FREEZING until every task stopped; a task in an
   uninterruptible sleep can hold it there for a while, and writing
   FROZEN again kicks the freezer (as runc does). */
static int
freeze_v1 (const char *dir, bool freeze, vessel_error **err)
{
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  const char *want = freeze ? "FROZEN" : "THAWED";
  long waited = 0, step = 1;
  for (;;)
    {
      int ret = write_file_at (dfd, "freezer.state", want, strlen (want), err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "cgroup `%s`", dir);
      cleanup_free char *state = NULL;
      if ((ret = read_file_at (dfd, "freezer.state", &state, NULL, err)) < 0)
        return vessel_error_wrap (err, ret, "cgroup `%s`", dir);
      if (strncmp (state, want, strlen (want)) == 0)
        return 0;
      if (waited >= 5000)
        {
          if (freeze)
            write_file_at (dfd, "freezer.state", "THAWED", 6, NULL);
          return vessel_fail (err, ETIMEDOUT, "cgroup `%s` did not reach %s within 5 s", dir, want);
        }
      sleep_ms (step);
      waited += step;
      step = step < 32 ? step * 2 : 32;
    }
}

/* v2: cgroup.events says "frozen 1" once every task stopped, and poll
   wakes up when the file changes. */
static int
freeze_v2 (const char *dir, bool freeze, vessel_error **err)
{
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  cleanup_close int events = openat (dfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
  if (events < 0)
    return vessel_fail_errno (err, errno, "open `%s/cgroup.events`", dir);
  int ret = write_file_at (dfd, "cgroup.freeze", freeze ? "1" : "0", 1, err);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "cgroup `%s`", dir);
  const char *want = freeze ? "frozen 1" : "frozen 0";
  for (;;)
    {
      char buf[256];
      ssize_t n = pread (events, buf, sizeof buf - 1, 0);
      if (n < 0)
        return vessel_fail_errno (err, errno, "read `%s/cgroup.events`", dir);
      buf[n] = '\0';
      if (strstr (buf, want))
        return 0;
      struct pollfd p = { .fd = events, .events = POLLPRI };
      int r = poll (&p, 1, 5000);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          if (freeze)
            write_file_at (dfd, "cgroup.freeze", "0", 1, NULL);
          return vessel_fail (err, ETIMEDOUT, "cgroup `%s` did not reach `%s` within 5 s", dir, want);
        }
    }
}

int
vessel_cgroup_freeze (char **paths, bool freeze, vessel_error **err)
{
  const char *dir = dir_with (paths, "freezer.state");
  if (dir)
    return freeze_v1 (dir, freeze, err);
  if ((dir = dir_with (paths, "cgroup.freeze")))
    return freeze_v2 (dir, freeze, err);
  return vessel_fail (err, ENOTSUP, "the container's cgroup has no freezer (neither freezer.state nor cgroup.freeze)");
}

bool
vessel_cgroup_is_frozen (char **paths)
{
  const char *dir = dir_with (paths, "freezer.state");
  const char *file = "freezer.state", *frozen = "FROZEN";
  if (dir == NULL)
    {
      dir = dir_with (paths, "cgroup.freeze");
      file = "cgroup.freeze";
      frozen = "1";
    }
  if (dir == NULL)
    return false;
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_free char *state = NULL;
  if (dfd < 0 || read_file_at (dfd, file, &state, NULL, NULL) < 0)
    return false;
  return strncmp (state, frozen, strlen (frozen)) == 0;
}

/* ---- processes ---------------------------------------------------------------- */

struct pid_list
{
  pid_t *pids;
  size_t n, cap;
};

static void
add_pids (struct pid_list *l, const char *text)
{
  for (const char *p = text; *p;)
    {
      char *end = NULL;
      long pid = strtol (p, &end, 10);
      if (end == p)
        break;
      if (l->n == l->cap)
        {
          l->cap = l->cap ? l->cap * 2 : 16;
          l->pids = xrealloc (l->pids, l->cap * sizeof (pid_t));
        }
      l->pids[l->n++] = (pid_t) pid;
      p = end;
      while (*p == '\n')
        p++;
    }
}

/* cgroup.procs of dfd and of every cgroup below it. */
static int
collect_pids (int dfd, const char *path, struct pid_list *l, int depth, vessel_error **err)
{
  cleanup_free char *procs = NULL;
  int ret = read_file_at (dfd, "cgroup.procs", &procs, NULL, err);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "cgroup `%s`", path);
  add_pids (l, procs);
  if (depth > 64)
    return 0;
  int fd = openat (dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_dir DIR *d = fd < 0 ? NULL : fdopendir (fd);
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return vessel_fail_errno (err, errno, "read cgroup `%s`", path);
    }
  struct dirent *e;
  while ((e = readdir (d)))
    {
      if (e->d_type != DT_DIR || strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      cleanup_close int sub = openat (dfd, e->d_name, O_DIRECTORY | O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        continue; /* removed meanwhile */
      cleanup_free char *subpath = xasprintf ("%s/%s", path, e->d_name);
      if ((ret = collect_pids (sub, subpath, l, depth + 1, err)) < 0 && ret != -ENOENT)
        return ret;
      vessel_error_freep (err);
    }
  return 0;
}

static int
compare_pids (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

int
vessel_cgroup_pids (char **paths, pid_t **pids, size_t *n, vessel_error **err)
{
  *pids = NULL;
  *n = 0;
  /* Any hierarchy holds every process of the container; cgroup2's, when
     there is one, is the one the init was cloned into. */
  const char *dir = dir_with (paths, "cgroup.events");
  if (dir == NULL)
    dir = paths ? paths[0] : NULL;
  if (dir == NULL)
    return 0;
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0)
    return errno == ENOENT ? 0 : vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  struct pid_list l = { 0 };
  int ret = collect_pids (dfd, dir, &l, 0, err);
  if (ret < 0)
    {
      free (l.pids);
      return ret;
    }
  if (l.n > 1) /* (an empty cgroup, a stopped container's, has no list at all) */
    qsort (l.pids, l.n, sizeof (pid_t), compare_pids);
  size_t kept = 0;
  for (size_t i = 0; i < l.n; i++)
    if (kept == 0 || l.pids[kept - 1] != l.pids[i])
      l.pids[kept++] = l.pids[i];
  *pids = l.pids;
  *n = kept;
  return 0;
}
