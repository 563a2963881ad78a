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
#include "cgroup_entry_plan.h"
#include "mounts.h"
#include "namespaces.h"
#include "ocispec.h"
#include "seccomp.h"
#include "sync.h"

/* How far the init is sure of its cgroups (see wait_for_cgroups and
   enter_every_cgroup in init.c). */
enum vessel_init_cgroups
{
  VESSEL_CGROUPS_UNKNOWN,
  VESSEL_CGROUPS_MADE,    /* the directories exist (and an init that joins them
                             itself is in all but the memory one) */
  VESSEL_CGROUPS_ENTERED, /* and the init is in every one */
};

struct vessel_init
{
  const struct oci_config *config;
  const char *id;
  struct vessel_ns_plan *ns;
  struct vessel_mount_ctx rootfs;
  struct vessel_caps caps;
  const struct vessel_seccomp *seccomp; /* compiled linux.seccomp, or NULL */
  int sync_fd;        /* the init's end of the socketpair */
  struct vessel_sync vessel; /* the init: its end of the conversation on it */
  int exec_listen_fd; /* create: the socket `start` connects to; -1 for run */
  int console_fd;     /* process.terminal: where the pty's master goes; else -1 */
  int preserve_fds;
  bool new_keyring;
  /* How the init gets into its cgroups (cgroup_entry_plan.h): either it
     starts at once, vessel makes the v1 directories meanwhile and says so
     (SYNC_CGROUPS_MADE), and the init joins them itself; or vessel moves
     it, with a pid written to cgroup.procs, and then sends SYNC_GO, which
     the init waits for before anything else (vessel_init_waits_for_go:
     with a fork into a new pid namespace, which must come after, or
     whenever it was not cloned into all its cgroups). */
  const struct vessel_cgroup_create_plan *cgroups;
  bool cloned_into_cgroup;  /* set by vessel_clone_into_cgroup for this very clone */
  int cgroups_stage;        /* the init: enum vessel_init_cgroups, how far it is sure of them */
  int memory_tasks_fd;      /* the init: where it moves itself into its memory cgroup, last */
  pid_t parent; /* to notice a parent that died before PR_SET_PDEATHSIG */
};

/* Whether vessel moves the init into cgroups and then sends SYNC_GO: the
   same answer in both, from the init's copy of this struct. */
bool vessel_init_waits_for_go (const struct vessel_init *in);

/* The parts of the sync protocol (sync.h) that this init's conversation
   with vessel has: the same answer in both. */
unsigned vessel_init_sync_with (const struct vessel_init *in);

/* The init's life up to execve.  Never returns: it execs the container's
   process or exits with status 1 after reporting why. */
__attribute__ ((noreturn)) void vessel_init_main (struct vessel_init *in);

#endif
