/* vessel ps: the processes of a container. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/utils.h"

const char cli_ps_usage[]
    = "Usage: vessel ps [--format table|json] ID\n"
      "\n"
      "Lists the processes of the container ID, with their host pids: as a\n"
      "table (pid, parent pid, user id, state, command line) or, with\n"
      "--format json, as a JSON array of pids (what containerd reads).\n"
      "vessel reads /proc itself and does not run ps(1), so ps options\n"
      "after the id are refused.\n"
      "\n"
      "Options:\n"
      "  -f, --format FORMAT   table (default) or json\n"
      "  -h, --help            print this help\n";

static void
print_json (const pid_t *pids, size_t n)
{
  fputc ('[', stdout);
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int) pids[i]);
  fputs ("]\n", stdout);
}

/* One table row from /proc/<pid>: a process gone meanwhile is left out. */
static void
print_row (pid_t pid)
{
  char path[64];
  snprintf (path, sizeof path, "/proc/%d", (int) pid);
  cleanup_close int dfd = open (path, O_DIRECTORY | O_PATH | O_CLOEXEC);
  cleanup_free char *stat = NULL, *status = NULL, *cmdline = NULL;
  size_t len = 0;
  if (dfd < 0 || read_file_at (dfd, "stat", &stat, NULL, NULL) < 0
      || read_file_at (dfd, "status", &status, NULL, NULL) < 0
      || read_file_at (dfd, "cmdline", &cmdline, &len, NULL) < 0)
    return;
  /* stat: "pid (comm) S ppid ...", comm may hold anything, even ")" */
  char *close_paren = strrchr (stat, ')'), state = '?';
  int ppid = 0;
  if (close_paren == NULL || sscanf (close_paren + 1, " %c %d", &state, &ppid) != 2)
    return;
  const char *uid_line = strstr (status, "\nUid:");
  unsigned uid = 0;
  if (uid_line)
    sscanf (uid_line + 5, "%u", &uid);
  for (size_t i = 0; i + 1 < len; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  if (len == 0)
    {
      /* a kernel thread or a zombie: its name, in brackets, as ps shows it */
      char *open_paren = strchr (stat, '(');
      *close_paren = '\0';
      free (cmdline);
      cmdline = xasprintf ("[%s]", open_paren ? open_paren + 1 : "?");
    }
  printf ("%-8d %-8d %-8u %-5c %s\n", (int) pid, ppid, uid, state, cmdline);
}

int
cli_ps (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool json = false;
  int c;
  while ((c = cli_getopt (argc, argv, "f:h", opts, true, err)) != -1)
    switch (c)
      {
      case 'f':
        if (strcmp (optarg, "json") == 0)
          json = true;
        else if (strcmp (optarg, "table") != 0)
          return cli_usage_error (err, "ps", "--format: `%s` is neither table nor json", optarg);
        break;
      case 'h':
        return cli_print_usage (cli_ps_usage);
      default:
        return -EINVAL;
      }
  if (optind >= argc)
    return cli_usage_error (err, "ps", "the container id is missing");
  if (optind + 1 < argc)
    return cli_usage_error (err, "ps", "ps options (`%s`) are not supported: vessel does not run ps(1)",
                            argv[optind + 1]);
  pid_t *pids = NULL;
  size_t n = 0;
  int ret = vessel_container_pids (g->root, argv[optind], &pids, &n, err);
  if (ret < 0)
    return ret;
  if (json)
    print_json (pids, n);
  else
    {
      printf ("%-8s %-8s %-8s %-5s %s\n", "PID", "PPID", "UID", "STAT", "CMD");
      for (size_t i = 0; i < n; i++)
        print_row (pids[i]);
    }
  free (pids);
  return 0;
}
