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
  /* How the init gets into its cgroups (see move_init in container.c):
     with a fork into a new pid namespace, vessel moves the first child
     before it forks and then sends SYNC_GO, which the init waits for
     before anything else; otherwise the init starts at once and asks for
     its cgroups (SYNC_NEED_CGROUPS) only where it needs them, so that its
     setup runs while vessel makes them and writes cgroup.procs. */
  bool wait_for_go;
  bool cgroups_after_clone; /* vessel makes them while the init starts */
  bool cloned_into_cgroup;  /* set by vessel_clone_into_cgroup for this very clone */
  int cgroups_stage;        /* the init: enum vessel_cgroups_stage it has made sure of */
  pid_t parent; /* to notice a parent that died before PR_SET_PDEATHSIG */
};

/* The init's life up to execve.  Never returns: it execs the container's
   process or exits with status 1 after reporting why. */
__attribute__ ((noreturn)) void vessel_init_main (struct vessel_init *in);

#endif
