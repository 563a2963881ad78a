/* The container's filesystem: a plan decided from the config and from
 * facts about the host gathered once (mount_plan.c: pure, unit-tested),
 * and the executor that the init runs in its new mount namespace
 * (mount_exec.c: a switch over step kinds): the rootfs, mounts[], /dev,
 * pivot_root, then read-only and masked paths.
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
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "mount_options.h"
#include "namespaces.h"
#include "ocispec.h"

/* What the plan depends on besides the config, gathered once, up front
   (vessel_mount_host_gather). */
struct vessel_mount_host
{
  const struct vessel_cgroup_host *cgroup; /* NULL: no cgroups for the container */
  bool userns;         /* the config has a user namespace (new or joined) */
  bool rootless;       /* vessel runs without the host's privileges */
  bool mount_ns;       /* false: the host's mount namespace (mounts happen
                          there, as with runc) and chroot instead of pivot_root */
  bool joins_mount_ns; /* the init joins a mount namespace by path */
  bool cgroup_ns;      /* the init gets a cgroup namespace of its own */
  bool no_pivot;       /* --no-pivot: MS_MOVE and chroot instead of pivot_root */
  bool selinux;        /* SELinux is enabled, so linux.mountLabel means something */
};

/* In vessel: the facts for config c, with the namespaces of ns. */
void vessel_mount_host_gather (struct vessel_mount_host *host, const struct oci_config *c,
                               const struct vessel_ns_plan *ns, const struct vessel_cgroup_host *cgroup,
                               bool no_pivot);

enum vessel_mount_step_kind
{
  VESSEL_STEP_ROOTFS_BIND,      /* / made a slave, the rootfs a mount of its own */
  VESSEL_STEP_ROOTFS_OPEN,      /* the descriptor every later path is resolved from */
  VESSEL_STEP_BIND,             /* mounts[]: a clone of a host path */
  VESSEL_STEP_FS,               /* mounts[]: a new filesystem instance */
  VESSEL_STEP_CGROUP_TMPFS,     /* v1, hybrid: the tmpfs that holds the hierarchies */
  VESSEL_STEP_CGROUP_HIERARCHY, /* one hierarchy: a cgroup filesystem or a bind */
  VESSEL_STEP_CGROUP_READONLY,  /* the tmpfs of the hierarchies made read-only */
  VESSEL_STEP_DEV_DIR,          /* /dev opened for the nodes and links that follow */
  VESSEL_STEP_DEV_NODE,         /* a device node: mknod, or a bind of the host's */
  VESSEL_STEP_DEV_LINK,         /* a symlink in /dev */
  VESSEL_STEP_SYNC,             /* the executor returns sync, the init does its part */
  VESSEL_STEP_ROOT_CHANGE,      /* pivot_root, or MS_MOVE and chroot, or chroot */
  VESSEL_STEP_READONLY_LATE,    /* a mount of mounts[] made read-only once filled */
  VESSEL_STEP_ROOT_PROPAGATION, /* linux.rootfsPropagation on / */
  VESSEL_STEP_READONLY_PATH,    /* linux.readonlyPaths[index] */
  VESSEL_STEP_MASK,             /* linux.maskedPaths[index] */
  VESSEL_STEP_ROOT_READONLY,    /* root.readonly */
};

/* Where the executor stops for the init (vessel_mount_run's return). */
enum vessel_mount_sync
{
  VESSEL_MOUNT_AT_CGROUPS = 1, /* before the first cgroup hierarchy is mounted */
  VESSEL_MOUNT_AT_PIVOT,       /* everything mounted, right before the root changes */
  VESSEL_MOUNT_AT_PIVOTED,     /* in the new root, before anything is made read-only */
};

enum vessel_root_change
{
  VESSEL_ROOT_PIVOT,       /* pivot_root(".", ".") and detach the old root */
  VESSEL_ROOT_MOVE_CHROOT, /* --no-pivot: the host's mounts detached, MS_MOVE, chroot */
  VESSEL_ROOT_CHROOT,      /* no mount namespace: chroot alone */
};

