/* --no-pivot: the rootfs is moved onto / and chrooted into, and the
 * init's mount namespace, a copy of the host's, would keep every host
 * mount under it.  Unreachable after the chroot, they still count for the
 * kernel: a full procfs or sysfs anywhere in the namespace lets a process
 * that makes a user and mount namespace of its own mount a fresh one
 * (mount_too_revealing), around maskedPaths and readonlyPaths.  So before
 * the move, the host's mounts that lie outside the rootfs are detached;
 * a full procfs or sysfs that cannot be (locked, in a user namespace) is
 * covered, as runc does. */
#ifndef VESSEL_NO_PIVOT_H
#define VESSEL_NO_PIVOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct vessel_host_mount
{
  uint64_t id;
  char *path;       /* its mount point, unescaped */
  bool full_procfs; /* proc or sysfs showing its filesystem's root */
};

struct vessel_host_mounts
{
  struct vessel_host_mount *m;
  size_t n;
};

/* Pure: from a mountinfo text and the id of the rootfs mount, the mounts
   to detach, children before their parents: every one that is neither
   the rootfs, nor below it, nor one it lies on, nor at a path inside it. */
int vessel_no_pivot_plan (const char *mountinfo, uint64_t rootfs_id, struct vessel_host_mounts *out,
                          vessel_error **err);
void vessel_host_mounts_free (struct vessel_host_mounts *h);

/* In the init's mount namespace, with / a slave of the host's (nothing
   here reaches the host): detaches what vessel_no_pivot_plan gives for
   the rootfs mount at rootfd. */
int vessel_no_pivot_detach_host (int rootfd, vessel_error **err);

#endif
