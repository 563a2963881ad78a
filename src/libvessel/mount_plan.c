/* The mount plan: from the config and the host's facts, every step the
 * init takes to make the container's filesystem, in order, each with its
 * mechanism chosen.  Pure: no I/O, unit-tested (tests/unit/test-mount-plan.c). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config.h"
#include "mounts.h"
#include "utils.h"

static bool
is_bind (const struct oci_mount *m, const struct vessel_mount_options *o)
{
  return (o->flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
}

static bool
is_cgroup (const struct oci_mount *m)
{
  return m->type && (strcmp (m->type, "cgroup") == 0 || strcmp (m->type, "cgroup2") == 0);
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
   configuration and crun do).  Whether the kernel refuses is only known
   by trying: the step says to try the filesystem, then bind. */
static const char *
host_tree_for (const char *type)
{
  if (strcmp (type, "sysfs") == 0)
    return "/sys";
  if (strcmp (type, "proc") == 0)
    return "/proc";
  return NULL;
}

/* Which binds vessel makes before the init exists (see
   vessel_mount_plan_premake in mounts.h).  A plain one: with a user
   namespace, when vessel has the host's privileges (an unprivileged one
   can reach no more than the init); not when the init joins a mount
   namespace, where the sources are its paths, not vessel's; nor a bind
   whose recursive options clear a flag the kernel would have kept locked
   on a submount in the init's copy. */
static enum vessel_premake
premake_of (const struct oci_mount *m, const struct vessel_mount_step *s, const struct vessel_mount_host *host)
{
  if ((s->o.extra & VESSEL_MOUNT_IDMAP) || m->uid_mappings_len > 0 || m->gid_mappings_len > 0)
    return VESSEL_PREMAKE_IDMAPPED;
  if (host->userns && !host->rootless && !host->joins_mount_ns
      && !(s->o.attr_clr & (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)))
    return VESSEL_PREMAKE_PLAIN;
  return VESSEL_PREMAKE_NONE;
}

static struct vessel_mount_step *
add (struct vessel_mount_plan *plan, enum vessel_mount_step_kind kind)
{
  struct vessel_mount_step *s = &plan->steps[plan->n++];
  memset (s, 0, sizeof *s);
  s->kind = kind;
  s->premade_fd = -1;
  return s;
}

static void
add_sync (struct vessel_mount_plan *plan, enum vessel_mount_sync at)
{
  add (plan, VESSEL_STEP_SYNC)->sync = at;
}

/* /sys/fs/cgroup: on a v2 host the one cgroup2 hierarchy; on v1 and
   hybrid a tmpfs with one directory per hierarchy, named as on the host
   ("cpu,cpuacct", "systemd", "unified").  Each hierarchy is a fresh
   cgroup filesystem when the init has its own cgroup namespace (it then
   shows the container's cgroup as its root), else a bind of the
   container's cgroup directory.  The init must be in its cgroups (with a
   cgroup namespace) or they must exist (binds) first: a sync point. */
static void
plan_cgroup (struct vessel_mount_plan *plan, const struct vessel_mount_step *config, bool *synced)
{
  const struct vessel_cgroup_host *cg = plan->host.cgroup;
  if (cg == NULL)
    return; /* no cgroups for this container: nothing to show */
  bool v2 = cg->mode == VESSEL_CGROUP_V2;
  if (!v2)
    {
      struct vessel_mount_step *tmpfs = add (plan, VESSEL_STEP_CGROUP_TMPFS);
      *tmpfs = *config;
      tmpfs->kind = VESSEL_STEP_CGROUP_TMPFS;
    }
  size_t n = v2 ? (cg->n > 0 ? 1 : 0) : cg->n;
  for (size_t i = 0; i < n; i++)
    {
      if (!*synced)
        add_sync (plan, VESSEL_MOUNT_AT_CGROUPS);
      *synced = true;
      struct vessel_mount_step *h = add (plan, VESSEL_STEP_CGROUP_HIERARCHY);
      h->index = config->index;
      h->destination = config->destination;
      h->o = config->o;
      h->hierarchy = i;
      h->fresh = plan->host.cgroup_ns;
      h->under_tmpfs = !v2;
      h->readonly_late = v2 && config->readonly_late;
      if (!v2)
        {
          const char *name = strrchr (cg->h[i].mountpoint, '/');
          h->name = name ? name + 1 : cg->h[i].mountpoint;
        }
    }
  /* The tmpfs itself becomes read-only last, once its directories exist. */
  if (!v2 && (config->o.flags & MS_RDONLY))
    {
      struct vessel_mount_step *ro = add (plan, VESSEL_STEP_CGROUP_READONLY);
      ro->index = config->index;
      ro->destination = config->destination;
    }
}

