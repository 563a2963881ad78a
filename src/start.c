/* vessel start: make a created container's init exec its process. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_start_usage[]
    = "Usage: vessel start ID\n"
      "\n"
      "Runs the process of the created container ID; returns once it has been\n"
      "executed, or with the reason it could not be.\n"
      "\n"
      "Options:\n"
      "  -h, --help   print this help\n";

int
cli_start (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  return cli_id_command (argc, argv, cli_start_usage, vessel_container_start, g, err);
}
