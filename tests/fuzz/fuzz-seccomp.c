/* libFuzzer target: linux.seccomp, from JSON to a BPF program.  The input
   is the seccomp object; it is checked as `create` checks it and, when
   valid, compiled with libseccomp (nothing is loaded). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvessel/seccomp.h"
#include "ocispec.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char head[] = "{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"seccomp\": ";
static const char tail[] = "}}";

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t len = sizeof head - 1 + size + sizeof tail - 1;
  char *json = malloc (len);
  if (json == NULL)
    return 0;
  memcpy (json, head, sizeof head - 1);
  memcpy (json + sizeof head - 1, data, size);
  memcpy (json + sizeof head - 1 + size, tail, sizeof tail - 1);
  struct oci_config *c = NULL;
  char *perr = NULL;
  if (oci_config_parse_data ("config.json", json, len, &c, &perr) < 0)
    {
      free (perr);
      free (json);
      return 0;
    }
  const struct oci_seccomp *s = c->linux ? c->linux->seccomp : NULL;
  vessel_error *err = NULL;
  if (s && vessel_seccomp_validate (s, &err) == 0)
    {
      struct vessel_seccomp f = { 0 };
      if (vessel_seccomp_compile (s, &f, &err) == 0)
        {
          /* A program, and one the kernel could take. */
          if (f.len == 0 || f.prog == NULL)
            abort ();
          vessel_seccomp_clear (&f);
        }
    }
  if (err && (err->msg == NULL || err->msg[0] == '\0'))
    abort (); /* every refusal says why */
  vessel_error_free (err);
  oci_config_free (c);
  free (json);
  return 0;
}
