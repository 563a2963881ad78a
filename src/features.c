/* vessel features: the runtime-spec features document. */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "libvessel/features.h"
#include "libvessel/utils.h"

const char cli_features_usage[]
    = "Usage: vessel features\n"
      "\n"
      "Prints the features document (runtime-spec features.md): the spec versions,\n"
      "hooks, mount options, namespaces, capabilities, cgroup drivers and security\n"
      "features this build supports.\n"
      "\n"
      "Options:\n"
      "  -h, --help   print this help\n";

int
cli_features (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  (void) g;
  static const struct option opts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;
  while ((c = cli_getopt (argc, argv, "h", opts, false, err)) != -1)
    switch (c)
      {
      case 'h':
        return cli_print_usage (cli_features_usage);
      default:
        return -EINVAL;
      }
  if (optind != argc)
    return cli_usage_error (err, "features", "takes no arguments");

  struct oci_features *f = NULL;
  int ret = vessel_features_build (&f, err);
  if (ret < 0)
    return ret;
  cleanup_free char *text = NULL;
  char *msg = NULL;
  ret = oci_features_generate (f, OCI_GEN_PRETTY | OCI_GEN_NEWLINE, &text, NULL, &msg);
  oci_features_free (f);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  fputs (text, stdout);
  return 0;
}
