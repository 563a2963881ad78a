/* vessel pause: freeze every process of a container. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_pause_usage[]
    = "Usage: vessel pause ID\n"
      "\n"
      "Suspends every process of the container ID (the cgroup freezer); its\n"
      "status becomes paused until `vessel resume ID`.\n"
      "\n"
      "Options:\n"
      "  -h, --help   print this help\n";

int
cli_pause (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  return cli_id_command (argc, argv, cli_pause_usage, vessel_container_pause, g, err);
}
