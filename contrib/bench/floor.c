/* contrib/bench/floor.c - the "physical floor" of harness.sh: the least work a runtime can do
 * to run one command in a container built from the bench bundle's rootfs.
 *
 *   clone(NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET)   (same namespaces as `runc spec`)
 *   child:  make / rprivate, bind rootfs onto itself, pivot_root(".", "."),
 *           detach old root, mount /proc, execv(cmd)
 *   parent: waitpid, exit with the child's status
 *
 * No cgroups, no /dev, no capabilities/seccomp/rlimits, no state files, no
 * config parsing: whatever a real runtime costs above this row is its own.
 *
 * usage:
 *   floor [-c CGROUP_PROCS_FILE] ROOTFS CMD [ARGS...]   run CMD, wait for it
 *   floor -d PIDFILE ROOTFS CMD [ARGS...]   start CMD detached, write its
 *                                           host pid to PIDFILE, exit at once
 *   floor -e PID CMD [ARGS...]              "exec": join PID's namespaces
 *                                           (ipc uts net pid mnt), fork, execv
 * -c moves the container into a (caller-made) cgroup the way runtimes do it:
 * the parent writes the child's pid to CGROUP_PROCS_FILE while the child
 * waits on a pipe, so only the container's own allocations are charged to
 * that cgroup.  Used for the memory-limit probe; without -c there is no pipe.
 *
 * Build: cc -O2 -o floor floor.c        (harness.sh does this at every run)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rootfs;
static char **cmd;
static int sync_pipe[2] = { -1, -1 };

static void die (const char *what)
{
  fprintf (stderr, "floor: %s: %s\n", what, strerror (errno));
  _exit (127);
}

static int container_main (void *arg)
{
  (void) arg;
  if (sync_pipe[0] >= 0)
    {
      char b;
      close (sync_pipe[1]);
      if (read (sync_pipe[0], &b, 1) != 1)
        die ("wait for cgroup move");
      close (sync_pipe[0]);
    }
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die ("make / rprivate");
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    die ("bind rootfs");
  if (chdir (rootfs) < 0)
    die ("chdir rootfs");
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    die ("pivot_root");
  if (umount2 (".", MNT_DETACH) < 0)
    die ("detach old root");
  if (chdir ("/") < 0)
    die ("chdir /");
  if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    die ("mount /proc");
  execv (cmd[0], cmd);
  die ("execv");
  return 127;
}

static int wait_status (pid_t pid)
{
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      die ("waitpid");
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

static int do_exec (pid_t target)
{
  static const char *ns[] = { "ipc", "uts", "net", "pid", "mnt" }; /* mnt last */
  int fds[5];
  char path[64];
  for (int i = 0; i < 5; i++)
    {
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) target, ns[i]);
      if ((fds[i] = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        die (path);
    }
  for (int i = 0; i < 5; i++)
    if (setns (fds[i], 0) < 0)
      die ("setns");
  pid_t pid = fork (); /* needed to actually enter the pid namespace */
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      execv (cmd[0], cmd);
      die ("execv");
    }
  return wait_status (pid);
}

int main (int argc, char **argv)
{
  const char *cgprocs = NULL, *pidfile = NULL;
  pid_t exec_target = 0;
  int opt;
  while ((opt = getopt (argc, argv, "+c:d:e:")) != -1)
    switch (opt)
      {
      case 'c': cgprocs = optarg; break;
      case 'd': pidfile = optarg; break;
      case 'e': exec_target = (pid_t) atoi (optarg); break;
      default: goto usage;
      }
  if (exec_target > 0)
    {
      if (optind >= argc)
        goto usage;
      cmd = argv + optind;
      return do_exec (exec_target);
    }
  if (optind + 2 > argc)
    goto usage;
  rootfs = argv[optind];
  cmd = argv + optind + 1;

  if (cgprocs && pipe2 (sync_pipe, O_CLOEXEC) < 0)
    die ("pipe");

  static char stack[64 * 1024] __attribute__ ((aligned (16)));
  pid_t pid = clone (container_main, stack + sizeof stack,
                     CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | SIGCHLD, NULL);
  if (pid < 0)
    die ("clone");

  if (cgprocs)
    {
      char buf[32];
      int n = snprintf (buf, sizeof buf, "%d", (int) pid);
      int fd = open (cgprocs, O_WRONLY | O_CLOEXEC);
      close (sync_pipe[0]);
      if (fd < 0 || write (fd, buf, n) != n)
        {
          kill (pid, SIGKILL);
          die (cgprocs);
        }
      close (fd);
      if (write (sync_pipe[1], "x", 1) != 1)
        die ("release child");
      close (sync_pipe[1]);
    }

  if (pidfile)
    {
      FILE *f = fopen (pidfile, "w");
      if (f == NULL || fprintf (f, "%d\n", (int) pid) < 0 || fclose (f) != 0)
        {
          kill (pid, SIGKILL);
          die (pidfile);
        }
      return 0; /* detached: the child is re-parented to the nearest subreaper */
    }
  return wait_status (pid);

usage:
  fprintf (stderr, "usage: floor [-c CGROUP_PROCS] ROOTFS CMD [ARGS...]\n"
                   "       floor -d PIDFILE ROOTFS CMD [ARGS...]\n"
                   "       floor -e PID CMD [ARGS...]\n");
  return 2;
}
