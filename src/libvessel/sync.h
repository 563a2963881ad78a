/* The messages between vessel and a process it starts (the container's
 * init, or exec's child) over their socketpair (SOCK_SEQPACKET: one send,
 * one message), and the order they come in.
 *
 * The protocol, one conversation read top to bottom.  "->" is vessel to
 * the process, "<-" the process to vessel; a message in [brackets] comes
 * only in the conversations it names:
 *
 *   -> GO               [vessel moves the init into its cgroups first
 *                        (vessel_init_waits_for_go); exec, always]
 *   <- NEED_MAPS        [a new user namespace]
 *   -> MAPS_DONE        [a new user namespace]
 *   <- INIT_PID         [the init forks into a new pid namespace]
 *   <- NET_DEVICES      [linux.netDevices]
 *   -> NET_DEVICES_DONE [linux.netDevices]
 *   <- CREATE_HOOKS     [prestart, createRuntime or createContainer hooks]
 *   -> HOOKS_DONE       [those hooks]
 *   <- READY            [create and run]
 *   -> COMMIT           [create and run]
 *   <- COMMITTED        [create and run]
 *   -> START            [run; create's init gets it from `vessel start`,
 *                        on the socket it listens on, which picks the
 *                        conversation up here]
 *   <- SECCOMP_FD       [a seccomp notify rule; may be left out]
 *   <- (end of stream)  the process exec'd: its end is close-on-exec
 *
 * and, outside that order:
 *   -> CGROUPS_MADE     [the init started first and joins its cgroups
 *                        itself]: sent unasked, once, at any point before
 *                        READY
 *   <- ERROR            at any point, as the process's last words: value
 *                        is the errno, text the message of its error,
 *                        which vessel returns as its own
 *
 * So exec's conversation with its child is GO, [SECCOMP_FD], the end of
 * the stream; create's ends at COMMITTED, and `vessel start` picks it up
 * at START on its own socket.
 *
 * A receiver takes the next message of the other side that its
 * conversation has; anything else fails, naming both ("sync: got
 * SYNC_READY while waiting for SYNC_INIT_PID").  The table in sync.c is
 * this list. */
#ifndef VESSEL_SYNC_H
#define VESSEL_SYNC_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

enum vessel_sync_type
{
  SYNC_END = 0,    /* not sent: the end of the stream */
  SYNC_GO = 1,     /* vessel: you are in your cgroups, go on (see vessel_init_waits_for_go) */
  SYNC_NEED_MAPS,  /* init: my user namespace exists, write its id maps */
  SYNC_MAPS_DONE,  /* vessel: written */
  SYNC_INIT_PID,   /* init (after one more fork): I am the init, see my credentials */
  SYNC_NET_DEVICES, /* init: in my network namespace, move linux.netDevices here */
  SYNC_NET_DEVICES_DONE, /* vessel: moved */
  SYNC_CREATE_HOOKS, /* init: about to pivot_root, run prestart and createRuntime */
  SYNC_HOOKS_DONE, /* vessel: they ran; text: the state for createContainer */
  SYNC_READY,      /* init: set up, waiting to be started */
  SYNC_COMMIT,     /* vessel: the state is written, you may outlive me
                      (text: the state for startContainer, when it has hooks) */
  SYNC_COMMITTED,  /* init: no longer tied to vessel's life */
  SYNC_START,      /* vessel: exec the process now */
  SYNC_SECCOMP_FD, /* init or exec's child, after loading the filter: its
                      seccomp listener (SCM_RIGHTS), for listenerPath */
  SYNC_CGROUPS_MADE, /* vessel, unasked, when the init started first: your cgroups exist */
  SYNC_ERROR,      /* init or exec's child: failed; value is the errno, text the message */
};

/* The parts of the protocol a conversation has (the brackets above). */
enum vessel_sync_with
{
  SYNC_WITH_GO = 1u << 0,
  SYNC_WITH_MAPS = 1u << 1,
  SYNC_WITH_PID_FORK = 1u << 2,
  SYNC_WITH_NET_DEVICES = 1u << 3,
  SYNC_WITH_HOOKS = 1u << 4,
  SYNC_WITH_CREATE = 1u << 5,   /* READY, COMMIT, COMMITTED */
  SYNC_WITH_START = 1u << 6,
  SYNC_WITH_LISTENER = 1u << 7, /* SECCOMP_FD */
  SYNC_WITH_CGROUPS_MADE = 1u << 8,
};

