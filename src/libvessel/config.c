#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "config.h"
#include "mount_options.h"
#include "namespaces.h"
#include "netdev.h"
#include "scheduling.h"
#include "seccomp.h"
#include "utils.h"

#define C "config.json: "

const struct oci_namespace *
vessel_config_namespace (const struct oci_config *c, int type)
{
  if (c->linux == NULL)
    return NULL;
  for (size_t i = 0; i < c->linux->namespaces_len; i++)
    if (c->linux->namespaces[i].type == type)
      return &c->linux->namespaces[i];
  return NULL;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

int
vessel_rlimit_from_name (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (rlimits); i++)
    if (strcmp (rlimits[i].name, name) == 0)
      return rlimits[i].resource;
  return -1;
}

int
vessel_sysctl_namespace (const char *name)
{
  static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                     "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                     "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < ARRAY_SIZE (ipc); i++)
    if (strcmp (name, ipc[i]) == 0)
      return OCI_NS_IPC;
  if (has_prefix (name, "fs.mqueue.") || has_prefix (name, "fs/mqueue/"))
    return OCI_NS_IPC;
  if (strcmp (name, "kernel.hostname") == 0 || strcmp (name, "kernel.domainname") == 0)
    return OCI_NS_UTS;
  if (has_prefix (name, "net.") || has_prefix (name, "net/"))
    return OCI_NS_NETWORK;
  return -1;
}

/* Whether path has a ".." component. */
static bool
has_dotdot (const char *path)
{
  const char *p = path;
  while ((p = strstr (p, "..")) != NULL)
    {
      bool starts = p == path || p[-1] == '/';
      bool ends = p[2] == '\0' || p[2] == '/';
      if (starts && ends)
        return true;
      p += 2;
    }
  return false;
}

/* What the kernel takes in a uid_map or gid_map: at most 340 ranges, none
   empty, none running past the last 32-bit id, and no two overlapping on
   either side (it would answer EINVAL, naming nothing). */
#define MAX_ID_RANGES 340
static int
validate_id_mappings (const struct oci_id_mapping *m, size_t n, const char *where, vessel_error **err)
{
  if (n > MAX_ID_RANGES)
    return vessel_fail (err, EINVAL, "%s: %zu ranges, the kernel takes at most %d", where, n, MAX_ID_RANGES);
  for (size_t i = 0; i < n; i++)
    {
      if (m[i].size == 0)
        return vessel_fail (err, EINVAL, "%s[%zu].size: an empty range", where, i);
      if ((uint64_t) m[i].container_id + m[i].size > UINT32_MAX || (uint64_t) m[i].host_id + m[i].size > UINT32_MAX)
        return vessel_fail (err, EINVAL, "%s[%zu]: %" PRIu32 " ids from container id %" PRIu32 " (host id %" PRIu32
                            ") run past the last id, %" PRIu32,
                            where, i, m[i].size, m[i].container_id, m[i].host_id, UINT32_MAX - 1);
      for (size_t j = 0; j < i; j++)
        {
          bool inside = m[i].container_id < (uint64_t) m[j].container_id + m[j].size
                        && m[j].container_id < (uint64_t) m[i].container_id + m[i].size;
          bool outside = m[i].host_id < (uint64_t) m[j].host_id + m[j].size
                         && m[j].host_id < (uint64_t) m[i].host_id + m[i].size;
          if (inside || outside)
            return vessel_fail (err, EINVAL, "%s[%zu]: overlaps range %zu (%s ids)", where, i, j,
                                inside ? "container" : "host");
        }
    }
  return 0;
}

