/* vessel run: create and start a container; in the foreground, wait for it. */
#include <config.h>

#include "cli.h"
#include "libvessel/container.h"

const char cli_run_usage[]
    = "Usage: vessel run [OPTIONS] ID\n"
      "\n"
      "Creates and starts the container ID.  In the foreground, vessel forwards\n"
      "signals to the container's process, waits for it, deletes the container and\n"
      "exits with the process's exit status (128 + N when killed by signal N).\n"
      "\n"
      "Options:\n"
      "  -b, --bundle DIR          the bundle (default: the current directory)\n"
      "  -d, --detach              return once the process runs\n"
      "  --keep                    do not delete the container when it exits\n"
      "  --pid-file FILE           write the init's pid to FILE\n"
      "  --console-socket SOCKET   send the terminal's master fd to SOCKET\n"
      "  --preserve-fds N          pass N more fds (from 3) to the process\n"
      "  --no-pivot                chroot instead of pivot_root (weaker)\n"
      "  --no-new-keyring          keep the caller's session keyring\n"
      "  --no-subreaper            accepted for compatibility\n"
      "  -h, --help                print this help\n";

enum
{
  OPT_KEEP = CLI_OPT_CREATE_END,
  OPT_NO_SUBREAPER,
};

int
cli_run (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    CLI_CREATE_OPTIONS,
    { "detach", no_argument, NULL, 'd' },
    { "keep", no_argument, NULL, OPT_KEEP },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct vessel_create_opts o = { .root = g->root, .systemd_cgroup = g->systemd_cgroup,
                                  .listen_fds = cli_listen_fds () };
  struct vessel_run_opts r = { 0 };
  int c, ret;
  while ((c = cli_getopt (argc, argv, "b:dh", opts, false, err)) != -1)
    switch (c)
      {
      case 'd':
        r.detach = true;
        break;
      case OPT_KEEP:
        r.keep = true;
        break;
      case OPT_NO_SUBREAPER:
        break;
      case 'h':
        return cli_print_usage (cli_run_usage);
      default:
        if ((ret = cli_create_option (c, &o, err)) != 0)
          return ret < 0 ? ret : -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &o.id, err)) < 0)
    return ret;
  if (r.detach && r.keep)
    return cli_usage_error (err, "run", "--keep makes no sense with --detach");
  int status = 0;
  ret = vessel_container_run (&o, &r, &status, err);
  return ret < 0 ? ret : status;
}
