#include <config.h>

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_reuse.h"
#include "utils.h"

/* ---- host detection ------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
char *
unescape_mount_field (const char *s)
{
  char *out = xmalloc (strlen (s) + 1), *o = out;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}

/* Whether every controller of `list` ("cpu,cpuacct") is among the
   comma-separated `options`. */
static bool
options_have_all (const char *options, const char *list)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;
  for (char *c = strtok_r (copy, ",", &save); c; c = strtok_r (NULL, ",", &save))
    {
      bool found = false;
      size_t len = strlen (c);
      for (const char *p = options; p && *p;)
        {
          const char *end = strchr (p, ',');
          size_t n = end ? (size_t) (end - p) : strlen (p);
          if (n == len && strncmp (p, c, n) == 0)
            found = true;
          p = end ? end + 1 : NULL;
        }
      if (!found)
        return false;
    }
  return true;
}

struct cgroup_mount
{
  char *root, *mountpoint, *fstype, *options;
};

/* Splits one mountinfo line into the fields we use. */
static bool
parse_mountinfo_line (char *line, struct cgroup_mount *m)
{
  char *fields[16];
  size_t n = 0;
  char *save = NULL;
  for (char *f = strtok_r (line, " ", &save); f && n < ARRAY_SIZE (fields); f = strtok_r (NULL, " ", &save))
    fields[n++] = f;
  size_t dash = 0;
  for (size_t i = 6; i < n; i++)
    if (strcmp (fields[i], "-") == 0)
      {
        dash = i;
        break;
      }
  if (dash == 0 || dash + 3 >= n)
    return false;
  m->root = fields[3];
  m->mountpoint = fields[4];
  m->fstype = fields[dash + 1];
  m->options = fields[dash + 3];
  return true;
}

static void
add_hierarchy (struct vessel_cgroup_host *host, char *mountpoint, char *mount_root,
               const char *controllers, const char *own, bool v2)
{
  host->h = xrealloc (host->h, (host->n + 1) * sizeof (*host->h));
  host->h[host->n++] = (struct vessel_cgroup_hierarchy) {
    .mountpoint = mountpoint,
    .mount_root = mount_root,
    .controllers = xstrdup (controllers),
    .v2 = v2,
    .own = xstrdup (own),
  };
}

/* The cgroup and cgroup2 lines of a mountinfo text, split in place in
   `text`: the text is read once, not once per hierarchy. */
struct cgroup_mounts
{
  char *text;
  struct cgroup_mount *m;
  size_t n;
};

