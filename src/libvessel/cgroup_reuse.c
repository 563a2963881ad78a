#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_reuse.h"
#include "container.h"
#include "log.h"
#include "utils.h"

/* Whether the freezer file `name` of dfd says frozen, or on the way
   there: v1's freezer.state FREEZING or FROZEN (a frozen parent shows in
   the child's); cgroup2's cgroup.events "frozen 1", which an empty
   cgroup with cgroup.freeze 1, or under a frozen parent, shows at once. */
static int
frozen_at (int dfd, const char *name)
{
  char buf[256];
  if (read_small_file_at (dfd, name, buf, sizeof buf) < 0)
    return -errno;
  if (strcmp (name, "freezer.state") == 0)
    return strncmp (buf, "THAWED", 6) != 0;
  return strstr (buf, "frozen 1") != NULL;
}

static int
frozen_error (const char *dir, vessel_error **err)
{
  /* runc's words, which callers may match, then where. */
  return vessel_fail (err, EBUSY, "container's cgroup unexpectedly frozen (`%s`)", dir);
}

static int
count_procs (int dfd, const char *dir, vessel_error **err)
{
  cleanup_free char *procs = NULL;
  int ret = read_file_at (dfd, "cgroup.procs", &procs, NULL, err);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "cgroup `%s`", dir);
  int n = 0;
  for (const char *p = procs; *p; p++)
    n += *p == '\n';
  return n;
}

int
vessel_cgroup_reuse_check (struct vessel_cgroup_reuse *r, size_t i, const char *dir, const char *freezer,
                           vessel_error **err)
{
  if (i < 64)
    r->existed |= UINT64_C (1) << i;
  if (freezer == NULL && r->procs >= 0)
    return 0;
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  int frozen = freezer ? frozen_at (dfd, freezer) : 0;
  if (frozen < 0 && frozen != -ENOENT)
    return vessel_fail_errno (err, -frozen, "read `%s/%s`", dir, freezer);
  if (frozen > 0)
    return frozen_error (dir, err);
  if (r->procs >= 0)
    return 0;
  int n = count_procs (dfd, dir, err);
  if (n < 0)
    return n;
  r->procs = n;
  r->procs_in = i;
  return 0;
}

const char *
vessel_cgroup_frozen_dir (char *const *paths)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_close int dfd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
      if (dfd < 0)
        continue;
      int frozen = frozen_at (dfd, "freezer.state");
      if (frozen == -ENOENT)
        frozen = frozen_at (dfd, "cgroup.events");
      if (frozen > 0)
        return paths[i];
    }
  return NULL;
}

/* The other container of `root` whose cgroup `dir` is, NULL if none. */
static char *
container_in (const char *root, const char *id, const char *dir)
{
  struct oci_state **states = NULL;
  size_t n = 0;
  char *found = NULL;
  vessel_error *ignored = NULL;
  if (vessel_container_list (root, &states, &n, &ignored) < 0)
    n = 0;
  vessel_error_free (ignored);
  for (size_t i = 0; i < n; i++)
    {
      const struct oci_state *s = states[i];
      for (size_t j = 0; s->vessel && j < s->vessel->cgroup_paths_len && !found; j++)
        if (strcmp (s->vessel->cgroup_paths[j], dir) == 0 && strcmp (s->id, id) != 0
            && s->status != OCI_STATUS_STOPPED)
          found = xstrdup (s->id);
      oci_state_free (states[i]);
    }
  free (states);
  return found;
}

void
vessel_cgroup_reuse_warn (const struct vessel_cgroup_reuse *r, char *const *paths, const char *root, const char *id)
{
  if (r->procs <= 0)
    return;
  const char *dir = paths[r->procs_in];
  cleanup_free char *other = container_in (root, id, dir);
  /* runc's words, then where, and whose. */
  if (other)
    vessel_warn ("container's cgroup is not empty: %d process(es) found in `%s`, of container `%s`", r->procs, dir,
                 other);
  else
    vessel_warn ("container's cgroup is not empty: %d process(es) found in `%s`", r->procs, dir);
}

int
vessel_cgroup_init_stalled (char *const *paths, vessel_error **err)
{
  vessel_error_freep (err);
  const char *frozen = vessel_cgroup_frozen_dir (paths);
  return frozen ? frozen_error (frozen, err) : 0;
}

char **
vessel_cgroup_reuse_made (const struct vessel_cgroup_reuse *r, char *const *paths)
{
  size_t n = 0;
  while (paths && paths[n])
    n++;
  char **made = xzalloc ((n + 1) * sizeof (char *));
  size_t kept = 0;
  for (size_t i = 0; i < n; i++)
    if (i >= 64 || !(r->existed & (UINT64_C (1) << i)))
      made[kept++] = xstrdup (paths[i]);
  return made;
}

const char *
vessel_cgroup_thaw_v1 (char *const *paths)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_close int dfd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
      if (dfd < 0 || frozen_at (dfd, "freezer.state") <= 0)
        continue;
      /* Thawing is immediate, unless a parent is frozen. */
      write_file_at (dfd, "freezer.state", "THAWED", 6, NULL);
      if (frozen_at (dfd, "freezer.state") > 0)
        return paths[i];
    }
  return NULL;
}
