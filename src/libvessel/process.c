#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "hooks.h"
#include "process.h"
#include "scheduling.h"
#include "seccomp.h"
#include "utils.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void
vessel_close_fds_except (int first, const int *keep, size_t n)
{
  int sorted[16];
  size_t m = 0;
  for (size_t i = 0; i < n && m < ARRAY_SIZE (sorted); i++)
    if (keep[i] >= first)
      sorted[m++] = keep[i];
  for (size_t i = 1; i < m; i++)
    for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        int t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }
  unsigned lo = (unsigned) first;
  for (size_t i = 0; i <= m; i++)
    {
      unsigned hi = i < m ? (unsigned) sorted[i] : ~0U;
      if (hi > lo)
        syscall (SYS_close_range, lo, hi - 1, 0);
      if (i < m)
        lo = (unsigned) sorted[i] + 1;
    }
}

/* The signals this process ignores (bit N-1 for signal N), from SigIgn
   in /proc/self/status: one read instead of a sigaction per signal.
   Every signal when it cannot be read. */
static uint64_t
ignored_signals (void)
{
  char buf[4096];
  if (read_small_file_at (AT_FDCWD, "/proc/self/status", buf, sizeof buf) <= 0)
    return UINT64_MAX;
  const char *line = strstr (buf, "\nSigIgn:");
  char *end = NULL;
  uint64_t mask = line ? strtoull (line + strlen ("\nSigIgn:"), &end, 16) : 0;
  return line && end != line + strlen ("\nSigIgn:") ? mask : UINT64_MAX;
}

/* Signals unblocked, and the ignored ones back to SIG_DFL (execve resets
   handled signals, not ignored ones), with the raw system call: glibc's
   sigaction refuses 32 and 33, which it keeps for itself, and a caller
   may have ignored those too. */
void
vessel_process_reset_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  struct
  {
    void (*handler) (int);
    unsigned long flags;
    void (*restorer) (void);
    uint64_t mask;
  } dfl = { SIG_DFL, 0, NULL, 0 };
  uint64_t ignored = ignored_signals ();
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP && (ignored & (UINT64_C (1) << (sig - 1))))
      syscall (SYS_rt_sigaction, sig, &dfl, NULL, sizeof (dfl.mask));
}

/* "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; a name that
   already uses slashes keeps its dots ("net/ipv4/conf/eth0.100/..."). */
static char *
sysctl_path (const char *name)
{
  char *path = xasprintf ("/proc/sys/%s", name);
  if (strchr (name, '/') == NULL)
    for (char *p = path + strlen ("/proc/sys/"); *p; p++)
      if (*p == '.')
        *p = '/';
  return path;
}

static int
write_proc (const char *path, const char *value, const char *what, vessel_error **err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "%s: open `%s`", what, path);
  int ret = write_all (fd, value, strlen (value));
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "%s: write `%s` to `%s`", what, value, path);
  return 0;
}

int
vessel_process_oom_score_adj (const struct oci_process *p, vessel_error **err)
{
  if (!p->has_oom_score_adj)
    return 0;
  char value[16];
  snprintf (value, sizeof value, "%d", p->oom_score_adj);
  return write_proc ("/proc/self/oom_score_adj", value, "config.json: .process.oomScoreAdj", err);
}

int
vessel_process_set_kernel_settings (const struct oci_config *c, const char *id, bool new_keyring,
                                    vessel_error **err)
{
  if (c->hostname && *c->hostname && sethostname (c->hostname, strlen (c->hostname)) < 0)
    return vessel_fail_errno (err, errno, "config.json: .hostname: sethostname `%s`", c->hostname);
  if (c->domainname && *c->domainname && setdomainname (c->domainname, strlen (c->domainname)) < 0)
    return vessel_fail_errno (err, errno, "config.json: .domainname: setdomainname `%s`", c->domainname);

  if (c->linux)
    for (size_t i = 0; i < c->linux->sysctl_len; i++)
      {
        cleanup_free char *path = sysctl_path (c->linux->sysctl[i].key);
        cleanup_free char *what = xasprintf ("config.json: .linux.sysctl[\"%s\"]", c->linux->sysctl[i].key);
        int ret = write_proc (path, c->linux->sysctl[i].value, what, err);
        if (ret < 0)
          return ret;
      }

  int ret;
  if (c->process && (ret = vessel_process_oom_score_adj (c->process, err)) < 0)
    return ret;

  if (new_keyring)
    {
      /* Each container gets its own session keyring, so that it cannot
         see the keys of the caller's session.  A kernel without keys
         (ENOSYS) or a seccomp'ed caller (EPERM) simply has none. */
      cleanup_free char *name = xasprintf ("_ses.%s", id);
      if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 && errno != ENOSYS
          && errno != EPERM && errno != EACCES)
        return vessel_fail_errno (err, errno, "join a new session keyring");
    }
  return 0;
}

