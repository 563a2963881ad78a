#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sync.h"
#include "utils.h"

#define SYNC_MAX_TEXT 65536 /* a state for the hooks, with its annotations */

struct sync_header
{
  int32_t type;
  int32_t value;
};

/* One message, with our credentials and/or one fd (SCM_RIGHTS) attached. */
static int
sync_send (int fd, int type, int value, const char *text, bool credentials, int pass_fd)
{
  struct sync_header h = { type, value };
  size_t len = text ? strnlen (text, SYNC_MAX_TEXT) : 0;
  struct iovec iov[2] = { { &h, sizeof h }, { (void *) text, len } };
  union
  {
    char buf[CMSG_SPACE (sizeof (struct ucred)) + CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  memset (&control, 0, sizeof control);
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1, .msg_control = control.buf };
  struct cmsghdr *c = (struct cmsghdr *) control.buf;
  if (credentials)
    {
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_CREDENTIALS;
      c->cmsg_len = CMSG_LEN (sizeof (struct ucred));
      struct ucred cred = { getpid (), getuid (), getgid () };
      memcpy (CMSG_DATA (c), &cred, sizeof cred);
      msg.msg_controllen += CMSG_SPACE (sizeof (struct ucred));
      c = (struct cmsghdr *) (control.buf + msg.msg_controllen);
    }
  if (pass_fd >= 0)
    {
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &pass_fd, sizeof (int));
      msg.msg_controllen += CMSG_SPACE (sizeof (int));
    }
  if (msg.msg_controllen == 0)
    msg.msg_control = NULL;
  for (;;)
    {
      ssize_t r = sendmsg (fd, &msg, MSG_NOSIGNAL);
      if (r >= 0)
        return 0;
      if (errno != EINTR)
        return -errno;
    }
}

int
vessel_sync_send (int fd, int type, int value, const char *text, int credentials)
{
  return sync_send (fd, type, value, text, credentials, -1);
}

int
vessel_sync_send_fd (int fd, int type, int pass_fd)
{
  return sync_send (fd, type, 0, NULL, false, pass_fd);
}

int
vessel_sync_wake_to_check (int fd, vessel_error **err)
{
  struct timeval tv = { VESSEL_SYNC_CHECK_MS / 1000, (suseconds_t) (VESSEL_SYNC_CHECK_MS % 1000) * 1000 };
  if (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
    return vessel_fail_errno (err, errno, "setsockopt SO_RCVTIMEO");
  return 0;
}

/* One message; *pass_fd gets an fd that came with it (-1 if none). */
static int
sync_recv (int fd, int *type, int *value, char **text, pid_t *pid, int *pass_fd)
{
  char buf[sizeof (struct sync_header) + SYNC_MAX_TEXT];
  union
  {
    char buf[CMSG_SPACE (sizeof (struct ucred)) + CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { buf, sizeof buf };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  ssize_t r;
  bool reset_seen = false;
  *pass_fd = -1;
  /* A peer that closed with a message of ours unread leaves ECONNRESET,
     which the kernel reports once, before what it had sent: its last
     words (SYNC_ERROR) come with the next read. */
  do
    r = recvmsg (fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && (errno == EINTR || (errno == ECONNRESET && !reset_seen && (reset_seen = true))));
  if (r < 0)
    return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && pid)
      {
        struct ucred cred;
        memcpy (&cred, CMSG_DATA (c), sizeof cred);
        *pid = cred.pid;
      }
    else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN (sizeof (int)))
      memcpy (pass_fd, CMSG_DATA (c), sizeof (int));
  *text = NULL;
  if (r == 0)
    {
      *type = 0;
      *value = 0;
      return 0;
    }
  if ((size_t) r < sizeof (struct sync_header))
    return -EPROTO;
  struct sync_header h;
  memcpy (&h, buf, sizeof h);
  *type = h.type;
  *value = h.value;
  size_t len = (size_t) r - sizeof h;
  if (len > 0)
    {
      *text = xmalloc (len + 1);
      memcpy (*text, buf + sizeof h, len);
      (*text)[len] = '\0';
    }
  return 0;
}

int
vessel_sync_recv (int fd, int *type, int *value, char **text, pid_t *pid)
{
  cleanup_close int unexpected = -1;
  return sync_recv (fd, type, value, text, pid, &unexpected);
}

/* 1 when the message is `notice` (-1: none) rather than `type`. */
static int
expect_one (int fd, int type, int notice, pid_t *pid, char **text_out, vessel_error **err)
{
  int got, value;
  cleanup_free char *text = NULL;
  int ret = vessel_sync_recv (fd, &got, &value, &text, pid);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "read from the init process");
  if (got == notice)
    return 1;
  if (got == SYNC_ERROR)
    return vessel_fail (err, value > 0 ? value : EIO, "%s", text ? text : "the init process failed");
  if (got == 0)
    return vessel_fail (err, EIO, "the init process exited before it was ready");
  if (got != type)
    return vessel_fail (err, EPROTO, "unexpected message %d from the init process (wanted %d)", got, type);
  if (text_out)
    *text_out = steal_pointer (&text);
  return 0;
}

static int
expect (int fd, int type, pid_t *pid, char **text_out, vessel_error **err)
{
  return expect_one (fd, type, -1, pid, text_out, err);
}

int
vessel_sync_expect (int fd, int type, pid_t *pid, vessel_error **err)
{
  return expect (fd, type, pid, NULL, err);
}

int
vessel_sync_expect_after (int fd, int type, int notice, bool *noticed, vessel_error **err)
{
  for (;;)
    {
      int ret = expect_one (fd, type, *noticed ? -1 : notice, NULL, NULL, err);
      if (ret <= 0)
        return ret;
      *noticed = true;
      if (type == notice)
        return 0;
    }
}

int
vessel_sync_expect_text (int fd, int type, char **text, vessel_error **err)
{
  *text = NULL;
  return expect (fd, type, NULL, text, err);
}

int
vessel_sync_wait_exec (int fd, const char *what, const struct vessel_listener_handler *h, vessel_error **err)
{
  for (;;)
    {
      int type, value, ret;
      cleanup_close int listener = -1;
      cleanup_free char *text = NULL;
      if ((ret = sync_recv (fd, &type, &value, &text, NULL, &listener)) < 0)
        return vessel_fail_errno (err, -ret, "start %s", what);
      if (type == SYNC_ERROR)
        return vessel_fail (err, value > 0 ? value : EIO, "%s", text ? text : "the process failed to start");
      if (type == 0)
        return 0;
      if (type != SYNC_SECCOMP_FD || listener < 0)
        return vessel_fail (err, EPROTO, "unexpected message %d at start", type);
      if (h == NULL)
        return vessel_fail (err, EPROTO, "%s sent a seccomp listener nobody asked for", what);
      if ((ret = h->fn (h->arg, steal_fd (&listener), err)) < 0)
        return ret;
    }
}
