/* exec: one more process in a container that exists.
 *
 * vessel clones it straight into the container's pid namespace (joined
 * for our children before the clone) and cgroup (CLONE_INTO_CGROUP); the
 * clone joins the other namespaces of the init through its pidfd, takes
 * the init's root, and execs the process as the init would have: no
 * re-exec of vessel, one parse of the container's saved config. */
#ifndef VESSEL_EXEC_H
#define VESSEL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct vessel_exec_opts
{
  const char *root;
  const char *id;
  /* --process: the whole process, the flags down to `cgroups` ignored. */
  const char *process_file;
  /* Otherwise config.json's process with: */
  char **args; /* the command line (required) */
  size_t args_len;
  bool tty;
  const char *cwd;
  char **env; /* appended */
  size_t env_len;
  bool has_uid, has_gid;
  uint32_t uid, gid;
  uint32_t *additional_gids; /* appended */
  size_t additional_gids_len;
  char **caps; /* added to the bounding, effective and permitted sets */
  size_t caps_len;
  bool no_new_privs;
  const char *apparmor;
  const char *process_label;

  const char *console_socket;
  const char *pid_file;
  bool detach;
  int preserve_fds;
  int listen_fds;
  bool ignore_paused;
  char **cgroups; /* --cgroup: [CONTROLLER[,CONTROLLER]:]SUBPATH, existing */
  size_t cgroups_len;
};

/* Runs the process.  Detached, returns once it has exec'd; otherwise
   waits for it (forwarding signals, serving its terminal) and sets
   *exit_status as a shell would. */
int vessel_container_exec (const struct vessel_exec_opts *o, int *exit_status, vessel_error **err);

#endif
