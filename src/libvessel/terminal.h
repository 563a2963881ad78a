/* Terminals: process.terminal.
 *
 * The init allocates the pseudoterminal inside the container, from the
 * container's own devpts (so the process sees /dev/pts/N of its instance
 * and nothing of the host's), makes the pty its stdin, stdout, stderr and
 * controlling terminal, binds it over /dev/console, and sends the master
 * over a unix socket: the one the caller named with --console-socket, or
 * one end of a socketpair held by `vessel run` in the foreground, which
 * then copies between the master and its own stdio. */
#ifndef VESSEL_TERMINAL_H
#define VESSEL_TERMINAL_H

#include <stdbool.h>
#include <poll.h>
#include <stddef.h>
#include <termios.h>

#include "error.h"
#include "ocispec.h"

/* Parent: connects to the caller's console socket (a path on the host,
   so this happens before the init exists).  Returns the fd. */
int vessel_console_socket_connect (const char *path, vessel_error **err);

/* Parent: where the master will go (runc's rules): to --console-socket
   when vessel does not stay (create, run --detach, exec --detach), to
   vessel itself in the foreground, which holds *console_peer and gives
   the init *console_fd.  `setting` names the terminal flag in messages
   ("config.json: .process.terminal").  Both stay -1 without a terminal. */
int vessel_terminal_prepare (bool terminal, const char *socket_path, bool foreground, const char *setting,
                             int *console_fd, int *console_peer, vessel_error **err);

/* Init, after pivot_root and before the root is made read-only: the pty
   as above; `size` (process.consoleSize) may be NULL.  The master is sent
   over console_fd.  `where` names the process in messages
   ("config.json: .process"). */
int vessel_terminal_setup (int console_fd, const struct oci_box *size, bool bind_console,
                           const char *where, vessel_error **err);

/* Parent: the master the init sent over sock. */
int vessel_terminal_recv_master (int sock, int *master, vessel_error **err);

/* `vessel run` in the foreground with a terminal: copies stdin to the
   master and the master to stdout, with the host terminal (when stdin is
   one) in raw mode until vessel_tty_proxy_end. */
struct vessel_tty_proxy
{
  int master;
  bool stdin_open;
  bool stdout_open;
  bool raw; /* saved holds the terminal's settings to restore */
  struct termios saved;
  size_t pending_off, pending_len; /* stdin bytes the master has not taken yet */
  char pending[4096];
};

/* Takes ownership of master. */
int vessel_tty_proxy_begin (struct vessel_tty_proxy *t, int master, vessel_error **err);

/* The container's terminal takes the size of ours (SIGWINCH). */
void vessel_tty_proxy_resize (struct vessel_tty_proxy *t);

/* The pollfds the proxy waits on, after the caller's first n; returns the
   new count (at most n + 2). */
size_t vessel_tty_proxy_pollfds (const struct vessel_tty_proxy *t, struct pollfd *fds, size_t n);

/* Moves what the pollfds (as filled above, from index first) say is ready. */
void vessel_tty_proxy_io (struct vessel_tty_proxy *t, const struct pollfd *fds, size_t first, size_t n);

/* The process has exited: copies what is left in the master, restores the
   terminal and closes the master. */
void vessel_tty_proxy_end (struct vessel_tty_proxy *t);

#endif
