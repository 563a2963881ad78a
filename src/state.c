/* vessel state: the state of a container, as runtime-spec defines it. */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/utils.h"

const char cli_state_usage[]
    = "Usage: vessel state ID\n"
      "\n"
      "Prints the state of the container ID as JSON: ociVersion, id, status\n"
      "(creating, created, running, paused, stopped), pid, bundle, annotations.\n"
      "\n"
      "Options:\n"
      "  -h, --help   print this help\n";

static int
print_state (const char *root, const char *id, vessel_error **err)
{
  struct oci_state *state = NULL;
  int ret = vessel_container_state (root, id, &state, err);
  if (ret < 0)
    return ret;
  cleanup_free char *text = NULL;
  char *msg = NULL;
  ret = oci_state_generate (state, OCI_GEN_PRETTY | OCI_GEN_NEWLINE | OCI_GEN_STATE_PUBLIC, &text, NULL, &msg);
  oci_state_free (state);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  fputs (text, stdout);
  return 0;
}

int
cli_state (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  return cli_id_command (argc, argv, cli_state_usage, print_state, g, err);
}