void
vessel_process_add_listen_env (struct oci_process *p, struct oci_arena *arena, int n)
{
  if (n <= 0)
    return;
  char **env = oci_arena_alloc (arena, (p->env_len + 3) * sizeof (char *));
  memcpy (env, p->env, p->env_len * sizeof (char *));
  char buf[32];
  snprintf (buf, sizeof buf, "LISTEN_FDS=%d", n);
  env[p->env_len++] = oci_arena_strdup (arena, buf);
  env[p->env_len++] = oci_arena_strdup (arena, "LISTEN_PID=1");
  p->env = env;
}

static const char *
env_get (const struct oci_process *p, const char *name)
{
  size_t len = strlen (name);
  const char *found = NULL;
  for (size_t i = 0; i < p->env_len; i++)
    if (strncmp (p->env[i], name, len) == 0 && p->env[i][len] == '=')
      found = p->env[i] + len + 1;
  return found;
}

static bool
is_executable_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0111)
         && access (path, X_OK) == 0;
}

/* strerror as Go words errnos, in lower case: runc's messages are Go's,
   and clients match their text ("permission denied": podman's 126, "no
   such file or directory": its 127). */
static const char *
go_strerror (int errnum, char *buf, size_t size)
{
  snprintf (buf, size, "%s", strerror (errnum));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && (buf[1] < 'A' || buf[1] > 'Z'))
    buf[0] = (char) (buf[0] - 'A' + 'a');
  return buf;
}

int
vessel_process_find_program (const struct oci_process *p, char **path, vessel_error **err)
{
  const char *name = p->args[0];
  char text[128];
  /* runc's exec.LookPath: `exec: "NAME": ...`; a directory is what
     execve refuses it with, EACCES. */
  if (strchr (name, '/'))
    {
      struct stat st;
      if (stat (name, &st) < 0)
        {
          int errnum = errno;
          return vessel_fail (err, errnum, "exec: \"%s\": stat %s: %s", name, name,
                              go_strerror (errnum, text, sizeof text));
        }
      if (S_ISDIR (st.st_mode))
        return vessel_fail (err, EACCES, "exec: \"%s\": %s", name, go_strerror (EACCES, text, sizeof text));
      *path = xstrdup (name);
      return 0;
    }
  const char *search = env_get (p, "PATH");
  if (search == NULL)
    search = DEFAULT_PATH;
  cleanup_free char *copy = xstrdup (search);
  char *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *candidate = xasprintf ("%s/%s", *dir ? dir : ".", name);
      if (is_executable_file (candidate))
        {
          *path = steal_pointer (&candidate);
          return 0;
        }
    }
  return vessel_fail (err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

static int
apply_rlimits (const struct oci_process *p, const char *where, vessel_error **err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      struct rlimit lim = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (setrlimit ((__rlimit_resource_t) vessel_rlimit_from_name (r->type), &lim) < 0)
        return vessel_fail_errno (err, errno, "%s.rlimits[%zu]: set %s to %llu/%llu",
                                  where, i, r->type, (unsigned long long) r->soft, (unsigned long long) r->hard);
    }
  return 0;
}

