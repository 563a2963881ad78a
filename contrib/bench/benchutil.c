/* contrib/bench/benchutil.c - timing helpers for harness.sh, which compiles it
 * at every run.
 *
 * Timing is done here rather than in bash so that bash's own fork/exec
 * overhead between steps is not part of any number.  All times are
 * CLOCK_MONOTONIC, reported in microseconds.
 *
 *   benchutil t OUT TAG TIMEOUT_S -- CMD...
 *       spawn CMD, wait4 it; append "TAG wall_us maxrss_kb rc" to OUT.
 *       maxrss is wait4's ru_maxrss: the peak RSS of CMD, or of any child it
 *       reaped (the kernel folds reaped children's peaks into the parent's).
 *   benchutil lc OUT TAG TIMEOUT_S BUNDLE ID PIDFILE -- RUNTIME [GLOBAL-FLAGS...]
 *       one lifecycle: RUNTIME create --bundle BUNDLE --pid-file PIDFILE ID;
 *       RUNTIME start ID; wait until the container's init exits (pidfd);
 *       RUNTIME delete ID.  Appends
 *       "TAG create_us start_us wait_us delete_us total_us rc".
 *   benchutil loop OUT TAG SECONDS IDPREFIX -- CMD...
 *       run CMD back to back until SECONDS have passed; every argument equal
 *       to "@ID@" is replaced by IDPREFIX-<n>.  Appends
 *       "TAG ok fail start_realtime_us end_realtime_us".
 *   benchutil pidwait PID TIMEOUT_S
 *       wait until PID has exited (exit 0) or the timeout passed (exit 1).
 *   benchutil reaper [-m EMPTYFILE] -- CMD...
 *       become a child subreaper (so detached container inits are re-parented
 *       to us and reaped at once), optionally enter a private mount namespace
 *       where EMPTYFILE is bind-mounted over
 *       /sys/fs/cgroup/unified/cgroup.controllers (lets crun run on a hybrid
 *       host whose cgroup2 has controllers; the host's view is untouched),
 *       then run CMD, reap everything, exit with CMD's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_us (clockid_t clk)
{
  struct timespec ts;
  clock_gettime (clk, &ts);
  return (long long) ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static volatile pid_t alarm_victim;
static void on_alarm (int sig)
{
  (void) sig;
  if (alarm_victim > 0)
    kill (alarm_victim, SIGKILL);
}

/* Spawn argv, wait for it (killing it after timeout_s), return rc (128+sig
   when signalled, 127 when it could not be spawned). */
static int run_cmd (char **argv, int timeout_s, long *maxrss_kb)
{
  pid_t pid;
  int st, err;
  struct rusage ru;

  err = posix_spawnp (&pid, argv[0], NULL, NULL, argv, environ);
  if (err != 0)
    {
      fprintf (stderr, "benchutil: spawn %s: %s\n", argv[0], strerror (err));
      return 127;
    }
  alarm_victim = pid;
  if (timeout_s > 0)
    alarm (timeout_s);
  while (wait4 (pid, &st, 0, &ru) < 0)
    if (errno != EINTR)
      {
        perror ("benchutil: wait4");
        return 127;
      }
  alarm (0);
  alarm_victim = 0;
  if (maxrss_kb)
    *maxrss_kb = ru.ru_maxrss;
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

static void append (const char *path, const char *line)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, line, strlen (line)) < 0)
    perror (path);
  if (fd >= 0)
    close (fd);
}

static int wait_pid_gone (pid_t pid, int timeout_ms)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return errno == ESRCH ? 0 : -1; /* already gone (and reaped) */
  struct pollfd p = { .fd = fd, .events = POLLIN };
  int r;
  while ((r = poll (&p, 1, timeout_ms)) < 0 && errno == EINTR)
    ;
  close (fd);
  return r == 1 ? 0 : -1;
}

