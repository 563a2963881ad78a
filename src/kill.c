/* vessel kill: send a signal to a container. */
#include <config.h>

#include <signal.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/signals.h"

const char cli_kill_usage[]
    = "Usage: vessel kill [--all] ID [SIGNAL]\n"
      "\n"
      "Sends SIGNAL (default SIGTERM; 0 only checks) to the init process of the\n"
      "container ID.\n"
      "SIGNAL is a number or a name, with or without SIG: 9, KILL, SIGKILL.\n"
      "\n"
      "Options:\n"
      "  -a, --all    signal every process of the container\n"
      "  -h, --help   print this help\n";

int
cli_kill (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool all = false;
  int c;
  while ((c = cli_getopt (argc, argv, "ah", opts, false, err)) != -1)
    switch (c)
      {
      case 'a':
        all = true;
        break;
      case 'h':
        return cli_print_usage (cli_kill_usage);
      default:
        return -EINVAL;
      }
  int left = argc - optind;
  if (left < 1)
    return cli_usage_error (err, "kill", "the container id is missing");
  if (left > 2)
    return cli_usage_error (err, "kill", "takes a container id and a signal, got %d arguments", left);
  const char *id = argv[optind];
  int signo = SIGTERM;
  if (left == 2 && (signo = vessel_signal_parse (argv[optind + 1])) < 0)
    return vessel_fail (err, EINVAL, "kill: unknown signal `%s`", argv[optind + 1]);
  return vessel_container_kill (g->root, id, signo, all, err);
}
