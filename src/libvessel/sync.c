#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* The protocol of sync.h, in order: who sends each message, the part of
   a conversation it belongs to (0: every one), and how it comes.  A
   receiver walks from the step it received last over the other side's
   steps of its conversation: it may get any of them up to the first one
   that cannot be left out. */
enum step_kind
{
  STEP_NEEDED,   /* comes, in its place */
  STEP_OPTIONAL, /* may be left out */
  STEP_NOTICE,   /* at any point before its place, once; the order goes on */
};

struct sync_step
{
  int type;
  int sender;
  unsigned with;
  int kind;
};

static const struct sync_step protocol[] = {
  { SYNC_GO, SYNC_VESSEL, SYNC_WITH_GO, STEP_NEEDED },
  { SYNC_NEED_MAPS, SYNC_PROCESS, SYNC_WITH_MAPS, STEP_NEEDED },
  { SYNC_MAPS_DONE, SYNC_VESSEL, SYNC_WITH_MAPS, STEP_NEEDED },
  { SYNC_INIT_PID, SYNC_PROCESS, SYNC_WITH_PID_FORK, STEP_NEEDED },
  { SYNC_NET_DEVICES, SYNC_PROCESS, SYNC_WITH_NET_DEVICES, STEP_NEEDED },
  { SYNC_NET_DEVICES_DONE, SYNC_VESSEL, SYNC_WITH_NET_DEVICES, STEP_NEEDED },
  { SYNC_CREATE_HOOKS, SYNC_PROCESS, SYNC_WITH_HOOKS, STEP_NEEDED },
  { SYNC_HOOKS_DONE, SYNC_VESSEL, SYNC_WITH_HOOKS, STEP_NEEDED },
  { SYNC_CGROUPS_MADE, SYNC_VESSEL, SYNC_WITH_CGROUPS_MADE, STEP_NOTICE },
  { SYNC_READY, SYNC_PROCESS, SYNC_WITH_CREATE, STEP_NEEDED },
  { SYNC_COMMIT, SYNC_VESSEL, SYNC_WITH_CREATE, STEP_NEEDED },
  { SYNC_COMMITTED, SYNC_PROCESS, SYNC_WITH_CREATE, STEP_NEEDED },
  { SYNC_START, SYNC_VESSEL, SYNC_WITH_START, STEP_NEEDED },
  { SYNC_SECCOMP_FD, SYNC_PROCESS, SYNC_WITH_LISTENER, STEP_OPTIONAL },
  { SYNC_END, SYNC_PROCESS, 0, STEP_NEEDED },
};

#define N_STEPS ((int) ARRAY_SIZE (protocol))

static const char *const type_names[] = {
  [SYNC_END] = "the end of the stream",
  [SYNC_GO] = "SYNC_GO",
  [SYNC_NEED_MAPS] = "SYNC_NEED_MAPS",
  [SYNC_MAPS_DONE] = "SYNC_MAPS_DONE",
  [SYNC_INIT_PID] = "SYNC_INIT_PID",
  [SYNC_NET_DEVICES] = "SYNC_NET_DEVICES",
  [SYNC_NET_DEVICES_DONE] = "SYNC_NET_DEVICES_DONE",
  [SYNC_CREATE_HOOKS] = "SYNC_CREATE_HOOKS",
  [SYNC_HOOKS_DONE] = "SYNC_HOOKS_DONE",
  [SYNC_READY] = "SYNC_READY",
  [SYNC_COMMIT] = "SYNC_COMMIT",
  [SYNC_COMMITTED] = "SYNC_COMMITTED",
  [SYNC_START] = "SYNC_START",
  [SYNC_SECCOMP_FD] = "SYNC_SECCOMP_FD",
  [SYNC_CGROUPS_MADE] = "SYNC_CGROUPS_MADE",
  [SYNC_ERROR] = "SYNC_ERROR",
};

/* The name of a message (buf for one that has none). */
static const char *
type_name (int type, char *buf, size_t size)
{
  if (type >= 0 && (size_t) type < ARRAY_SIZE (type_names) && type_names[type])
    return type_names[type];
  snprintf (buf, size, "message %d", type);
  return buf;
}

static int
step_of (int type)
{
  for (int i = 0; i < N_STEPS; i++)
    if (protocol[i].type == type)
      return i;
  return -1;
}

struct vessel_sync
vessel_sync_open (int fd, int side, const char *peer, unsigned with, int after)
{
  return (struct vessel_sync) { .fd = fd, .peer = peer, .side = side, .with = with,
                                .at = after == SYNC_END ? -1 : step_of (after) };
}

/* The steps the other side may send now, in order: those of the walk
   (see protocol), then the notices still to come. */
static size_t
steps_expected (const struct vessel_sync *s, int *steps)
{
  size_t n = 0;
  bool walking = true;
  for (int i = s->at + 1; i < N_STEPS; i++)
    {
      const struct sync_step *p = &protocol[i];
      if (p->sender == s->side || (p->with && !(s->with & p->with)))
        continue;
      if (p->kind == STEP_NOTICE ? !(s->noticed & (1u << i)) : walking)
        steps[n++] = i;
      if (p->kind == STEP_NEEDED)
        walking = false;
    }
  return n;
}

