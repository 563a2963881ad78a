/* vessel spec: write a default config.json into a bundle. */
#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "libvessel/default_spec.h"
#include "libvessel/utils.h"

const char cli_spec_usage[]
    = "Usage: vessel spec [--bundle DIR] [--rootless]\n"
      "\n"
      "Writes a default config.json into the bundle directory: a busybox-friendly\n"
      "`sh` on a terminal, the standard mounts, masked and read-only paths and a\n"
      "minimal set of capabilities.  An existing config.json is not overwritten.\n"
      "\n"
      "Options:\n"
      "  -b, --bundle DIR   the bundle directory (default: the current directory)\n"
      "  --rootless         a config an unprivileged user can run as is\n"
      "  -h, --help         print this help\n";

int
cli_spec (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  (void) g;
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, 'r' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *bundle = ".";
  bool rootless = false;
  int c;
  while ((c = cli_getopt (argc, argv, "b:h", opts, false, err)) != -1)
    switch (c)
      {
      case 'b':
        bundle = optarg;
        break;
      case 'r':
        rootless = true;
        break;
      case 'h':
        return cli_print_usage (cli_spec_usage);
      default:
        return -EINVAL;
      }
  if (optind != argc)
    return cli_usage_error (err, "spec", "takes no arguments");

  struct oci_config *config = NULL;
  int ret = vessel_default_spec (rootless, geteuid (), getegid (), &config, err);
  if (ret < 0)
    return ret;
  cleanup_free char *text = NULL;
  size_t len = 0;
  char *msg = NULL;
  ret = oci_config_generate (config, OCI_GEN_PRETTY | OCI_GEN_NEWLINE, &text, &len, &msg);
  oci_config_free (config);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);

  cleanup_close int dirfd = open (bundle, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dirfd < 0)
    return vessel_fail_errno (err, errno, "open bundle `%s`", bundle);
  cleanup_close int fd = openat (dirfd, "config.json",
                                 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0 && errno == EEXIST)
    return vessel_fail (err, EEXIST, "`%s/config.json` exists: remove it first", bundle);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "create `%s/config.json`", bundle);
  ret = write_all (fd, text, len);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "write `%s/config.json`", bundle);
  return 0;
}
