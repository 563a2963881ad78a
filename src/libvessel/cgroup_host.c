/* Pure: the host's cgroup layout parsed from the texts of
 * /proc/self/mountinfo and /proc/self/cgroup, and the container's cgroup
 * paths in it (see cgroup.h).  cgroup.c reads those files and makes,
 * enters and removes the cgroups. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "utils.h"

/* ---- host detection ------------------------------------------------------ */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
char *
unescape_mount_field (const char *s)
{
  char *out = xmalloc (strlen (s) + 1), *o = out;
  while (*s)
    {
      if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
          && s[3] <= '7')
        {
          *o++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
          s += 4;
        }
      else
        *o++ = *s++;
    }
  *o = '\0';
  return out;
}

/* Whether every controller of `list` ("cpu,cpuacct") is among the
   comma-separated `options`. */
bool
vessel_cgroup_options_have_all (const char *options, const char *list)
{
  cleanup_free char *copy = xstrdup (list);
  char *save = NULL;
  for (char *c = strtok_r (copy, ",", &save); c; c = strtok_r (NULL, ",", &save))
    {
      bool found = false;
      size_t len = strlen (c);
      for (const char *p = options; p && *p;)
        {
          const char *end = strchr (p, ',');
          size_t n = end ? (size_t) (end - p) : strlen (p);
          if (n == len && strncmp (p, c, n) == 0)
            found = true;
          p = end ? end + 1 : NULL;
        }
      if (!found)
        return false;
    }
  return true;
}

struct cgroup_mount
{
  char *root, *mountpoint, *fstype, *options;
};

/* Splits one mountinfo line into the fields we use. */
static bool
parse_mountinfo_line (char *line, struct cgroup_mount *m)
{
  char *fields[16];
  size_t n = 0;
  char *save = NULL;
  for (char *f = strtok_r (line, " ", &save); f && n < ARRAY_SIZE (fields); f = strtok_r (NULL, " ", &save))
    fields[n++] = f;
  size_t dash = 0;
  for (size_t i = 6; i < n; i++)
    if (strcmp (fields[i], "-") == 0)
      {
        dash = i;
        break;
      }
  if (dash == 0 || dash + 3 >= n)
    return false;
  m->root = fields[3];
  m->mountpoint = fields[4];
  m->fstype = fields[dash + 1];
  m->options = fields[dash + 3];
  return true;
}

static void
add_hierarchy (struct vessel_cgroup_host *host, char *mountpoint, char *mount_root,
               const char *controllers, const char *own, bool v2)
{
  host->h = xrealloc (host->h, (host->n + 1) * sizeof (*host->h));
  host->h[host->n++] = (struct vessel_cgroup_hierarchy) {
    .mountpoint = mountpoint,
    .mount_root = mount_root,
    .controllers = xstrdup (controllers),
    .v2 = v2,
    .own = xstrdup (own),
  };
}

/* The cgroup and cgroup2 lines of a mountinfo text, split in place in
   `text`: the text is read once, not once per hierarchy. */
struct cgroup_mounts
{
  char *text;
  struct cgroup_mount *m;
  size_t n;
};

static void
cgroup_mounts_parse (const char *mountinfo, struct cgroup_mounts *out)
{
  out->text = xstrdup (mountinfo);
  char *save = NULL;
  for (char *line = strtok_r (out->text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      struct cgroup_mount m;
      if (!parse_mountinfo_line (line, &m) || (strcmp (m.fstype, "cgroup") != 0 && strcmp (m.fstype, "cgroup2") != 0))
        continue;
      out->m = xrealloc (out->m, (out->n + 1) * sizeof (*out->m));
      out->m[out->n++] = m;
    }
}

static void
cgroup_mounts_free (struct cgroup_mounts *mounts)
{
  free (mounts->text);
  free (mounts->m);
}

/* The mount of a hierarchy: for v1 the cgroup mount whose options name
   all its controllers, for v2 the cgroup2 mount.  When a hierarchy is
   mounted more than once, the mount showing its root wins. */
static bool
find_mount (const struct cgroup_mounts *mounts, bool v2, const char *controllers, char **mountpoint,
            char **mount_root)
{
  *mountpoint = *mount_root = NULL;
  for (size_t i = 0; i < mounts->n; i++)
    {
      const struct cgroup_mount *m = &mounts->m[i];
      if (strcmp (m->fstype, v2 ? "cgroup2" : "cgroup") != 0)
        continue;
      if (!v2 && !vessel_cgroup_options_have_all (m->options, controllers))
        continue;
      if (*mount_root && strcmp (*mount_root, "/") == 0)
        continue;
      free (*mountpoint);
      free (*mount_root);
      *mountpoint = unescape_mount_field (m->mountpoint);
      *mount_root = unescape_mount_field (m->root);
    }
  return *mountpoint != NULL;
}

int
vessel_cgroup_host_parse (const char *mountinfo, const char *self_cgroup,
                          struct vessel_cgroup_host *host, vessel_error **err)
{
  memset (host, 0, sizeof (*host));
  bool any_v1 = false, any_v2 = false;
  struct cgroup_mounts mounts = { 0 };
  cgroup_mounts_parse (mountinfo, &mounts);
  cleanup_free char *copy = xstrdup (self_cgroup);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      /* hierarchy-id:controllers:path; the path may contain ':' itself */
      char *c1 = strchr (line, ':');
      char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c1 = *c2 = '\0';
      const char *controllers = c1 + 1, *path = c2 + 1;
      bool v2 = strcmp (line, "0") == 0 && *controllers == '\0';
      if (!v2 && *controllers == '\0')
        continue;
      char *mountpoint, *mount_root;
      if (!find_mount (&mounts, v2, controllers, &mountpoint, &mount_root))
        continue; /* a hierarchy that is not mounted: nothing to do there */
      add_hierarchy (host, mountpoint, mount_root, v2 ? "" : controllers, path, v2);
      any_v1 |= !v2;
      any_v2 |= v2;
    }
  cgroup_mounts_free (&mounts);
  if (!any_v1 && !any_v2)
    return vessel_fail (err, ENOENT, "no cgroup hierarchy is mounted");
  host->mode = any_v1 ? (any_v2 ? VESSEL_CGROUP_HYBRID : VESSEL_CGROUP_V1) : VESSEL_CGROUP_V2;
  return 0;
}

