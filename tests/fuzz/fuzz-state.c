/* libFuzzer target: the state file reader (state.json is written by vessel,
   but a crashed or hostile writer must not make readers misbehave). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct oci_state *s = NULL;
  char *err = NULL;
  if (oci_state_parse_data ("state.json", (const char *) data, size, &s, &err) < 0)
    {
      if (err == NULL || strncmp (err, "state.json: ", 12) != 0)
        abort ();
      free (err);
      return 0;
    }
  char *out = NULL;
  if (oci_state_generate (s, OCI_GEN_STATE_PUBLIC, &out, NULL, &err) < 0)
    abort ();
  free (out);
  oci_state_free (s);
  return 0;
}
