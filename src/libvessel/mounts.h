/* The container's filesystem: a plan decided from the config (pure,
 * unit-tested), and the executor that the init runs in its new mount
 * namespace: rootfs, mounts[], /dev, pivot_root, then read-only and masked
 * paths.
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * from a descriptor of the rootfs, so a symlink in the image can never
 * lead outside it, and mounts are attached to descriptors with the new
 * mount API (open_tree, fsopen/fsmount, mount_setattr, move_mount): what
 * was checked is what gets mounted on. */
#ifndef VESSEL_MOUNTS_H
#define VESSEL_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "error.h"
#include "mount_options.h"
#include "ocispec.h"

enum vessel_mount_kind
{
  VESSEL_MOUNT_BIND,   /* a clone of a host path */
  VESSEL_MOUNT_FS,     /* a new filesystem instance */
  VESSEL_MOUNT_CGROUP, /* the host's cgroup view, shaped for the host kind */
};

struct vessel_mount_step
{
  enum vessel_mount_kind kind;
  size_t index;            /* in config.mounts, for messages */
  const char *destination; /* inside the rootfs, as the config gives it */
  const char *type;
  char *source;            /* binds: absolute host path (relative ones are from the bundle) */
  bool recursive;          /* rbind */
  struct vessel_mount_options o;
  int premade_fd;          /* a detached tree vessel made (id-mapped binds), or -1 */
  bool readonly_late;      /* "ro" on /dev or a tmpfs: made read-only once what
                              goes in it is there (vessel_rootfs_finalize) */
};

struct vessel_mount_plan
{
  struct vessel_mount_step *steps;
  size_t n;
  unsigned long root_propagation; /* MS_* applied to / after pivot_root */
  bool root_readonly;
  bool make_devices;  /* /dev is not bound from the host: fill it */
  const char *mount_label; /* linux.mountLabel (the config's), or NULL */
};

/* Pure: the ordered steps for the config's mounts. */
int vessel_mount_plan_build (const struct oci_config *c, const char *bundle,
                             struct vessel_mount_plan *plan, vessel_error **err);
void vessel_mount_plan_free (struct vessel_mount_plan *plan);

/* In vessel, before the init exists (mount_sources.c): bind mounts as
   detached trees in steps[].premade_fd that the init only attaches.
   - The id-mapped ones: giving a mount an id mapping takes CAP_SYS_ADMIN
     over the user namespace of its filesystem, which an init in a new
     user namespace no longer has.  The mapping is the mount's
     uidMappings/gidMappings, or the container's user namespace's.
   - With a user namespace and the host's privileges, every bind: the
     init, root of its user namespace only, may not reach a source the
     host's root alone can (one under a directory of mode 0700). */
int vessel_mount_plan_premake (struct vessel_mount_plan *plan, const struct oci_config *c, vessel_error **err);

/* Sets the mount attributes of options o on the top of a detached tree. */
int vessel_mount_set_attrs (int tree, const struct vessel_mount_options *o, const char *what, vessel_error **err);

/* Closes the premade trees (vessel's copies, once the init has its own). */
void vessel_mount_plan_close_premade (struct vessel_mount_plan *plan);

/* The fds the init must keep for the plan. */
size_t vessel_mount_plan_fds (const struct vessel_mount_plan *plan, int *fds, size_t max);

/* What the executor needs besides the plan. */
struct vessel_rootfs
{
  const struct oci_config *config;
  const struct vessel_mount_plan *plan;
  const char *rootfs;
  const struct vessel_cgroup_host *cgroup_host; /* NULL: no cgroups */
  char *const *cgroup_paths;
  bool cgroup_ns;  /* the init has its own cgroup namespace */
  bool in_userns;  /* no mknod: device nodes are bound from the host */
  bool mount_ns;   /* false: the host's mount namespace (mounts happen
                      there, as with runc) and chroot instead of pivot_root */
  bool no_pivot;   /* MS_MOVE and chroot instead of pivot_root */
  int dev_null_fd; /* a detached bind of the host's /dev/null, checked, for maskedPaths */
  /* When set, called with hooks_arg: before the first cgroup filesystem
     is mounted (the init enters its cgroups), and once everything is
     mounted, right before pivot_root (the create hooks). */
  int (*before_cgroup_mount) (void *arg, vessel_error **err);
  int (*before_pivot) (void *arg, vessel_error **err);
  void *hooks_arg;
};

/* In the init, in its new mount namespace: everything up to and
   including pivot_root.  Afterwards the init's root is the container's. */
int vessel_rootfs_setup (struct vessel_rootfs *r, vessel_error **err);

/* After pivot_root: the read-only /dev and tmpfs mounts, readonlyPaths,
   maskedPaths, then a read-only root. */
int vessel_rootfs_finalize (struct vessel_rootfs *r, vessel_error **err);

#endif