/* The steps for config.mounts[i]. */
static int
plan_config_mount (struct vessel_mount_plan *plan, const struct oci_config *c, size_t i, const char *bundle,
                   bool *synced, vessel_error **err)
{
  const struct oci_mount *m = &c->mounts[i];
  const struct vessel_mount_host *host = &plan->host;
  struct vessel_mount_step s = { .kind = VESSEL_STEP_FS, .index = i, .destination = m->destination,
                                 .type = m->type, .premade_fd = -1 };
  char where[64];
  snprintf (where, sizeof where, "config.json: .mounts[%zu].options", i);
  int ret = vessel_mount_options_parse (m->options, m->options_len, where, &s.o, err);
  if (ret < 0)
    return ret;
  bool bind = is_bind (m, &s.o);
  bool recursive = (s.o.flags & MS_REC) != 0;
  /* MS_BIND, MS_REC and MS_REMOUNT describe how to mount, not what
     the mount is; the step's kind says that. */
  s.o.flags &= ~(unsigned long) (MS_BIND | MS_REC | MS_REMOUNT);
  /* Device nodes, mount points and copied files go into these after
     they are mounted: read-only at the end, as runc does. */
  if ((s.o.flags & MS_RDONLY) && (is_dev_path (m->destination) || (s.type && strcmp (s.type, "tmpfs") == 0)))
    {
      s.o.flags &= ~(unsigned long) MS_RDONLY;
      s.readonly_late = true;
    }
  if (bind)
    {
      s.kind = VESSEL_STEP_BIND;
      s.recursive = recursive;
      s.source = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
      s.premake = premake_of (m, &s, host);
      if (is_dev_path (m->destination))
        plan->make_devices = false; /* the host's /dev, or a prepared one */
    }
  else if (is_cgroup (m))
    {
      vessel_mount_options_clear (&s.o); /* cgroup filesystems take no data of the config */
      plan_cgroup (plan, &s, synced);
      return 0;
    }
  else
    {
      s.source = m->source ? xstrdup (m->source) : NULL;
      s.context = plan->mount_label && takes_mount_label (s.type) ? plan->mount_label : NULL;
      s.host_fallback = host->userns || host->rootless ? host_tree_for (s.type) : NULL;
      /* never through a symlink the image put there, even one into the
         rootfs, as runc refuses (CVE-2019-19921) */
      s.ordinary_dir = strcmp (s.type, "proc") == 0 || strcmp (s.type, "sysfs") == 0;
    }
  *add (plan, s.kind) = s;
  return 0;
}

static const struct
{
  const char *name;
  const char *host_path;
  unsigned major, minor;
} default_devices[] = {
  { "null", "/dev/null", 1, 3 },       { "zero", "/dev/zero", 1, 5 }, { "full", "/dev/full", 1, 7 },
  { "random", "/dev/random", 1, 8 }, { "urandom", "/dev/urandom", 1, 9 }, { "tty", "/dev/tty", 5, 0 },
};

static const struct
{
  const char *name;
  const char *target;
} default_links[] = {
  { "fd", "/proc/self/fd" },    { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },       { "core", "/proc/kcore" },
};

/* /dev, unless bound from the host: the default nodes, made with mknod
   or, in a user namespace (where mknod is not allowed), bound from the
   host's; then the links. */
static void
plan_default_dev (struct vessel_mount_plan *plan)
{
  bool in_userns = plan->host.userns || plan->host.rootless;
  add (plan, VESSEL_STEP_DEV_DIR)->destination = "/dev";
  for (size_t i = 0; i < ARRAY_SIZE (default_devices); i++)
    {
      struct vessel_mount_step *s = add (plan, VESSEL_STEP_DEV_NODE);
      s->destination = default_devices[i].name;
      s->dev.in_dev_dir = true;
      s->dev.type = S_IFCHR;
      s->dev.mode = 0666;
      s->dev.rdev = makedev (default_devices[i].major, default_devices[i].minor);
      s->dev.host_path = default_devices[i].host_path;
      s->dev.bind = in_userns;
    }
  for (size_t i = 0; i < ARRAY_SIZE (default_links); i++)
    {
      struct vessel_mount_step *s = add (plan, VESSEL_STEP_DEV_LINK);
      s->destination = default_links[i].name;
      s->dev.link_target = default_links[i].target;
    }
}

/* linux.devices: as the default nodes, a FIFO made even in a user
   namespace (mkfifo needs no privilege). */
static void
plan_config_devices (struct vessel_mount_plan *plan, const struct oci_linux *lx)
{
  bool in_userns = plan->host.userns || plan->host.rootless;
  for (size_t i = 0; lx && i < lx->devices_len; i++)
    {
      const struct oci_device *d = &lx->devices[i];
      struct vessel_mount_step *s = add (plan, VESSEL_STEP_DEV_NODE);
      s->index = i;
      s->destination = d->path;
      s->dev.type = vessel_device_file_type (d->type);
      s->dev.mode = d->has_file_mode ? d->file_mode & ~(mode_t) S_IFMT : 0666; /* the type is checked */
      s->dev.rdev = s->dev.type == S_IFIFO ? 0 : makedev ((unsigned) d->major, (unsigned) d->minor);
      s->dev.uid = d->has_uid ? d->uid : 0;
      s->dev.gid = d->has_gid ? d->gid : 0;
      s->dev.host_path = d->path;
      s->dev.bind = in_userns && s->dev.type != S_IFIFO;
    }
}

