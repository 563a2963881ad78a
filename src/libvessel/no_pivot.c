#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "no_pivot.h"
#include "utils.h"

struct mount_line
{
  uint64_t id, parent;
  char *root, *mountpoint, *fstype; /* still escaped, in the text's copy */
};

/* "36 35 98:0 /root /mountpoint opts [optional...] - fstype source superopts" */
static bool
parse_line (char *line, struct mount_line *m)
{
  char *fields[6], *save = NULL, *f, *end;
  size_t n = 0;
  for (f = strtok_r (line, " ", &save); f && n < 6; f = strtok_r (NULL, " ", &save))
    fields[n++] = f;
  while (f && strcmp (f, "-") != 0)
    f = strtok_r (NULL, " ", &save);
  char *fstype = f ? strtok_r (NULL, " ", &save) : NULL;
  if (n < 6 || fstype == NULL)
    return false;
  m->id = strtoull (fields[0], &end, 10);
  if (*end != '\0')
    return false;
  m->parent = strtoull (fields[1], &end, 10);
  if (*end != '\0')
    return false;
  m->root = fields[3];
  m->mountpoint = fields[4];
  m->fstype = fstype;
  return true;
}

static const struct mount_line *
find (const struct mount_line *lines, size_t n, uint64_t id)
{
  for (size_t i = 0; i < n; i++)
    if (lines[i].id == id)
      return &lines[i];
  return NULL;
}

/* Whether `id` is `ancestor` or a mount below it. */
static bool
is_below (const struct mount_line *lines, size_t n, uint64_t id, uint64_t ancestor)
{
  /* At most n steps: a parent chain in a consistent text has no loop. */
  for (size_t step = 0; step <= n; step++)
    {
      if (id == ancestor)
        return true;
      const struct mount_line *m = find (lines, n, id);
      if (m == NULL || m->parent == id)
        return false;
      id = m->parent;
    }
  return false;
}

static bool
path_inside (const char *path, const char *dir)
{
  size_t len = strlen (dir);
  return strncmp (path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/' || strcmp (dir, "/") == 0);
}

static bool
keeps (const struct mount_line *lines, size_t n, const struct mount_line *m, const struct mount_line *rootfs)
{
  return is_below (lines, n, m->id, rootfs->id) || is_below (lines, n, rootfs->id, m->id)
         || path_inside (m->mountpoint, rootfs->mountpoint);
}

int
vessel_no_pivot_plan (const char *mountinfo, uint64_t rootfs_id, struct vessel_host_mounts *out,
                      vessel_error **err)
{
  *out = (struct vessel_host_mounts) { 0 };
  cleanup_free char *text = xstrdup (mountinfo);
  size_t n = 0, cap = 64;
  cleanup_free struct mount_line *lines = xmalloc (cap * sizeof *lines);
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      if (n == cap)
        lines = xrealloc (lines, (cap *= 2) * sizeof *lines);
      if (!parse_line (line, &lines[n]))
        return vessel_fail (err, EINVAL, "/proc/self/mountinfo: cannot parse line %zu", n + 1);
      n++;
    }
  const struct mount_line *rootfs = find (lines, n, rootfs_id);
  if (rootfs == NULL)
    return vessel_fail (err, ENOENT, "/proc/self/mountinfo: the rootfs mount (%llu) is not there",
                        (unsigned long long) rootfs_id);
  out->m = xzalloc ((n + 1) * sizeof *out->m);
  /* Last first: a mount comes after its parent and after what it covers. */
  for (size_t i = n; i-- > 0;)
    {
      const struct mount_line *m = &lines[i];
      if (keeps (lines, n, m, rootfs))
        continue;
      bool pseudo = strcmp (m->fstype, "proc") == 0 || strcmp (m->fstype, "sysfs") == 0;
      out->m[out->n++] = (struct vessel_host_mount) { .id = m->id, .path = unescape_mount_field (m->mountpoint),
                                                      .full_procfs = pseudo && strcmp (m->root, "/") == 0 };
    }
  return 0;
}

void
vessel_host_mounts_free (struct vessel_host_mounts *h)
{
  for (size_t i = 0; i < h->n; i++)
    free (h->m[i].path);
  free (h->m);
  *h = (struct vessel_host_mounts) { 0 };
}

static int
mount_id_of (int fd, const char *path, uint64_t *id, vessel_error **err)
{
  struct statx st;
  if (statx (fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &st) < 0)
    return vessel_fail_errno (err, errno, "statx `%s`", path);
  if (!(st.stx_mask & STATX_MNT_ID))
    return vessel_fail (err, ENOSYS, "statx `%s`: this kernel gives no mount id (Linux 5.8 does)", path);
  *id = st.stx_mnt_id;
  return 0;
}

/* A full procfs or sysfs still at `m->path` (one that could not be
   detached) gets an empty read-only tmpfs over it: a mount on its root
   makes it no longer fully visible to the kernel. */
static int
cover (const struct vessel_host_mount *m, vessel_error **err)
{
  cleanup_close int fd = open (m->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  uint64_t id;
  if (fd < 0 || mount_id_of (fd, m->path, &id, err) < 0 || id != m->id)
    {
      vessel_error_freep (err);
      return 0; /* gone with its parent, or covered already */
    }
  if (mount ("tmpfs", m->path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=1") < 0)
    return vessel_fail_errno (err, errno, "cover the host's procfs or sysfs mount `%s`", m->path);
  return 0;
}

int
vessel_no_pivot_detach_host (int rootfd, vessel_error **err)
{
  uint64_t rootfs_id;
  int ret = mount_id_of (rootfd, "the rootfs", &rootfs_id, err);
  if (ret < 0)
    return ret;
  cleanup_free char *mountinfo = NULL;
  if ((ret = read_file_at (AT_FDCWD, "/proc/self/mountinfo", &mountinfo, NULL, err)) < 0)
    return ret;
  struct vessel_host_mounts host;
  if ((ret = vessel_no_pivot_plan (mountinfo, rootfs_id, &host, err)) < 0)
    return ret;
  for (size_t i = 0; i < host.n && ret == 0; i++)
    {
      const struct vessel_host_mount *m = &host.m[i];
      if (umount2 (m->path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == ENOENT)
        continue; /* ENOENT: its path went with a mount detached before */
      if (errno != EINVAL && errno != EPERM)
        ret = vessel_fail_errno (err, errno, "detach the host's mount `%s`", m->path);
      else if (m->full_procfs) /* EINVAL: locked, or no longer a mount point */
        ret = cover (m, err);
    }
  vessel_host_mounts_free (&host);
  return ret;
}
