#include <config.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "foreground.h"
#include "log.h"
#include "utils.h"

/* The signals forwarded: all but the synchronous ones, which are about
   vessel itself. */
static void
forwarded_signals (sigset_t *set)
{
  sigfillset (set);
  static const int own[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
  for (size_t i = 0; i < ARRAY_SIZE (own); i++)
    sigdelset (set, own[i]);
}

static int
exit_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

/* Reaps children; true once pid is among them (as a subreaper, `run`
   also gets orphans of the container). */
static bool
reap (pid_t pid, int *exit_status)
{
  for (;;)
    {
      int status;
      pid_t r = waitpid (-1, &status, WNOHANG);
      if (r <= 0)
        return false;
      if (r == pid)
        {
          *exit_status = exit_code (status);
          return true;
        }
    }
}

int
vessel_foreground_begin (struct vessel_foreground *f, vessel_error **err)
{
  sigset_t forwarded;
  forwarded_signals (&forwarded);
  sigprocmask (SIG_BLOCK, &forwarded, &f->old_mask);
  f->sigfd = signalfd (-1, &forwarded, SFD_CLOEXEC);
  if (f->sigfd < 0)
    {
      int e = errno;
      sigprocmask (SIG_SETMASK, &f->old_mask, NULL);
      return vessel_fail_errno (err, e, "signalfd");
    }
  return 0;
}

void
vessel_foreground_end (struct vessel_foreground *f)
{
  if (f->sigfd < 0)
    return;
  closep (&f->sigfd);
  sigprocmask (SIG_SETMASK, &f->old_mask, NULL);
}

int
vessel_foreground_wait (struct vessel_foreground *f, pid_t pid, struct vessel_tty_proxy *tty,
                        int *exit_status, vessel_error **err)
{
  int sigfd = f->sigfd;
  for (;;)
    {
      struct pollfd fds[3] = { { .fd = sigfd, .events = POLLIN } };
      size_t n = vessel_tty_proxy_pollfds (tty, fds, 1);
      if (n > 1)
        {
          /* Without a terminal the read below is the only wait. */
          if (poll (fds, n, -1) < 0)
            {
              if (errno == EINTR)
                continue;
              return vessel_fail_errno (err, errno, "poll");
            }
          vessel_tty_proxy_io (tty, fds, 1, n);
          if (!(fds[0].revents & POLLIN))
            continue;
        }
      struct signalfd_siginfo si;
      ssize_t r = read (sigfd, &si, sizeof si);
      if (r < 0 && errno == EINTR)
        continue;
      if (r != (ssize_t) sizeof si)
        return vessel_fail_errno (err, r < 0 ? errno : EIO, "read signalfd");
      if (si.ssi_signo == SIGCHLD)
        {
          if (reap (pid, exit_status))
            return 0;
        }
      else if (si.ssi_signo == SIGWINCH && tty->raw)
        vessel_tty_proxy_resize (tty);
      else if (kill (pid, (int) si.ssi_signo) < 0 && errno != ESRCH)
        vessel_warn ("forward signal %u to %d: %s", si.ssi_signo, (int) pid, strerror (errno));
    }
}

