/* seccomp-agent: a seccomp notify agent for the tests, at the other end
   of linux.seccomp.listenerPath.

     seccomp-agent [-e ERRNO] [-c] SOCKET STATE

   Listens on the unix socket SOCKET (SOCK_STREAM), takes one connection,
   reads the container process state it carries (the JSON, to its end,
   with the seccomp listener fd attached to the first byte, as
   runtime-spec says) and writes the JSON to the file STATE.  Then it
   answers every notification: the syscall fails with ERRNO (default
   EPERM), or with -c goes on as if no filter had stopped it
   (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  Each one is a line on stdout, the
   syscall's name.  It exits 0 when no process is left under the filter,
   1 with a reason on stderr if anything fails. */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

static int
fail (const char *what)
{
  fprintf (stderr, "seccomp-agent: %s: %s\n", what, strerror (errno));
  return 1;
}

/* The whole message into buf (NUL-terminated); the fd that came with it. */
static int
receive_state (int conn, char *buf, size_t size, int *listener)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  size_t used = 0;
  *listener = -1;
  for (;;)
    {
      struct iovec iov = { .iov_base = buf + used, .iov_len = size - 1 - used };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
      ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
      if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
        {
          if (used > 0 || *listener >= 0)
            {
              errno = EPROTO; /* fds only with the first sendmsg */
              return -1;
            }
          memcpy (listener, CMSG_DATA (cm), sizeof (int));
        }
      if (n == 0)
        break;
      used += (size_t) n;
      if (used == size - 1)
        {
          errno = EMSGSIZE;
          return -1;
        }
    }
  buf[used] = '\0';
  if (*listener < 0)
    {
      errno = EBADMSG;
      return -1;
    }
  return 0;
}

static int
write_state (const char *path, const char *json)
{
  char tmp[4096];
  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen (tmp, "we");
  if (f == NULL)
    return -1;
  fputs (json, f);
  if (fclose (f) != 0)
    return -1;
  return rename (tmp, path);
}

/* Answers notifications until nothing is left under the filter. */
static int
answer_all (int listener, int answer_errno, int go_on, const struct seccomp_notif_sizes *sizes,
            struct seccomp_notif *req, struct seccomp_notif_resp *resp)
{
  for (;;)
    {
      struct pollfd p = { .fd = listener, .events = POLLIN };
      if (poll (&p, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return fail ("poll");
        }
      if (!(p.revents & POLLIN))
        return 0; /* POLLHUP: nothing is left under the filter */
      memset (req, 0, sizes->seccomp_notif);
      if (ioctl (listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
        {
          if (errno == EINTR || errno == ENOENT) /* ENOENT: the caller went away */
            continue;
          return fail ("SECCOMP_IOCTL_NOTIF_RECV");
        }
      memset (resp, 0, sizes->seccomp_notif_resp);
      resp->id = req->id;
      if (go_on)
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
      else
        resp->error = -answer_errno;
      if (ioctl (listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
        return fail ("SECCOMP_IOCTL_NOTIF_SEND");
      /* Printed once answered: a test that sees the line may look for
         what the syscall did.  (With CONTINUE the syscall still runs after
         the answer, in the caller: see the test's own wait.) */
      char *name = seccomp_syscall_resolve_num_arch (req->data.arch, req->data.nr);
      printf ("%s\n", name ? name : "?");
      fflush (stdout);
      free (name);
    }
}

static int
serve (int listener, int answer_errno, int go_on)
{
  struct seccomp_notif_sizes sizes;
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    return fail ("SECCOMP_GET_NOTIF_SIZES");
  struct seccomp_notif *req = calloc (1, sizes.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc (1, sizes.seccomp_notif_resp);
  int ret = req && resp ? answer_all (listener, answer_errno, go_on, &sizes, req, resp) : fail ("calloc");
  free (req);
  free (resp);
  return ret;
}

int
main (int argc, char **argv)
{
  int answer_errno = EPERM, go_on = 0, opt;
  while ((opt = getopt (argc, argv, "ce:")) != -1)
    if (opt == 'e')
      answer_errno = atoi (optarg);
    else if (opt == 'c')
      go_on = 1;
    else
      return 2;
  if (argc - optind != 2)
    {
      fprintf (stderr, "usage: seccomp-agent [-e ERRNO] [-c] SOCKET STATE\n");
      return 2;
    }
  int fd = listen_on (argv[optind]);
  if (fd < 0)
    return fail ("listen");
  int conn;
  do
    conn = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return fail ("accept");
  static char state[1 << 20];
  int listener;
  if (receive_state (conn, state, sizeof state, &listener) < 0)
    return fail ("receive the container process state");
  close (conn);
  close (fd);
  if (write_state (argv[optind + 1], state) < 0)
    return fail ("write the state");
  return serve (listener, answer_errno, go_on);
}
