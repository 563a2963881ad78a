/* The container lifecycle, as the CLI commands call it. */
#ifndef VESSEL_CONTAINER_H
#define VESSEL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

struct vessel_create_opts
{
  const char *root;   /* state root */
  const char *id;
  const char *bundle; /* default: the current directory */
  const char *pid_file;
  const char *console_socket;
  int preserve_fds;
  int listen_fds; /* socket activation: fds 3.. come before the preserved ones */
  bool no_pivot;
  bool no_new_keyring;
  bool systemd_cgroup;
};

/* create: returns once the init is set up and waiting for start. */
int vessel_container_create (const struct vessel_create_opts *o, vessel_error **err);

/* start: the init execs the process; returns once execve has happened
   (or with its error). */
int vessel_container_start (const char *root, const char *id, vessel_error **err);

struct vessel_run_opts
{
  bool detach;
  bool keep; /* do not delete the container when it exits */
};

/* run: create and start.  In the foreground, waits for the container's
   process while forwarding signals to it, deletes the container (unless
   keep), and sets *exit_status as a shell would (128 + N for signal N). */
int vessel_container_run (const struct vessel_create_opts *o, const struct vessel_run_opts *r,
                          int *exit_status, vessel_error **err);

/* state: the state with the current status; free with oci_state_free. */
int vessel_container_state (const char *root, const char *id, struct oci_state **out,
                            vessel_error **err);

/* kill: signal the init (or, with all, every process of the container,
   also what is left in the cgroup once the init has exited); signo 0
   only checks.  A stopped container is -ESRCH, "container not running",
   except with all. */
int vessel_container_kill (const char *root, const char *id, int signo, bool all,
                           vessel_error **err);

/* delete: a stopped container, or with force any container (killed
   first).  Removes its cgroups and state. */
int vessel_container_delete (const char *root, const char *id, bool force, vessel_error **err);

/* list: the states of every container under root, current statuses,
   sorted by id. */
int vessel_container_list (const char *root, struct oci_state ***out, size_t *n,
                           vessel_error **err);

/* Opens, locks and reads the container `id`, for the commands that change
   it; NULL with *ret and *err set on failure.  Free with oci_state_free
   and close the fds. */
struct oci_state *vessel_container_open (const char *root, const char *id, int *rootfd, int *dirfd,
                                         int *ret, vessel_error **err);

/* pause and resume: freeze and thaw every process of the container. */
int vessel_container_pause (const char *root, const char *id, vessel_error **err);
int vessel_container_resume (const char *root, const char *id, vessel_error **err);

/* ps: the host pids of the container's processes, sorted; for a stopped
   container what is left in its cgroup, usually none. */
int vessel_container_pids (const char *root, const char *id, pid_t **pids, size_t *n,
                           vessel_error **err);

/* update: applies new resources to a created, running or paused container. */
int vessel_container_update (const char *root, const char *id, const struct oci_resources *r,
                             vessel_error **err);

#endif
