/* vessel: an OCI container runtime.  Global options, then one command. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/exe_seal.h"
#include "libvessel/features.h"
#include "libvessel/log.h"
#include "libvessel/state.h"
#include "libvessel/utils.h"
#include "vessel-commit.h"

#define DEFAULT_ROOT "/run/vessel"

#define COMMAND_ENTRY(n, summary, starts_process, keeps_state) { #n, summary, cli_##n, starts_process, keeps_state },
static const struct cli_command commands[] = { CLI_COMMANDS (COMMAND_ENTRY) };
#undef COMMAND_ENTRY

static const char global_usage[]
    = "Usage: vessel [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
      "\n"
      "An OCI container runtime (runtime-spec " OCI_SPEC_VERSION ").\n"
      "\n"
      "Global options:\n"
      "  --root DIR           state directory (default " DEFAULT_ROOT ", or\n"
      "                       $XDG_RUNTIME_DIR/vessel when not run as root)\n"
      "  --log FILE           write log messages to FILE\n"
      "  --log-format FORMAT  text (default) or json\n"
      "  --debug              log debug messages\n"
      "  --systemd-cgroup     use the systemd cgroup driver (not supported yet)\n"
      "  --rootless VALUE     true, false or auto (accepted for compatibility)\n"
      "  -h, --help           print this help\n"
      "  -v, --version        print the version\n"
      "\n"
      "Commands:\n";

/* ---- logging -------------------------------------------------------------- */

struct log_target
{
  int fd;    /* where log lines go: the --log file or stderr */
  bool json;
  bool to_stderr; /* fd is stderr: errors are printed once, as log lines */
};

static struct log_target log_target = { STDERR_FILENO, false, true };

static void
json_escape (FILE *out, const char *s)
{
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (out, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", out);
      else if (c == '\t')
        fputs ("\\t", out);
      else if (c < 0x20)
        fprintf (out, "\\u%04x", c);
      else
        fputc (c, out);
    }
}

/* RFC 3339 with nanoseconds, as runc's logger stamps its lines. */
static void
format_time (char *buf, size_t size)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  vessel_rfc3339_format (buf, size, &ts);
}

/* A log line as runc's logger writes it: JSON, or logfmt-like text. */
static void
log_line (struct log_target *t, enum vessel_log_level level, const char *msg)
{
  char *line = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&line, &size);
  if (out == NULL)
    return;
  char when[64];
  format_time (when, sizeof when);
  if (t->json)
    {
      fprintf (out, "{\"level\":\"%s\",\"msg\":\"", vessel_log_level_name (level));
      json_escape (out, msg);
      fprintf (out, "\",\"time\":\"%s\"}\n", when);
    }
  else
    {
      fprintf (out, "time=\"%s\" level=%s msg=\"", when, vessel_log_level_name (level));
      json_escape (out, msg);
      fputs ("\"\n", out);
    }
  /* One write per line: concurrent vessel processes share log files. */
  if (fclose (out) == 0 && write_all (t->fd, line, size) < 0)
    {
      /* nowhere left to report a failing log */
    }
  free (line);
}

static void
log_sink (enum vessel_log_level level, const char *msg, void *data)
{
  struct log_target *t = data;
  if (t->to_stderr && !t->json)
    {
      if (level == VESSEL_LOG_ERROR)
        fprintf (stderr, "vessel: %s\n", msg);
      else
        fprintf (stderr, "vessel: %s: %s\n", vessel_log_level_name (level), msg);
    }
  else
    log_line (t, level, msg);
}

void
cli_warn (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  log_sink (VESSEL_LOG_WARNING, msg, &log_target);
  free (msg);
}

/* The error that ends the program: in the log, and on stderr unless the
   log is stderr already (then once). */
static void
report_error (const char *msg)
{
  log_sink (VESSEL_LOG_ERROR, msg, &log_target);
  if (!log_target.to_stderr)
    fprintf (stderr, "vessel: %s\n", msg);
}

