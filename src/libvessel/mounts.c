/* The mount executor's tools (see mount_ops.h): paths inside the rootfs
 * and mounts made with the new mount API. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs_params.h"
#include "mount_ops.h"
#include "mounts.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* ---- paths inside the rootfs ------------------------------------------------ */

int
vessel_in_root_open (int rootfd, const char *path, int flags)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  int fd = vessel_openat2 (rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  return fd < 0 ? -errno : fd;
}

/* The path that a dangling symlink `name` in directory `dir` (a path in
   the root) points to, followed by `rest`: absolute targets are taken from
   the root, as RESOLVE_IN_ROOT does. */
static char *
through_symlink (int parent, const char *dir, const char *name, const char *rest)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat (parent, name, target, sizeof target - 1);
  if (n <= 0)
    return NULL;
  target[n] = '\0';
  if (target[0] == '/')
    return xasprintf ("%s%s", target, rest);
  return xasprintf ("%s/%s%s", dir, target, rest);
}

/* The common case of root_mkdirs: only the last component of path is
   missing (a mount point in a directory that is there, often a tmpfs
   just mounted).  A negative errno for anything else, which the general
   walk handles (and names). */
static int
mkdir_last (int rootfd, const char *path)
{
  cleanup_free char *copy = xstrdup (path);
  size_t len = strlen (copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  char *slash = strrchr (copy, '/');
  if (slash == NULL || slash[1] == '\0' || strcmp (slash + 1, "..") == 0 || strcmp (slash + 1, ".") == 0)
    return -EINVAL;
  *slash = '\0';
  cleanup_close int parent = vessel_in_root_open (rootfd, copy, O_PATH | O_DIRECTORY);
  if (parent < 0)
    return parent;
  if (mkdirat (parent, slash + 1, 0755) < 0)
    return -errno;
  /* Made just now by us: a directory, and not a symlink. */
  int fd = openat (parent, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

/* Opens the directory at path inside the root, creating what is missing
   (0755), one component at a time so that every component is resolved in
   the root before the next is made in it.  A dangling symlink on the way
   is followed, inside the root, and its target created (as runc does for
   images with links such as /var/lock -> /run/lock). */
static int
root_mkdirs_depth (int rootfd, const char *path, int depth, vessel_error **err)
{
  int fd = vessel_in_root_open (rootfd, path, O_PATH | O_DIRECTORY);
  if (fd >= 0 || fd != -ENOENT)
    return fd >= 0 ? fd : vessel_fail_errno (err, -fd, "open `%s` in the rootfs", path);
  if ((fd = mkdir_last (rootfd, path)) >= 0)
    return fd;
  if (depth > 40)
    return vessel_fail_errno (err, ELOOP, "open `%s` in the rootfs", path);

  cleanup_free char *copy = xstrdup (path);
  size_t len = strlen (copy);
  for (size_t i = 0; i <= len; i++)
    {
      if (copy[i] != '/' && copy[i] != '\0')
        continue;
      if (i == 0 || copy[i - 1] == '/')
        continue;
      char saved = copy[i];
      copy[i] = '\0';
      cleanup_close int here = vessel_in_root_open (rootfd, copy, O_PATH | O_DIRECTORY);
      if (here == -ENOENT)
        {
          char *slash = strrchr (copy, '/');
          const char *name = slash ? slash + 1 : copy;
          cleanup_close int parent = -1;
          if (slash)
            *slash = '\0';
          parent = vessel_in_root_open (rootfd, slash ? copy : ".", O_PATH | O_DIRECTORY);
          const char *dir = slash ? copy : "";
          if (parent < 0)
            return vessel_fail_errno (err, -parent, "open `%s` in the rootfs", dir);
          bool exists = mkdirat (parent, name, 0755) < 0;
          if (exists && errno != EEXIST)
            return vessel_fail_errno (err, errno, "create directory `%s/%s` in the rootfs", dir, name);
          /* there, yet not openable as a directory: a dangling symlink */
          cleanup_free char *via = exists ? through_symlink (parent, dir, name, path + i) : NULL;
          if (slash)
            *slash = '/';
          if (via)
            return root_mkdirs_depth (rootfd, via, depth + 1, err);
          here = vessel_in_root_open (rootfd, copy, O_PATH | O_DIRECTORY);
        }
      if (here < 0)
        return vessel_fail_errno (err, -here, "open `%s` in the rootfs", copy);
      copy[i] = saved;
    }
  fd = vessel_in_root_open (rootfd, path, O_PATH | O_DIRECTORY);
  if (fd < 0)
    return vessel_fail_errno (err, -fd, "open `%s` in the rootfs", path);
  return fd;
}

int
vessel_root_mkdirs (int rootfd, const char *path, vessel_error **err)
{
  return root_mkdirs_depth (rootfd, path, 0, err);
}

/* Splits path into its directory (created) and last component. */
int
vessel_root_parent (int rootfd, const char *path, char **name, vessel_error **err)
{
  cleanup_free char *copy = xstrdup (path);
  size_t len = strlen (copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  char *slash = strrchr (copy, '/');
  *name = xstrdup (slash ? slash + 1 : copy);
  if (slash == NULL)
    return vessel_root_mkdirs (rootfd, ".", err);
  *slash = '\0';
  return vessel_root_mkdirs (rootfd, *copy ? copy : "/", err);
}

/* Opens (creating an empty file if needed) a file mount target. */
int
vessel_root_mkfile (int rootfd, const char *path, vessel_error **err)
{
  cleanup_free char *name = NULL;
  cleanup_close int parent = vessel_root_parent (rootfd, path, &name, err);
  if (parent < 0)
    return parent;
  cleanup_close int dirfd = openat (parent, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dirfd < 0)
    return vessel_fail_errno (err, errno, "open the directory of `%s`", path);
  int fd = openat (dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd >= 0)
    close (fd);
  else if (errno != EEXIST)
    return vessel_fail_errno (err, errno, "create `%s` in the rootfs", path);
  fd = vessel_in_root_open (rootfd, path, O_PATH);
  if (fd < 0)
    return vessel_fail_errno (err, -fd, "open `%s` in the rootfs", path);
  return fd;
}

/* ---- mounting --------------------------------------------------------------- */

static uint64_t
ms_to_attr (unsigned long ms)
{
  uint64_t a = 0;
  if (ms & MS_RDONLY)
    a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID)
    a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV)
    a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC)
    a |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NODIRATIME)
    a |= MOUNT_ATTR_NODIRATIME;
  if (ms & MS_NOSYMFOLLOW)
    a |= MOUNT_ATTR_NOSYMFOLLOW;
  if (ms & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  return a;
}

static bool
sets_atime (unsigned long ms)
{
  return (ms & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) != 0;
}

/* A mount copied into a user namespace's mount namespace has its ro,
   nosuid, nodev, noexec and atime flags locked: clearing or changing
   them is EPERM.  Makes `a` keep those the mount has instead (as runc
   and crun do); false when it changed nothing.  errno is kept. */
_Static_assert ((int) ST_RDONLY == (int) MS_RDONLY && (int) ST_NOSUID == (int) MS_NOSUID
                    && (int) ST_NODEV == (int) MS_NODEV && (int) ST_NOEXEC == (int) MS_NOEXEC,
                "statvfs flags are the mount flags");

static bool
keep_locked_flags (int mntfd, struct mount_attr *a)
{
  int saved = errno;
  struct statvfs st;
  bool read = fstatvfs (mntfd, &st) == 0;
  errno = saved;
  if (!read)
    return false;
  /* statvfs's ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC are the MS_ values */
  uint64_t has = ms_to_attr (st.f_flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  struct mount_attr kept = *a;
  kept.attr_clr &= ~has;
  /* the atime mode (noatime, relatime, nodiratime) as it is, not as asked */
  kept.attr_clr &= ~(uint64_t) (MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
  kept.attr_set &= ~(uint64_t) (MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME);
  if (memcmp (&kept, a, sizeof kept) == 0)
    return false;
  *a = kept;
  return true;
}

/* Applies the options that are mount attributes to a detached or
   attached mount fd: the plain ones to its top, the recursive ones ("rro")
   and the propagation to the whole tree when asked. */
int
vessel_mount_apply_attrs (int mntfd, const struct vessel_mount_options *o, bool plain, const char *what,
             vessel_error **err)
{
  if (plain)
    {
      struct mount_attr a = { .attr_set = ms_to_attr (o->flags), .attr_clr = ms_to_attr (o->clear) };
      if (sets_atime (o->flags))
        a.attr_clr |= MOUNT_ATTR__ATIME;
      a.attr_clr &= ~a.attr_set | MOUNT_ATTR__ATIME;
      if ((a.attr_set || a.attr_clr) && mount_setattr (mntfd, "", AT_EMPTY_PATH, &a, sizeof a) < 0
          && (errno != EPERM || !keep_locked_flags (mntfd, &a)
              || mount_setattr (mntfd, "", AT_EMPTY_PATH, &a, sizeof a) < 0))
        return vessel_fail_errno (err, errno, "set mount options of `%s`", what);
    }
  if (o->attr_set || o->attr_clr)
    {
      struct mount_attr a = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
      if (mount_setattr (mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
        return vessel_fail_errno (err, errno, "set recursive mount options of `%s`", what);
    }
  if (o->propagation)
    {
      struct mount_attr a = { .propagation = o->propagation & ~(unsigned long) MS_REC };
      unsigned flags = AT_EMPTY_PATH | ((o->propagation & MS_REC) ? AT_RECURSIVE : 0);
      if (mount_setattr (mntfd, "", flags, &a, sizeof a) < 0)
        return vessel_fail_errno (err, errno, "set the propagation of `%s`", what);
    }
  return 0;
}

int
vessel_mount_attach (int mntfd, int targetfd, const char *what, vessel_error **err)
{
  if (move_mount (mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return vessel_fail_errno (err, errno, "mount on `%s`", what);
  return 0;
}

/* The kernel explains fsconfig failures in messages read from the
   context fd ("e tmpfs: Bad value for 'mode'"). */
static int
fs_fail (int fsfd, int errnum, const char *type, const char *what, vessel_error **err)
{
  char buf[512];
  ssize_t n = read (fsfd, buf, sizeof buf - 1);
  if (n > 2 && buf[0] == 'e' && buf[1] == ' ')
    {
      buf[n] = '\0';
      buf[strcspn (buf, "\n")] = '\0';
      return vessel_fail (err, errnum, "mount %s on `%s`: %s: %s", type, what, buf + 2, strerror (errnum));
    }
  return vessel_fail_errno (err, errnum, "mount %s on `%s`", type, what);
}

static const struct
{
  unsigned long flag;
  const char *name;
} sb_flags[] = {
  { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
  { MS_MANDLOCK, "mand" },    { MS_SILENT, "silent" },   { MS_I_VERSION, "iversion" },
};

/* Sets data option `option`.  An overlay lowerdir longer than fsconfig
   takes goes a layer at a time (lowerdir+), or with by_fd through fds
   opened on the layers, appended to fds[*n_fds] for the caller to close
   once the filesystem is made. */
static int
fs_set_option (int fsfd, const char *type, const char *option, bool by_fd, bool *layered, int **fds, size_t *n_fds,
               const char *what, vessel_error **err)
{
  struct vessel_fs_params params;
  int r = vessel_fs_params_of (type, option, &params, err);
  if (r < 0)
    return vessel_error_wrap (err, r, "mount %s on `%s`", type, what);
  *layered |= params.layers;
  if (params.layers && by_fd)
    {
      *fds = xrealloc (*fds, (*n_fds + params.n) * sizeof (**fds));
      int *mine = *fds + *n_fds;
      for (size_t j = 0; j < params.n && r == 0; j++, (*n_fds)++)
        if ((mine[j] = open (params.p[j].value, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
          r = vessel_fail_errno (err, errno, "mount %s on `%s`: layer `%s`", type, what, params.p[j].value);
      if (r == 0 && (r = vessel_fs_params_join_fds (&params, mine, err)) < 0)
        vessel_error_wrap (err, r, "mount %s on `%s`", type, what);
    }
  for (size_t j = 0; j < params.n && r == 0; j++)
    if (fsconfig (fsfd, params.p[j].value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, params.p[j].key,
                  params.p[j].value, 0) < 0)
      r = fs_fail (fsfd, errno, type, what, err);
  vessel_fs_params_free (&params);
  return r;
}

static int
fs_new_once (const char *type, const char *source, const struct vessel_mount_options *o, const char *context,
             bool by_fd, bool *layered, const char *what, vessel_error **err)
{
  cleanup_close int fsfd = fsopen (type, FSOPEN_CLOEXEC);
  if (fsfd < 0)
    return vessel_fail_errno (err, errno, "mount %s on `%s`", type, what);
  if (source && *source && fsconfig (fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return fs_fail (fsfd, errno, type, what, err);
  /* A value of its own: no quoting, unlike context="..." in mount(2)'s data. */
  if (context && fsconfig (fsfd, FSCONFIG_SET_STRING, "context", context, 0) < 0)
    return fs_fail (fsfd, errno, type, what, err);
  for (size_t i = 0; i < ARRAY_SIZE (sb_flags); i++)
    if ((o->flags & sb_flags[i].flag)
        && fsconfig (fsfd, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
      return fs_fail (fsfd, errno, type, what, err);
  cleanup_free int *fds = NULL;
  size_t n_fds = 0;
  int ret = 0;
  for (size_t i = 0; i < o->data_len && ret == 0; i++)
    ret = fs_set_option (fsfd, type, o->data[i], by_fd, layered, &fds, &n_fds, what, err);
  if (ret == 0 && fsconfig (fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    ret = fs_fail (fsfd, errno, type, what, err);
  for (size_t i = 0; i < n_fds; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  if (ret < 0)
    return ret;
  /* Only mount-level flags here: the superblock may be shared (sysfs of a
     network namespace, proc of a pid namespace) and is not ours to make
     read-only. */
  int mntfd = fsmount (fsfd, FSMOUNT_CLOEXEC, (unsigned) ms_to_attr (o->flags));
  if (mntfd < 0)
    return fs_fail (fsfd, errno, type, what, err);
  return mntfd;
}

/* A new, detached instance of filesystem `type`; `context` is its SELinux
   label (linux.mountLabel), or NULL. */
int
vessel_fs_new (const char *type, const char *source, const struct vessel_mount_options *o, const char *context,
        const char *what, vessel_error **err)
{
  bool layered = false;
  int mntfd = fs_new_once (type, source, o, context, false, &layered, what, err);
  /* A kernel without lowerdir+ (before 6.8) refuses the layers' keys. */
  if (mntfd == -EINVAL && layered)
    {
      vessel_error_freep (err);
      mntfd = fs_new_once (type, source, o, context, true, &layered, what, err);
    }
  return mntfd;
}

/* A detached copy of the mount tree at a host path. */
int
vessel_tree_clone (int dirfd, const char *path, bool recursive, const char *what, vessel_error **err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (*path == '\0')
    flags |= AT_EMPTY_PATH;
  int fd = open_tree (dirfd, path, flags);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "bind `%s`", what);
  return fd;
}

/* Copies the tree under src into dst (both directory fds): tmpcopyup. */
int
vessel_copy_tree (int src, int dst, const char *what, vessel_error **err)
{
  int dupfd = dup (src);
  if (dupfd < 0)
    return vessel_fail_errno (err, errno, "dup");
  cleanup_dir DIR *dir = fdopendir (dupfd);
  if (dir == NULL)
    {
      close (dupfd);
      return vessel_fail_errno (err, errno, "read `%s`", what);
    }
  struct dirent *e;
  while ((e = readdir (dir)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat (src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return vessel_fail_errno (err, errno, "stat `%s/%s`", what, e->d_name);
      int ret = 0;
      if (S_ISDIR (st.st_mode))
        {
          if (mkdirat (dst, e->d_name, st.st_mode & 07777) < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
          cleanup_close int s = openat (src, e->d_name, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          cleanup_close int d = openat (dst, e->d_name, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          if (s < 0 || d < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
          ret = vessel_copy_tree (s, d, what, err);
        }
      else if (S_ISLNK (st.st_mode))
        {
          char target[4096];
          ssize_t n = readlinkat (src, e->d_name, target, sizeof target - 1);
          if (n < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
          target[n] = '\0';
          if (symlinkat (target, dst, e->d_name) < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
        }
      else if (S_ISREG (st.st_mode))
        {
          cleanup_close int s = openat (src, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          cleanup_close int d = openat (dst, e->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                        st.st_mode & 07777);
          if (s < 0 || d < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
          char buf[65536];
          ssize_t n;
          while ((n = read (s, buf, sizeof buf)) > 0)
            if ((ret = write_all (d, buf, (size_t) n)) < 0)
              return vessel_fail_errno (err, -ret, "copy `%s/%s`", what, e->d_name);
          if (n < 0)
            return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
        }
      else if (mknodat (dst, e->d_name, st.st_mode, st.st_rdev) < 0)
        return vessel_fail_errno (err, errno, "copy `%s/%s`", what, e->d_name);
      if (ret < 0)
        return ret;
      if (fchownat (dst, e->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM
          && errno != EINVAL)
        return vessel_fail_errno (err, errno, "copy the owner of `%s/%s`", what, e->d_name);
    }
  return 0;
}

/* A bind mount's target is a file when its source is not a directory. */
int
vessel_mount_set_attrs (int tree, const struct vessel_mount_options *o, const char *what, vessel_error **err)
{
  return vessel_mount_apply_attrs (tree, o, true, what, err);
}

