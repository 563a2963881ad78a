/* The sync protocol between vessel and the init (sync.h): the order its
   messages may come in, checked without a kernel, then a few of them over
   a socketpair. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libvessel/sync.h"
#include "tap.h"

/* Feeds types (ended by -1) to the check; 0 when every one is taken, else
   the failure of the first one refused, its message in *msg. */
static int
feed (struct vessel_sync *s, const int *types, char **msg)
{
  for (size_t i = 0; types[i] >= 0; i++)
    {
      vessel_error *err = NULL;
      int ret = vessel_sync_check (s, types[i], &err);
      if (ret < 0)
        {
          *msg = strdup (err->msg);
          vessel_error_free (err);
          return ret;
        }
    }
  return 0;
}

#define FEED(s, ...) feed ((s), (const int[]) { __VA_ARGS__, -1 }, &msg)

static const unsigned everything = SYNC_WITH_MAPS | SYNC_WITH_PID_FORK | SYNC_WITH_NET_DEVICES | SYNC_WITH_HOOKS
                                   | SYNC_WITH_CREATE | SYNC_WITH_START | SYNC_WITH_LISTENER;

static void
test_order (void)
{
  char *msg = NULL;
  struct vessel_sync s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", everything | SYNC_WITH_GO, SYNC_END);
  ok (FEED (&s, SYNC_NEED_MAPS, SYNC_INIT_PID, SYNC_NET_DEVICES, SYNC_CREATE_HOOKS, SYNC_READY, SYNC_COMMITTED,
            SYNC_SECCOMP_FD, SYNC_END)
          == 0,
      "vessel: a run with every part takes the init's messages in order");

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", everything | SYNC_WITH_GO, SYNC_END);
  ok (FEED (&s, SYNC_GO, SYNC_MAPS_DONE, SYNC_NET_DEVICES_DONE, SYNC_HOOKS_DONE, SYNC_COMMIT, SYNC_START) == 0,
      "the init: takes vessel's messages in order");

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE, SYNC_END);
  ok (FEED (&s, SYNC_READY, SYNC_COMMITTED) == 0, "create with no optional part: READY, COMMITTED");

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE | SYNC_WITH_MAPS | SYNC_WITH_PID_FORK,
                        SYNC_END);
  ok (FEED (&s, SYNC_NEED_MAPS, SYNC_READY) == -EPROTO, "a message out of order is refused");
  is_str (msg, "sync: got SYNC_READY while waiting for SYNC_INIT_PID", "and the error names both");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE, SYNC_END);
  ok (FEED (&s, SYNC_NEED_MAPS) == -EPROTO, "NEED_MAPS only with a new user namespace");
  is_str (msg, "sync: got SYNC_NEED_MAPS while waiting for SYNC_READY", "what was expected instead");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE | SYNC_WITH_HOOKS, SYNC_END);
  ok (FEED (&s, SYNC_CREATE_HOOKS, SYNC_CREATE_HOOKS) == -EPROTO, "a message does not come twice");
  is_str (msg, "sync: got SYNC_CREATE_HOOKS while waiting for SYNC_READY", "and says so");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE | SYNC_WITH_NET_DEVICES, SYNC_END);
  ok (FEED (&s, SYNC_NET_DEVICES, SYNC_END) == -EIO, "the end of the stream before READY fails");
  is_str (msg, "the init process exited before it was ready", "as the init's death");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE, SYNC_END);
  ok (FEED (&s, 99) == -EPROTO, "an unknown message is refused");
  is_str (msg, "sync: got message 99 while waiting for SYNC_READY", "by its number");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", SYNC_WITH_CREATE, SYNC_END);
  ok (FEED (&s, SYNC_START) == -EPROTO, "the init of create takes SYNC_START only from `start`");
  is_str (msg, "sync: got SYNC_START while waiting for SYNC_COMMIT", "which is not its conversation");
  free (msg);
  msg = NULL;
}

static void
test_optional_parts (void)
{
  char *msg = NULL;
  unsigned run = SYNC_WITH_CREATE | SYNC_WITH_START | SYNC_WITH_LISTENER;
  struct vessel_sync s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", run, SYNC_END);
  ok (FEED (&s, SYNC_READY, SYNC_COMMITTED, SYNC_END) == 0, "a seccomp listener may be left out");

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", run, SYNC_END);
  ok (FEED (&s, SYNC_READY, SYNC_COMMITTED, SYNC_READY) == -EPROTO, "after COMMITTED, READY is refused");
  is_str (msg, "sync: got SYNC_READY while waiting for SYNC_SECCOMP_FD or the end of the stream",
          "naming every message that could have come");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the init process", SYNC_WITH_CREATE | SYNC_WITH_START, SYNC_END);
  ok (FEED (&s, SYNC_READY, SYNC_COMMITTED, SYNC_SECCOMP_FD) == -EPROTO, "SECCOMP_FD only with a notify rule");
  is_str (msg, "sync: got SYNC_SECCOMP_FD while waiting for the end of the stream", "what exec waits for");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_VESSEL, "the container process", SYNC_WITH_START | SYNC_WITH_LISTENER,
                        SYNC_COMMITTED);
  ok (FEED (&s, SYNC_SECCOMP_FD, SYNC_END) == 0, "start picks the conversation up after COMMITTED");
  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", SYNC_WITH_START, SYNC_COMMITTED);
  ok (FEED (&s, SYNC_START) == 0, "and the init's end of it waits for START");

  s = vessel_sync_open (-1, SYNC_VESSEL, "the process", SYNC_WITH_GO | SYNC_WITH_LISTENER, SYNC_END);
  ok (FEED (&s, SYNC_SECCOMP_FD, SYNC_END) == 0, "exec: after GO, its listener and its execve");
  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", SYNC_WITH_GO, SYNC_END);
  ok (FEED (&s, SYNC_GO) == 0, "exec's child waits for GO");
}

