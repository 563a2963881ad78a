#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "fs_params.h"
#include "lsm.h"
#include "mounts.h"
#include "no_pivot.h"
#include "namespaces.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* ---- the plan --------------------------------------------------------------- */

static bool
is_bind (const struct oci_mount *m, const struct vessel_mount_options *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

static unsigned long
propagation_flags (int p)
{
  switch (p)
    {
    case OCI_PROPAGATION_SHARED:
      return MS_SHARED;
    case OCI_PROPAGATION_SLAVE:
      return MS_SLAVE;
    case OCI_PROPAGATION_UNBINDABLE:
      return MS_UNBINDABLE;
    case OCI_PROPAGATION_RPRIVATE:
      return MS_PRIVATE | MS_REC;
    case OCI_PROPAGATION_RSHARED:
      return MS_SHARED | MS_REC;
    case OCI_PROPAGATION_RSLAVE:
      return MS_SLAVE | MS_REC;
    case OCI_PROPAGATION_RUNBINDABLE:
      return MS_UNBINDABLE | MS_REC;
    case OCI_PROPAGATION_PRIVATE:
    default:
      return MS_PRIVATE;
    }
}

static bool
is_dev_path (const char *dest)
{
  while (*dest == '/')
    dest++;
  return strcmp (dest, "dev") == 0 || strcmp (dest, "dev/") == 0;
}

int
vessel_mount_plan_build (const struct oci_config *c, const char *bundle,
                         struct vessel_mount_plan *plan, vessel_error **err)
{
  memset (plan, 0, sizeof (*plan));
  plan->root_readonly = c->root && c->root->readonly;
  plan->root_propagation = MS_PRIVATE | MS_REC;
  if (c->linux && c->linux->has_rootfs_propagation)
    plan->root_propagation = propagation_flags (c->linux->rootfs_propagation);
  plan->make_devices = true;
  if (c->linux && c->linux->mount_label && *c->linux->mount_label)
    plan->mount_label = c->linux->mount_label;
  plan->steps = xzalloc ((c->mounts_len + 1) * sizeof (*plan->steps));

  for (size_t i = 0; i < c->mounts_len; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      struct vessel_mount_step *s = &plan->steps[plan->n];
      char where[64];
      snprintf (where, sizeof where, "config.json: .mounts[%zu].options", i);
      int ret = vessel_mount_options_parse (m->options, m->options_len, where, &s->o, err);
      if (ret < 0)
        {
          vessel_mount_plan_free (plan);
          return ret;
        }
      s->index = i;
      s->premade_fd = -1;
      s->destination = m->destination;
      s->type = m->type;
      if (is_bind (m, &s->o))
        {
          s->kind = VESSEL_MOUNT_BIND;
          s->recursive = (s->o.flags & MS_REC) != 0;
          s->source = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
          if (is_dev_path (m->destination))
            plan->make_devices = false; /* the host's /dev, or a prepared one */
        }
      else if (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0)
        s->kind = VESSEL_MOUNT_CGROUP;
      else
        {
          s->kind = VESSEL_MOUNT_FS;
          s->source = m->source ? xstrdup (m->source) : NULL;
        }
      /* MS_BIND, MS_REC and MS_REMOUNT describe how to mount, not what
         the mount is; the executor decides that from the kind. */
      s->o.flags &= ~(unsigned long) (MS_BIND | MS_REC | MS_REMOUNT);
      /* Device nodes, mount points and copied files go into these after
         they are mounted: read-only at the end, as runc does. */
      if ((s->o.flags & MS_RDONLY) && (is_dev_path (m->destination) || (s->type && strcmp (s->type, "tmpfs") == 0)))
        {
          s->o.flags &= ~(unsigned long) MS_RDONLY;
          s->readonly_late = true;
        }
      plan->n++;
    }
  return 0;
}

void
vessel_mount_plan_close_premade (struct vessel_mount_plan *plan)
{
  for (size_t i = 0; i < plan->n; i++)
    closep (&plan->steps[i].premade_fd);
}

size_t
vessel_mount_plan_fds (const struct vessel_mount_plan *plan, int *fds, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < plan->n && n < max; i++)
    if (plan->steps[i].premade_fd >= 0)
      fds[n++] = plan->steps[i].premade_fd;
  return n;
}

