/* libFuzzer target: config.json parsing and writing back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct oci_config *c = NULL;
  char *err = NULL;
  if (oci_config_parse_data ("config.json", (const char *) data, size, &c, &err) < 0)
    {
      if (err == NULL || strncmp (err, "config.json: ", 13) != 0)
        abort (); /* every failure has a message naming the document */
      free (err);
      return 0;
    }
  /* What parses must write back, and what is written must parse to the
     same text again. */
  char *out = NULL, *again = NULL;
  size_t len = 0;
  if (oci_config_generate (c, 0, &out, &len, &err) < 0)
    abort ();
  struct oci_config *c2 = NULL;
  if (oci_config_parse_data ("config.json", out, len, &c2, &err) < 0)
    abort ();
  if (oci_config_generate (c2, 0, &again, NULL, &err) < 0 || strcmp (out, again) != 0)
    abort ();
  free (out);
  free (again);
  oci_config_free (c2);
  oci_config_free (c);
  return 0;
}
