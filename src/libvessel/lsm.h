/* Linux security modules: the AppArmor profile (process.apparmorProfile)
 * and SELinux label (process.selinuxLabel) a container's process runs
 * under.  Both are set for the next execve through the caller's own
 * /proc/thread-self/attr, before the container's /proc could stand in
 * for the host's. */
#ifndef VESSEL_LSM_H
#define VESSEL_LSM_H

#include <stdbool.h>

#include "error.h"

/* What this build can do, whatever the host runs (features, --version):
   lsm.c sets both with no library to link, so both are always built in,
   as in runc. */
#define VESSEL_LSM_APPARMOR_BUILT true
#define VESSEL_LSM_SELINUX_BUILT true

/* What this host runs. */
bool vessel_apparmor_enabled (void);
bool vessel_selinux_enabled (void);

/* Parent, before anything exists: a profile or label for a module this
   host does not run is an error (as runc); `where` names the process
   ("config.json: .process"). */
int vessel_lsm_check (const char *apparmor, const char *selinux, const char *where, vessel_error **err);

/* The process's own thread, before execve: applies at the next execve.
   NULL or "" means nothing to set. */
int vessel_lsm_set_exec (const char *apparmor, const char *selinux, const char *where, vessel_error **err);

#endif