static pid_t read_pidfile (const char *path)
{
  FILE *f = fopen (path, "r");
  int pid = -1;
  if (f)
    {
      if (fscanf (f, "%d", &pid) != 1)
        pid = -1;
      fclose (f);
    }
  return pid;
}

static int cmd_t (int argc, char **argv)
{
  if (argc < 6 || strcmp (argv[4], "--") != 0)
    return 2;
  long rss = 0;
  long long t0 = now_us (CLOCK_MONOTONIC);
  int rc = run_cmd (argv + 5, atoi (argv[3]), &rss);
  long long t1 = now_us (CLOCK_MONOTONIC);
  char line[256];
  snprintf (line, sizeof line, "%s %lld %ld %d\n", argv[2], t1 - t0, rss, rc);
  append (argv[1], line);
  return rc;
}

static int cmd_lc (int argc, char **argv)
{
  /* lc OUT TAG TIMEOUT BUNDLE ID PIDFILE -- RUNTIME [FLAGS...] */
  if (argc < 9 || strcmp (argv[7], "--") != 0)
    return 2;
  const char *out = argv[1], *tag = argv[2], *bundle = argv[4], *id = argv[5], *pidfile = argv[6];
  int timeout = atoi (argv[3]);
  char **rt = argv + 8;
  int nrt = argc - 8;
  char **a = calloc (nrt + 8, sizeof *a);
  long long t[5];
  int rc = 0, step;
  pid_t pid;
  char line[256];

  unlink (pidfile);
  memcpy (a, rt, nrt * sizeof *a);
  t[0] = now_us (CLOCK_MONOTONIC);
  /* create */
  a[nrt] = "create"; a[nrt + 1] = "--bundle"; a[nrt + 2] = (char *) bundle;
  a[nrt + 3] = "--pid-file"; a[nrt + 4] = (char *) pidfile; a[nrt + 5] = (char *) id; a[nrt + 6] = NULL;
  step = 1;
  if ((rc = run_cmd (a, timeout, NULL)) != 0)
    goto fail;
  t[1] = now_us (CLOCK_MONOTONIC);
  /* start */
  a[nrt] = "start"; a[nrt + 1] = (char *) id; a[nrt + 2] = NULL;
  step = 2;
  if ((rc = run_cmd (a, timeout, NULL)) != 0)
    goto fail;
  t[2] = now_us (CLOCK_MONOTONIC);
  /* wait for the container's init to exit */
  step = 3;
  pid = read_pidfile (pidfile);
  if (pid <= 0 || wait_pid_gone (pid, timeout * 1000) < 0)
    {
      rc = 1;
      goto fail;
    }
  t[3] = now_us (CLOCK_MONOTONIC);
  /* delete */
  a[nrt] = "delete"; a[nrt + 1] = (char *) id; a[nrt + 2] = NULL;
  step = 4;
  if ((rc = run_cmd (a, timeout, NULL)) != 0)
    goto fail;
  t[4] = now_us (CLOCK_MONOTONIC);

  snprintf (line, sizeof line, "%s %lld %lld %lld %lld %lld 0\n", tag, t[1] - t[0], t[2] - t[1], t[3] - t[2],
            t[4] - t[3], t[4] - t[0]);
  append (out, line);
  return 0;

fail:
  fprintf (stderr, "benchutil lc: %s step %d failed (rc %d)\n", id, step, rc);
  /* best-effort cleanup, not timed */
  a[nrt] = "delete"; a[nrt + 1] = "-f"; a[nrt + 2] = (char *) id; a[nrt + 3] = NULL;
  run_cmd (a, timeout, NULL);
  snprintf (line, sizeof line, "%s 0 0 0 0 0 %d\n", tag, step * 1000 + rc);
  append (out, line);
  return 1;
}