static int
setup_logging (struct cli_globals *g, vessel_error **err)
{
  if (g->log_path && *g->log_path)
    {
      int fd = open (g->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
      if (fd < 0)
        return vessel_fail_errno (err, errno, "open log file `%s`", g->log_path);
      log_target.fd = fd;
      log_target.to_stderr = false;
    }
  log_target.json = g->log_json;
  vessel_log_set_sink (log_sink, &log_target,
                       g->debug ? VESSEL_LOG_DEBUG : VESSEL_LOG_WARNING);
  return 0;
}

/* ---- options -------------------------------------------------------------- */

static bool usage_hint; /* the error is a usage error: point to --help */

int
cli_usage_error (vessel_error **err, const char *command, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  usage_hint = true;
  if (command)
    return vessel_fail (err, EINVAL, "%s: %s", command, msg);
  return vessel_fail (err, EINVAL, "%s", msg);
}

int
cli_getopt (int argc, char **argv, const char *shortopts,
            const struct option *longopts, bool in_order, vessel_error **err)
{
  char spec[64];
  /* '+' stops at the first non-option; ':' reports a missing value as ':'. */
  snprintf (spec, sizeof spec, "%s:%s", in_order ? "+" : "", shortopts);
  opterr = 0;
  int c = getopt_long_only (argc, argv, spec, longopts, NULL);
  if (c == '?' || c == ':')
    {
      /* The offending word: argv[optind - 1] for long options and for
         a value that is missing; a short option inside a cluster is
         named by optopt. */
      const char *bad = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
      char shortbuf[3] = { '-', (char) optopt, '\0' };
      if (bad == NULL || bad[0] != '-')
        bad = optopt > 0 && optopt < 128 ? shortbuf : "?";
      /* argv[0] is the command's name, or "vessel" for the globals. */
      const char *command = strcmp (argv[0], "vessel") == 0 ? NULL : argv[0];
      if (c == ':')
        cli_usage_error (err, command, "option `%s` needs a value", bad);
      else
        cli_usage_error (err, command, "unknown option `%s`", bad);
      return CLI_OPT_ERROR;
    }
  return c;
}

int
cli_print_usage (const char *usage)
{
  fputs (usage, stdout);
  return 0;
}

int
cli_container_id (int argc, char **argv, const char **id, vessel_error **err)
{
  if (optind >= argc)
    return cli_usage_error (err, argv[0], "the container id is missing");
  if (optind + 1 != argc)
    return cli_usage_error (err, argv[0], "takes one container id, got %d arguments", argc - optind);
  *id = argv[optind];
  return 0;
}

int
cli_id_command (int argc, char **argv, const char *usage, int (*fn) (const char *root, const char *id, vessel_error **err),
                const struct cli_globals *g, vessel_error **err)
{
  static const struct option opts[] = {
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c, ret;
  const char *id;
  while ((c = cli_getopt (argc, argv, "h", opts, false, err)) != -1)
    switch (c)
      {
      case 'h':
        return cli_print_usage (usage);
      default:
        return -EINVAL;
      }
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  return fn (g->root, id, err);
}

int
cli_create_option (int c, struct vessel_create_opts *o, vessel_error **err)
{
  switch (c)
    {
    case 'b':
      o->bundle = optarg;
      return 0;
    case CLI_OPT_NO_PIVOT:
      o->no_pivot = true;
      return 0;
    case CLI_OPT_NO_NEW_KEYRING:
      o->no_new_keyring = true;
      return 0;
    default:
      return cli_process_option (c, &o->pid_file, &o->console_socket, &o->preserve_fds, err);
    }
}

int
cli_process_option (int c, const char **pid_file, const char **console_socket, int *preserve_fds,
                    vessel_error **err)
{
  switch (c)
    {
    case CLI_OPT_PID_FILE:
      *pid_file = optarg;
      return 0;
    case CLI_OPT_CONSOLE_SOCKET:
      *console_socket = optarg;
      return 0;
    case CLI_OPT_PRESERVE_FDS:
      return cli_parse_preserve_fds (optarg, preserve_fds, err);
    default:
      return 1;
    }
}

/* The first fd from 3 up that was not open when vessel started. */
static int inherited_end = 3;

int
cli_parse_preserve_fds (const char *value, int *out, vessel_error **err)
{
  if (parse_int (value, out) < 0 || *out < 0 || *out > 65536)
    return cli_usage_error (err, NULL, "--preserve-fds: `%s` is not a number of descriptors", value);
  /* A gap would be filled by one of vessel's own fds, which the process
     would then get. */
  int end = 3 + cli_listen_fds () + *out;
  if (end > inherited_end)
    return vessel_fail (err, EBADF, "--preserve-fds %d: fd %d is not open", *out, inherited_end);
  return 0;
}

int
cli_listen_fds (void)
{
  /* Only when the variables are meant for us: LISTEN_PID is our pid. */
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  int n, p;
  if (fds == NULL || pid == NULL || parse_int (fds, &n) < 0 || parse_int (pid, &p) < 0
      || p != getpid () || n <= 0 || n > 65536)
    return 0;
  return n;
}

static void
print_usage (FILE *out)
{
  fputs (global_usage, out);
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs ("\nRun 'vessel COMMAND --help' for the options of a command.\n", out);
}

static void
print_version (void)
{
  cleanup_free char *features = vessel_compiled_features ();
  printf ("vessel version %s\n"
          "commit: %s\n"
          "spec: %s\n"
          "features: %s\n",
          PACKAGE_VERSION, VESSEL_COMMIT, OCI_SPEC_VERSION, features);
}

enum
{
  OPT_ROOT = 1000,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ROOTLESS,
  OPT_CRIU,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "rootless", optional_argument, NULL, OPT_ROOTLESS },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'v' },
  { NULL, 0, NULL, 0 },
};