static int
change_user (const struct oci_user *u, const char *where, vessel_error **err)
{
  /* setgroups is refused in a user namespace whose setgroups file says
     "deny"; with no supplementary groups asked for, that is fine. */
  if (setgroups (u->additional_gids_len, (const gid_t *) u->additional_gids) < 0
      && !(errno == EPERM && u->additional_gids_len == 0))
    return vessel_fail_errno (err, errno, "%s.user.additionalGids: setgroups", where);
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return vessel_fail_errno (err, errno, "%s.user.gid: setgid %u", where, u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return vessel_fail_errno (err, errno, "%s.user.uid: setuid %u", where, u->uid);
  return 0;
}

/* The working directory must be inside the container: a leaked fd to a
   host directory (CVE-2024-21626) would otherwise give the process a way
   out.  getcwd says "(unreachable)" or fails when it is outside the root. */
static int
enter_cwd (const char *cwd, const char *where, vessel_error **err)
{
  if (chdir (cwd) < 0)
    return vessel_fail_errno (err, errno, "%s.cwd: chdir `%s`", where, cwd);
  char buf[PATH_MAX];
  if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
    return vessel_fail (err, EXDEV, "%s.cwd: `%s` is outside the container", where, cwd);
  return 0;
}

/* HOME from the container's /etc/passwd, when the config does not set it. */
static char *
home_for (uid_t uid)
{
  cleanup_free char *home = vessel_passwd_field ("/etc/passwd", uid, VESSEL_PASSWD_HOME);
  return xasprintf ("HOME=%s", home && home[0] == '/' ? home : "/");
}

static char **
build_env (const struct oci_process *p)
{
  char **env = xzalloc ((p->env_len + 2) * sizeof (char *));
  for (size_t i = 0; i < p->env_len; i++)
    env[i] = p->env[i];
  if (env_get (p, "HOME") == NULL)
    env[p->env_len] = home_for (p->user.uid);
  return env;
}

static int
close_inherited_fds (int preserve_fds, vessel_error **err)
{
  /* Everything from 3 + preserve_fds up is closed at execve.  The fds to
     preserve (LISTEN_FDS sockets and the like) are made inheritable. */
  unsigned first = 3 + (unsigned) preserve_fds;
  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    {
      /* ENOSYS, EINVAL: before Linux 5.11; EPERM: a seccomp filter of
         vessel's caller. */
      if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
        return vessel_fail_errno (err, errno, "close_range");
      /* Mark them one by one. */
      long max = sysconf (_SC_OPEN_MAX);
      for (long fd = first; fd < max; fd++)
        fcntl ((int) fd, F_SETFD, FD_CLOEXEC);
    }
  for (int fd = 3; fd < (int) first; fd++)
    {
      int flags = fcntl (fd, F_GETFD);
      if (flags >= 0 && fcntl (fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        return vessel_fail_errno (err, errno, "preserve fd %d", fd);
    }
  return 0;
}

int
vessel_process_stdio_owner (const struct oci_process *p, vessel_error **err)
{
  for (int fd = 0; fd < 3; fd++)
    {
      struct stat st;
      if (fstat (fd, &st) < 0)
        continue; /* not open: nothing to give */
      if (st.st_uid == p->user.uid || (S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3)))
        continue;
      /* Only the owner: the group may be the terminal's (tty). */
      if (fchown (fd, p->user.uid, (gid_t) -1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        return vessel_fail_errno (err, errno, "give fd %d to uid %u", fd, p->user.uid);
      /* EINVAL: the uid is not mapped in our user namespace; EPERM: the
         file's owner is not; EROFS: a read-only /dev. */
    }
  return 0;
}

/* The execution domain survives execve, so it is set by the init. */
static int
apply_personality (const struct oci_personality *per, vessel_error **err)
{
  if (per == NULL)
    return 0;
  unsigned long domain = per->domain == OCI_PER_LINUX32 ? PER_LINUX32 : PER_LINUX;
  if (personality (domain) < 0)
    return vessel_fail_errno (err, errno, "config.json: .linux.personality: set the execution domain");
  return 0;
}

/* Without no_new_privs the kernel takes a filter only from a process
   with CAP_SYS_ADMIN: then it is loaded before the capabilities and the
   uid change, and what follows must be allowed by it (as with runc). */
static bool
seccomp_before_caps (const struct vessel_exec_plan *x)
{
  return x->seccomp && !x->process->no_new_privileges;
}

int
vessel_process_exec (const struct vessel_exec_plan *x, vessel_error **err)
{
  const struct oci_process *p = x->process;
  const char *where = x->where;
  int ret;
  if ((ret = apply_personality (x->linux ? x->linux->personality : NULL, err)) < 0)
    return ret;
  umask (p->user.has_umask ? p->user.umask : 0022);
  if ((ret = apply_rlimits (p, where, err)) < 0)
    return ret;

  /* First try the working directory with root's privileges (it may be
     reachable only for them), again as the user if that was refused. */
  ret = enter_cwd (p->cwd, where, err);
  bool cwd_done = ret == 0;
  if (ret == -EACCES || ret == -EPERM)
    vessel_error_freep (err);
  else if (ret < 0)
    return ret;

  /* The CPUs first (SCHED_DEADLINE wants them settled), then the
     scheduler and I/O priority while the capabilities they may need
     are there. */
  if ((ret = x->exec_affinity ? vessel_affinity_final (p, where, err) : vessel_affinity_set (NULL, where, err)) < 0
      || (ret = vessel_sched_apply (p, where, err)) < 0
      || (ret = vessel_memory_policy_apply (x->linux ? x->linux->memory_policy : NULL, err)) < 0)
    return ret;
  /* What needs files or fds before any filter can refuse it. */
  if ((ret = close_inherited_fds (x->preserve_fds, err)) < 0)
    return ret;
  char **env = build_env (p);
  if (seccomp_before_caps (x) && (ret = vessel_seccomp_install (x->seccomp, x->report_fd, where, err)) < 0)
    return ret;
  if ((ret = vessel_caps_apply_bounding (x->caps, err)) < 0)
    return ret;
  /* Keep the permitted set across the change of uid; the sets are then
     set to exactly what the config asks. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_KEEPCAPS");
  if ((ret = change_user (&p->user, where, err)) < 0)
    return ret;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_KEEPCAPS");
  if (!cwd_done && (ret = enter_cwd (p->cwd, where, err)) < 0)
    return ret;
  if ((ret = vessel_caps_apply_sets (x->caps, err)) < 0)
    return ret;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_NO_NEW_PRIVS");
  /* The filter last: between it and execve only the listener's sendmsg
     and close, and the startContainer hooks, which it binds as it binds
     the process. */
  if (x->seccomp && !seccomp_before_caps (x) && (ret = vessel_seccomp_install (x->seccomp, x->report_fd, where, err)) < 0)
    return ret;
  if (x->start_hooks_len
      && (ret = vessel_hooks_run (x->start_hooks, x->start_hooks_len, "startContainer", x->start_state,
                                  x->start_state ? strlen (x->start_state) : 0, false, err)) < 0)
    return ret;
  execve (x->path, p->args, env);
  /* As runc's: `exec PATH: permission denied` (a noexec mount, no x bit). */
  int errnum = errno;
  char text[128];
  return vessel_fail (err, errnum, "exec %s: %s", x->path, go_strerror (errnum, text, sizeof text));
}