static void
test_notice (void)
{
  char *msg = NULL;
  unsigned with = SYNC_WITH_CREATE | SYNC_WITH_NET_DEVICES | SYNC_WITH_CGROUPS_MADE;
  struct vessel_sync s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", with, SYNC_END);
  ok (!vessel_sync_noticed (&s, SYNC_CGROUPS_MADE), "CGROUPS_MADE not yet come");
  ok (FEED (&s, SYNC_CGROUPS_MADE, SYNC_NET_DEVICES_DONE, SYNC_COMMIT) == 0, "CGROUPS_MADE may come first");
  ok (vessel_sync_noticed (&s, SYNC_CGROUPS_MADE), "and is noticed");

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", with, SYNC_END);
  ok (FEED (&s, SYNC_NET_DEVICES_DONE, SYNC_CGROUPS_MADE, SYNC_COMMIT) == 0, "or after another message");

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", with, SYNC_END);
  ok (FEED (&s, SYNC_CGROUPS_MADE, SYNC_CGROUPS_MADE) == -EPROTO, "but only once");
  is_str (msg, "sync: got SYNC_CGROUPS_MADE while waiting for SYNC_NET_DEVICES_DONE", "and names what was next");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", with, SYNC_END);
  ok (FEED (&s, SYNC_NET_DEVICES_DONE, SYNC_COMMIT, SYNC_CGROUPS_MADE) == -EPROTO, "and never after READY");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", SYNC_WITH_CREATE | SYNC_WITH_NET_DEVICES, SYNC_END);
  ok (FEED (&s, SYNC_CGROUPS_MADE) == -EPROTO, "nor when the init does not join its cgroups itself");
  is_str (msg, "sync: got SYNC_CGROUPS_MADE while waiting for SYNC_NET_DEVICES_DONE", "what it waits for");
  free (msg);
  msg = NULL;

  s = vessel_sync_open (-1, SYNC_PROCESS, "vessel", with, SYNC_END);
  ok (FEED (&s, SYNC_COMMIT) == -EPROTO, "waiting for a reply, the init lists the notice too");
  is_str (msg, "sync: got SYNC_COMMIT while waiting for SYNC_NET_DEVICES_DONE or SYNC_CGROUPS_MADE",
          "both messages");
  free (msg);
}

/* The same over a socketpair: what vessel_sync_next and _expect make of it. */
static void
test_socket (void)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    {
      ok (0, "socketpair: %s", strerror (errno));
      return;
    }
  vessel_error *err = NULL;
  unsigned with = SYNC_WITH_CREATE | SYNC_WITH_HOOKS | SYNC_WITH_CGROUPS_MADE;
  struct vessel_sync init = vessel_sync_open (sv[1], SYNC_PROCESS, "vessel", with, SYNC_END);
  struct vessel_sync vessel = vessel_sync_open (sv[0], SYNC_VESSEL, "the init process", with, SYNC_END);

  ok (vessel_sync_send (sv[0], "the init process", SYNC_CGROUPS_MADE, NULL, &err) == 0
          && vessel_sync_send (sv[0], "the init process", SYNC_HOOKS_DONE, "{}", &err) == 0,
      "vessel sends CGROUPS_MADE, then HOOKS_DONE");
  char *text = NULL;
  ok (vessel_sync_expect (&init, SYNC_HOOKS_DONE, &text, &err) == 0 && text && strcmp (text, "{}") == 0,
      "expect passes the notice on its way to HOOKS_DONE, and its text");
  free (text);
  ok (vessel_sync_noticed (&init, SYNC_CGROUPS_MADE), "having noticed it");

  vessel_sync_send (sv[1], "vessel", SYNC_COMMITTED, NULL, &err);
  ok (vessel_sync_expect (&vessel, SYNC_READY, NULL, &err) == -EPROTO, "COMMITTED before READY is refused");
  is_str (err ? err->msg : NULL, "sync: got SYNC_COMMITTED while waiting for SYNC_CREATE_HOOKS",
          "naming both");
  vessel_error_freep (&err);

  vessel_error mine = { .code = ENOSPC, .msg = (char *) "write `/x`: No space left on device" };
  vessel_sync_send_error (sv[1], &mine, "the init process failed");
  ok (vessel_sync_expect (&vessel, SYNC_READY, NULL, &err) == -ENOSPC, "SYNC_ERROR is the process's own error");
  is_str (err ? err->msg : NULL, "write `/x`: No space left on device", "with its message");
  vessel_error_freep (&err);

  close (sv[1]);
  ok (vessel_sync_expect (&vessel, SYNC_READY, NULL, &err) == -EIO, "the end of the stream before READY");
  is_str (err ? err->msg : NULL, "the init process exited before it was ready", "is the init's death");
  vessel_error_freep (&err);
  ok (vessel_sync_send (sv[0], "the init process", SYNC_GO, NULL, &err) == -EPIPE, "a send to nobody fails");
  is_str (err ? err->msg : NULL, "write to the init process: Broken pipe", "and says to whom");
  vessel_error_freep (&err);
  close (sv[0]);

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return;
  close (sv[1]);
  ok (vessel_sync_wait_exec (sv[0], "the process", NULL, &err) == 0, "wait_exec: the end of the stream is execve");
  close (sv[0]);
}

int
main (void)
{
  test_order ();
  test_optional_parts ();
  test_notice ();
  test_socket ();
  return tap_done ();
}
