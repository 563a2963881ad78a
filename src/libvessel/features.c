#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"
#include "features.h"
#include "lsm.h"
#include "mount_options.h"
#include "namespaces.h"
#include "seccomp.h"
#include "utils.h"
#include "vessel-commit.h"

static char **
arena_strv (struct oci_arena *a, const char *const *src, size_t n)
{
  char **v = oci_arena_alloc (a, n * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    v[i] = oci_arena_strdup (a, src[i]);
  return v;
}

/* Every name of an enum of the model, as an arena array. */
static char **
enum_strv (struct oci_arena *a, const char *(*name) (int), int count, size_t *len)
{
  char **v = oci_arena_alloc (a, (size_t) count * sizeof (char *));
  for (int i = 0; i < count; i++)
    v[i] = oci_arena_strdup (a, name (i));
  *len = (size_t) count;
  return v;
}

static struct oci_features_enabled *
enabled (struct oci_arena *a, bool value)
{
  struct oci_features_enabled *e = oci_arena_alloc (a, sizeof (*e));
  e->has_enabled = true;
  e->enabled = value;
  return e;
}

static void
fill_capabilities (struct oci_arena *a, struct oci_features_linux *lx)
{
  size_t n = (size_t) vessel_cap_last () + 1;
  lx->capabilities = oci_arena_alloc (a, n * sizeof (char *));
  for (cap_value_t v = 0; v <= vessel_cap_last (); v++)
    {
      char *name = cap_to_name (v); /* "cap_chown" */
      char *upper = oci_arena_strdup (a, name ? name : "");
      cap_free (name);
      for (char *p = upper; *p; p++)
        *p = (char) toupper ((unsigned char) *p);
      lx->capabilities[lx->capabilities_len++] = upper;
    }
}

static void
fill_seccomp (struct oci_arena *a, struct oci_features_linux *lx)
{
  struct oci_features_seccomp *sc = oci_arena_alloc (a, sizeof (*sc));
  sc->has_enabled = sc->enabled = true;
  struct
  {
    char ***names;
    size_t *len;
  } lists[] = {
    [VESSEL_SECCOMP_ACTIONS] = { &sc->actions, &sc->actions_len },
    [VESSEL_SECCOMP_OPERATORS] = { &sc->operators, &sc->operators_len },
    [VESSEL_SECCOMP_ARCHS] = { &sc->archs, &sc->archs_len },
    [VESSEL_SECCOMP_KNOWN_FLAGS] = { &sc->known_flags, &sc->known_flags_len },
    [VESSEL_SECCOMP_SUPPORTED_FLAGS] = { &sc->supported_flags, &sc->supported_flags_len },
  };
  for (size_t i = 0; i < ARRAY_SIZE (lists); i++)
    {
      const char *names[64];
      size_t n = vessel_seccomp_names ((enum vessel_seccomp_list) i, names, ARRAY_SIZE (names));
      *lists[i].names = arena_strv (a, names, n);
      *lists[i].len = n;
    }
  lx->seccomp = sc;
}

int
vessel_features_build (struct oci_features **out, vessel_error **err)
{
  (void) err;
  struct oci_features *f = oci_features_new ();
  struct oci_arena *a = f->arena;

  f->oci_version_min = oci_arena_strdup (a, "1.0.0");
  f->oci_version_max = oci_arena_strdup (a, OCI_SPEC_VERSION);

  static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
                                        "startContainer", "poststart", "poststop" };
  f->hooks = arena_strv (a, hooks, ARRAY_SIZE (hooks));
  f->hooks_len = ARRAY_SIZE (hooks);

  const char *options[128];
  size_t n_options = vessel_mount_option_names (options, ARRAY_SIZE (options));
  f->mount_options = arena_strv (a, options, n_options);
  f->mount_options_len = n_options;

  struct oci_features_linux *lx = oci_arena_alloc (a, sizeof (*lx));
  f->linux = lx;
  lx->namespaces = oci_arena_alloc (a, OCI_NS_COUNT * sizeof (char *));
  for (size_t i = 0; i < OCI_NS_COUNT; i++)
    lx->namespaces[lx->namespaces_len++] = oci_arena_strdup (a, vessel_ns_kinds[i].name);
  fill_capabilities (a, lx);

  lx->cgroup = oci_arena_alloc (a, sizeof (*lx->cgroup));
  lx->cgroup->has_v1 = lx->cgroup->v1 = true;
  lx->cgroup->has_v2 = lx->cgroup->v2 = true;
  lx->cgroup->has_systemd = true;
  lx->cgroup->has_systemd_user = true;
  lx->cgroup->has_rdma = lx->cgroup->rdma = true; /* rdma.max, where the controller exists */

  fill_seccomp (a, lx);
  struct oci_features_memory_policy *mp = oci_arena_alloc (a, sizeof (*mp));
  mp->modes = enum_strv (a, oci_mpol_mode_name, OCI_MPOL_MODE_COUNT, &mp->modes_len);
  mp->flags = enum_strv (a, oci_mpol_flag_name, OCI_MPOL_FLAG_COUNT, &mp->flags_len);
  lx->memory_policy = mp;
  /* What the build supports, as runc reports them: a host without the
     module refuses a profile or label when the container is created. */
  lx->apparmor = enabled (a, VESSEL_LSM_APPARMOR_BUILT);
  lx->selinux = enabled (a, VESSEL_LSM_SELINUX_BUILT);
  lx->mount_extensions = oci_arena_alloc (a, sizeof (*lx->mount_extensions));
  lx->mount_extensions->idmap = enabled (a, true);
  lx->net_devices = enabled (a, true);

  f->annotations = oci_arena_alloc (a, 2 * sizeof (struct oci_kv));
  f->annotations[0] = (struct oci_kv) { oci_arena_strdup (a, "run.vessel.version"),
                                        oci_arena_strdup (a, PACKAGE_VERSION) };
  f->annotations[1] = (struct oci_kv) { oci_arena_strdup (a, "run.vessel.commit"),
                                        oci_arena_strdup (a, VESSEL_COMMIT) };
  f->annotations_len = 2;

  *out = f;
  return 0;
}

static bool
is_enabled (const struct oci_features_enabled *e)
{
  return e && e->has_enabled && e->enabled;
}

/* The --version line, read off the features document so the two agree. */
char *
vessel_compiled_features (void)
{
  struct oci_features *f = NULL;
  if (vessel_features_build (&f, NULL) < 0)
    return xstrdup ("");
  const struct oci_features_linux *lx = f->linux;
  const struct
  {
    const char *name;
    bool on;
  } items[] = {
    { "CAP", lx->capabilities_len > 0 },
    { "SECCOMP", lx->seccomp && lx->seccomp->enabled },
    { "APPARMOR", is_enabled (lx->apparmor) },
    { "SELINUX", is_enabled (lx->selinux) },
    { "CGROUPV1", lx->cgroup && lx->cgroup->v1 },
    { "CGROUPV2", lx->cgroup && lx->cgroup->v2 },
    { "SYSTEMD", lx->cgroup && lx->cgroup->systemd },
    { "IDMAP", lx->mount_extensions && is_enabled (lx->mount_extensions->idmap) },
    { "NETDEVICES", is_enabled (lx->net_devices) },
    { "YAJL", true },
  };
  char *line = xstrdup ("");
  for (size_t i = 0; i < ARRAY_SIZE (items); i++)
    if (items[i].on)
      {
        char *longer = xasprintf ("%s%s+%s", line, *line ? " " : "", items[i].name);
        free (line);
        line = longer;
      }
  oci_features_free (f);
  return line;
}