static int
validate_namespaces (const struct oci_linux *lx, vessel_error **err)
{
  bool seen[OCI_NS_COUNT] = { false };
  for (size_t i = 0; i < lx->namespaces_len; i++)
    {
      const struct oci_namespace *ns = &lx->namespaces[i];
      if (seen[ns->type])
        return vessel_fail (err, EINVAL, C ".linux.namespaces[%zu]: duplicate namespace `%s`", i,
                            vessel_ns_kinds[ns->type].name);
      seen[ns->type] = true;
      if (ns->path && ns->path[0] != '/')
        return vessel_fail (err, EINVAL, C ".linux.namespaces[%zu].path: `%s` is not an absolute path",
                            i, ns->path);
    }

  const struct oci_namespace *user = NULL;
  for (size_t i = 0; i < lx->namespaces_len; i++)
    if (lx->namespaces[i].type == OCI_NS_USER)
      user = &lx->namespaces[i];
  int ret;
  if ((ret = validate_id_mappings (lx->uid_mappings, lx->uid_mappings_len, C ".linux.uidMappings", err)) < 0
      || (ret = validate_id_mappings (lx->gid_mappings, lx->gid_mappings_len, C ".linux.gidMappings", err)) < 0)
    return ret;
  bool has_maps = lx->uid_mappings_len > 0 || lx->gid_mappings_len > 0;
  if (has_maps && user == NULL)
    return vessel_fail (err, EINVAL, C ".linux.uidMappings: id mappings need a user namespace");
  if (has_maps && user->path)
    return vessel_fail (err, EINVAL,
                        C ".linux.uidMappings: id mappings cannot be set for a user namespace joined by path");
  if (user && user->path == NULL && (lx->uid_mappings_len == 0 || lx->gid_mappings_len == 0))
    return vessel_fail (err, EINVAL,
                        C ".linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
  if (lx->time_offsets && !seen[OCI_NS_TIME])
    return vessel_fail (err, EINVAL, C ".linux.timeOffsets: time offsets need a time namespace");
  for (size_t i = 0; i < lx->namespaces_len; i++)
    if (lx->namespaces[i].type == OCI_NS_TIME && lx->namespaces[i].path && lx->time_offsets)
      return vessel_fail (err, EINVAL,
                          C ".linux.timeOffsets: time offsets cannot be set for a time namespace joined by path");
  return 0;
}

static int
validate_sysctls (const struct oci_config *c, vessel_error **err)
{
  const struct oci_linux *lx = c->linux;
  for (size_t i = 0; i < lx->sysctl_len; i++)
    {
      const char *name = lx->sysctl[i].key;
      if (name[0] == '\0' || name[0] == '/' || name[0] == '.' || has_dotdot (name)
          || strstr (name, "//") || strstr (name, "/./"))
        return vessel_fail (err, EINVAL, C ".linux.sysctl[\"%s\"]: not a valid sysctl name", name);
      int ns = vessel_sysctl_namespace (name);
      if (ns < 0)
        return vessel_fail (err, EINVAL,
                            C ".linux.sysctl[\"%s\"]: not in a namespace of its own: setting it would change the host",
                            name);
      if (vessel_config_namespace (c, ns) == NULL)
        return vessel_fail (err, EINVAL,
                            C ".linux.sysctl[\"%s\"]: needs a %s namespace, and the config has none",
                            name, vessel_ns_kinds[ns].name);
    }
  return 0;
}

static int
validate_paths (const char *what, char **paths, size_t n, vessel_error **err)
{
  for (size_t i = 0; i < n; i++)
    {
      if (paths[i][0] != '/')
        return vessel_fail (err, EINVAL, C ".linux.%s[%zu]: `%s` is not an absolute path", what, i, paths[i]);
      if (has_dotdot (paths[i]))
        return vessel_fail (err, EINVAL, C ".linux.%s[%zu]: `..` is not allowed in `%s`", what, i, paths[i]);
    }
  return 0;
}

unsigned
vessel_device_file_type (int type)
{
  return type == OCI_DEVICE_BLOCK ? S_IFBLK : type == OCI_DEVICE_FIFO ? S_IFIFO : S_IFCHR;
}

/* podman writes fileMode with the node's file type in it (8630 is
   S_IFCHR | 0666), runc and crun use only the permission bits of it:
   the type is accepted when it is the device's own. */
static int
validate_device (const struct oci_device *d, size_t i, vessel_error **err)
{
  if (d->path[0] != '/' || has_dotdot (d->path))
    return vessel_fail (err, EINVAL, C ".linux.devices[%zu].path: `%s` must be an absolute path without `..`", i,
                        d->path);
  unsigned file_type = d->has_file_mode ? d->file_mode & S_IFMT : 0;
  if (file_type != 0 && file_type != vessel_device_file_type (d->type))
    return vessel_fail (err, EINVAL,
                        C ".linux.devices[%zu].fileMode: %" PRIu32 " has the file type bits 0%o, "
                          "not those of type `%c` (0%o)",
                        i, d->file_mode, file_type, "cbup"[d->type], vessel_device_file_type (d->type));
  return 0;
}

static int
validate_linux (const struct oci_config *c, vessel_error **err)
{
  const struct oci_linux *lx = c->linux;
  int ret;
  if ((ret = validate_namespaces (lx, err)) < 0 || (ret = validate_sysctls (c, err)) < 0)
    return ret;
  if (lx->cgroups_path && has_dotdot (lx->cgroups_path))
    return vessel_fail (err, EINVAL, C ".linux.cgroupsPath: `..` is not allowed in `%s`", lx->cgroups_path);
  if (lx->cgroups_path && *lx->cgroups_path && strspn (lx->cgroups_path, "/") == strlen (lx->cgroups_path))
    return vessel_fail (err, EINVAL, C ".linux.cgroupsPath: `%s` is the root of the hierarchy", lx->cgroups_path);
  if ((ret = validate_paths ("maskedPaths", lx->masked_paths, lx->masked_paths_len, err)) < 0
      || (ret = validate_paths ("readonlyPaths", lx->readonly_paths, lx->readonly_paths_len, err)) < 0)
    return ret;
  if (lx->personality && lx->personality->flags_len > 0)
    return vessel_fail (err, EINVAL, C ".linux.personality.flags: `%s`: no personality flags are supported",
                        lx->personality->flags[0]);
  if ((ret = vessel_seccomp_validate (lx->seccomp, err)) < 0
      || (ret = vessel_netdev_validate (c, err)) < 0
      || (ret = vessel_memory_policy_validate (lx->memory_policy, err)) < 0)
    return ret;
  for (size_t i = 0; i < lx->devices_len; i++)
    if ((ret = validate_device (&lx->devices[i], i, err)) < 0)
      return ret;
  return 0;
}

int
vessel_process_validate (const struct oci_process *p, const char *where, vessel_error **err)
{
  if (p->args_len == 0)
    return vessel_fail (err, EINVAL, "%s.args: at least the program to run is needed", where);
  if (p->args[0][0] == '\0')
    return vessel_fail (err, EINVAL, "%s.args[0]: the program name is empty", where);
  if (p->cwd[0] != '/')
    return vessel_fail (err, EINVAL, "%s.cwd: `%s` is not an absolute path", where, p->cwd);
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      if (vessel_rlimit_from_name (r->type) < 0)
        return vessel_fail (err, EINVAL, "%s.rlimits[%zu].type: unknown resource `%s`", where, i, r->type);
      if (r->soft > r->hard)
        return vessel_fail (err, EINVAL, "%s.rlimits[%zu]: soft limit %llu is above the hard limit %llu", where,
                            i, (unsigned long long) r->soft, (unsigned long long) r->hard);
    }
  for (size_t i = 0; i < p->env_len; i++)
    if (strchr (p->env[i], '=') == NULL)
      return vessel_fail (err, EINVAL, "%s.env[%zu]: `%s` is not NAME=VALUE", where, i, p->env[i]);
  int ret = vessel_sched_validate (p, where, err);
  if (ret < 0)
    return ret;
  struct vessel_caps caps;
  cleanup_free char *caps_where = xasprintf ("%s.capabilities", where);
  return vessel_caps_from_config (p->capabilities, caps_where, &caps, err);
}

