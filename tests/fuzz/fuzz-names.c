/* libFuzzer target: the names `kill` and the capability lists take
   ("KILL", "SIGRTMIN+3", "9"; "CAP_NET_ADMIN"), and CPU or memory node
   lists ("0-3,7"), as cpuset and execCPUAffinity spell them.  The input
   is one string for each. */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "libvessel/caps.h"
#include "libvessel/scheduling.h"
#include "libvessel/signals.h"

#define WHERE "config.json: .process.execCPUAffinity.initial"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = fuzz_input_string (data, size);
  if (text == NULL)
    return 0;

  /* 0 is a signal here: kill(2)'s probe */
  int sig = vessel_signal_parse (text);
  if (sig != -EINVAL && (sig < 0 || sig > SIGRTMAX))
    abort ();

  cap_value_t cap = -1;
  if (vessel_cap_from_name (text, &cap) == 0 && (cap < 0 || cap > vessel_cap_last ()))
    abort ();

  vessel_error *err = NULL;
  if (vessel_id_list_check (text, WHERE, &err) < 0)
    {
      if (err == NULL || strstr (err->msg, WHERE) == NULL)
        abort ();
      vessel_error_free (err);
    }
  free (text);
  return 0;
}