void
vessel_mount_plan_free (struct vessel_mount_plan *plan)
{
  vessel_mount_plan_close_premade (plan);
  for (size_t i = 0; i < plan->n; i++)
    {
      free (plan->steps[i].source);
      vessel_mount_options_clear (&plan->steps[i].o);
    }
  free (plan->steps);
  memset (plan, 0, sizeof (*plan));
}

/* ---- paths inside the rootfs ------------------------------------------------ */

/* Opens path (absolute or not) as seen from inside the root rootfd: ".."
   and absolute symlinks stop at the rootfs, magic links are refused. */
static int
root_open (int rootfd, const char *path, int flags)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  return vessel_openat2 (rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
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
   just mounted).  -1 for anything else, which the general walk handles. */
static int
mkdir_last (int rootfd, const char *path)
{
  cleanup_free char *copy = xstrdup (path);
  size_t len = strlen (copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  char *slash = strrchr (copy, '/');
  if (slash == NULL || slash[1] == '\0' || strcmp (slash + 1, "..") == 0 || strcmp (slash + 1, ".") == 0)
    return -1;
  *slash = '\0';
  cleanup_close int parent = root_open (rootfd, copy, O_PATH | O_DIRECTORY);
  if (parent < 0 || mkdirat (parent, slash + 1, 0755) < 0)
    return -1;
  /* Made just now by us: a directory, and not a symlink. */
  return openat (parent, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Opens the directory at path inside the root, creating what is missing
   (0755), one component at a time so that every component is resolved in
   the root before the next is made in it.  A dangling symlink on the way
   is followed, inside the root, and its target created (as runc does for
   images with links such as /var/lock -> /run/lock). */
static int
root_mkdirs_depth (int rootfd, const char *path, int depth, vessel_error **err)
{
  int fd = root_open (rootfd, path, O_PATH | O_DIRECTORY);
  if (fd >= 0 || errno != ENOENT)
    return fd >= 0 ? fd : vessel_fail_errno (err, errno, "open `%s` in the rootfs", path);
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
      cleanup_close int here = root_open (rootfd, copy, O_PATH | O_DIRECTORY);
      if (here < 0 && errno == ENOENT)
        {
          char *slash = strrchr (copy, '/');
          const char *name = slash ? slash + 1 : copy;
          cleanup_close int parent = -1;
          if (slash)
            *slash = '\0';
          parent = root_open (rootfd, slash ? copy : ".", O_PATH | O_DIRECTORY);
          const char *dir = slash ? copy : "";
          if (parent < 0)
            return vessel_fail_errno (err, errno, "open `%s` in the rootfs", dir);
          bool exists = mkdirat (parent, name, 0755) < 0;
          if (exists && errno != EEXIST)
            return vessel_fail_errno (err, errno, "create directory `%s/%s` in the rootfs", dir, name);
          /* there, yet not openable as a directory: a dangling symlink */
          cleanup_free char *via = exists ? through_symlink (parent, dir, name, path + i) : NULL;
          if (slash)
            *slash = '/';
          if (via)
            return root_mkdirs_depth (rootfd, via, depth + 1, err);
          here = root_open (rootfd, copy, O_PATH | O_DIRECTORY);
        }
      if (here < 0)
        return vessel_fail_errno (err, errno, "open `%s` in the rootfs", copy);
      copy[i] = saved;
    }
  fd = root_open (rootfd, path, O_PATH | O_DIRECTORY);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s` in the rootfs", path);
  return fd;
}

static int
root_mkdirs (int rootfd, const char *path, vessel_error **err)
{
  return root_mkdirs_depth (rootfd, path, 0, err);
}

/* Splits path into its directory (created) and last component. */
static int
root_parent (int rootfd, const char *path, char **name, vessel_error **err)
{
  cleanup_free char *copy = xstrdup (path);
  size_t len = strlen (copy);
  while (len > 1 && copy[len - 1] == '/')
    copy[--len] = '\0';
  char *slash = strrchr (copy, '/');
  *name = xstrdup (slash ? slash + 1 : copy);
  if (slash == NULL)
    return root_mkdirs (rootfd, ".", err);
  *slash = '\0';
  return root_mkdirs (rootfd, *copy ? copy : "/", err);
}

/* Opens (creating an empty file if needed) a file mount target. */
static int
root_mkfile (int rootfd, const char *path, vessel_error **err)
{
  cleanup_free char *name = NULL;
  cleanup_close int parent = root_parent (rootfd, path, &name, err);
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
  fd = root_open (rootfd, path, O_PATH);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s` in the rootfs", path);
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
static int
apply_attrs (int mntfd, const struct vessel_mount_options *o, bool plain, const char *what,
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

static int
attach (int mntfd, int targetfd, const char *what, vessel_error **err)
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
static int
fs_new (const char *type, const char *source, const struct vessel_mount_options *o, const char *context,
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
static int
tree_clone (int dirfd, const char *path, bool recursive, const char *what, vessel_error **err)
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
static int
copy_tree (int src, int dst, const char *what, vessel_error **err)
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
          ret = copy_tree (s, d, what, err);
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
static int
bind_target (int rootfd, const struct vessel_mount_step *s, vessel_error **err)
{
  struct stat st;
  /* a premade tree: its source may be out of the init's reach */
  if ((s->premade_fd >= 0 ? fstat (s->premade_fd, &st) : stat (s->source, &st)) < 0)
    return vessel_fail_errno (err, errno, "bind source `%s`", s->source);
  if (S_ISDIR (st.st_mode))
    return root_mkdirs (rootfd, s->destination, err);
  return root_mkfile (rootfd, s->destination, err);
}

int
vessel_mount_set_attrs (int tree, const struct vessel_mount_options *o, const char *what, vessel_error **err)
{
  return apply_attrs (tree, o, true, what, err);
}

/* A detached bind of s->source with the step's options. */
static int
bind_tree (const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int tree = tree_clone (AT_FDCWD, s->source, s->recursive, s->source, err);
  if (tree < 0)
    return tree;
  int ret = apply_attrs (tree, &s->o, true, s->destination, err);
  return ret < 0 ? ret : steal_fd (&tree);
}

static int
mount_bind (int rootfd, const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int target = bind_target (rootfd, s, err);
  if (target < 0)
    return target;
  /* A premade tree is the init's own copy of vessel's fd: attached once. */
  cleanup_close int tree = s->premade_fd >= 0 ? s->premade_fd : bind_tree (s, err);
  if (tree < 0)
    return tree;
  return attach (tree, target, s->destination, err);
}

/* linux.mountLabel goes to the filesystems the container gets to itself,
   as with runc: not proc and sysfs, whose labels the policy sets, nor
   mqueue. */
static bool
takes_mount_label (const char *type)
{
  return strcmp (type, "proc") != 0 && strcmp (type, "sysfs") != 0 && strcmp (type, "mqueue") != 0;
}

/* What a user namespace may not mount anew -- sysfs without a network
   namespace of its own, proc without a pid namespace of its own -- is
   bound from the host instead, with its submounts (as runc's rootless
   configuration and crun do). */
static const char *
host_tree_for (const char *type)
{
  if (strcmp (type, "sysfs") == 0)
    return "/sys";
  if (strcmp (type, "proc") == 0)
    return "/proc";
  return NULL;
}

/* proc and sysfs only on a directory that is one: never through a
   symlink the image put there, even one into the rootfs, as runc refuses
   (CVE-2019-19921).  O_NOFOLLOW with O_PATH opens a symlink itself, which
   O_DIRECTORY then refuses. */
static int
open_fs_target (int rootfd, const struct vessel_mount_step *s, vessel_error **err)
{
  if (strcmp (s->type, "proc") != 0 && strcmp (s->type, "sysfs") != 0)
    return root_mkdirs (rootfd, s->destination, err);
  int fd = root_open (rootfd, s->destination, O_PATH | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0 || errno == ENOENT)
    return fd >= 0 ? fd : root_mkdirs (rootfd, s->destination, err);
  if (errno == ENOTDIR)
    return vessel_fail (err, ENOTDIR, "`%s`: filesystem \"%s\" must be mounted on ordinary directory",
                        s->destination, s->type);
  return vessel_fail_errno (err, errno, "open `%s` in the rootfs", s->destination);
}

static int
mount_fs (int rootfd, const struct vessel_mount_step *s, const char *label, bool in_userns, vessel_error **err)
{
  cleanup_close int target = open_fs_target (rootfd, s, err);
  if (target < 0)
    return target;
  const char *context = label && takes_mount_label (s->type) ? label : NULL;
  cleanup_close int mnt = fs_new (s->type, s->source, &s->o, context, s->destination, err);
  const char *host = mnt == -EPERM && in_userns ? host_tree_for (s->type) : NULL;
  if (host)
    {
      vessel_error_freep (err);
      mnt = tree_clone (AT_FDCWD, host, true, host, err);
    }
  if (mnt < 0)
    return mnt;
  /* fsmount took the plain flags of a new filesystem; a bind needs them set */
  int ret = apply_attrs (mnt, &s->o, host != NULL, s->destination, err);
  if (ret < 0)
    return ret;
  if (s->o.extra & VESSEL_MOUNT_TMPCOPYUP)
    {
      cleanup_close int src = openat (target, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      cleanup_close int dst = openat (mnt, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      if (src < 0 || dst < 0)
        return vessel_fail_errno (err, errno, "tmpcopyup on `%s`", s->destination);
      if ((ret = copy_tree (src, dst, s->destination, err)) < 0)
        return ret;
    }
  return attach (mnt, target, s->destination, err);
}

/* ---- /sys/fs/cgroup ------------------------------------------------------------ */

/* One hierarchy inside the container: a fresh cgroup filesystem when the
   init has its own cgroup namespace (it then shows the container's cgroup
   as its root), else a bind of the container's cgroup directory. */
static int
cgroup_hierarchy_mount (const struct vessel_rootfs *r, size_t i, const struct vessel_mount_options *o,
                        const char *what, vessel_error **err)
{
  const struct vessel_cgroup_hierarchy *h = &r->cgroup_host->h[i];
  /* The container's cgroup directory must exist by now, and with a
     cgroup namespace the init must be in it: a fresh cgroup filesystem
     shows the root of the cgroup namespace the init is in. */
  int ret;
  if (r->before_cgroup_mount && (ret = r->before_cgroup_mount (r->hooks_arg, err)) < 0)
    return ret;
  if (!r->cgroup_ns)
    {
      int fd = tree_clone (AT_FDCWD, r->cgroup_paths[i], false, r->cgroup_paths[i], err);
      if (fd >= 0)
        {
          ret = apply_attrs (fd, o, true, what, err);
          if (ret < 0)
            {
              close (fd);
              return ret;
            }
        }
      return fd;
    }
  struct vessel_mount_options fs = *o;
  fs.data = NULL;
  fs.data_len = 0;
  cleanup_free const char **controllers = NULL;
  cleanup_free char *list = xstrdup (h->controllers);
  if (!h->v2)
    {
      controllers = xmalloc ((strlen (list) + 1) * sizeof (char *));
      char *save = NULL;
      for (char *c = strtok_r (list, ",", &save); c; c = strtok_r (NULL, ",", &save))
        controllers[fs.data_len++] = c;
      fs.data = controllers;
    }
  return fs_new (h->v2 ? "cgroup2" : "cgroup", "cgroup", &fs, NULL, what, err);
}

static int
mount_cgroup (int rootfd, const struct vessel_rootfs *r, const struct vessel_mount_step *s,
              vessel_error **err)
{
  if (r->cgroup_host == NULL)
    return 0; /* no cgroups for this container: nothing to show */
  cleanup_close int target = root_mkdirs (rootfd, s->destination, err);
  if (target < 0)
    return target;

  if (r->cgroup_host->mode == VESSEL_CGROUP_V2)
    {
      cleanup_close int mnt = cgroup_hierarchy_mount (r, 0, &s->o, s->destination, err);
      if (mnt < 0)
        return mnt;
      return attach (mnt, target, s->destination, err);
    }

  /* v1 and hybrid: a tmpfs with one directory per hierarchy, named as on
     the host ("cpu,cpuacct", "systemd", "unified"), and a symlink for each
     controller of a co-mounted hierarchy ("cpu" -> "cpu,cpuacct"). */
  struct vessel_mount_options tmpfs = { .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC };
  const char *mode = "mode=755";
  tmpfs.data = &mode;
  tmpfs.data_len = 1;
  cleanup_close int top = fs_new ("tmpfs", "tmpfs", &tmpfs, NULL, s->destination, err);
  if (top < 0)
    return top;
  cleanup_close int topdir = openat (top, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (topdir < 0)
    return vessel_fail_errno (err, errno, "open the tmpfs for `%s`", s->destination);
  /* Attached before the hierarchies go in: before Linux 6.15 move_mount
     refuses a target in a detached tree (EINVAL), as Debian 12's 6.1. */
  int ret = attach (top, target, s->destination, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < r->cgroup_host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &r->cgroup_host->h[i];
      const char *name = strrchr (h->mountpoint, '/');
      name = name ? name + 1 : h->mountpoint;
      cleanup_free char *what = xasprintf ("%s/%s", s->destination, name);
      if (mkdirat (topdir, name, 0755) < 0 && errno != EEXIST)
        return vessel_fail_errno (err, errno, "create `%s`", what);
      cleanup_close int sub = openat (topdir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        return vessel_fail_errno (err, errno, "open `%s`", what);
      cleanup_close int mnt = cgroup_hierarchy_mount (r, i, &s->o, what, err);
      if (mnt < 0)
        return mnt;
      ret = attach (mnt, sub, what, err);
      if (ret < 0)
        return ret;
      if (strchr (name, ',') != NULL)
        {
          cleanup_free char *list = xstrdup (name);
          char *save = NULL;
          for (char *c = strtok_r (list, ",", &save); c; c = strtok_r (NULL, ",", &save))
            if (symlinkat (name, topdir, c) < 0 && errno != EEXIST)
              return vessel_fail_errno (err, errno, "create symlink `%s/%s`", s->destination, c);
        }
    }
  /* The tmpfs itself becomes read-only last, once its directories exist. */
  if (s->o.flags & MS_RDONLY)
    {
      struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
      if (mount_setattr (top, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
        return vessel_fail_errno (err, errno, "make `%s` read-only", s->destination);
    }
  return 0;
}

/* ---- /dev --------------------------------------------------------------------- */

static const struct
{
  const char *name;
  unsigned major, minor;
} default_devices[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct
{
  const char *name;
  const char *target;
} default_links[] = {
  { "fd", "/proc/self/fd" },    { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },       { "core", "/proc/kcore" },
};

/* A device node at dirfd/name: mknod, or in a user namespace (where
   mknod is not allowed) a bind mount of the host's node.  mknodat never
   follows a symlink at name, and dirfd was resolved inside the root. */
static int
make_device (int dirfd, const char *name, mode_t type, mode_t mode, dev_t dev, uid_t uid, gid_t gid,
             const char *host_path, bool in_userns, vessel_error **err)
{
  if (!in_userns)
    {
      if (mknodat (dirfd, name, type | (mode & 07777), dev) < 0)
        {
          if (errno != EEXIST)
            return vessel_fail_errno (err, errno, "mknod `%s`", host_path);
          /* Replace what the image has there (not through a symlink). */
          if (unlinkat (dirfd, name, 0) < 0 || mknodat (dirfd, name, type | (mode & 07777), dev) < 0)
            return vessel_fail_errno (err, errno, "mknod `%s`", host_path);
        }
      if (fchownat (dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return vessel_fail_errno (err, errno, "chown `%s`", host_path);
      return 0;
    }
  int fd = openat (dirfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0000);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "create `%s`", host_path);
  close (fd);
  cleanup_close int target = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return vessel_fail_errno (err, errno, "open `%s`", host_path);
  cleanup_close int tree = tree_clone (AT_FDCWD, host_path, false, host_path, err);
  if (tree < 0)
    return tree;
  return attach (tree, target, host_path, err);
}

static int
populate_dev (int rootfd, const struct vessel_rootfs *r, vessel_error **err)
{
  cleanup_close int dev = root_mkdirs (rootfd, "/dev", err);
  if (dev < 0)
    return dev;
  cleanup_close int devdir = openat (dev, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (devdir < 0)
    return vessel_fail_errno (err, errno, "open /dev in the rootfs");
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      char host[32];
      snprintf (host, sizeof host, "/dev/%s", default_devices[i].name);
      int ret = make_device (devdir, default_devices[i].name, S_IFCHR, 0666,
                             makedev (default_devices[i].major, default_devices[i].minor), 0, 0, host,
                             r->in_userns, err);
      if (ret < 0)
        return ret;
    }
  for (size_t i = 0; i < ARRAY_SIZE (default_links); i++)
    if (symlinkat (default_links[i].target, devdir, default_links[i].name) < 0 && errno != EEXIST)
      return vessel_fail_errno (err, errno, "create symlink /dev/%s", default_links[i].name);
  return 0;
}

static int
create_config_devices (int rootfd, const struct vessel_rootfs *r, vessel_error **err)
{
  const struct oci_linux *lx = r->config->linux;
  if (lx == NULL)
    return 0;
  for (size_t i = 0; i < lx->devices_len; i++)
    {
      const struct oci_device *d = &lx->devices[i];
      cleanup_free char *name = NULL;
      cleanup_close int parent = root_parent (rootfd, d->path, &name, err);
      if (parent < 0)
        return parent;
      cleanup_close int dir = openat (parent, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      if (dir < 0)
        return vessel_fail_errno (err, errno, "open the directory of `%s`", d->path);
      mode_t type = vessel_device_file_type (d->type);
      mode_t mode = d->has_file_mode ? d->file_mode & ~(mode_t) S_IFMT : 0666; /* the type is checked */
      dev_t dev = type == S_IFIFO ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);
      int ret = make_device (dir, name, type, mode, dev, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
                             d->path, r->in_userns && type != S_IFIFO, err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "config.json: .linux.devices[%zu]", i);
    }
  return 0;
}

/* ---- the whole setup -------------------------------------------------------------- */

static int
pivot (int rootfd, const struct vessel_rootfs *r, vessel_error **err)
{
  if (fchdir (rootfd) < 0)
    return vessel_fail_errno (err, errno, "chdir to the rootfs");
  if (!r->mount_ns || r->no_pivot)
    {
      /* Without pivot_root the old root stays reachable to anything that
         can escape a chroot: only on request (--no-pivot) or when there
         is no mount namespace to pivot in.  The host's other mounts go
         (see no_pivot.h). */
      int ret;
      if (r->mount_ns && (ret = vessel_no_pivot_detach_host (rootfd, err)) < 0)
        return ret;
      if (r->mount_ns && mount (".", "/", NULL, MS_MOVE, NULL) < 0)
        return vessel_fail_errno (err, errno, "move the rootfs to /");
      if (chroot (".") < 0)
        return vessel_fail_errno (err, errno, "chroot to the rootfs");
    }
  else
    {
      /* pivot_root(".", ".") stacks the old root on the new one; detaching
         it leaves only the container's tree, without a temporary
         directory in the image. */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return vessel_fail_errno (err, errno, "pivot_root to `%s`", r->rootfs);
      if (umount2 (".", MNT_DETACH) < 0)
        return vessel_fail_errno (err, errno, "detach the old root");
    }
  if (chdir ("/") < 0)
    return vessel_fail_errno (err, errno, "chdir to /");
  return 0;
}

int
vessel_rootfs_setup (struct vessel_rootfs *r, vessel_error **err)
{
  const struct vessel_mount_plan *plan = r->plan;
  if (r->mount_ns)
    {
      /* Nothing we mount may propagate back to the host. */
      if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return vessel_fail_errno (err, errno, "make / a slave mount");
      /* The rootfs becomes a mount of its own, for pivot_root. */
      if (mount (r->rootfs, r->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return vessel_fail_errno (err, errno, "bind the rootfs `%s`", r->rootfs);
      /* A slave rootfs (rootfsPropagation "slave"/"rslave") keeps the
         master its bind inherits from the slave /, so that host mounts
         below it still reach the container; any other becomes private
         here and gets its final propagation after pivot_root. */
      bool slave = (plan->root_propagation & ~(unsigned long) MS_REC) == MS_SLAVE;
      if (!slave && mount (NULL, r->rootfs, NULL, MS_PRIVATE, NULL) < 0)
        return vessel_fail_errno (err, errno, "make the rootfs `%s` private", r->rootfs);
    }
  cleanup_close int rootfd = open (r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return vessel_fail_errno (err, errno, "open the rootfs `%s`", r->rootfs);

  /* Without SELinux the label means nothing, as with runc. */
  const char *label = plan->mount_label && vessel_selinux_enabled () ? plan->mount_label : NULL;
  for (size_t i = 0; i < plan->n; i++)
    {
      const struct vessel_mount_step *s = &plan->steps[i];
      int ret;
      switch (s->kind)
        {
        case VESSEL_MOUNT_BIND:
          ret = mount_bind (rootfd, s, err);
          break;
        case VESSEL_MOUNT_CGROUP:
          ret = mount_cgroup (rootfd, r, s, err);
          break;
        case VESSEL_MOUNT_FS:
        default:
          ret = mount_fs (rootfd, s, label, r->in_userns, err);
          break;
        }
      if (ret < 0)
        return vessel_error_wrap (err, ret, "config.json: .mounts[%zu]", s->index);
    }

  int ret;
  if (plan->make_devices && (ret = populate_dev (rootfd, r, err)) < 0)
    return ret;
  if ((ret = create_config_devices (rootfd, r, err)) < 0)
    return ret;
  if (r->before_pivot && (ret = r->before_pivot (r->hooks_arg, err)) < 0)
    return ret;
  return pivot (rootfd, r, err);
}

/* ---- after pivot_root ------------------------------------------------------------- */

static int
open_in_container (const char *path)
{
  return vessel_openat2 (AT_FDCWD, path, O_PATH, RESOLVE_NO_MAGICLINKS);
}

static int
make_readonly (const char *path, vessel_error **err)
{
  cleanup_close int fd = open_in_container (path);
  if (fd < 0)
    return errno == ENOENT ? 0 : vessel_fail_errno (err, errno, "readonlyPaths: open `%s`", path);
  cleanup_close int tree = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0)
    return vessel_fail_errno (err, errno, "readonlyPaths: bind `%s`", path);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "readonlyPaths: make `%s` read-only", path);
  return attach (tree, fd, path, err);
}

/* dev_null is a detached clone of the host's /dev/null, made before
   pivot_root.  It can be attached once; later masks clone the first
   attached one (open_tree only clones mounts of our own namespace). */
static int
mask (const char *path, int *dev_null, bool *dev_null_attached, vessel_error **err)
{
  cleanup_close int fd = open_in_container (path);
  if (fd < 0)
    return errno == ENOENT ? 0 : vessel_fail_errno (err, errno, "maskedPaths: open `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return vessel_fail_errno (err, errno, "maskedPaths: stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      struct vessel_mount_options o = { .flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC };
      const char *size = "size=0";
      o.data = &size;
      o.data_len = 1;
      cleanup_close int mnt = fs_new ("tmpfs", "tmpfs", &o, NULL, path, err);
      if (mnt < 0)
        return mnt;
      return attach (mnt, fd, path, err);
    }
  if (!*dev_null_attached)
    {
      int ret = attach (*dev_null, fd, path, err);
      *dev_null_attached = ret == 0;
      return ret;
    }
  cleanup_close int mnt = tree_clone (*dev_null, "", false, "/dev/null", err);
  if (mnt < 0)
    return mnt;
  return attach (mnt, fd, path, err);
}

/* The mount on s->destination, the one s made (nothing has run in the
   container yet to change what the path leads to). */
static int
make_readonly_late (const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int fd = open_in_container (s->destination);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "config.json: .mounts[%zu]: open `%s`", s->index, s->destination);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "config.json: .mounts[%zu]: make `%s` read-only", s->index,
                              s->destination);
  return 0;
}

int
vessel_rootfs_finalize (struct vessel_rootfs *r, vessel_error **err)
{
  const struct oci_linux *lx = r->config->linux;
  int ret;
  for (size_t i = 0; i < r->plan->n; i++)
    if (r->plan->steps[i].readonly_late && (ret = make_readonly_late (&r->plan->steps[i], err)) < 0)
      return ret;
  if (r->mount_ns && (r->plan->root_propagation & ~(unsigned long) MS_REC) != MS_PRIVATE)
    if (mount (NULL, "/", NULL, r->plan->root_propagation, NULL) < 0)
      return vessel_fail_errno (err, errno, "set the propagation of / (.linux.rootfsPropagation)");
  for (size_t i = 0; lx && i < lx->readonly_paths_len; i++)
    if ((ret = make_readonly (lx->readonly_paths[i], err)) < 0)
      return ret;
  bool dev_null_attached = false;
  for (size_t i = 0; lx && i < lx->masked_paths_len; i++)
    if ((ret = mask (lx->masked_paths[i], &r->dev_null_fd, &dev_null_attached, err)) < 0)
      return ret;
  if (r->plan->root_readonly)
    {
      struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
      if (mount_setattr (AT_FDCWD, "/", 0, &a, sizeof a) < 0)
        return vessel_fail_errno (err, errno, "make the root read-only (.root.readonly)");
    }
  return 0;
}
