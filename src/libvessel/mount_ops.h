/* The mount executor's tools (mounts.c): paths inside the rootfs, resolved
 * with openat2(RESOLVE_IN_ROOT) from a descriptor of it, and mounts made
 * detached with the new mount API and attached to a descriptor. */
#ifndef VESSEL_MOUNT_OPS_H
#define VESSEL_MOUNT_OPS_H

#include <stdbool.h>

#include "error.h"
#include "mount_options.h"

/* Opens path (absolute or not) as seen from inside the root rootfd: ".."
   and absolute symlinks stop at the rootfs, magic links are refused.
   -1 with errno set, the caller says what it was opening. */
int vessel_in_root_open (int rootfd, const char *path, int flags);
/* Opens the directory at path inside the root, creating what is missing. */
int vessel_root_mkdirs (int rootfd, const char *path, vessel_error **err);
/* Splits path into its directory (opened, created) and last component. */
int vessel_root_parent (int rootfd, const char *path, char **name, vessel_error **err);
/* Opens (creating an empty file if needed) a file mount target. */
int vessel_root_mkfile (int rootfd, const char *path, vessel_error **err);

/* Applies the options that are mount attributes to a mount fd: the plain
   ones to its top when `plain`, the recursive ones and the propagation. */
int vessel_mount_apply_attrs (int mntfd, const struct vessel_mount_options *o, bool plain, const char *what,
                              vessel_error **err);
/* move_mount of the detached mntfd onto targetfd. */
int vessel_mount_attach (int mntfd, int targetfd, const char *what, vessel_error **err);
/* A new, detached instance of filesystem `type`; `context` is its SELinux
   label, or NULL. */
int vessel_fs_new (const char *type, const char *source, const struct vessel_mount_options *o,
                   const char *context, const char *what, vessel_error **err);
/* A detached copy of the mount tree at dirfd/path. */
int vessel_tree_clone (int dirfd, const char *path, bool recursive, const char *what, vessel_error **err);
/* Copies the tree under directory src into directory dst: tmpcopyup. */
int vessel_copy_tree (int src, int dst, const char *what, vessel_error **err);

#endif