/* An id-mapped mount (idmap, ridmap, or mappings of its own): a bind, with
   both mappings or a user namespace to take them from. */
static int
validate_idmap (const struct oci_config *c, size_t i, bool bind, vessel_error **err)
{
  const struct oci_mount *m = &c->mounts[i];
  if (!bind)
    return vessel_fail (err, EINVAL, C ".mounts[%zu]: only bind mounts can be id-mapped", i);
  if ((m->uid_mappings_len == 0) != (m->gid_mappings_len == 0))
    return vessel_fail (err, EINVAL, C ".mounts[%zu]: uidMappings and gidMappings go together", i);
  if (m->uid_mappings_len == 0 && vessel_config_namespace (c, OCI_NS_USER) == NULL)
    return vessel_fail (err, EINVAL,
                        C ".mounts[%zu].options: an id-mapped mount without uidMappings and gidMappings "
                        "takes the container's user namespace, and it has none", i);
  char uid_where[64], gid_where[64];
  snprintf (uid_where, sizeof uid_where, C ".mounts[%zu].uidMappings", i);
  snprintf (gid_where, sizeof gid_where, C ".mounts[%zu].gidMappings", i);
  int ret = validate_id_mappings (m->uid_mappings, m->uid_mappings_len, uid_where, err);
  return ret < 0 ? ret : validate_id_mappings (m->gid_mappings, m->gid_mappings_len, gid_where, err);
}