static void
cgroup_mounts_parse (const char *mountinfo, struct cgroup_mounts *out)
{
  out->text = xstrdup (mountinfo);
  char *save = NULL;
  for (char *line = strtok_r (out->text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct cgroup_mount m;
      if (!parse_mountinfo_line (line, &m) || (strcmp (m.fstype, "cgroup") != 0 && strcmp (m.fstype, "cgroup2") != 0))
        continue;
      out->m = xrealloc (out->m, (out->n + 1) * sizeof (*out->m));
      out->m[out->n++] = m;
    }
}

static void
cgroup_mounts_free (struct cgroup_mounts *mounts)
{
  free (mounts->text);
  free (mounts->m);
}

/* The mount of a hierarchy: for v1 the cgroup mount whose options name
   all its controllers, for v2 the cgroup2 mount.  When a hierarchy is
   mounted more than once, the mount showing its root wins. */
static bool
find_mount (const struct cgroup_mounts *mounts, bool v2, const char *controllers, char **mountpoint,
            char **mount_root)
{
  *mountpoint = *mount_root = NULL;
  for (size_t i = 0; i < mounts->n; i++)
    {
      const struct cgroup_mount *m = &mounts->m[i];
      if (strcmp (m->fstype, v2 ? "cgroup2" : "cgroup") != 0)
        continue;
      if (!v2 && !options_have_all (m->options, controllers))
        continue;
      if (*mount_root && strcmp (*mount_root, "/") == 0)
        continue;
      free (*mountpoint);
      free (*mount_root);
      *mountpoint = unescape_mount_field (m->mountpoint);
      *mount_root = unescape_mount_field (m->root);
    }
  return *mountpoint != NULL;
}

int
vessel_cgroup_host_parse (const char *mountinfo, const char *self_cgroup,
                          struct vessel_cgroup_host *host, vessel_error **err)
{
  memset (host, 0, sizeof (*host));
  bool any_v1 = false, any_v2 = false;
  struct cgroup_mounts mounts = { 0 };
  cgroup_mounts_parse (mountinfo, &mounts);
  cleanup_free char *copy = xstrdup (self_cgroup);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* hierarchy-id:controllers:path; the path may contain ':' itself */
      char *c1 = strchr (line, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c1 = *c2 = '\0';
      const char *controllers = c1 + 1, *path = c2 + 1;
      bool v2 = strcmp (line, "0") == 0 && *controllers == '\0';
      if (!v2 && *controllers == '\0')
        continue;
      char *mountpoint, *mount_root;
      if (!find_mount (&mounts, v2, controllers, &mountpoint, &mount_root))
        continue; /* a hierarchy that is not mounted: nothing to do there */
      add_hierarchy (host, mountpoint, mount_root, v2 ? "" : controllers, path, v2);
      any_v1 |= !v2;
      any_v2 |= v2;
    }
  cgroup_mounts_free (&mounts);
  if (!any_v1 && !any_v2)
    return vessel_fail (err, ENOENT, "no cgroup hierarchy is mounted");
  host->mode = any_v1 ? (any_v2 ? VESSEL_CGROUP_HYBRID : VESSEL_CGROUP_V1) : VESSEL_CGROUP_V2;
  return 0;
}

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

void
vessel_cgroup_host_free (struct vessel_cgroup_host *host)
{
  for (size_t i = 0; i < host->n; i++)
    {
      free (host->h[i].mountpoint);
      free (host->h[i].mount_root);
      free (host->h[i].controllers);
      free (host->h[i].own);
    }
  free (host->h);
  free (host->v2_controllers);
  memset (host, 0, sizeof (*host));
}

/* ---- paths ---------------------------------------------------------------- */

/* a/b, cleaned as runc's filepath.Clean does for these paths: one '/'
   between components, no "." components, no trailing '/'.  (".." never
   gets here: config validation refuses it.) */
static char *
path_join (const char *a, const char *b)
{
  cleanup_free char *joined = xasprintf ("%s/%s", a, b);
  char *out = xmalloc (strlen (joined) + 2), *o = out;
  for (const char *p = joined; *p;)
    {
      while (*p == '/')
        p++;
      size_t n = strcspn (p, "/");
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          *o++ = '/';
          memcpy (o, p, n);
          o += n;
        }
      p += n;
    }
  if (o == out)
    *o++ = '/';
  *o = '\0';
  return out;
}

/* Where a relative cgroupsPath (and the default) goes in hierarchy h: our
   own cgroup on v1, as runc; on a cgroup2-only host its parent, since our
   own cgroup has processes and cgroup2 allows no controllers below a
   cgroup that has (runc's fs2 does the same); on a hybrid host the
   unified hierarchy's root, as runc. */
static const char *
relative_base (const struct vessel_cgroup_host *host, const struct vessel_cgroup_hierarchy *h, char **owned)
{
  if (h->v2 && host->mode == VESSEL_CGROUP_HYBRID)
    return "/";
  /* Our own cgroup, as a path below what the mount shows. */
  const char *own = h->own;
  size_t lr = strlen (h->mount_root);
  if (strcmp (h->mount_root, "/") != 0 && strncmp (own, h->mount_root, lr) == 0)
    own += lr;
  if (!h->v2)
    return own;
  *owned = xstrdup (own);
  char *slash = strrchr (*owned, '/');
  if (slash)
    slash[slash == *owned ? 1 : 0] = '\0';
  return *owned;
}

