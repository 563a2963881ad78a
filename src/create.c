/* vessel create: set up a container and leave its init waiting for start. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_create_usage[]
    = "Usage: vessel create [OPTIONS] ID\n"
      "\n"
      "Creates the container ID from a bundle: namespaces, cgroups, mounts and the\n"
      "init process, which then waits for `vessel start ID`.\n"
      "\n"
      "Options:\n"
      "  -b, --bundle DIR          the bundle (default: the current directory)\n"
      "  --pid-file FILE           write the init's pid to FILE\n"
      "  --console-socket SOCKET   send the terminal's master fd to SOCKET\n"
      "  --preserve-fds N          pass N more fds (from 3) to the process\n"
      "  --no-pivot                chroot instead of pivot_root (weaker)\n"
      "  --no-new-keyring          keep the caller's session keyring\n"
      "  -h, --help                print this help\n";

int
cli_create (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    CLI_CREATE_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct vessel_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup,
                                  .listen_fds = cli_listen_fds () };
  int c, ret;
  while ((c = cli_getopt (argc, argv, "b:h", opts, false, err)) != -1)
    {
      if (c == 'h')
        return cli_print_usage (cli_create_usage);
      if ((ret = cli_create_option (c, &o, err)) != 0)
        return ret < 0 ? ret : -EINVAL;
    }
  if ((ret = cli_container_id (argc, argv, &o.id, err)) < 0)
    return ret;
  return vessel_container_create (&o, err);
}
