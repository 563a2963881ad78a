/* Capability names from config.json. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "libvessel/caps.h"
#include "tap.h"

int
main (void)
{
  cap_value_t v = -1;
  ok (vessel_cap_from_name ("CAP_CHOWN", &v) == 0 && v == CAP_CHOWN, "CAP_CHOWN");
  ok (vessel_cap_from_name ("CAP_CHECKPOINT_RESTORE", &v) == 0 && v == 40, "the newest capability");
  ok (vessel_cap_from_name ("cap_chown", &v) < 0, "lower case is refused");
  ok (vessel_cap_from_name ("CHOWN", &v) < 0, "a name without CAP_ is refused");
  ok (vessel_cap_from_name ("CAP_", &v) < 0, "CAP_ alone is refused");
  ok (vessel_cap_from_name ("12", &v) < 0, "numbers are refused");
  ok (vessel_cap_from_name ("CAP_CHOWN,CAP_KILL", &v) < 0, "a list is refused");
  ok (vessel_cap_from_name ("CAP_TEST", &v) < 0, "an unknown name is refused");

  char *bounding[] = { "CAP_KILL", "CAP_NET_RAW" };
  char *bad[] = { "CAP_KILL", "CAP_NOPE" };
  struct oci_capabilities caps = { .bounding = bounding, .bounding_len = 2,
                                   .effective = bounding, .effective_len = 1 };
  struct vessel_caps out;
  vessel_error *err = NULL;
  ok (vessel_caps_from_config (&caps, ".process.capabilities", &out, &err) == 0
          && out.bounding == ((UINT64_C (1) << CAP_KILL) | (UINT64_C (1) << CAP_NET_RAW))
          && out.effective == (UINT64_C (1) << CAP_KILL) && out.ambient == 0,
      "sets become masks");
  caps.permitted = bad;
  caps.permitted_len = 2;
  ok (vessel_caps_from_config (&caps, ".process.capabilities", &out, &err) == -EINVAL
          && strcmp (err->msg, ".process.capabilities.permitted[1]: unknown capability `CAP_NOPE`") == 0,
      "an unknown capability names its JSON path");
  vessel_error_free (err);
  err = NULL;
  ok (vessel_caps_from_config (NULL, ".process.capabilities", &out, &err) == 0
          && out.bounding == 0 && out.permitted == 0,
      "no capabilities object means empty sets");
  return tap_done ();
}