/* Which end of the socket. */
enum vessel_sync_side
{
  SYNC_VESSEL,  /* vessel: create, run, start, exec */
  SYNC_PROCESS, /* the init, or exec's child */
};

/* One end of a conversation, and how far it has got. */
struct vessel_sync
{
  int fd;
  const char *peer; /* the other end, in messages: "the init process" */
  int side;         /* enum vessel_sync_side: this end */
  unsigned with;    /* enum vessel_sync_with */
  int at;           /* the step of the protocol received last (-1: none yet) */
  unsigned noticed; /* the steps received outside the order (CGROUPS_MADE) */
};

/* A conversation on fd, from this `side`, with the parts `with`, picked up
   after the message `after` (SYNC_END: from the start). */
struct vessel_sync vessel_sync_open (int fd, int side, const char *peer, unsigned with, int after);

/* The protocol's check, without I/O: whether `type` may come next.
   Advances s and returns 0, or fails with EPROTO naming what came and
   what was expected (the end of the stream: EIO, "PEER exited before it
   was ready").  SYNC_ERROR is not checked here (see vessel_sync_next). */
int vessel_sync_check (struct vessel_sync *s, int type, vessel_error **err);

/* Whether the message `type`, which comes outside the order, came. */
bool vessel_sync_noticed (const struct vessel_sync *s, int type);

/* Sends a message to `peer` (named in the error: "write to PEER");
   `text` may be NULL.  SYNC_INIT_PID carries our credentials (the
   receiver sees our pid as in its pid namespace). */
int vessel_sync_send (int fd, const char *peer, int type, const char *text, vessel_error **err);

/* Sends type with pass_fd attached (SCM_RIGHTS). */
int vessel_sync_send_fd (int fd, const char *peer, int type, int pass_fd, vessel_error **err);

/* A failed process's last words: SYNC_ERROR with e's errno and message
   (`fallback` without e).  Nobody may be left to hear them: not checked. */
void vessel_sync_send_error (int fd, const vessel_error *e, const char *fallback);

/* Makes fd's receives fail with EAGAIN after VESSEL_SYNC_CHECK_MS
   without a message (SO_RCVTIMEO), for a waiter to check what the init
   cannot tell (vessel_cgroup_init_stalled) and receive again: the
   vessel_sync_next, _expect and _wait_exec calls below then return
   -EAGAIN, and may be repeated. */
#define VESSEL_SYNC_CHECK_MS 1000
int vessel_sync_wake_to_check (int fd, vessel_error **err);

/* A message received: text is malloc'ed (NULL when there is none); pid
   is the sender's from its credentials (SYNC_INIT_PID), fd the one that
   came with SYNC_SECCOMP_FD (else -1).  vessel_sync_msg_clear frees them.
   type stays -1 when nothing came. */
struct vessel_sync_msg
{
  int type;
  char *text;
  pid_t pid;
  int fd;
};
#define VESSEL_SYNC_MSG_INIT { .type = -1, .fd = -1 } /* type: none yet */
void vessel_sync_msg_clear (struct vessel_sync_msg *m);
#define cleanup_sync_msg __attribute__ ((cleanup (vessel_sync_msg_clear)))

/* Receives the next message, checked by vessel_sync_check.  SYNC_ERROR
   becomes *err, with the errno and message the process sent.  The end of
   the stream is SYNC_END where the protocol has it (the process exec'd).
   m is cleared first. */
int vessel_sync_next (struct vessel_sync *s, struct vessel_sync_msg *m, vessel_error **err);

/* The next message, which must be `type`, after any that come outside
   the order (see vessel_sync_noticed); its text, malloc'ed, goes to
   *text when text is not NULL. */
int vessel_sync_expect (struct vessel_sync *s, int type, char **text, vessel_error **err);

/* What the parent does with a seccomp listener the process sends before
   execve (see seccomp.h); fn owns listener_fd. */
struct vessel_listener_handler
{
  int (*fn) (void *arg, int listener_fd, vessel_error **err);
  void *arg;
};

/* After SYNC_GO, exec's end of the conversation: waits until the process
   has exec'd, or reports why it could not; `what` names it in messages
   ("the process").  A listener on the way goes to h (NULL: the config
   has no notify rule, and a listener is a protocol error). */
int vessel_sync_wait_exec (int fd, const char *what, const struct vessel_listener_handler *h,
                           vessel_error **err);

#endif
