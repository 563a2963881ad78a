/* A container's processes found in /proc, for a container without a
   cgroup (rootless on a host that delegates none): those in the init's
   pid namespace when it has one of its own, and every descendant of those
   or of the init. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proctree.h"
#include "utils.h"

struct proc_entry
{
  pid_t pid, ppid;
  bool in_container;
};

/* The parent pid from /proc/<pid>/stat ("pid (comm) S ppid ..."; comm
   may hold anything, even ")"). */
static bool
read_ppid (int procfd, const char *name, pid_t *ppid)
{
  char path[NAME_MAX + 16], buf[512];
  snprintf (path, sizeof path, "%s/stat", name);
  if (read_small_file_at (procfd, path, buf, sizeof buf) <= 0)
    return false;
  char *close_paren = strrchr (buf, ')');
  int p;
  if (close_paren == NULL || sscanf (close_paren + 1, " %*c %d", &p) != 1)
    return false;
  *ppid = (pid_t) p;
  return true;
}

static bool
pid_ns_of (int procfd, const char *name, struct stat *st)
{
  char path[NAME_MAX + 16];
  snprintf (path, sizeof path, "%s/ns/pid", name);
  return fstatat (procfd, path, st, 0) == 0;
}

static bool
same_inode (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Every process of /proc (dir), each marked when it is the init or shares
   the init's own pid namespace. */
static int
scan_proc (DIR *dir, pid_t init, struct proc_entry **out, size_t *n, vessel_error **err)
{
  int procfd = dirfd (dir);
  char init_name[16];
  snprintf (init_name, sizeof init_name, "%d", (int) init);
  struct stat init_ns, own_ns;
  if (!pid_ns_of (procfd, init_name, &init_ns))
    return errno == ENOENT ? 0 /* the init is gone, and its pid namespace with it */
                           : vessel_fail_errno (err, errno, "read the pid namespace of process %d", (int) init);
  if (!pid_ns_of (procfd, "self", &own_ns))
    return vessel_fail_errno (err, errno, "read the pid namespace of vessel");
  bool own_pid_ns = !same_inode (&init_ns, &own_ns);

  size_t cap = 0;
  for (;;)
    {
      errno = 0;
      struct dirent *d = readdir (dir);
      if (d == NULL)
        return errno ? vessel_fail_errno (err, errno, "read /proc") : 0;
      char *end;
      long pid = strtol (d->d_name, &end, 10);
      struct proc_entry e = { .pid = (pid_t) pid };
      if (*end != '\0' || pid <= 0 || !read_ppid (procfd, d->d_name, &e.ppid))
        continue; /* not a process, or gone meanwhile */
      struct stat ns;
      e.in_container = e.pid == init || (own_pid_ns && pid_ns_of (procfd, d->d_name, &ns) && same_inode (&ns, &init_ns));
      if (*n == cap)
        *out = xrealloc (*out, (cap = cap ? cap * 2 : 256) * sizeof (**out));
      (*out)[(*n)++] = e;
    }
}

/* Entries and pids alike start with a pid_t. */
static int
compare_pids (const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

static bool
parent_in_container (const struct proc_entry *all, size_t n, pid_t ppid)
{
  const struct proc_entry *p = bsearch (&ppid, all, n, sizeof *all, compare_pids);
  return p && p->in_container;
}

int
vessel_proctree_pids (pid_t init, pid_t **pids, size_t *n, vessel_error **err)
{
  *pids = NULL;
  *n = 0;
  cleanup_dir DIR *dir = opendir ("/proc"); /* O_CLOEXEC, as glibc opens directories */
  if (dir == NULL)
    return vessel_fail_errno (err, errno, "open /proc");
  cleanup_free struct proc_entry *all = NULL;
  size_t total = 0;
  int ret = scan_proc (dir, init, &all, &total, err);
  if (ret < 0 || total == 0)
    return ret;
  qsort (all, total, sizeof *all, compare_pids);
  /* Descendants, a generation per pass: the tree is shallow. */
  for (bool grew = true; grew;)
    {
      grew = false;
      for (size_t i = 0; i < total; i++)
        if (!all[i].in_container && parent_in_container (all, total, all[i].ppid))
          grew = all[i].in_container = true;
    }
  for (size_t i = 0; i < total; i++)
    if (all[i].in_container)
      {
        *pids = xrealloc (*pids, (*n + 1) * sizeof (pid_t));
        (*pids)[(*n)++] = all[i].pid;
      }
  return 0;
}
