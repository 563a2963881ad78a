/* libFuzzer target: mount options as config.json spells them.  The input
   is split at newlines into an options array ("nosuid", "rro",
   "size=64k", ...). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "libvessel/mount_options.h"

#define MAX_OPTIONS 64
#define WHERE "config.json: .mounts[0].options"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = fuzz_input_string (data, size);
  if (text == NULL)
    return 0;
  char *options[MAX_OPTIONS];
  size_t n = 0;
  for (char *save = NULL, *o = strtok_r (text, "\n", &save); o && n < MAX_OPTIONS; o = strtok_r (NULL, "\n", &save))
    options[n++] = o;
  struct vessel_mount_options out;
  vessel_error *err = NULL;
  int ret = vessel_mount_options_parse (options, n, WHERE, &out, &err);
  if (ret < 0)
    {
      /* Every refusal names the options array. */
      if (err == NULL || strstr (err->msg, WHERE) == NULL)
        abort ();
      vessel_error_free (err);
    }
  else
    {
      /* The filesystem's own options are the input's, in order. */
      if (out.data_len > n)
        abort ();
      vessel_mount_options_clear (&out);
    }
  free (text);
  return 0;
}
