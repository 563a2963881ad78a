/* The mount executor: runs the steps of a mount plan (mount_plan.c) in
 * the init, one switch over their kinds.  What each step does was decided
 * by the plan; what only the rootfs can tell (is a masked path a
 * directory?) is looked up here, by the rule the plan gives. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mount_ops.h"
#include "mounts.h"
#include "no_pivot.h"
#include "utils.h"

/* ---- mounts[] --------------------------------------------------------------- */

/* The source, resolved once to a detached tree (the one vessel premade,
   whose source may be out of the init's reach, or the init's own clone),
   then the target made to match it: a file when it is not a directory. */
static int
mount_bind (const struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  /* A premade tree is the init's own copy of vessel's fd: attached once. */
  cleanup_close int tree = s->premade_fd;
  if (tree < 0)
    {
      unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s->recursive ? AT_RECURSIVE : 0);
      if ((tree = open_tree (AT_FDCWD, s->source, flags)) < 0)
        return vessel_fail_errno (err, errno, "bind source `%s`", s->source);
      int ret = vessel_mount_apply_attrs (tree, &s->o, true, s->destination, err);
      if (ret < 0)
        return ret;
    }
  struct stat st;
  if (fstat (tree, &st) < 0)
    return vessel_fail_errno (err, errno, "bind source `%s`", s->source);
  cleanup_close int target = S_ISDIR (st.st_mode) ? vessel_root_mkdirs (m->rootfd, s->destination, err)
                                                  : vessel_root_mkfile (m->rootfd, s->destination, err);
  if (target < 0)
    return target;
  return vessel_mount_attach (tree, target, s->destination, err);
}

/* proc and sysfs only on a directory that is one (s->ordinary_dir):
   O_NOFOLLOW with O_PATH opens a symlink itself, which O_DIRECTORY then
   refuses. */
static int
open_fs_target (int rootfd, const struct vessel_mount_step *s, vessel_error **err)
{
  if (!s->ordinary_dir)
    return vessel_root_mkdirs (rootfd, s->destination, err);
  int fd = vessel_in_root_open (rootfd, s->destination, O_PATH | O_DIRECTORY | O_NOFOLLOW);
  if (fd >= 0 || fd == -ENOENT)
    return fd >= 0 ? fd : vessel_root_mkdirs (rootfd, s->destination, err);
  if (fd == -ENOTDIR)
    return vessel_fail (err, ENOTDIR, "`%s`: filesystem \"%s\" must be mounted on ordinary directory",
                        s->destination, s->type);
  return vessel_fail_errno (err, -fd, "open `%s` in the rootfs", s->destination);
}

