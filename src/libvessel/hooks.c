#include <config.h>

#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "log.h"
#include "process.h"
#include "utils.h"

char *
vessel_hook_state (const struct oci_state *s, int status, size_t *len)
{
  struct oci_state copy = *s;
  copy.status = status;
  if (copy.annotations_len == 0)
    copy.annotations = NULL; /* omitted, as Go's omitempty does */
  char *text = NULL, *msg = NULL;
  if (oci_state_generate (&copy, OCI_GEN_STATE_SPEC, &text, len, &msg) < 0)
    {
      /* Only a string that is not UTF-8 can fail, and every string here
         was parsed or checked before. */
      free (msg);
      text = xstrdup ("{}");
      *len = 2;
    }
  return text;
}

/* The hook's process: stdin from `in`, nothing else of vessel's. */
__attribute__ ((noreturn)) static void
exec_hook (const struct oci_hook *h, int in)
{
  vessel_process_reset_signals ();
  if (dup2 (in, 0) < 0)
    _exit (127);
  vessel_close_fds_except (3, NULL, 0);
  char *fallback[] = { h->path, NULL };
  char *no_env[] = { NULL };
  execve (h->path, h->args_len ? h->args : fallback, h->env ? h->env : no_env);
  _exit (127);
}

/* fork, with a pidfd for the wait when the kernel gives one. */
static pid_t
spawn (int *pidfd)
{
  struct clone_args args = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) pidfd,
                             .exit_signal = SIGCHLD };
  *pidfd = -1;
  pid_t pid = (pid_t) syscall (SYS_clone3, &args, sizeof args);
  if (pid < 0 && (errno == ENOSYS || errno == EINVAL))
    pid = fork ();
  return pid;
}

/* Waits up to timeout_ms (-1: for ever); -ETIMEDOUT when it is still
   running then. */
static int
wait_hook (pid_t pid, int pidfd, int timeout_ms, int *status)
{
  if (pidfd >= 0 && timeout_ms >= 0)
    {
      struct pollfd p = { .fd = pidfd, .events = POLLIN };
      int r;
      do
        r = poll (&p, 1, timeout_ms);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        return -ETIMEDOUT;
    }
  else if (timeout_ms >= 0)
    {
      /* No pidfd: look every 10 ms. */
      for (int waited = 0;; waited += 10)
        {
          pid_t r = waitpid (pid, status, WNOHANG);
          if (r == pid)
            return 0;
          if (waited >= timeout_ms)
            return -ETIMEDOUT;
          struct timespec ts = { 0, 10L * 1000 * 1000 };
          nanosleep (&ts, NULL);
        }
    }
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return -errno;
  return 0;
}

static int
run_hook (const struct oci_hook *h, const char *what, const char *state, size_t len, vessel_error **err)
{
  /* A socket rather than a pipe: a hook that does not read its stdin
     must not kill vessel with SIGPIPE (MSG_NOSIGNAL). */
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return vessel_fail_errno (err, errno, "%s: socketpair", what);
  cleanup_close int ours = sv[0], theirs = sv[1];
  cleanup_close int pidfd = -1;
  pid_t pid = spawn (&pidfd);
  if (pid < 0)
    return vessel_fail_errno (err, errno, "%s: fork", what);
  if (pid == 0)
    exec_hook (h, theirs);
  closep (&theirs);
  /* What does not fit in the socket's buffer at once is the hook's loss:
     it chose not to read. */
  for (size_t off = 0; off < len;)
    {
      ssize_t n = send (ours, state + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      off += (size_t) n;
    }
  closep (&ours);

  int status = 0;
  int ret = wait_hook (pid, pidfd, h->has_timeout ? (int) (h->timeout * 1000) : -1, &status);
  if (ret == -ETIMEDOUT)
    {
      kill (pid, SIGKILL);
      wait_hook (pid, -1, -1, &status);
      return vessel_fail (err, ETIMEDOUT, "%s: timed out after %lld s", what, (long long) h->timeout);
    }
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "%s: wait", what);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return vessel_fail (err, ENOEXEC, "%s: exited with status 127 (could it be executed?)", what);
  if (WIFEXITED (status))
    return vessel_fail (err, EIO, "%s: exited with status %d", what, WEXITSTATUS (status));
  return vessel_fail (err, EIO, "%s: killed by signal %d", what, WTERMSIG (status));
}

int
vessel_hooks_run (const struct oci_hook *hooks, size_t n, const char *phase, const char *state, size_t len,
                  bool keep_going, vessel_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *what = xasprintf ("config.json: .hooks.%s[%zu] (`%s`)", phase, i, hooks[i].path);
      int ret = run_hook (&hooks[i], what, state, len, err);
      if (ret < 0 && !keep_going)
        return ret;
      if (ret < 0)
        {
          vessel_warn ("%s", (*err)->msg);
          vessel_error_freep (err);
        }
    }
  return 0;
}
