/* vessel delete: remove a container, its cgroups and its state. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_delete_usage[]
    = "Usage: vessel delete [--force] ID\n"
      "\n"
      "Deletes the stopped container ID: its cgroups and its state.  A container\n"
      "that is not stopped is refused unless --force, which kills it; --force on\n"
      "a container that does not exist succeeds, as with runc.\n"
      "\n"
      "Options:\n"
      "  -f, --force  kill the container first if it still runs\n"
      "  -h, --help   print this help\n";

int
cli_delete (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool force = false;
  int c, ret;
  const char *id;
  while ((c = cli_getopt (argc, argv, "fh", opts, false, err)) != -1)
    switch (c)
      {
      case 'f':
        force = true;
        break;
      case 'h':
        return cli_print_usage (cli_delete_usage);
      default:
        return -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  return vessel_container_delete (g->root, id, force, err);
}
