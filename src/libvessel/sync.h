/* The messages between vessel and the container's init over their
 * socketpair (SOCK_SEQPACKET: one send, one message).  The init reports
 * every failure as SYNC_ERROR with the message of its error object, so
 * the parent can return it as its own. */
#ifndef VESSEL_SYNC_H
#define VESSEL_SYNC_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

enum vessel_sync_type
{
  SYNC_GO = 1,     /* parent: you are in your cgroups, go on (see vessel_init_waits_for_go) */
  SYNC_NEED_MAPS,  /* init: my user namespace exists, write its id maps */
  SYNC_MAPS_DONE,  /* parent: written */
  SYNC_INIT_PID,   /* init (after one more fork): I am the init, see my credentials */
  SYNC_NET_DEVICES, /* init: in my network namespace, move linux.netDevices here */
  SYNC_NET_DEVICES_DONE, /* parent: moved */
  SYNC_CREATE_HOOKS, /* init: about to pivot_root, run prestart and createRuntime */
  SYNC_HOOKS_DONE, /* parent: they ran; text: the state for createContainer */
  SYNC_READY,      /* init: set up, waiting to be started */
  SYNC_COMMIT,     /* parent: the state is written, you may outlive me
                      (text: the state for startContainer, when it has hooks) */
  SYNC_COMMITTED,  /* init: no longer tied to the parent's life */
  SYNC_START,      /* parent (run): exec the process now */
  SYNC_SECCOMP_FD, /* init or exec's child, after loading the filter: its
                      seccomp listener (SCM_RIGHTS), for listenerPath */
  SYNC_CGROUPS_MADE, /* parent, unasked, when the init started first: your cgroups exist */
  SYNC_ERROR,      /* init: failed; value is the errno, text the message */
};

/* Sends a message; `text` may be NULL.  With `credentials`, the kernel
   attaches our pid as the receiver sees it (SCM_CREDENTIALS). */
int vessel_sync_send (int fd, int type, int value, const char *text, int credentials);

/* Sends type with pass_fd attached (SCM_RIGHTS). */
int vessel_sync_send_fd (int fd, int type, int pass_fd);

/* Makes fd's receives fail with EAGAIN after VESSEL_SYNC_CHECK_MS
   without a message (SO_RCVTIMEO), for a waiter to check what the init
   cannot tell (vessel_cgroup_init_stalled) and receive again: the
   vessel_sync_recv, _expect and _wait_exec calls below then return
   -EAGAIN, and may be repeated. */
#define VESSEL_SYNC_CHECK_MS 1000
int vessel_sync_wake_to_check (int fd, vessel_error **err);

/* Receives the next message, which must be `type`.  A SYNC_ERROR becomes
   *err; the end of the stream becomes "the init process exited".  With
   `pid`, the sender's pid from its credentials is stored there. */
int vessel_sync_expect (int fd, int type, pid_t *pid, vessel_error **err);
/* The same, but a message `notice` may come first, once: it sets
   *noticed (and is the answer when type is notice). */
int vessel_sync_expect_after (int fd, int type, int notice, bool *noticed, vessel_error **err);

/* The same, and the message's text (malloc'ed, NULL when there is none). */
int vessel_sync_expect_text (int fd, int type, char **text, vessel_error **err);

/* Receives any message: its type (0 at end of stream), value and text
   (malloc'ed, may be NULL).  An fd sent with it is closed. */
int vessel_sync_recv (int fd, int *type, int *value, char **text, pid_t *pid);

/* What the parent does with a seccomp listener the process sends before
   execve (see seccomp.h); fn owns listener_fd. */
struct vessel_listener_handler
{
  int (*fn) (void *arg, int listener_fd, vessel_error **err);
  void *arg;
};

/* After SYNC_START (or SYNC_GO for exec): waits until the process has
   exec'd, which closes its close-on-exec end of fd, or reports why it
   could not; `what` names it in messages ("the container process").
   A listener on the way goes to h (NULL: the config has no notify rule,
   and a listener is a protocol error). */
int vessel_sync_wait_exec (int fd, const char *what, const struct vessel_listener_handler *h,
                           vessel_error **err);

#endif
