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

enum
{
  OPT_PID_FILE = 1000,
  OPT_CONSOLE_SOCKET,
  OPT_PRESERVE_FDS,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
};

int
cli_create (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "pid-file", required_argument, NULL, OPT_PID_FILE },
    { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
    { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
    { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
    { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct vessel_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup,
                                  .listen_fds = cli_listen_fds () };
  int c, ret;
  while ((c = cli_getopt (argc, argv, "b:h", opts, false, err)) != -1)
    switch (c)
      {
      case 'b':
        o.bundle = optarg;
        break;
      case OPT_PID_FILE:
        o.pid_file = optarg;
        break;
      case OPT_CONSOLE_SOCKET:
        o.console_socket = optarg;
        break;
      case OPT_PRESERVE_FDS:
        if ((ret = cli_parse_preserve_fds (optarg, &o.preserve_fds, err)) < 0)
          return ret;
        break;
      case OPT_NO_PIVOT:
        o.no_pivot = true;
        break;
      case OPT_NO_NEW_KEYRING:
        o.no_new_keyring = true;
        break;
      case 'h':
        return cli_print_usage (cli_create_usage);
      default:
        return -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &o.id, err)) < 0)
    return ret;
  return vessel_container_create (&o, err);
}