static bool
expects_end (const struct vessel_sync *s)
{
  int steps[N_STEPS];
  size_t n = steps_expected (s, steps);
  for (size_t i = 0; i < n; i++)
    if (protocol[steps[i]].type == SYNC_END)
      return true;
  return false;
}

static int
refuse (const struct vessel_sync *s, int type, const int *steps, size_t n, vessel_error **err)
{
  if (type == SYNC_END)
    return vessel_fail (err, EIO, s->side == SYNC_VESSEL ? "%s exited before it was ready" : "%s exited", s->peer);
  char buf[32], expected[512] = "";
  size_t len = 0;
  for (size_t i = 0; i < n && len < sizeof expected; i++)
    len += (size_t) snprintf (expected + len, sizeof expected - len, "%s%s",
                              i == 0 ? "" : i + 1 == n ? " or " : ", ", type_names[protocol[steps[i]].type]);
  return vessel_fail (err, EPROTO, "sync: got %s while waiting for %s", type_name (type, buf, sizeof buf),
                      n ? expected : "nothing more");
}

int
vessel_sync_check (struct vessel_sync *s, int type, vessel_error **err)
{
  int steps[N_STEPS];
  size_t n = steps_expected (s, steps);
  for (size_t i = 0; i < n; i++)
    {
      if (protocol[steps[i]].type != type)
        continue;
      if (protocol[steps[i]].kind == STEP_NOTICE)
        s->noticed |= 1u << steps[i];
      else
        s->at = steps[i];
      return 0;
    }
  return refuse (s, type, steps, n, err);
}

bool
vessel_sync_noticed (const struct vessel_sync *s, int type)
{
  int i = step_of (type);
  return i >= 0 && (s->noticed & (1u << i));
}

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
vessel_sync_send (int fd, const char *peer, int type, const char *text, vessel_error **err)
{
  int ret = sync_send (fd, type, 0, text, type == SYNC_INIT_PID, -1);
  return ret < 0 ? vessel_fail_errno (err, -ret, "write to %s", peer) : 0;
}

int
vessel_sync_send_fd (int fd, const char *peer, int type, int pass_fd, vessel_error **err)
{
  int ret = sync_send (fd, type, 0, NULL, false, pass_fd);
  return ret < 0 ? vessel_fail_errno (err, -ret, "write to %s", peer) : 0;
}

void
vessel_sync_send_error (int fd, const vessel_error *e, const char *fallback)
{
  (void) sync_send (fd, SYNC_ERROR, e ? e->code : EIO, e ? e->msg : fallback, false, -1);
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

void
vessel_sync_msg_clear (struct vessel_sync_msg *m)
{
  free (m->text);
  closep (&m->fd);
  *m = (struct vessel_sync_msg) VESSEL_SYNC_MSG_INIT;
}

int
vessel_sync_next (struct vessel_sync *s, struct vessel_sync_msg *m, vessel_error **err)
{
  int value, ret;
  vessel_sync_msg_clear (m);
  /* On the way to execve, the messages say so (as `start` always did). */
  bool starting = expects_end (s);
  if ((ret = sync_recv (s->fd, &m->type, &value, &m->text, &m->pid, &m->fd)) < 0)
    return starting ? vessel_fail_errno (err, -ret, "start %s", s->peer)
                    : vessel_fail_errno (err, -ret, "read from %s", s->peer);
  if (m->type == SYNC_ERROR && m->text)
    return vessel_fail (err, value > 0 ? value : EIO, "%s", m->text);
  if (m->type == SYNC_ERROR)
    return starting ? vessel_fail (err, value > 0 ? value : EIO, "the process failed to start")
                    : vessel_fail (err, value > 0 ? value : EIO, "%s failed", s->peer);
  if ((ret = vessel_sync_check (s, m->type, err)) < 0)
    return ret;
  if (m->type == SYNC_SECCOMP_FD && m->fd < 0)
    return vessel_fail (err, EPROTO, "sync: got SYNC_SECCOMP_FD without a descriptor");
  if (m->type != SYNC_SECCOMP_FD)
    closep (&m->fd); /* nothing else carries one */
  return 0;
}

int
vessel_sync_expect (struct vessel_sync *s, int type, char **text, vessel_error **err)
{
  cleanup_sync_msg struct vessel_sync_msg m = VESSEL_SYNC_MSG_INIT;
  int ret;
  do
    if ((ret = vessel_sync_next (s, &m, err)) < 0)
      return ret;
  while (m.type != type && vessel_sync_noticed (s, m.type));
  if (m.type != type)
    {
      char buf[32];
      return vessel_fail (err, EPROTO, "sync: got %s while waiting for %s", type_name (m.type, buf, sizeof buf),
                          type_names[type]);
    }
  if (text)
    *text = steal_pointer (&m.text);
  return 0;
}

int
vessel_sync_wait_exec (int fd, const char *what, const struct vessel_listener_handler *h, vessel_error **err)
{
  struct vessel_sync s = vessel_sync_open (fd, SYNC_VESSEL, what, h ? SYNC_WITH_LISTENER : 0, SYNC_GO);
  cleanup_sync_msg struct vessel_sync_msg m = VESSEL_SYNC_MSG_INIT;
  int ret;
  while ((ret = vessel_sync_next (&s, &m, err)) == 0 && m.type == SYNC_SECCOMP_FD)
    if ((ret = h->fn (h->arg, steal_fd (&m.fd), err)) < 0)
      return ret;
  return ret;
}
