/* Container state on disk: <root>/<id>/ holds state.json (written
 * atomically), the container's config.json and, while the container is created, the socket `start`
 * connects to.  Commands on one container serialise on flock(2) of its
 * directory; different containers never block each other. */
#ifndef VESSEL_STATE_H
#define VESSEL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "ocispec.h"

#define VESSEL_STATE_FILE "state.json"
#define VESSEL_EXEC_SOCKET "exec.sock"
#define VESSEL_CONFIG_FILE "config.json"

/* A container id is what runc accepts: letters, digits, "_+-." and not "."
   or "..", at most 1024 bytes. */
int vessel_id_validate (const char *id, vessel_error **err);

/* Opens the state root, creating it (0700) when `create`. */
int vessel_root_open (const char *root, bool create, int *rootfd, vessel_error **err);

/* Creates <root>/<id> (0700) and locks it; EEXIST becomes "container
   `id` already exists". */
int vessel_container_dir_create (int rootfd, const char *id, int *dirfd,
                                 vessel_error **err);
/* Opens <root>/<id>, locked exclusively when `lock`; a missing container
   is "container `id` does not exist" (-ENOENT). */
int vessel_container_dir_open (int rootfd, const char *id, bool lock, int *dirfd,
                               vessel_error **err);
/* Takes the lock of an open state directory again (after flock LOCK_UN);
   -ENOENT, "container `id` does not exist", when the directory was
   removed meanwhile (a new one of the same id is another container). */
int vessel_container_dir_lock (int dirfd, const char *id, vessel_error **err);
/* Removes everything in <root>/<id> and the directory itself. */
int vessel_container_dir_remove (int rootfd, const char *id, int dirfd,
                                 vessel_error **err);

/* For __attribute__((cleanup)): oci_state_free of *state. */
void vessel_state_freep (struct oci_state **state);
#define cleanup_state __attribute__ ((cleanup (vessel_state_freep)))

int vessel_state_read (int dirfd, const char *id, struct oci_state **out,
                       vessel_error **err);
int vessel_state_write (int dirfd, const struct oci_state *state, vessel_error **err);

/* The container keeps the config.json it was created from (the same
   bytes), for exec and delete: the bundle may change or go away meanwhile.
   Saved once, in the new directory. */
int vessel_state_save_config (int dirfd, const char *text, size_t len, vessel_error **err);
int vessel_state_load_config (int dirfd, const char *id, struct oci_config **out, vessel_error **err);

/* The start time of a process (field 22 of /proc/<pid>/stat, clock ticks
   since boot): a pid plus its start time names one process for good.
   -ESRCH when it is gone or a zombie. */
int vessel_process_start_time (pid_t pid, uint64_t *start_time);

/* Whether the container has cgroups: a rootless one on a host that
   delegates none to its user has not. */
static inline bool
vessel_state_has_cgroup (const struct oci_state *state)
{
  return state->vessel->cgroup_paths_len > 0;
}

/* Whether the state's init process is still the one that was started. */
bool vessel_state_init_alive (const struct oci_state *state);

/* A pidfd for the state's init, -ESRCH when it is gone, -ENOSYS before
   Linux 5.3 (and under valgrind): the start time is checked after the
   pidfd pins the process, so a reused pid can never be signalled by
   mistake. */
int vessel_state_init_pidfd (const struct oci_state *state);

/* The status to report now: stopped when the init is gone, created until
   start, paused when frozen, running otherwise. */
int vessel_state_current_status (const struct oci_state *state);

/* "2026-11-23T10:00:00.123456789Z" */
/* "2026-11-23T18:55:52.123456789Z": UTC, nanoseconds, as runc writes. */
#define VESSEL_RFC3339_MAX 64
void vessel_rfc3339_format (char *buf, size_t size, const struct timespec *ts);
char *vessel_rfc3339_now (void);

/* Writes `pid` to path atomically (a temporary file, then rename), as
   runc does: readers never see a partial pid. */
int vessel_write_pid_file (const char *path, pid_t pid, vessel_error **err);

#endif
