/* Seccomp: linux.seccomp.
 *
 * vessel compiles the profile with libseccomp in the parent, once, before
 * the init exists (create keeps a copy in the state directory for exec, so
 * an exec never compiles), and the init or exec's child loads the finished
 * BPF program with seccomp(2) as its last step before execve.  Loading
 * raw BPF keeps libseccomp out of the container's processes and lets the
 * kernel's own flags (WAIT_KILLABLE_RECV included) be passed as they are.
 *
 * With SCMP_ACT_NOTIFY the kernel hands the loader a listener fd; it goes
 * over the sync socket to the vessel process waiting for the exec (start,
 * run or exec), which sends it with the container process state to
 * linux.seccomp.listenerPath, as runtime-spec 1.3 describes. */
#ifndef VESSEL_SECCOMP_H
#define VESSEL_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

#define VESSEL_SECCOMP_FILE "seccomp.bpf" /* in the state directory */

struct vessel_seccomp
{
  struct sock_filter *prog; /* malloc'ed */
  unsigned short len;
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
  bool listener;      /* some rule notifies: the load makes a listener */
};

/* Checks what libseccomp would not: errnoRet only where the action takes
   one, SCMP_ACT_NOTIFY not as the default action, not on sendmsg (the
   listener itself goes out over sendmsg) and only with a listenerPath,
   listenerMetadata only with a listenerPath, argument indexes below 6. */
int vessel_seccomp_validate (const struct oci_seccomp *s, vessel_error **err);

/* The BPF program of the profile.  Syscall names this libseccomp does not
   know are skipped (a debug message each), as runc does. */
int vessel_seccomp_compile (const struct oci_seccomp *s, struct vessel_seccomp *out, vessel_error **err);

void vessel_seccomp_clear (struct vessel_seccomp *f);

/* The compiled filter in, and back from, the state directory. */
int vessel_seccomp_save (int dirfd, const struct vessel_seccomp *f, vessel_error **err);
int vessel_seccomp_load_saved (int dirfd, struct vessel_seccomp *f, vessel_error **err);

/* In the process, before execve: loads the filter (the caller needs
   no_new_privs or CAP_SYS_ADMIN) and sends its listener, if any, over
   report_fd as SYNC_SECCOMP_FD.  Allocates nothing. */
int vessel_seccomp_install (const struct vessel_seccomp *f, int report_fd, const char *where,
                            vessel_error **err);

/* The parent, given the listener: sends the container process state of
   the process `pid` (with `state`, its status as given) and the fd to the
   profile's listenerPath.  Takes ownership of listener_fd. */
int vessel_seccomp_send_listener (const struct oci_seccomp *s, const struct oci_state *state, int status,
                                  pid_t pid, int listener_fd, vessel_error **err);

/* For the features document: the names this build and kernel support,
   into names[] (at most max); returns the count. */
enum vessel_seccomp_list
{
  VESSEL_SECCOMP_ACTIONS,
  VESSEL_SECCOMP_OPERATORS,
  VESSEL_SECCOMP_ARCHS,
  VESSEL_SECCOMP_KNOWN_FLAGS,
  VESSEL_SECCOMP_SUPPORTED_FLAGS,
};
size_t vessel_seccomp_names (enum vessel_seccomp_list which, const char **names, size_t max);

#endif