/* Returns the index of the command in argv, 0 to exit with *status, or a
   negative error. */
static int
parse_globals (int argc, char **argv, struct cli_globals *g, int *status,
               vessel_error **err)
{
  int c;
  while ((c = cli_getopt (argc, argv, "hv", global_options, true, err)) != -1)
    switch (c)
      {
      case OPT_ROOT:
        g->root = optarg;
        break;
      case OPT_LOG:
        g->log_path = optarg;
        break;
      case OPT_LOG_FORMAT:
        if (strcmp (optarg, "json") == 0)
          g->log_json = true;
        else if (strcmp (optarg, "text") == 0)
          g->log_json = false;
        else
          return vessel_fail (err, EINVAL, "unknown log format `%s` (text or json)", optarg);
        break;
      case OPT_DEBUG:
        g->debug = true;
        break;
      case OPT_SYSTEMD_CGROUP:
        g->systemd_cgroup = true;
        break;
      case OPT_ROOTLESS:
        /* runc takes a value: `--rootless=true` or `--rootless true`. */
        if (optarg)
          g->rootless = optarg;
        else if (optind < argc
                 && (strcmp (argv[optind], "true") == 0 || strcmp (argv[optind], "false") == 0
                     || strcmp (argv[optind], "auto") == 0))
          g->rootless = argv[optind++];
        else
          g->rootless = "true";
        break;
      case OPT_CRIU:
        break; /* accepted for compatibility; checkpointing is not supported */
      case 'h':
        print_usage (stdout);
        *status = 0;
        return 0;
      case 'v':
        print_version ();
        *status = 0;
        return 0;
      default:
        return -EINVAL; /* CLI_OPT_ERROR: *err is set */
      }
  if (optind >= argc)
    {
      print_usage (stderr);
      *status = 1;
      return 0;
    }
  return optind;
}

