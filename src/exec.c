/* vessel exec: run one more process in a container. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "libvessel/exec.h"
#include "libvessel/utils.h"

const char cli_exec_usage[]
    = "Usage: vessel exec [OPTIONS] ID COMMAND [ARG...]\n"
      "       vessel exec [OPTIONS] --process FILE ID\n"
      "\n"
      "Runs COMMAND in the container ID, in all its namespaces and its cgroup, as\n"
      "config.json's process would run with the changes the options make.  In the\n"
      "foreground, vessel forwards signals to it, waits for it and exits with its\n"
      "exit status (128 + N when killed by signal N).\n"
      "\n"
      "Options:\n"
      "  -p, --process FILE         the whole process (config.json's process object);\n"
      "                             the options down to --process-label are then ignored\n"
      "  -t, --tty                  allocate a terminal\n"
      "  --cwd DIR                  the working directory in the container\n"
      "  -e, --env NAME=VALUE       add to the environment (repeatable)\n"
      "  -u, --user UID[:GID]       run as UID (and GID)\n"
      "  -g, --additional-gids GID  add a supplementary group (repeatable)\n"
      "  -c, --cap CAP              add a capability (repeatable)\n"
      "  --no-new-privs             set no_new_privs\n"
      "  --apparmor PROFILE         the AppArmor profile\n"
      "  --process-label LABEL      the SELinux label\n"
      "  -d, --detach               return once the process runs\n"
      "  --pid-file FILE            write the process's pid to FILE\n"
      "  --console-socket SOCKET    send the terminal's master fd to SOCKET\n"
      "  --preserve-fds N           pass N more fds (from 3) to the process\n"
      "  --cgroup [CTRL[,CTRL]:]SUB  join this existing sub-cgroup (repeatable)\n"
      "  --ignore-paused            exec even if the container is paused\n"
      "  --no-subreaper             accepted for compatibility\n"
      "  -h, --help                 print this help\n";

enum
{
  OPT_CWD = CLI_OPT_CREATE_END,
  OPT_NO_NEW_PRIVS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_IGNORE_PAUSED,
  OPT_CGROUP,
  OPT_NO_SUBREAPER,
};

/* The repeatable options, collected in order. */
struct lists
{
  char **env, **caps, **cgroups;
  size_t env_len, caps_len, cgroups_len;
  uint32_t *gids;
  size_t gids_len;
};

static void
push (char ***v, size_t *n, char *s)
{
  *v = xrealloc (*v, (*n + 1) * sizeof (char *));
  (*v)[(*n)++] = s;
}

static int
parse_id (const char *s, uint32_t *out)
{
  uint64_t v;
  if (parse_uint64 (s, &v) < 0 || v > UINT32_MAX - 1)
    return -EINVAL;
  *out = (uint32_t) v;
  return 0;
}

/* UID[:GID], numbers only (names would need the container's passwd). */
static int
parse_user (const char *s, struct vessel_exec_opts *o, vessel_error **err)
{
  cleanup_free char *copy = xstrdup (s);
  char *colon = strchr (copy, ':');
  if (colon)
    *colon = '\0';
  if (parse_id (copy, &o->uid) < 0 || (colon && parse_id (colon + 1, &o->gid) < 0))
    return cli_usage_error (err, "exec", "--user `%s`: give UID or UID:GID, as numbers", s);
  o->has_uid = true;
  o->has_gid = colon != NULL;
  return 0;
}

