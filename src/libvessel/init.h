/* The container's init before execve: a clone of vessel (never a re-exec)
 * that sets up the namespaces, the filesystem and the process, reports to
 * vessel over the sync socket, and waits to be started.  Everything it
 * needs was decided by the parent before clone and is in this struct, so
 * the init only carries out a plan. */
#ifndef VESSEL_INIT_H
#define VESSEL_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "caps.h"
#include "mounts.h"
#include "namespaces.h"
#include "ocispec.h"
#include "seccomp.h"

struct vessel_init
{
  const struct oci_config *config;
  const char *id;
  struct vessel_ns_plan *ns;
  struct vessel_rootfs rootfs;
  struct vessel_caps caps;
  const struct vessel_seccomp *seccomp; /* compiled linux.seccomp, or NULL */
  int sync_fd;        /* the init's end of the socketpair */
  int exec_listen_fd; /* create: the socket `start` connects to; -1 for run */
  int console_fd;     /* process.terminal: where the pty's master goes; else -1 */
  int preserve_fds;
  bool new_keyring;
  pid_t parent; /* to notice a parent that died before PR_SET_PDEATHSIG */
};

/* The init's life up to execve.  Never returns: it execs the container's
   process or exits with status 1 after reporting why. */
__attribute__ ((noreturn)) void vessel_init_main (struct vessel_init *in);

#endif