static const struct cli_command *
find_command (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Where the state lives without --root, as with runc: root's containers
   under /run/vessel, another user's under $XDG_RUNTIME_DIR/vessel (a
   directory of their own; /run/vessel is root's).  A command that keeps
   no state needs none. */
static int
default_root (struct cli_globals *g, const struct cli_command *cmd, char **owned, vessel_error **err)
{
  if (g->root != NULL)
    return 0;
  uid_t uid = geteuid ();
  const char *xdg = getenv ("XDG_RUNTIME_DIR"), *user = getenv ("USER");
  /* As runc: root of a user namespace other than the host's (a rootless
     podman's) cannot write the host's /run either, and keeps its state in
     the XDG_RUNTIME_DIR it was given, unless USER says it is root. */
  bool userns_root = uid == 0 && xdg && (user == NULL || strcmp (user, "root") != 0) && vessel_in_user_namespace ();
  if ((uid == 0 && !userns_root) || !cmd->keeps_state)
    {
      g->root = DEFAULT_ROOT;
      return 0;
    }
  if (xdg == NULL || xdg[0] != '/')
    return vessel_fail (err, EINVAL,
                        "running as uid %u, and " DEFAULT_ROOT " is root's: XDG_RUNTIME_DIR is %s; "
                        "set it to a directory of yours, or pass --root DIR",
                        (unsigned) uid, xdg ? "not an absolute path" : "not set");
  struct stat st;
  if (stat (xdg, &st) < 0)
    return vessel_fail_errno (err, errno, "XDG_RUNTIME_DIR `%s`", xdg);
  if (!S_ISDIR (st.st_mode) || st.st_uid != uid)
    return vessel_fail (err, EPERM, "XDG_RUNTIME_DIR `%s` is not a directory of uid %u: pass --root DIR", xdg,
                        (unsigned) uid);
  g->root = *owned = xasprintf ("%s/vessel", xdg);
  return 0;
}

/* A caller may start us with stdin, stdout or stderr closed: the first
   fds we open would then take their numbers, and a message meant for
   stderr, or the container's stdio, would land in a socket or a state
   file.  Closed ones become /dev/null. */
static void
ensure_stdio (void)
{
  for (int fd = 0; fd < 3; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int null = open ("/dev/null", O_RDWR); /* the lowest free fd: this one */
        if (null >= 0 && null != fd)
          close (null);
      }
  /* The fds from 3 that the caller gave us, before vessel opens any of
     its own: --preserve-fds may pass on these and nothing else. */
  while (inherited_end < 3 + 65536 * 2 && fcntl (inherited_end, F_GETFD) >= 0)
    inherited_end++;
}

int
main (int argc, char **argv)
{
  ensure_stdio ();
  struct cli_globals g = { .root = NULL, .failure_status = 1 };
  cleanup_free char *root = NULL; /* the default, when not --root */
  cleanup_error vessel_error *err = NULL;
  int status = 1;

  char *program = argv[0];
  argv[0] = (char *) "vessel"; /* how messages name the program */
  int cmd_index = parse_globals (argc, argv, &g, &status, &err);
  if (cmd_index < 0)
    {
      fprintf (stderr, "vessel: %s\nRun 'vessel --help' for usage.\n", err ? err->msg : "bad options");
      return 1;
    }
  if (cmd_index == 0)
    return status;

  const struct cli_command *cmd = find_command (argv[cmd_index]);
  if (cmd == NULL)
    {
      fprintf (stderr, "vessel: unknown command `%s`\nRun 'vessel --help' for usage.\n",
               argv[cmd_index]);
      return 1;
    }

  if (setup_logging (&g, &err) < 0)
    {
      fprintf (stderr, "vessel: %s\n", err ? err->msg : "cannot set up logging");
      return 1;
    }
  if (default_root (&g, cmd, &root, &err) < 0)
    {
      report_error (err->msg);
      return 1;
    }

  if (cmd->starts_process)
    {
      argv[0] = program;
      if (vessel_exe_ensure_sealed (argv, &err) < 0)
        {
          report_error (err->msg);
          return 1;
        }
      argv[0] = (char *) "vessel";
    }

  optind = 0; /* a fresh getopt scan over the command's own argv */
  int ret = cmd->run (&g, argc - cmd_index, argv + cmd_index, &err);
  if (ret < 0)
    {
      report_error (err ? err->msg : "unknown error");
      if (usage_hint)
        fprintf (stderr, "Run 'vessel %s --help' for usage.\n", cmd->name);
      return g.failure_status;
    }
  return ret;
}
