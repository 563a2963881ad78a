/* What the container_*.c files share: create's context, which run goes on
 * with, and what more than one command does to a container (signal its
 * init, run its poststop hooks, remove it). */
#ifndef VESSEL_CONTAINER_INTERNAL_H
#define VESSEL_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/un.h>

#include "caps.h"
#include "cgroup.h"
#include "cgroup_entry_plan.h"
#include "cgroup_resources.h"
#include "cgroup_reuse.h"
#include "config.h"
#include "container.h"
#include "mounts.h"
#include "namespaces.h"
#include "seccomp.h"
#include "sync.h"

/* Everything create decides and holds, from the first check to the
   moment the init waits for start. */
struct container
{
  const struct vessel_create_opts *o;
  struct vessel_bundle bundle;
  struct vessel_ns_plan ns;
  struct vessel_mount_plan mounts;
  struct vessel_cgroup_host cgroup_host;
  char **cgroup_paths;
  struct vessel_cgroup_reuse cgroup_reuse; /* what of them existed before */
  struct vessel_cgroup_plan resources;
  struct vessel_cgroup_create_plan cgroup_entry; /* how the init gets into them */
  struct vessel_caps caps;
  struct vessel_seccomp seccomp; /* compiled linux.seccomp (prog NULL without) */
  int rootfd;
  int dirfd;   /* the container's state directory, locked */
  struct vessel_sync sync; /* our end of the conversation with the init */
  int console_fd;   /* process.terminal: the init sends the pty's master here */
  int console_peer; /* run in the foreground: where we receive it */
  pid_t child; /* what clone3 made */
  pid_t pid;   /* the init: the child, or its child in a new pid namespace */
  struct oci_state *state;
  bool dir_created;
  bool cgroups_created;
};

#define CONTAINER_INIT(opts)                                                                 \
  {                                                                                          \
    .o = (opts), .rootfd = -1, .dirfd = -1, .sync.fd = -1, .console_fd = -1, .console_peer = -1, \
    .resources.devices_hierarchy = -1, .cgroup_reuse = VESSEL_CGROUP_REUSE_INIT              \
  }

/* ---- container.c: create */

/* Everything up to an init waiting for start (run_mode: for SYNC_START on
   the sync socket rather than `vessel start`; foreground: run serves the
   terminal).  On failure nothing is left behind. */
int container_create (struct container *c, bool run_mode, bool foreground, vessel_error **err);

/* Undoes a create that failed half-way, or a run that could not start. */
void container_abort (struct container *c);

void container_free (struct container *c);

/* The address of the socket `vessel start` connects to, in the
   container's state directory. */
struct sockaddr_un container_exec_socket_address (int dirfd);

/* The init's next message (see vessel_sync_next), noticing meanwhile a
   frozen cgroup, where it would wait forever (see
   vessel_cgroup_init_stalled). */
int container_next_from_init (struct vessel_sync *s, char *const *cgroup_paths, struct vessel_sync_msg *m,
                              vessel_error **err);

/* ---- container_delete.c: for start and run too */

/* Sends signo to the init; -ESRCH when it is gone.  *pidfd keeps the
   pidfd for a caller that waits (-1 without pidfds). */
int container_signal_init (const struct oci_state *state, int signo, int *pidfd);

/* poststop, once the container is gone: failures are warnings. */
void container_poststop_hooks (const struct oci_state *state, const struct oci_hooks *h);

/* The container's saved config when `needed` (it has hooks for what comes);
   NULL otherwise or when it cannot be read (said as a warning). */
struct oci_config *container_config_for_hooks (int dirfd, const char *id, bool needed);

/* Its cgroups (cgroup_paths may be NULL), then its state directory. */
int container_remove (int rootfd, int dirfd, const char *id, char **cgroup_paths, vessel_error **err);

#endif
