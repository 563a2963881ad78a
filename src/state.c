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

int
cli_state (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c, ret;
  const char *id;
  while ((c = cli_getopt (argc, argv, "h", opts, false, err)) != -1)
    switch (c)
      {
      case 'h':
        return cli_print_usage (cli_state_usage);
      default:
        return -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  struct oci_state *state = NULL;
  if ((ret = vessel_container_state (g->root, id, &state, err)) < 0)
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