static int cmd_loop (int argc, char **argv)
{
  /* loop OUT TAG SECONDS IDPREFIX -- CMD... */
  if (argc < 7 || strcmp (argv[5], "--") != 0)
    return 2;
  const char *out = argv[1], *tag = argv[2], *prefix = argv[4];
  double secs = atof (argv[3]);
  char **cmd = argv + 6;
  int n = argc - 6;
  char **a = calloc (n + 1, sizeof *a);
  char idbuf[256];
  long ok = 0, fail = 0, i = 0;
  long long start_rt = now_us (CLOCK_REALTIME);
  long long deadline = now_us (CLOCK_MONOTONIC) + (long long) (secs * 1e6);

  while (now_us (CLOCK_MONOTONIC) < deadline)
    {
      snprintf (idbuf, sizeof idbuf, "%s-%ld", prefix, i++);
      for (int k = 0; k < n; k++)
        a[k] = strcmp (cmd[k], "@ID@") == 0 ? idbuf : cmd[k];
      if (run_cmd (a, 60, NULL) == 0)
        ok++;
      else
        fail++;
    }
  long long end_rt = now_us (CLOCK_REALTIME);
  char line[256];
  snprintf (line, sizeof line, "%s %ld %ld %lld %lld\n", tag, ok, fail, start_rt, end_rt);
  append (out, line);
  return 0;
}

static int cmd_pidwait (int argc, char **argv)
{
  if (argc < 4)
    return 2;
  return wait_pid_gone ((pid_t) atoi (argv[2]), atoi (argv[3]) * 1000) == 0 ? 0 : 1;
}

static volatile pid_t reaper_child;
static void forward (int sig)
{
  if (reaper_child > 0)
    kill (reaper_child, sig);
}

static int cmd_reaper (int argc, char **argv)
{
  const char *mask = NULL;
  int i = 2;
  if (i + 1 < argc && strcmp (argv[i], "-m") == 0)
    {
      mask = argv[i + 1];
      i += 2;
    }
  if (i >= argc || strcmp (argv[i], "--") != 0 || i + 1 >= argc)
    return 2;
  char **cmd = argv + i + 1;

  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    {
      perror ("benchutil: PR_SET_CHILD_SUBREAPER");
      return 1;
    }
  if (mask)
    {
      if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
          || mount (mask, "/sys/fs/cgroup/unified/cgroup.controllers", NULL, MS_BIND, NULL) < 0)
        {
          perror ("benchutil: mask cgroup2 controllers");
          return 1;
        }
    }
  pid_t pid;
  int err = posix_spawnp (&pid, cmd[0], NULL, NULL, cmd, environ);
  if (err != 0)
    {
      fprintf (stderr, "benchutil: spawn %s: %s\n", cmd[0], strerror (err));
      return 127;
    }
  reaper_child = pid;
  /* the terminal's ^C reaches the whole process group; let bash's trap handle it */
  signal (SIGINT, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  signal (SIGTERM, forward);
  signal (SIGHUP, forward);
  int st, rc = 1;
  for (;;)
    {
      pid_t w = waitpid (-1, &st, 0);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          break; /* ECHILD */
        }
      if (w == pid)
        {
          rc = WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
          break; /* leftovers are re-parented further up */
        }
    }
  return rc;
}

int main (int argc, char **argv)
{
  struct sigaction sa = { .sa_handler = on_alarm };
  sigaction (SIGALRM, &sa, NULL);
  if (argc >= 2)
    {
      if (strcmp (argv[1], "t") == 0)
        return cmd_t (argc - 1, argv + 1);
      if (strcmp (argv[1], "lc") == 0)
        return cmd_lc (argc - 1, argv + 1);
      if (strcmp (argv[1], "loop") == 0)
        return cmd_loop (argc - 1, argv + 1);
      if (strcmp (argv[1], "pidwait") == 0)
        return cmd_pidwait (argc, argv);
      if (strcmp (argv[1], "reaper") == 0)
        return cmd_reaper (argc, argv);
    }
  fprintf (stderr, "usage: benchutil t|lc|loop|pidwait|reaper ... (see source header)\n");
  return 2;
}