char **
vessel_cgroup_paths (const struct vessel_cgroup_host *host, const char *cgroups_path, const char *id)
{
  char **paths = xzalloc ((host->n + 1) * sizeof (char *));
  for (size_t i = 0; i < host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &host->h[i];
      cleanup_free char *in_hierarchy = NULL;
      if (cgroups_path && cgroups_path[0] == '/')
        in_hierarchy = xstrdup (cgroups_path);
      else
        {
          cleanup_free char *owned = NULL;
          const char *base = relative_base (host, h, &owned);
          in_hierarchy = path_join (base, cgroups_path && *cgroups_path ? cgroups_path : id);
        }
      paths[i] = path_join (h->mountpoint, in_hierarchy);
    }
  return paths;
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
          cleanup_free char *procs = path_join (dir, "cgroup.procs");
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

int
vessel_cgroup_paths_match (const struct vessel_cgroup_host *host, char **saved, char ***out,
                           vessel_error **err)
{
  cleanup_strv char **paths = xzalloc ((host->n + 1) * sizeof (char *));
  for (size_t i = 0; i < host->n; i++)
    {
      size_t len = strlen (host->h[i].mountpoint);
      for (size_t j = 0; saved && saved[j] && paths[i] == NULL; j++)
        if (strncmp (saved[j], host->h[i].mountpoint, len) == 0 && saved[j][len] == '/')
          paths[i] = xstrdup (saved[j]);
      if (paths[i] == NULL)
        return vessel_fail (err, ENOENT, "the container has no cgroup under `%s`", host->h[i].mountpoint);
    }
  *out = steal_pointer (&paths);
  return 0;
}

bool
vessel_cgroup_dir_has_controllers (const struct vessel_cgroup_host *host, const char *dir, const char *list)
{
  for (size_t i = 0; i < host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &host->h[i];
      size_t len = strlen (h->mountpoint);
      if (!h->v2 && strncmp (dir, h->mountpoint, len) == 0 && dir[len] == '/')
        return options_have_all (h->controllers, list);
    }
  return false;
}

/* ---- create, enter, destroy ----------------------------------------------- */

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
      bool cpuset = !h->v2 && options_have_all (h->controllers, "cpuset");
      int ret = mkdir_tree (paths[i], h->mountpoint, cpuset, err);
      if (ret < 0)
        return ret;
      const char *freezer = h->v2 ? "cgroup.events" : options_have_all (h->controllers, "freezer") ? "freezer.state" : NULL;
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

int
vessel_cgroup_join_self (const struct vessel_cgroup_host *host, char *const *paths, int skip, int *skipped_fd,
                         vessel_error **err)
{
  for (size_t i = 0; i < host->n; i++)
    {
      if (host->h[i].v2)
        continue;
      cleanup_free char *tasks = xasprintf ("%s/tasks", paths[i]);
      if ((int) i != skip)
        {
          int ret = write_file_at (AT_FDCWD, tasks, "0", 1, err);
          if (ret < 0)
            return ret;
          continue;
        }
      *skipped_fd = open (tasks, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
      if (*skipped_fd < 0)
        return vessel_fail_errno (err, errno, "open `%s`", tasks);
    }
  return 0;
}

int
vessel_cgroup_enter_one (char **paths, size_t i, pid_t pid, vessel_error **err)
{
  char text[32];
  int len = snprintf (text, sizeof text, "%d", (int) pid);
  cleanup_close int fd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", paths[i]);
  int ret = write_file_at (fd, "cgroup.procs", text, (size_t) len, err);
  return ret < 0 ? vessel_error_wrap (err, ret, "join cgroup `%s`", paths[i]) : 0;
}

int
vessel_cgroup_enter (const struct vessel_cgroup_host *host, char **paths, pid_t pid, bool all,
                     vessel_error **err)
{
  for (size_t i = 0; i < host->n; i++)
    {
      if (host->h[i].v2 && !all)
        continue;
      int ret = vessel_cgroup_enter_one (paths, i, pid, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

bool
vessel_cgroup_enter_needed (const struct vessel_cgroup_host *host, bool cloned_into_cgroup)
{
  for (size_t i = 0; i < host->n; i++)
    if (!host->h[i].v2 || !cloned_into_cgroup)
      return true;
  return false;
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
