#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces.h"
#include "utils.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Opens a namespace the config names by path; errors name the field. */
static int
open_namespace (struct vessel_ns_join *j, vessel_error **err)
{
  const struct vessel_ns_kind *kind = &vessel_ns_kinds[j->type];
  int fd = open (j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "config.json: .linux.namespaces[%zu].path: open %s namespace `%s`",
                              j->index, kind->name, j->path);
  /* setns would refuse a namespace of the wrong type too, but later and
     less clearly. */
  int type = ioctl (fd, NS_GET_NSTYPE);
  if (type < 0)
    {
      int e = errno;
      close (fd);
      if (e == ENOTTY || e == EINVAL)
        return vessel_fail (err, EINVAL, "config.json: .linux.namespaces[%zu].path: `%s` is not a namespace",
                            j->index, j->path);
      return vessel_fail_errno (err, e, "config.json: .linux.namespaces[%zu].path: inspect namespace `%s`",
                                j->index, j->path);
    }
  if (type != kind->clone_flag)
    {
      close (fd);
      const char *actual = "another";
      for (size_t k = 0; k < OCI_NS_COUNT; k++)
        if (vessel_ns_kinds[k].clone_flag == type)
          actual = vessel_ns_kinds[k].name;
      return vessel_fail (err, EINVAL, "config.json: .linux.namespaces[%zu].path: `%s` is a %s namespace, not a %s namespace",
                          j->index, j->path, actual, kind->name);
    }
  j->fd = fd;
  return 0;
}

static int
write_time_offsets (const struct oci_time_offsets *t, vessel_error **err)
{
  if (t == NULL)
    return 0;
  char buf[128];
  int n = 0;
  if (t->monotonic)
    n += snprintf (buf + n, sizeof buf - (size_t) n, "monotonic %lld %u\n",
                   (long long) t->monotonic->secs, t->monotonic->nanosecs);
  if (t->boottime)
    n += snprintf (buf + n, sizeof buf - (size_t) n, "boottime %lld %u\n",
                   (long long) t->boottime->secs, t->boottime->nanosecs);
  if (n == 0)
    return 0;
  cleanup_close int fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open /proc/self/timens_offsets");
  int ret = write_all (fd, buf, (size_t) n);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "config.json: .linux.timeOffsets: write the time offsets");
  return 0;
}

int
vessel_ns_parent_prepare (struct vessel_ns_plan *plan, const struct oci_config *c,
                          struct vessel_ns_saved *saved, vessel_error **err)
{
  saved->pid_fd = saved->time_fd = -1;
  int ret;
  struct vessel_join_plan *join = &plan->join;
  for (size_t i = 0; i < join->n_joins; i++)
    if ((ret = open_namespace (&join->joins[i], err)) < 0)
      return ret;

  /* A pid namespace applies to children only: entering it here puts the
     init in it at clone time, without one more fork. */
  if (join->join_pid)
    {
      if ((ret = open_namespace (&join->pid, err)) < 0)
        return ret;
      saved->pid_fd = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      if (saved->pid_fd < 0)
        return vessel_fail_errno (err, errno, "open /proc/self/ns/pid");
      if ((ret = vessel_join_parent (join, err)) < 0)
        return ret;
    }

