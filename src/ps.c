/* vessel ps: the processes of a container. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/utils.h"

const char cli_ps_usage[]
    = "Usage: vessel ps [--format table|json] ID [PS-OPTIONS...]\n"
      "\n"
      "Lists the processes of the container ID, with their host pids: as a\n"
      "table (pid, parent pid, user id, state, command line) or, with\n"
      "--format json, as a JSON array of pids (what containerd reads).\n"
      "With PS-OPTIONS after the id, ps(1) runs with them and vessel prints\n"
      "its header and the lines of the container's pids, as runc does.\n"
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

/* ps(1) with `args` (argv[0] included), its stdout and stderr together
   in *out. */
static int
run_ps (char **args, char **out, vessel_error **err)
{
  int status;
  int ret = vessel_spawn_output (args, out, &status, err);
  if (ret < 0)
    return ret;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return vessel_fail (err, EINVAL, "ps(1) failed (status %d): %s",
                        WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status), *out);
  return 0;
}

/* Field `index` of `line` (fields are separated by blanks), as a pid. */
static int
field_pid (const char *line, int index, pid_t *pid)
{
  const char *p = line + strspn (line, " \t");
  for (int i = 0; i < index && *p; i++)
    {
      p += strcspn (p, " \t");
      p += strspn (p, " \t");
    }
  char word[16];
  size_t n = strcspn (p, " \t");
  if (n == 0 || n >= sizeof word)
    return -EINVAL;
  memcpy (word, p, n);
  word[n] = '\0';
  int v;
  if (parse_int (word, &v) < 0)
    return -EINVAL;
  *pid = (pid_t) v;
  return 0;
}

/* The header of ps(1)'s output and its lines whose PID column is one of
   `pids`. */
static int
print_ps_lines (char *output, const pid_t *pids, size_t n, vessel_error **err)
{
  char *save = NULL, *header = strtok_r (output, "\n", &save);
  int pid_column = -1, column = 0;
  for (const char *p = header ? header + strspn (header, " \t") : ""; *p; p += strspn (p, " \t"), column++)
    {
      size_t len = strcspn (p, " \t");
      if (len == 3 && strncmp (p, "PID", 3) == 0)
        {
          pid_column = column;
          break;
        }
      p += len;
    }
  if (pid_column < 0)
    return vessel_fail (err, EINVAL, "ps(1)'s output has no PID column: %s", header ? header : "");
  puts (header);
  for (char *line = strtok_r (NULL, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      pid_t pid;
      if (field_pid (line, pid_column, &pid) < 0)
        return vessel_fail (err, EINVAL, "ps(1)'s line has no pid in its PID column: %s", line);
      for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
          {
            puts (line);
            break;
          }
    }
  return 0;
}

/* ps(1) ARGS... filtered to the container's pids, as runc shows them. */
static int
print_with_ps (char **ps_args, int n_args, const pid_t *pids, size_t n, vessel_error **err)
{
  cleanup_free char **args = xzalloc ((size_t) (n_args + 2) * sizeof (char *));
  args[0] = (char *) "ps";
  memcpy (args + 1, ps_args, (size_t) n_args * sizeof (char *));
  cleanup_free char *output = NULL;
  int ret = run_ps (args, &output, err);
  return ret < 0 ? ret : print_ps_lines (output, pids, n, err);
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
  pid_t *pids = NULL;
  size_t n = 0;
  int ret = vessel_container_pids (g->root, argv[optind], &pids, &n, err);
  if (ret < 0)
    return ret;
  if (json)
    print_json (pids, n);
  else if (optind + 1 < argc)
    ret = print_with_ps (argv + optind + 1, argc - optind - 1, pids, n, err);
  else
    {
      printf ("%-8s %-8s %-8s %-5s %s\n", "PID", "PPID", "UID", "STAT", "CMD");
      for (size_t i = 0; i < n; i++)
        print_row (pids[i]);
    }
  free (pids);
  return ret;
}