static int
validate_mounts (const struct oci_config *c, vessel_error **err)
{
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      const struct oci_mount *m = &c->mounts[i];
      if (m->destination[0] == '\0')
        return vessel_fail (err, EINVAL, C ".mounts[%zu].destination: empty", i);
      if (has_dotdot (m->destination))
        return vessel_fail (err, EINVAL, C ".mounts[%zu].destination: `..` is not allowed in `%s`",
                            i, m->destination);
      char where[64];
      snprintf (where, sizeof where, C ".mounts[%zu].options", i);
      struct vessel_mount_options o;
      int ret = vessel_mount_options_parse (m->options, m->options_len, where, &o, err);
      if (ret < 0)
        return ret;
      bool bind = (o.flags & MS_BIND) || (m->type && strcmp (m->type, "bind") == 0);
      bool idmap = (o.extra & VESSEL_MOUNT_IDMAP) || m->uid_mappings_len || m->gid_mappings_len;
      vessel_mount_options_clear (&o);
      if (idmap && (ret = validate_idmap (c, i, bind, err)) < 0)
        return ret;
      if (bind && (m->source == NULL || m->source[0] == '\0'))
        return vessel_fail (err, EINVAL, C ".mounts[%zu].source: a bind mount needs a source", i);
      if (!bind && (m->type == NULL || m->type[0] == '\0'))
        return vessel_fail (err, EINVAL, C ".mounts[%zu].type: needed for a mount that is not a bind mount", i);
    }
  return 0;
}

int
vessel_config_validate (const struct oci_config *c, vessel_error **err)
{
  int ret;
  if (c->root == NULL)
    return vessel_fail (err, EINVAL, C ".root: missing (a Linux container needs a root filesystem)");
  if (c->root->path[0] == '\0')
    return vessel_fail (err, EINVAL, C ".root.path: empty");
  if (c->process && (ret = vessel_process_validate (c->process, C ".process", err)) < 0)
    return ret;
  if ((ret = validate_mounts (c, err)) < 0)
    return ret;
  if (c->linux && (ret = validate_linux (c, err)) < 0)
    return ret;
  if (c->hostname && *c->hostname && vessel_config_namespace (c, OCI_NS_UTS) == NULL)
    return vessel_fail (err, EINVAL, C ".hostname: setting a hostname needs a uts namespace");
  if (c->domainname && *c->domainname && vessel_config_namespace (c, OCI_NS_UTS) == NULL)
    return vessel_fail (err, EINVAL, C ".domainname: setting a domain name needs a uts namespace");
  return 0;
}

static char *
absolute_path (const char *path, vessel_error **err)
{
  char *resolved = realpath (path, NULL);
  if (resolved == NULL)
    vessel_fail_errno (err, errno, "bundle `%s`", path);
  return resolved;
}

int
vessel_bundle_load (const char *bundle, struct vessel_bundle *out, vessel_error **err)
{
  memset (out, 0, sizeof (*out));
  out->path = absolute_path (bundle, err);
  if (out->path == NULL)
    return -(*err)->code;
  out->config_path = xasprintf ("%s/config.json", out->path);

  char *msg = NULL;
  int ret = oci_read_document (out->config_path, "config.json", false, &out->config_text, &out->config_len, &msg);
  if (ret == 0)
    ret = oci_config_parse_data ("config.json", out->config_text, out->config_len, &out->config, &msg);
  if (ret < 0)
    {
      vessel_bundle_free (out);
      return vessel_fail_take (err, ret, msg);
    }
  ret = vessel_config_validate (out->config, err);
  if (ret < 0)
    {
      vessel_bundle_free (out);
      return ret;
    }

  const char *root = out->config->root->path;
  out->rootfs = root[0] == '/' ? xstrdup (root) : xasprintf ("%s/%s", out->path, root);
  struct stat st;
  if (lstat (out->rootfs, &st) == 0 && S_ISLNK (st.st_mode))
    {
      ret = vessel_fail (err, EINVAL, C ".root.path: `%s` is a symbolic link: give the path it points to",
                         out->rootfs);
      vessel_bundle_free (out);
      return ret;
    }
  if (stat (out->rootfs, &st) < 0)
    {
      ret = vessel_fail_errno (err, errno, C ".root.path: `%s`", out->rootfs);
      vessel_bundle_free (out);
      return ret;
    }
  if (!S_ISDIR (st.st_mode))
    {
      ret = vessel_fail (err, ENOTDIR, C ".root.path: `%s` is not a directory", out->rootfs);
      vessel_bundle_free (out);
      return ret;
    }
  return 0;
}

void
vessel_bundle_free (struct vessel_bundle *b)
{
  free (b->path);
  free (b->config_path);
  free (b->rootfs);
  free (b->config_text);
  oci_config_free (b->config);
  memset (b, 0, sizeof (*b));
}