/* After the root changed: read-only mounts, propagation, readonlyPaths,
   maskedPaths, a read-only root. */
static void
plan_after_pivot (struct vessel_mount_plan *plan, const struct oci_linux *lx, size_t n_config_steps)
{
  for (size_t i = 0; i < n_config_steps; i++)
    if (plan->steps[i].readonly_late)
      {
        const struct vessel_mount_step *m = &plan->steps[i];
        struct vessel_mount_step *s = add (plan, VESSEL_STEP_READONLY_LATE);
        s->index = m->index;
        s->destination = m->destination;
      }
  if (plan->host.mount_ns && (plan->root_propagation & ~(unsigned long) MS_REC) != MS_PRIVATE)
    add (plan, VESSEL_STEP_ROOT_PROPAGATION)->propagation = plan->root_propagation;
  for (size_t i = 0; lx && i < lx->readonly_paths_len; i++)
    {
      struct vessel_mount_step *s = add (plan, VESSEL_STEP_READONLY_PATH);
      s->index = i;
      s->destination = lx->readonly_paths[i];
    }
  /* A directory is masked with an empty read-only tmpfs, anything else
     with the host's /dev/null: which one the path is, only the rootfs
     says, so the executor looks (fstat) and applies this rule. */
  for (size_t i = 0; lx && i < lx->masked_paths_len; i++)
    {
      struct vessel_mount_step *s = add (plan, VESSEL_STEP_MASK);
      s->index = i;
      s->destination = lx->masked_paths[i];
    }
  if (plan->root_readonly)
    add (plan, VESSEL_STEP_ROOT_READONLY);
}

/* Enough steps for any plan of c on host, for a single allocation. */
static size_t
max_steps (const struct oci_config *c, const struct vessel_mount_host *host)
{
  const struct oci_linux *lx = c->linux;
  size_t n_cgroup = 0;
  for (size_t i = 0; i < c->mounts_len; i++)
    n_cgroup += is_cgroup (&c->mounts[i]);
  size_t per_cgroup = 3 + (host->cgroup ? host->cgroup->n : 0);
  return 8 + 2 * c->mounts_len + n_cgroup * per_cgroup + 1 + ARRAY_SIZE (default_devices) + ARRAY_SIZE (default_links)
         + (lx ? lx->devices_len + lx->readonly_paths_len + lx->masked_paths_len : 0);
}

static void
plan_root_change (struct vessel_mount_plan *plan)
{
  add_sync (plan, VESSEL_MOUNT_AT_PIVOT);
  enum vessel_root_change how = VESSEL_ROOT_PIVOT;
  /* Without pivot_root the old root stays reachable to anything that can
     escape a chroot: only on request (--no-pivot) or when there is no
     mount namespace to pivot in. */
  if (!plan->host.mount_ns)
    how = VESSEL_ROOT_CHROOT;
  else if (plan->host.no_pivot)
    how = VESSEL_ROOT_MOVE_CHROOT;
  add (plan, VESSEL_STEP_ROOT_CHANGE)->root_change = how;
  add_sync (plan, VESSEL_MOUNT_AT_PIVOTED);
}

int
vessel_mount_plan_build (const struct oci_config *c, const char *bundle, const struct vessel_mount_host *host,
                         struct vessel_mount_plan *plan, vessel_error **err)
{
  const struct oci_linux *lx = c->linux;
  memset (plan, 0, sizeof (*plan));
  plan->host = *host;
  plan->root_readonly = c->root && c->root->readonly;
  plan->root_propagation = MS_PRIVATE | MS_REC;
  if (lx && lx->has_rootfs_propagation)
    plan->root_propagation = propagation_flags (lx->rootfs_propagation);
  plan->make_devices = true;
  /* Without SELinux the label means nothing, as with runc. */
  if (lx && lx->mount_label && *lx->mount_label && host->selinux)
    plan->mount_label = lx->mount_label;
  plan->steps = xzalloc (max_steps (c, host) * sizeof (*plan->steps));

  if (host->mount_ns)
    add (plan, VESSEL_STEP_ROOTFS_BIND)->propagation = plan->root_propagation;
  add (plan, VESSEL_STEP_ROOTFS_OPEN);
  bool synced = false;
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      int ret = plan_config_mount (plan, c, i, bundle, &synced, err);
      if (ret < 0)
        {
          vessel_mount_plan_free (plan);
          return ret;
        }
    }
  size_t n_config_steps = plan->n;
  if (plan->make_devices)
    plan_default_dev (plan);
  plan_config_devices (plan, lx);
  plan_root_change (plan);
  plan_after_pivot (plan, lx, n_config_steps);
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
