/* The container process: what the init does last, in the container's
 * root, before execve. */
#ifndef VESSEL_PROCESS_H
#define VESSEL_PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "error.h"
#include "ocispec.h"

struct vessel_seccomp;

/* A new process of the container (the init, or exec's), first thing:
   no signal blocked (vessel blocks those it forwards) and every one at
   its default (a caller may ignore some, as nohup does SIGHUP, and a
   shell cannot trap a signal ignored on entry). */
void vessel_process_reset_signals (void);

/* Closes every fd from `first` up except those in keep[] (unsorted, -1
   entries ignored, at most 16): the container's processes must not hold
   the lock on the state directory, vessel's log, or anything else of
   vessel's. */
void vessel_close_fds_except (int first, const int *keep, size_t n);

/* The kernel's settings for the container's namespaces and its init:
   hostname, domainname, sysctls (the kernel picks the init's namespaces
   for them), oom_score_adj, and a fresh session keyring.  Applied before
   pivot_root, through the host's /proc (which nothing in the container
   can have tampered with yet). */
int vessel_process_set_kernel_settings (const struct oci_config *c, const char *id, bool new_keyring,
                                        vessel_error **err);

/* Socket activation (systemd's LISTEN_FDS): n listening fds go on to the
   process, which is told about them as pid 1, as runc does (env in arena). */
void vessel_process_add_listen_env (struct oci_process *p, struct oci_arena *arena, int n);

/* config.json's process.oomScoreAdj, written through the host's /proc
   (for the init and for every exec'd process, as runc). */
int vessel_process_oom_score_adj (const struct oci_process *p, vessel_error **err);

/* Finds args[0] in the container (the process's PATH, as execvp would),
   so that a missing program fails `create`, as with runc.  *path is
   malloc'ed. */
int vessel_process_find_program (const struct oci_process *p, char **path, vessel_error **err);

/* The process's stdin, stdout and stderr (a pty, pipes from the caller)
   are given to its uid, so that it can reopen them through /proc/self/fd
   or /dev/stdout, as with runc; /dev/null, what the uid already owns and
   what cannot be changed from here are left alone. */
int vessel_process_stdio_owner (const struct oci_process *p, vessel_error **err);

/* What the last step needs: the process, how messages name it
   ("config.json: .process"), the program found, its capabilities, the
   fds it keeps, the container's linux section (personality, memory
   policy), the
   compiled seccomp filter (NULL without one) and where a seccomp
   listener goes (the fd vessel waits on for the exec). */
struct vessel_exec_plan
{
  const struct oci_process *process;
  const char *where;
  const char *path;
  const struct vessel_caps *caps;
  int preserve_fds;
  const struct oci_linux *linux;
  const struct vessel_seccomp *seccomp;
  int report_fd;
  bool exec_affinity; /* an exec'd process: execCPUAffinity.final applies */
  /* startContainer, as runc runs it: right before execve, as the
     process's user, with its capabilities, no_new_privs and seccomp filter,
     so that a hook from the image can do no more than the process itself.
     start_state is the state on their stdin. */
  const struct oci_hook *start_hooks;
  size_t start_hooks_len;
  const char *start_state;
};

/* Everything from the start signal to execve: personality, umask,
   rlimits, cwd, groups, uid/gid, capabilities, no_new_privs, fds
   (3 + preserve_fds and up are closed at exec), environment (HOME from
   /etc/passwd when unset), CPU affinity, scheduler, I/O priority, memory
   policy, and the seccomp filter as late as it can be.
   Returns only on failure. */
int vessel_process_exec (const struct vessel_exec_plan *x, vessel_error **err);

#endif
