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
        return cli_print_usage (cli_start_usage);
      default:
        return -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  return vessel_container_start (g->root, id, err);
}
