/* Pure: capability names from config.json to bit masks (see caps.h);
 * caps.c applies the masks to the process. */
#include <config.h>

#include <string.h>

#include "caps.h"
#include "utils.h"

int
vessel_cap_from_name (const char *name, cap_value_t *out)
{
  /* libcap is lenient ("cap_chown", "12", "CAP_CHOWN,CAP_KILL" all parse);
     config.json names are exact. */
  if (!has_prefix (name, "CAP_") || name[4] == '\0')
    return -EINVAL;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return -EINVAL;
  cap_value_t v;
  if (cap_from_name (name, &v) < 0 || v < 0 || v > vessel_cap_last ())
    return -EINVAL;
  *out = v;
  return 0;
}

cap_value_t
vessel_cap_last (void)
{
  /* The names this build can translate: linux/capability.h of the build
     host.  64 bits hold them all for the foreseeable future. */
  _Static_assert (CAP_LAST_CAP < 64, "capability masks are 64 bits");
  return CAP_LAST_CAP;
}

static int
caps_set_from_names (char **names, size_t n, const char *where, const char *set,
                     uint64_t *mask, vessel_error **err)
{
  *mask = 0;
  for (size_t i = 0; i < n; i++)
    {
      cap_value_t v;
      if (vessel_cap_from_name (names[i], &v) < 0)
        return vessel_fail (err, EINVAL, "%s.%s[%zu]: unknown capability `%s`",
                            where, set, i, names[i]);
      *mask |= UINT64_C (1) << v;
    }
  return 0;
}

int
vessel_caps_from_config (const struct oci_capabilities *caps, const char *where,
                         struct vessel_caps *out, vessel_error **err)
{
  memset (out, 0, sizeof (*out));
  if (caps == NULL)
    return 0;
  int ret;
  if ((ret = caps_set_from_names (caps->bounding, caps->bounding_len, where, "bounding", &out->bounding, err)) < 0
      || (ret = caps_set_from_names (caps->effective, caps->effective_len, where, "effective", &out->effective, err)) < 0
      || (ret = caps_set_from_names (caps->permitted, caps->permitted_len, where, "permitted", &out->permitted, err)) < 0
      || (ret = caps_set_from_names (caps->inheritable, caps->inheritable_len, where, "inheritable", &out->inheritable, err)) < 0
      || (ret = caps_set_from_names (caps->ambient, caps->ambient_len, where, "ambient", &out->ambient, err)) < 0)
    return ret;
  return 0;
}
