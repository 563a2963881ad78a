/* Applies the capability masks caps_plan.c decided (see caps.h). */
#include <config.h>

#include <string.h>
#include <sys/prctl.h>

#include "caps.h"
#include "log.h"
#include "utils.h"

/* Capabilities the running kernel supports: a kernel older than the build
   headers rejects the newer ones, so they are left out (with a warning
   once) rather than failing the container. */
static cap_value_t
kernel_cap_last (void)
{
  int bits = cap_max_bits ();
  return bits > 0 ? (cap_value_t) bits - 1 : vessel_cap_last ();
}

static int
set_flag_from_mask (cap_t c, cap_flag_t flag, uint64_t mask, cap_value_t last)
{
  for (cap_value_t v = 0; v <= last; v++)
    if (mask & (UINT64_C (1) << v))
      if (cap_set_flag (c, flag, 1, &v, CAP_SET) < 0)
        return -errno;
  return 0;
}

int
vessel_caps_apply_bounding (const struct vessel_caps *caps, vessel_error **err)
{
  cap_value_t last = kernel_cap_last ();
  uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C (1) << (last + 1)) - 1;
  uint64_t all = caps->bounding | caps->effective | caps->permitted | caps->inheritable | caps->ambient;
  if (all & ~known)
    vessel_warn ("capabilities above %d are not supported by this kernel and are ignored",
                 (int) last);

  for (cap_value_t v = 0; v <= last; v++)
    if (!(caps->bounding & (UINT64_C (1) << v)) && cap_drop_bound (v) < 0 && errno != EINVAL)
      return vessel_fail_errno (err, errno, "drop capability %d from the bounding set", (int) v);
  return 0;
}

int
vessel_caps_apply_sets (const struct vessel_caps *caps, vessel_error **err)
{
  cap_value_t last = kernel_cap_last ();
  cap_t c = cap_init ();
  if (c == NULL)
    return vessel_fail_errno (err, errno, "cap_init");
  int ret = set_flag_from_mask (c, CAP_EFFECTIVE, caps->effective, last);
  if (ret == 0)
    ret = set_flag_from_mask (c, CAP_PERMITTED, caps->permitted, last);
  if (ret == 0)
    ret = set_flag_from_mask (c, CAP_INHERITABLE, caps->inheritable, last);
  if (ret == 0 && cap_set_proc (c) < 0)
    ret = -errno;
  cap_free (c);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "set capabilities");

  /* The kernel only lets a capability into the ambient set when it is
     both permitted and inheritable; configs (runc's default among them)
     often list ambient capabilities without the inheritable ones, which
     runc and crun skip rather than fail on. */
  /* One prctl: libcap's cap_reset_ambient asks about every capability
     first.  EINVAL: a kernel without ambient capabilities (< 4.3). */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return vessel_fail_errno (err, errno, "clear the ambient capabilities");
  uint64_t ambient = caps->ambient & caps->permitted & caps->inheritable;
  if (ambient != caps->ambient)
    vessel_debug ("ambient capabilities not in the permitted and inheritable sets are skipped");
  for (cap_value_t v = 0; v <= last; v++)
    if ((ambient & (UINT64_C (1) << v)) && cap_set_ambient (v, CAP_SET) < 0)
      return vessel_fail_errno (err, errno, "raise ambient capability %d", (int) v);
  return 0;
}