static int
exec_option (int c, struct vessel_exec_opts *o, struct lists *l, vessel_error **err)
{
  uint32_t gid;
  switch (c)
    {
    case 'p':
      o->process_file = optarg;
      return 0;
    case 't':
      o->tty = true;
      return 0;
    case OPT_CWD:
      o->cwd = optarg;
      return 0;
    case 'e':
      if (strchr (optarg, '=') == NULL)
        return cli_usage_error (err, "exec", "--env `%s`: give NAME=VALUE", optarg);
      push (&l->env, &l->env_len, optarg);
      return 0;
    case 'u':
      return parse_user (optarg, o, err);
    case 'g':
      if (parse_id (optarg, &gid) < 0)
        return cli_usage_error (err, "exec", "--additional-gids `%s`: not a group id", optarg);
      l->gids = xrealloc (l->gids, (l->gids_len + 1) * sizeof (uint32_t));
      l->gids[l->gids_len++] = gid;
      return 0;
    case 'c':
      push (&l->caps, &l->caps_len, optarg);
      return 0;
    case OPT_NO_NEW_PRIVS:
      o->no_new_privs = true;
      return 0;
    case OPT_APPARMOR:
      o->apparmor = optarg;
      return 0;
    case OPT_PROCESS_LABEL:
      o->process_label = optarg;
      return 0;
    case 'd':
      o->detach = true;
      return 0;
    case OPT_CGROUP:
      push (&l->cgroups, &l->cgroups_len, optarg);
      return 0;
    case OPT_IGNORE_PAUSED:
      o->ignore_paused = true;
      return 0;
    case OPT_NO_SUBREAPER:
      return 0;
    default:
      if (c == CLI_OPT_ERROR)
        return c;
      int ret = cli_process_option (c, &o->pid_file, &o->console_socket, &o->preserve_fds, err);
      return ret == 1 ? -EINVAL : ret;
    }
}

static void
lists_free (struct lists *l)
{
  free (l->env);
  free (l->caps);
  free (l->cgroups);
  free (l->gids);
}

int
cli_exec (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "process", required_argument, NULL, 'p' },
    { "tty", no_argument, NULL, 't' },
    { "cwd", required_argument, NULL, OPT_CWD },
    { "env", required_argument, NULL, 'e' },
    { "user", required_argument, NULL, 'u' },
    { "additional-gids", required_argument, NULL, 'g' },
    { "cap", required_argument, NULL, 'c' },
    { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
    { "apparmor", required_argument, NULL, OPT_APPARMOR },
    { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
    { "detach", no_argument, NULL, 'd' },
    CLI_PROCESS_OPTIONS,
    { "cgroup", required_argument, NULL, OPT_CGROUP },
    { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
    { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct vessel_exec_opts o = { .root = g->root, .listen_fds = cli_listen_fds () };
  struct lists l = { 0 };
  int c, ret = 0;
  /* In order: the command line after the id is the process's own. */
  while (ret == 0 && (c = cli_getopt (argc, argv, "p:te:u:g:c:dh", opts, true, err)) != -1)
    {
      if (c == 'h')
        {
          lists_free (&l);
          return cli_print_usage (cli_exec_usage);
        }
      ret = exec_option (c, &o, &l, err);
    }
  if (ret == 0 && optind >= argc)
    ret = cli_usage_error (err, "exec", "the container id is missing");
  if (ret == 0)
    {
      o.id = argv[optind];
      o.args = argv + optind + 1;
      o.args_len = (size_t) (argc - optind - 1);
      if (o.args_len > 0 && strcmp (o.args[0], "--") == 0)
        {
          o.args++;
          o.args_len--;
        }
      if (o.process_file && o.args_len > 0)
        ret = cli_usage_error (err, "exec", "give either --process or a command, not both");
    }
  if (ret == 0)
    {
      o.env = l.env;
      o.env_len = l.env_len;
      o.caps = l.caps;
      o.caps_len = l.caps_len;
      o.cgroups = l.cgroups;
      o.cgroups_len = l.cgroups_len;
      o.additional_gids = l.gids;
      o.additional_gids_len = l.gids_len;
      /* As runc: 1 for a bad command line, 255 when vessel fails past it,
         so that no process's own status can be taken for vessel's. */
      g->failure_status = 255;
      int status = 0;
      ret = vessel_container_exec (&o, &status, err);
      if (ret == 0)
        ret = status;
    }
  lists_free (&l);
  return ret;
}