enum vessel_premake
{
  VESSEL_PREMAKE_NONE,     /* the init binds the source itself */
  VESSEL_PREMAKE_PLAIN,    /* vessel binds it (see vessel_mount_plan_premake) */
  VESSEL_PREMAKE_IDMAPPED, /* vessel binds it with an id mapping */
};

struct vessel_mount_step
{
  enum vessel_mount_step_kind kind;
  size_t index;            /* in the config's array the step comes from, for messages */
  const char *destination; /* inside the rootfs; DEV_NODE in_dev_dir, DEV_LINK: a name in /dev */
  const char *type;        /* mounts[]: the filesystem type */
  char *source;            /* binds: absolute host path (relative ones are from the bundle) */
  bool recursive;          /* rbind */
  struct vessel_mount_options o;
  enum vessel_premake premake;
  int premade_fd;          /* a detached tree vessel made, or -1 */
  bool readonly_late;      /* "ro" on /dev or a tmpfs: a READONLY_LATE step follows */
  const char *context;     /* FS: the SELinux label (linux.mountLabel), or NULL */
  const char *host_fallback; /* FS: refused in a user namespace (EPERM): bind this host tree */
  bool ordinary_dir;       /* FS: only on a directory, never through a symlink */
  size_t hierarchy;        /* CGROUP_HIERARCHY: in the cgroup host's h[] */
  bool fresh;              /* CGROUP_HIERARCHY: a new cgroup filesystem, not a bind */
  bool under_tmpfs;        /* CGROUP_HIERARCHY: in a directory of the CGROUP_TMPFS before it */
  const char *name;        /* CGROUP_HIERARCHY under_tmpfs: that directory, named as on the host */
  struct
  {
    mode_t type, mode;
    dev_t rdev;
    uid_t uid;
    gid_t gid;
    const char *host_path; /* the host's node, to bind; also for messages */
    bool bind;             /* a user namespace may not mknod: bind the host's */
    bool in_dev_dir;       /* destination is a name in the DEV_DIR, not a path */
    const char *link_target;
  } dev;
  enum vessel_mount_sync sync;
  enum vessel_root_change root_change;
  unsigned long propagation; /* ROOT_PROPAGATION; ROOTFS_BIND: MS_SLAVE keeps the bind a slave */
};

struct vessel_mount_plan
{
  struct vessel_mount_step *steps;
  size_t n;
  unsigned long root_propagation; /* MS_* applied to / after pivot_root */
  bool root_readonly;
  bool make_devices;       /* /dev is not bound from the host: fill it */
  const char *mount_label; /* linux.mountLabel, when SELinux gives it a meaning */
  struct vessel_mount_host host; /* the facts it was made for */
};

/* Pure: the ordered steps for config c on host. */
int vessel_mount_plan_build (const struct oci_config *c, const char *bundle, const struct vessel_mount_host *host,
                             struct vessel_mount_plan *plan, vessel_error **err);
void vessel_mount_plan_free (struct vessel_mount_plan *plan);

/* In vessel, before the init exists (mount_sources.c): the binds the plan
   says vessel makes (steps[].premake), as detached trees in
   steps[].premade_fd that the init only attaches.
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

/* The executor's context: the plan and what it runs on, then where the
   executor is, between steps and across its returns (zero in a new
   context). */
struct vessel_mount_ctx
{
  const struct vessel_mount_plan *plan;
  const char *rootfs;
  const struct vessel_cgroup_host *cgroup_host; /* the plan's host.cgroup, for the init too */
  char *const *cgroup_paths;
  int dev_null_fd; /* a detached bind of the host's /dev/null, checked, for maskedPaths */
  size_t next;     /* the step to run next; 0: none has run, the fds below are unset */
  int rootfd;
  int dir_fd;      /* what the last DEV_DIR or CGROUP_TMPFS opened */
  int cgroup_top;  /* the last CGROUP_TMPFS's mount */
  bool dev_null_attached;
};

/* In the init: runs the plan's steps from where the last call stopped.
   Returns a sync point (enum vessel_mount_sync) where the init has its
   part to do before calling again, 0 once the plan is done, or a
   negative errno with err set. */
int vessel_mount_run (struct vessel_mount_ctx *m, vessel_error **err);

#endif
