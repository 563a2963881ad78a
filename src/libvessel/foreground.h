/* A process vessel waits for (run and exec in the foreground): the
 * signals vessel receives go to it, a terminal's I/O is copied meanwhile,
 * and its exit status becomes vessel's. */
#ifndef VESSEL_FOREGROUND_H
#define VESSEL_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "terminal.h"

struct vessel_foreground
{
  int sigfd; /* the forwarded signals, blocked; -1 before begin */
  sigset_t old_mask;
};
#define VESSEL_FOREGROUND_INIT { .sigfd = -1 }

/* Blocks the signals to forward and opens a signalfd for them: called
   before the process exists, so that none is lost (the new process
   unblocks them, see vessel_process_reset_signals). */
int vessel_foreground_begin (struct vessel_foreground *f, vessel_error **err);

/* Forwards signals to pid and reaps children until pid exits; with a
   terminal (tty->master >= 0), copies its I/O and follows our window
   size.  *exit_status is as a shell's: 128 + N when killed by signal N. */
int vessel_foreground_wait (struct vessel_foreground *f, pid_t pid, struct vessel_tty_proxy *tty,
                            int *exit_status, vessel_error **err);

/* Restores the signal mask and closes the signalfd (nothing after a
   failed or skipped begin). */
void vessel_foreground_end (struct vessel_foreground *f);

#endif
