/* The bind mounts vessel makes for the init, before it exists, as detached
 * trees (open_tree OPEN_TREE_CLONE) that the init attaches with move_mount
 * (see vessel_mount_plan_premake in mounts.h), and the facts about the
 * host that the plan is made for.  A detached tree belongs
 * to an anonymous mount namespace of its own, so the init can attach it
 * in the mount namespace it makes later, as crun does. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config.h"
#include "lsm.h"
#include "mounts.h"
#include "namespaces.h"
#include "utils.h"

/* The flags a mount copied into a user namespace's mount namespace has
   locked (see keep_locked_flags in mounts.c). */
#define LOCKED_MS_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define ATIME_MS_FLAGS (MS_NOATIME | MS_STRICTATIME | MS_RELATIME | MS_NODIRATIME)

/* The container's user namespace, for idmap without mappings of its own:
   the one joined, or one with the same mappings as the one to be made. */
static int
container_userns (const struct oci_config *c, vessel_error **err)
{
  const struct oci_namespace *ns = vessel_config_namespace (c, OCI_NS_USER);
  if (ns == NULL)
    return vessel_fail (err, EINVAL, "config.json: .linux.namespaces: an id-mapped mount without uidMappings and gidMappings takes the container's user namespace, and it has none");
  if (ns->path == NULL)
    return vessel_userns_with_maps (c->linux->uid_mappings, c->linux->uid_mappings_len, c->linux->gid_mappings,
                                    c->linux->gid_mappings_len, err);
  int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open user namespace `%s`", ns->path);
  return fd;
}

/* The options of s as the init would have had them applied: its copy of
   the source mount has the source's ro, nosuid, nodev and noexec, and
   its atime mode, locked, so that options clearing them are kept out
   (as runc does), where vessel's own clone has nothing locked. */
static int
options_as_locked (int tree, const struct vessel_mount_step *s, struct vessel_mount_options *o,
                   vessel_error **err)
{
  *o = s->o;
  if (!(o->clear & LOCKED_MS_FLAGS) && !((o->flags | o->clear) & ATIME_MS_FLAGS))
    return 0;
  struct statvfs st;
  if (fstatvfs (tree, &st) < 0)
    return vessel_fail_errno (err, errno, "config.json: .mounts[%zu]: statvfs `%s`", s->index, s->source);
  /* ST_RDONLY, ST_NOSUID, ST_NODEV and ST_NOEXEC are the MS_ values */
  o->clear &= ~(st.f_flag & LOCKED_MS_FLAGS);
  o->flags &= ~(unsigned long) ATIME_MS_FLAGS;
  o->clear &= ~(unsigned long) ATIME_MS_FLAGS;
  return 0;
}

/* A detached bind of s->source with the step's options, applied as the
   init would have if as_locked. */
static int
premake_tree (const struct vessel_mount_step *s, bool as_locked, vessel_error **err)
{
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s->recursive ? AT_RECURSIVE : 0);
  cleanup_close int tree = open_tree (AT_FDCWD, s->source, flags);
  if (tree < 0)
    return vessel_fail_errno (err, errno, "config.json: .mounts[%zu]: bind source `%s`", s->index, s->source);
  struct vessel_mount_options o = s->o;
  int ret;
  if (as_locked && (ret = options_as_locked (tree, s, &o, err)) < 0)
    return ret;
  if ((ret = vessel_mount_set_attrs (tree, &o, s->destination, err)) < 0)
    return vessel_error_wrap (err, ret, "config.json: .mounts[%zu]", s->index);
  return steal_fd (&tree);
}

static int
premake_idmapped (struct vessel_mount_step *s, int userns, vessel_error **err)
{
  cleanup_close int tree = premake_tree (s, true, err);
  if (tree < 0)
    return tree;
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns };
  unsigned flags = AT_EMPTY_PATH | ((s->o.extra & VESSEL_MOUNT_RIDMAP) ? AT_RECURSIVE : 0);
  if (mount_setattr (tree, "", flags, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "config.json: .mounts[%zu]: id-map the bind of `%s`", s->index,
                              s->source);
  s->premade_fd = steal_fd (&tree);
  return 0;
}

int
vessel_mount_plan_premake (struct vessel_mount_plan *plan, const struct oci_config *c, vessel_error **err)
{
  cleanup_close int shared = -1; /* the container's, made once */
  for (size_t i = 0; i < plan->n; i++)
    {
      struct vessel_mount_step *s = &plan->steps[i];
      const struct oci_mount *m = &c->mounts[s->index];
      if (s->kind != VESSEL_STEP_BIND || s->premake == VESSEL_PREMAKE_NONE)
        continue;
      if (s->premake == VESSEL_PREMAKE_PLAIN)
        {
          int tree = premake_tree (s, true, err);
          if (tree < 0)
            return tree;
          s->premade_fd = tree;
          continue;
        }
      cleanup_close int own = -1;
      if (m->uid_mappings_len > 0
          && (own = vessel_userns_with_maps (m->uid_mappings, m->uid_mappings_len, m->gid_mappings,
                                             m->gid_mappings_len, err)) < 0)
        return own;
      if (own < 0 && shared < 0 && (shared = container_userns (c, err)) < 0)
        return shared;
      int ret = premake_idmapped (s, own >= 0 ? own : shared, err);
      if (ret < 0)
        return ret;
    }
  return 0;
}

void
vessel_mount_host_gather (struct vessel_mount_host *host, const struct oci_config *c,
                          const struct vessel_ns_plan *ns, const struct vessel_cgroup_host *cgroup, bool no_pivot)
{
  const struct oci_linux *lx = c->linux;
  *host = (struct vessel_mount_host){
    .cgroup = cgroup,
    .userns = ns->wanted[OCI_NS_USER],
    .rootless = vessel_rootless (),
    .mount_ns = ns->wanted[OCI_NS_MOUNT],
    .joins_mount_ns = ns->wanted[OCI_NS_MOUNT] && !ns->create[OCI_NS_MOUNT],
    .cgroup_ns = ns->create[OCI_NS_CGROUP],
    .no_pivot = no_pivot,
    /* statfs only when a label asks for it */
    .selinux = lx && lx->mount_label && *lx->mount_label && vessel_selinux_enabled (),
  };
}