static int
mount_fs (int rootfd, const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int target = open_fs_target (rootfd, s, err);
  if (target < 0)
    return target;
  cleanup_close int mnt = vessel_fs_new (s->type, s->source, &s->o, s->context, s->destination, err);
  const char *host = mnt == -EPERM ? s->host_fallback : NULL;
  if (host)
    {
      vessel_error_freep (err);
      mnt = vessel_tree_clone (AT_FDCWD, host, true, host, err);
    }
  if (mnt < 0)
    return mnt;
  /* fsmount took the plain flags of a new filesystem; a bind needs them set */
  int ret = vessel_mount_apply_attrs (mnt, &s->o, host != NULL, s->destination, err);
  if (ret < 0)
    return ret;
  if (s->o.extra & VESSEL_MOUNT_TMPCOPYUP)
    {
      cleanup_close int src = openat (target, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      cleanup_close int dst = openat (mnt, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      if (src < 0 || dst < 0)
        return vessel_fail_errno (err, errno, "tmpcopyup on `%s`", s->destination);
      if ((ret = vessel_copy_tree (src, dst, s->destination, err)) < 0)
        return ret;
    }
  return vessel_mount_attach (mnt, target, s->destination, err);
}

/* ---- /sys/fs/cgroup ------------------------------------------------------------ */

/* v1 and hybrid: the tmpfs that holds one directory per hierarchy.  It is
   attached before the hierarchies go in: before Linux 6.15 move_mount
   refuses a target in a detached tree (EINVAL), as Debian 12's 6.1. */
static int
mount_cgroup_tmpfs (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int target = vessel_root_mkdirs (m->rootfd, s->destination, err);
  if (target < 0)
    return target;
  struct vessel_mount_options tmpfs = { .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC };
  const char *mode = "mode=755";
  tmpfs.data = &mode;
  tmpfs.data_len = 1;
  closep (&m->cgroup_top);
  closep (&m->dir_fd);
  m->cgroup_top = vessel_fs_new ("tmpfs", "tmpfs", &tmpfs, NULL, s->destination, err);
  if (m->cgroup_top < 0)
    return m->cgroup_top;
  m->dir_fd = openat (m->cgroup_top, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (m->dir_fd < 0)
    return vessel_fail_errno (err, errno, "open the tmpfs for `%s`", s->destination);
  return vessel_mount_attach (m->cgroup_top, target, s->destination, err);
}

/* One hierarchy: a fresh cgroup filesystem (s->fresh, in the init's own
   cgroup namespace), else a bind of the container's cgroup directory. */
static int
cgroup_hierarchy_tree (const struct vessel_mount_ctx *m, const struct vessel_mount_step *s, const char *what,
                       vessel_error **err)
{
  const char *path = m->cgroup_paths[s->hierarchy];
  if (!s->fresh)
    {
      cleanup_close int fd = vessel_tree_clone (AT_FDCWD, path, false, path, err);
      if (fd < 0)
        return fd;
      int ret = vessel_mount_apply_attrs (fd, &s->o, true, what, err);
      return ret < 0 ? ret : steal_fd (&fd);
    }
  const struct vessel_cgroup_hierarchy *h = &m->cgroup_host->h[s->hierarchy];
  struct vessel_mount_options fs = s->o;
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
  return vessel_fs_new (h->v2 ? "cgroup2" : "cgroup", "cgroup", &fs, NULL, what, err);
}

/* Under the tmpfs, a directory named as on the host ("cpu,cpuacct"), and
   a symlink for each controller of a co-mounted hierarchy ("cpu" ->
   "cpu,cpuacct"). */
static int
mount_cgroup_hierarchy (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  if (!s->under_tmpfs)
    {
      cleanup_close int target = vessel_root_mkdirs (m->rootfd, s->destination, err);
      if (target < 0)
        return target;
      cleanup_close int mnt = cgroup_hierarchy_tree (m, s, s->destination, err);
      return mnt < 0 ? mnt : vessel_mount_attach (mnt, target, s->destination, err);
    }
  cleanup_free char *what = xasprintf ("%s/%s", s->destination, s->name);
  if (mkdirat (m->dir_fd, s->name, 0755) < 0 && errno != EEXIST)
    return vessel_fail_errno (err, errno, "create `%s`", what);
  cleanup_close int sub = openat (m->dir_fd, s->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0)
    return vessel_fail_errno (err, errno, "open `%s`", what);
  cleanup_close int mnt = cgroup_hierarchy_tree (m, s, what, err);
  if (mnt < 0)
    return mnt;
  int ret = vessel_mount_attach (mnt, sub, what, err);
  if (ret < 0 || strchr (s->name, ',') == NULL)
    return ret;
  cleanup_free char *list = xstrdup (s->name);
  char *save = NULL;
  for (char *c = strtok_r (list, ",", &save); c; c = strtok_r (NULL, ",", &save))
    if (symlinkat (s->name, m->dir_fd, c) < 0 && errno != EEXIST)
      return vessel_fail_errno (err, errno, "create symlink `%s/%s`", s->destination, c);
  return 0;
}

static int
cgroup_tmpfs_readonly (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (m->cgroup_top, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "make `%s` read-only", s->destination);
  return 0;
}

/* ---- /dev --------------------------------------------------------------------- */

static int
open_dev_dir (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int dev = vessel_root_mkdirs (m->rootfd, s->destination, err);
  if (dev < 0)
    return dev;
  closep (&m->dir_fd);
  m->dir_fd = openat (dev, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (m->dir_fd < 0)
    return vessel_fail_errno (err, errno, "open /dev in the rootfs");
  return 0;
}

/* A device node at dirfd/name: mknod, or (s->dev.bind) a bind mount of
   the host's node.  mknodat never follows a symlink at name, and dirfd
   was resolved inside the root. */
static int
make_device (int dirfd, const char *name, const struct vessel_mount_step *s, vessel_error **err)
{
  const char *host_path = s->dev.host_path;
  mode_t mode = s->dev.type | (s->dev.mode & 07777);
  if (!s->dev.bind)
    {
      if (mknodat (dirfd, name, mode, s->dev.rdev) < 0)
        {
          if (errno != EEXIST)
            return vessel_fail_errno (err, errno, "mknod `%s`", host_path);
          /* Replace what the image has there (not through a symlink). */
          if (unlinkat (dirfd, name, 0) < 0 || mknodat (dirfd, name, mode, s->dev.rdev) < 0)
            return vessel_fail_errno (err, errno, "mknod `%s`", host_path);
        }
      if (fchownat (dirfd, name, s->dev.uid, s->dev.gid, AT_SYMLINK_NOFOLLOW) < 0)
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
  cleanup_close int tree = vessel_tree_clone (AT_FDCWD, host_path, false, host_path, err);
  if (tree < 0)
    return tree;
  return vessel_mount_attach (tree, target, host_path, err);
}

/* A node of linux.devices, at its path in the rootfs. */
static int
make_config_device (const struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_free char *name = NULL;
  cleanup_close int parent = vessel_root_parent (m->rootfd, s->destination, &name, err);
  int ret = parent;
  if (parent >= 0)
    {
      cleanup_close int dir = openat (parent, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
      if (dir < 0)
        return vessel_fail_errno (err, errno, "open the directory of `%s`", s->destination);
      ret = make_device (dir, name, s, err);
    }
  return ret < 0 ? vessel_error_wrap (err, ret, "config.json: .linux.devices[%zu]", s->index) : 0;
}

static int
make_dev_link (const struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  if (symlinkat (s->dev.link_target, m->dir_fd, s->destination) < 0 && errno != EEXIST)
    return vessel_fail_errno (err, errno, "create symlink /dev/%s", s->destination);
  return 0;
}

/* ---- the root --------------------------------------------------------------------- */

static int
bind_rootfs (const struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  /* Nothing we mount may propagate back to the host. */
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return vessel_fail_errno (err, errno, "make / a slave mount");
  /* The rootfs becomes a mount of its own, for pivot_root. */
  if (mount (m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return vessel_fail_errno (err, errno, "bind the rootfs `%s`", m->rootfs);
  /* A slave rootfs (rootfsPropagation "slave"/"rslave") keeps the master
     its bind inherits from the slave /, so that host mounts below it
     still reach the container; any other becomes private here and gets
     its final propagation after pivot_root. */
  bool slave = (s->propagation & ~(unsigned long) MS_REC) == MS_SLAVE;
  if (!slave && mount (NULL, m->rootfs, NULL, MS_PRIVATE, NULL) < 0)
    return vessel_fail_errno (err, errno, "make the rootfs `%s` private", m->rootfs);
  return 0;
}

static int
open_rootfs (struct vessel_mount_ctx *m, vessel_error **err)
{
  m->rootfd = open (m->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->rootfd < 0)
    return vessel_fail_errno (err, errno, "open the rootfs `%s`", m->rootfs);
  return 0;
}

static int
change_root (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  if (fchdir (m->rootfd) < 0)
    return vessel_fail_errno (err, errno, "chdir to the rootfs");
  int ret;
  switch (s->root_change)
    {
    case VESSEL_ROOT_MOVE_CHROOT:
      /* The host's other mounts go (see no_pivot.h). */
      if ((ret = vessel_no_pivot_detach_host (m->rootfd, err)) < 0)
        return ret;
      if (mount (".", "/", NULL, MS_MOVE, NULL) < 0)
        return vessel_fail_errno (err, errno, "move the rootfs to /");
      /* fall through */
    case VESSEL_ROOT_CHROOT:
      if (chroot (".") < 0)
        return vessel_fail_errno (err, errno, "chroot to the rootfs");
      break;
    case VESSEL_ROOT_PIVOT:
    default:
      /* pivot_root(".", ".") stacks the old root on the new one; detaching
         it leaves only the container's tree, without a temporary
         directory in the image. */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return vessel_fail_errno (err, errno, "pivot_root to `%s`", m->rootfs);
      if (umount2 (".", MNT_DETACH) < 0)
        return vessel_fail_errno (err, errno, "detach the old root");
      break;
    }
  if (chdir ("/") < 0)
    return vessel_fail_errno (err, errno, "chdir to /");
  closep (&m->rootfd); /* paths are the container's from here */
  return 0;
}

/* ---- after the root changed ---------------------------------------------------- */

/* A negative errno on failure: the caller names the path, or skips it
   when it is not there. */
static int
open_in_container (const char *path)
{
  int fd = vessel_openat2 (AT_FDCWD, path, O_PATH, RESOLVE_NO_MAGICLINKS);
  return fd < 0 ? -errno : fd;
}

static int
make_readonly (const char *path, vessel_error **err)
{
  cleanup_close int fd = open_in_container (path);
  if (fd < 0)
    return fd == -ENOENT ? 0 : vessel_fail_errno (err, -fd, "open `%s`", path);
  cleanup_close int tree = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0)
    return vessel_fail_errno (err, errno, "bind `%s`", path);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "make `%s` read-only", path);
  return vessel_mount_attach (tree, fd, path, err);
}

/* A directory gets an empty read-only tmpfs, anything else the host's
   /dev/null (the plan's rule; only the rootfs tells which the path is).
   m->dev_null_fd is a detached clone of the host's /dev/null, made before
   pivot_root.  It can be attached once; later masks clone the first
   attached one (open_tree only clones mounts of our own namespace). */
static int
mask (struct vessel_mount_ctx *m, const char *path, vessel_error **err)
{
  cleanup_close int fd = open_in_container (path);
  if (fd < 0)
    return fd == -ENOENT ? 0 : vessel_fail_errno (err, -fd, "open `%s`", path);
  struct stat st;
  if (fstat (fd, &st) < 0)
    return vessel_fail_errno (err, errno, "stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      struct vessel_mount_options o = { .flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC };
      const char *size = "size=0";
      o.data = &size;
      o.data_len = 1;
      cleanup_close int mnt = vessel_fs_new ("tmpfs", "tmpfs", &o, NULL, path, err);
      if (mnt < 0)
        return mnt;
      return vessel_mount_attach (mnt, fd, path, err);
    }
  if (!m->dev_null_attached)
    {
      int ret = vessel_mount_attach (m->dev_null_fd, fd, path, err);
      m->dev_null_attached = ret == 0;
      return ret;
    }
  cleanup_close int mnt = vessel_tree_clone (m->dev_null_fd, "", false, "/dev/null", err);
  if (mnt < 0)
    return mnt;
  return vessel_mount_attach (mnt, fd, path, err);
}

/* The mount on s->destination, the one the plan made (nothing has run in
   the container yet to change what the path leads to). */
static int
make_readonly_late (const struct vessel_mount_step *s, vessel_error **err)
{
  cleanup_close int fd = open_in_container (s->destination);
  if (fd < 0)
    return vessel_fail_errno (err, -fd, "open `%s`", s->destination);
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "make `%s` read-only", s->destination);
  return 0;
}

static int
set_root_propagation (const struct vessel_mount_step *s, vessel_error **err)
{
  if (mount (NULL, "/", NULL, s->propagation, NULL) < 0)
    return vessel_fail_errno (err, errno, "config.json: .linux.rootfsPropagation: set the propagation of /");
  return 0;
}

static int
make_root_readonly (vessel_error **err)
{
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
  if (mount_setattr (AT_FDCWD, "/", 0, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "config.json: .root.readonly: make the root read-only");
  return 0;
}

/* ---- the switch ------------------------------------------------------------------ */

/* A step of config.mounts[s->index]: its errors name it. */
static int
run_config_mount (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  int ret;
  switch (s->kind)
    {
    case VESSEL_STEP_BIND:
      ret = mount_bind (m, s, err);
      break;
    case VESSEL_STEP_FS:
      ret = mount_fs (m->rootfd, s, err);
      break;
    case VESSEL_STEP_CGROUP_TMPFS:
      ret = mount_cgroup_tmpfs (m, s, err);
      break;
    case VESSEL_STEP_CGROUP_HIERARCHY:
      ret = mount_cgroup_hierarchy (m, s, err);
      break;
    case VESSEL_STEP_CGROUP_READONLY:
      ret = cgroup_tmpfs_readonly (m, s, err);
      break;
    case VESSEL_STEP_READONLY_LATE:
    default:
      ret = make_readonly_late (s, err);
      break;
    }
  return ret < 0 ? vessel_error_wrap (err, ret, "config.json: .mounts[%zu]", s->index) : 0;
}

static int
run_step (struct vessel_mount_ctx *m, const struct vessel_mount_step *s, vessel_error **err)
{
  int ret;
  switch (s->kind)
    {
    case VESSEL_STEP_ROOTFS_BIND:
      return bind_rootfs (m, s, err);
    case VESSEL_STEP_ROOTFS_OPEN:
      return open_rootfs (m, err);
    case VESSEL_STEP_DEV_DIR:
      return open_dev_dir (m, s, err);
    case VESSEL_STEP_DEV_NODE:
      return s->dev.in_dev_dir ? make_device (m->dir_fd, s->destination, s, err) : make_config_device (m, s, err);
    case VESSEL_STEP_DEV_LINK:
      return make_dev_link (m, s, err);
    case VESSEL_STEP_ROOT_CHANGE:
      return change_root (m, s, err);
    case VESSEL_STEP_ROOT_PROPAGATION:
      return set_root_propagation (s, err);
    case VESSEL_STEP_READONLY_PATH:
      ret = make_readonly (s->destination, err);
      return ret < 0 ? vessel_error_wrap (err, ret, "config.json: .linux.readonlyPaths[%zu]", s->index) : 0;
    case VESSEL_STEP_MASK:
      ret = mask (m, s->destination, err);
      return ret < 0 ? vessel_error_wrap (err, ret, "config.json: .linux.maskedPaths[%zu]", s->index) : 0;
    case VESSEL_STEP_ROOT_READONLY:
      return make_root_readonly (err);
    case VESSEL_STEP_SYNC:
      return 0; /* vessel_mount_run returns there */
    default:
      return run_config_mount (m, s, err);
    }
}

static void
close_ctx (struct vessel_mount_ctx *m)
{
  closep (&m->rootfd);
  closep (&m->dir_fd);
  closep (&m->cgroup_top);
}

int
vessel_mount_run (struct vessel_mount_ctx *m, vessel_error **err)
{
  if (m->next == 0)
    {
      m->rootfd = m->dir_fd = m->cgroup_top = -1;
      m->dev_null_attached = false;
    }
  while (m->next < m->plan->n)
    {
      const struct vessel_mount_step *s = &m->plan->steps[m->next++];
      if (s->kind == VESSEL_STEP_SYNC)
        return (int) s->sync;
      int ret = run_step (m, s, err);
      if (ret < 0)
        {
          close_ctx (m);
          return ret;
        }
    }
  close_ctx (m);
  return 0;
}