void
vessel_cgroup_host_free (struct vessel_cgroup_host *host)
{
  for (size_t i = 0; i < host->n; i++)
    {
      free (host->h[i].mountpoint);
      free (host->h[i].mount_root);
      free (host->h[i].controllers);
      free (host->h[i].own);
    }
  free (host->h);
  free (host->v2_controllers);
  memset (host, 0, sizeof (*host));
}

/* ---- paths ---------------------------------------------------------------- */

/* a/b, cleaned as runc's filepath.Clean does for these paths: one '/'
   between components, no "." components, no trailing '/'.  (".." never
   gets here: config validation refuses it.) */
char *
vessel_cgroup_path_join (const char *a, const char *b)
{
  cleanup_free char *joined = xasprintf ("%s/%s", a, b);
  char *out = xmalloc (strlen (joined) + 2), *o = out;
  for (const char *p = joined; *p;)
    {
      while (*p == '/')
        p++;
      size_t n = strcspn (p, "/");
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          *o++ = '/';
          memcpy (o, p, n);
          o += n;
        }
      p += n;
    }
  if (o == out)
    *o++ = '/';
  *o = '\0';
  return out;
}

/* Where a relative cgroupsPath (and the default) goes in hierarchy h: our
   own cgroup on v1, as runc; on a cgroup2-only host its parent, since our
   own cgroup has processes and cgroup2 allows no controllers below a
   cgroup that has (runc's fs2 does the same); on a hybrid host the
   unified hierarchy's root, as runc. */
static const char *
relative_base (const struct vessel_cgroup_host *host, const struct vessel_cgroup_hierarchy *h, char **owned)
{
  if (h->v2 && host->mode == VESSEL_CGROUP_HYBRID)
    return "/";
  /* Our own cgroup, as a path below what the mount shows. */
  const char *own = h->own;
  size_t lr = strlen (h->mount_root);
  if (strcmp (h->mount_root, "/") != 0 && strncmp (own, h->mount_root, lr) == 0)
    own += lr;
  if (!h->v2)
    return own;
  *owned = xstrdup (own);
  char *slash = strrchr (*owned, '/');
  if (slash)
    slash[slash == *owned ? 1 : 0] = '\0';
  return *owned;
}

char **
vessel_cgroup_paths (const struct vessel_cgroup_host *host, const char *cgroups_path, const char *id)
{
  char **paths = xzalloc ((host->n + 1) * sizeof (char *));
  for (size_t i = 0; i < host->n; i++)
    {
      const struct vessel_cgroup_hierarchy *h = &host->h[i];
      cleanup_free char *in_hierarchy = NULL;
      if (cgroups_path && cgroups_path[0] == '/')
        in_hierarchy = xstrdup (cgroups_path);
      else
        {
          cleanup_free char *owned = NULL;
          const char *base = relative_base (host, h, &owned);
          in_hierarchy = vessel_cgroup_path_join (base, cgroups_path && *cgroups_path ? cgroups_path : id);
        }
      paths[i] = vessel_cgroup_path_join (h->mountpoint, in_hierarchy);
    }
  return paths;
}

int
vessel_cgroup_paths_match (const struct vessel_cgroup_host *host, char **saved, char ***out,
                           vessel_error **err)
{
  cleanup_strv char **paths = xzalloc ((host->n + 1) * sizeof (char *));
  for (size_t i = 0; i < host->n; i++)
    {
      size_t len = strlen (host->h[i].mountpoint);
      for (size_t j = 0; saved && saved[j] && paths[i] == NULL; j++)
        if (strncmp (saved[j], host->h[i].mountpoint, len) == 0 && saved[j][len] == '/')
          paths[i] = xstrdup (saved[j]);
      if (paths[i] == NULL)
        return vessel_fail (err, ENOENT, "the container has no cgroup under `%s`", host->h[i].mountpoint);
    }
  *out = steal_pointer (&paths);
  return 0;
}