  /* Likewise a new time namespace: its offsets can only be written before
     any process is in it, so it is made here for the init to be born in. */
  if (plan->new_time)
    {
      saved->time_fd = open ("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
      if (saved->time_fd < 0)
        return vessel_fail_errno (err, errno, "open /proc/self/ns/time");
      if (unshare (CLONE_NEWTIME) < 0)
        return vessel_fail_errno (err, errno, "create a time namespace");
      if ((ret = write_time_offsets (c->linux->time_offsets, err)) < 0)
        return ret;
    }
  return 0;
}

void
vessel_ns_parent_restore (struct vessel_ns_saved *saved)
{
  /* Failing to go back only matters for processes started later (hooks);
     the container itself is already where it belongs. */
  if (saved->pid_fd >= 0 && setns (saved->pid_fd, CLONE_NEWPID) < 0)
    { /* see above */ }
  if (saved->time_fd >= 0 && setns (saved->time_fd, CLONE_NEWTIME) < 0)
    { /* see above */ }
  closep (&saved->pid_fd);
  closep (&saved->time_fd);
}

void
vessel_ns_plan_close (struct vessel_ns_plan *plan)
{
  vessel_join_plan_close (&plan->join);
}

static int
write_map (pid_t pid, const char *file, const struct oci_id_mapping *m, size_t n,
           vessel_error **err)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, file);
  cleanup_free char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);
  if (out == NULL)
    return vessel_fail_errno (err, errno, "open_memstream");
  for (size_t i = 0; i < n; i++)
    fprintf (out, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  fclose (out);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s`", path);
  /* The kernel takes the whole map in a single write. */
  ssize_t w = write (fd, text, len);
  if (w < 0)
    return vessel_fail_errno (err, errno, "write `%s` (%zu mappings)", path, n);
  return 0;
}

/* Whether the maps are the one an unprivileged process may write itself:
   its own id, once. */
static bool
only_own_id (const struct oci_id_mapping *m, size_t n, unsigned id)
{
  return n == 1 && m[0].host_id == id && m[0].size == 1;
}

/* newuidmap or newgidmap PID CONTAINER-ID HOST-ID SIZE...: the setuid
   helpers of Debian's uidmap package, which check the ranges against
   /etc/subuid and /etc/subgid.  Their complaint becomes our message. */
static int
run_map_helper (const char *helper, const char *subid_file, pid_t pid, const struct oci_id_mapping *m, size_t n,
                const char *where, vessel_error **err)
{
  size_t argc = 2 + 3 * n;
  cleanup_strv char **argv = xzalloc ((argc + 1) * sizeof (char *));
  argv[0] = xstrdup (helper);
  argv[1] = xasprintf ("%d", (int) pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[2 + 3 * i] = xasprintf ("%u", m[i].container_id);
      argv[3 + 3 * i] = xasprintf ("%u", m[i].host_id);
      argv[4 + 3 * i] = xasprintf ("%u", m[i].size);
    }
  cleanup_free char *said = NULL;
  int status, ret = vessel_spawn_output (argv, &said, &status, err);
  if (ret == -ENOENT)
    {
      vessel_error_freep (err);
      return vessel_fail (err, ENOENT, "%s: %s is needed to map more than your own id (install Debian's uidmap package)",
                          where, helper);
    }
  if (ret < 0)
    return ret;
  said[strcspn (said, "\n")] = '\0';
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return vessel_fail (err, EPERM, "%s: %s refused the mappings (%s); %s must give you the host ids", where, helper,
                        said[0] ? said : "no message", subid_file);
  return 0;
}

/* Writes the id maps of the init's new user namespace.  root writes any
   map; another user writes its own id alone (and must deny setgroups
   first), and needs newuidmap/newgidmap for anything more. */
int
vessel_ns_write_id_maps (pid_t pid, const struct oci_linux *lx, vessel_error **err)
{
  uid_t euid = geteuid ();
  int ret;
  if (euid != 0 && !only_own_id (lx->uid_mappings, lx->uid_mappings_len, euid))
    ret = run_map_helper ("newuidmap", "/etc/subuid", pid, lx->uid_mappings, lx->uid_mappings_len,
                          "config.json: .linux.uidMappings", err);
  else
    ret = write_map (pid, "uid_map", lx->uid_mappings, lx->uid_mappings_len, err);
  if (ret < 0)
    return ret;
  if (euid != 0 && !only_own_id (lx->gid_mappings, lx->gid_mappings_len, getegid ()))
    return run_map_helper ("newgidmap", "/etc/subgid", pid, lx->gid_mappings, lx->gid_mappings_len,
                           "config.json: .linux.gidMappings", err);
  if (euid != 0)
    {
      /* Without CAP_SETGID over the parent namespace the kernel takes a
         gid_map only once setgroups is denied for good. */
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/setgroups", (int) pid);
      if ((ret = write_file_at (AT_FDCWD, path, "deny", 4, err)) < 0)
        return ret;
    }
  return write_map (pid, "gid_map", lx->gid_mappings, lx->gid_mappings_len, err);
}

/* A namespace's maps are written through a process in it: a child is
   made there, waits while we write and open the namespace, and is
   killed. */
int
vessel_userns_with_maps (const struct oci_id_mapping *uids, size_t n_uids,
                         const struct oci_id_mapping *gids, size_t n_gids, vessel_error **err)
{
  pid_t pid = (pid_t) syscall (SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0)
    return vessel_fail_errno (err, errno, "create a user namespace for an id mapping");
  if (pid == 0)
    {
      /* Gone with vessel, should vessel die before it kills us. */
      if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid () == 1)
        _exit (1);
      for (;;)
        pause ();
    }
  int ret = write_map (pid, "uid_map", uids, n_uids, err);
  if (ret == 0)
    ret = write_map (pid, "gid_map", gids, n_gids, err);
  if (ret == 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
      ret = open (path, O_RDONLY | O_CLOEXEC);
      if (ret < 0)
        ret = vessel_fail_errno (err, errno, "open `%s`", path);
    }
  kill (pid, SIGKILL);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return ret;
}

int
vessel_ns_become_root (vessel_error **err)
{
  if (setresgid (0, 0, 0) < 0 && errno != EINVAL)
    return vessel_fail_errno (err, errno, "setgid 0 in the user namespace");
  if (setresuid (0, 0, 0) < 0 && errno != EINVAL)
    return vessel_fail_errno (err, errno, "setuid 0 in the user namespace");
  return 0;
}

int
vessel_ns_loopback_up (vessel_error **err)
{
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return vessel_fail_errno (err, errno, "socket to bring lo up");
  /* SIOCSIFFLAGS keeps the flags the device fixes itself (LOOPBACK) and
     takes UP; a new namespace's lo has no other flag to keep. */
  struct ifreq ifr = { .ifr_flags = IFF_UP };
  memcpy (ifr.ifr_name, "lo", sizeof "lo");
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return vessel_fail_errno (err, errno, "bring lo up (SIOCSIFFLAGS)");
  return 0;
}
