/* vessel list: the containers under the state root. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/utils.h"

const char cli_list_usage[]
    = "Usage: vessel list [--format table|json] [--quiet]\n"
      "\n"
      "Lists the containers, sorted by id: id, pid, status, bundle, creation\n"
      "time, owner.\n"
      "\n"
      "Options:\n"
      "  -f, --format FORMAT   table (default) or json\n"
      "  -q, --quiet           print only the ids\n"
      "  -h, --help            print this help\n";

static void
free_states (struct oci_state **states, size_t n)
{
  for (size_t i = 0; i < n; i++)
    oci_state_free (states[i]);
  free (states);
}

static int
print_json (struct oci_state **states, size_t n, vessel_error **err)
{
  fputc ('[', stdout);
  for (size_t i = 0; i < n; i++)
    {
      cleanup_free char *text = NULL;
      char *msg = NULL;
      int ret = oci_state_generate (states[i], OCI_GEN_STATE_PUBLIC, &text, NULL, &msg);
      if (ret < 0)
        return vessel_fail_take (err, ret, msg);
      printf ("%s%s", i ? "," : "", text);
    }
  fputs ("]\n", stdout);
  return 0;
}

static void
print_table (struct oci_state **states, size_t n)
{
  int w = 2;
  for (size_t i = 0; i < n; i++)
    if ((int) strlen (states[i]->id) > w)
      w = (int) strlen (states[i]->id);
  printf ("%-*s   %-8s   %-8s   %-40s   %-30s   %s\n", w, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++)
    {
      const struct oci_state *s = states[i];
      printf ("%-*s   %-8lld   %-8s   %-40s   %-30s   %s\n", w, s->id, (long long) s->pid,
              oci_status_name (s->status), s->bundle, s->created ? s->created : "",
              s->owner && *s->owner ? s->owner : "-");
    }
}

int
cli_list (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool json = false, quiet = false;
  int c;
  while ((c = cli_getopt (argc, argv, "f:qh", opts, false, err)) != -1)
    switch (c)
      {
      case 'f':
        if (strcmp (optarg, "json") == 0)
          json = true;
        else if (strcmp (optarg, "table") != 0)
          return cli_usage_error (err, "list", "unknown format `%s` (table or json)", optarg);
        break;
      case 'q':
        quiet = true;
        break;
      case 'h':
        return cli_print_usage (cli_list_usage);
      default:
        return -EINVAL;
      }
  if (optind != argc)
    return cli_usage_error (err, "list", "takes no arguments");

  struct oci_state **states = NULL;
  size_t n = 0;
  int ret = vessel_container_list (g->root, &states, &n, err);
  if (ret < 0)
    return ret;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      puts (states[i]->id);
  else if (json)
    ret = print_json (states, n, err);
  else
    print_table (states, n);
  free_states (states, n);
  return ret;
}
