/* What the command files share: the global options and option parsing.
 * Each command is one file that parses its options and calls libvessel. */
#ifndef VESSEL_CLI_H
#define VESSEL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "libvessel/error.h"

struct cli_globals
{
  const char *root;     /* state directory, --root */
  const char *log_path; /* --log */
  bool log_json;        /* --log-format json */
  bool debug;
  bool systemd_cgroup;
  const char *rootless; /* --rootless true|false|auto, NULL when not given */
  int failure_status;   /* the exit status of vessel's own failure: 1, 255 for exec's (runc's) */
};

struct cli_command
{
  const char *name;
  const char *summary;
  int (*run) (struct cli_globals *g, int argc, char **argv, vessel_error **err);
  bool starts_process; /* puts a process in a container: see exe_seal.h */
  bool keeps_state;    /* uses the state directory (--root) */
};

/* Every command's entry point: returns the exit status (>= 0) or a
   negative error with *err set.  X (name, summary, starts_process,
   keeps_state). */
#define CLI_COMMANDS(X)                                                        \
  X (create, "create a container", true, true)                                 \
  X (start, "run the user process of a created container", false, true)        \
  X (run, "create and start a container", true, true)                          \
  X (exec, "run one more process in a container", true, true)                  \
  X (state, "print the state of a container", false, true)                     \
  X (kill, "send a signal to the container's init process", false, true)       \
  X (delete, "delete a container and everything it holds", false, true)        \
  X (list, "list the containers", false, true)                                 \
  X (spec, "write a default config.json", false, false)                        \
  X (features, "print the features document", false, false)                    \
  X (pause, "suspend every process of the container", false, true)             \
  X (resume, "resume a paused container", false, true)                         \
  X (ps, "list the processes of the container", false, true)                   \
  X (update, "change the resource limits of a container", false, true)         \
  X (events, "print resource usage statistics and OOM events", false, true)

#define DECLARE_COMMAND(name, summary, starts_process, keeps_state)            \
  int cli_##name (struct cli_globals *g, int argc, char **argv, vessel_error **err); \
  extern const char cli_##name##_usage[];
CLI_COMMANDS (DECLARE_COMMAND)
#undef DECLARE_COMMAND

/* getopt_long_only over a command's argv (argv[0] is the command name).
   Both --opt and -opt spellings work, as with runc's flag parser.  Returns
   the option, -1 at the end, or CLI_OPT_ERROR with *err set (unknown
   option, missing value).  `in_order` stops at the first non-option (for
   commands that take a command line after the container id). */
#define CLI_OPT_ERROR (-2)
int cli_getopt (int argc, char **argv, const char *shortopts,
                const struct option *longopts, bool in_order,
                vessel_error **err);

/* Prints a command's usage to stdout; returns 0 (the exit status of
   `COMMAND --help`). */
int cli_print_usage (const char *usage);

/* A usage error (wrong arguments) for `command`: the message is followed
   by a hint to run `vessel COMMAND --help`. */
int cli_usage_error (vessel_error **err, const char *command, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* The container id: the one argument left after the options. */
int cli_container_id (int argc, char **argv, const char **id, vessel_error **err);

/* A command whose only argument is the container id: parses --help and
   the id, then returns fn (root, id). */
int cli_id_command (int argc, char **argv, const char *usage,
                    int (*fn) (const char *root, const char *id, vessel_error **err),
                    const struct cli_globals *g, vessel_error **err);

/* The fds handed to us by socket activation (LISTEN_FDS for our pid). */
int cli_listen_fds (void);

/* The options create and run share: their table entries and, for each
   getopt result, cli_create_option stores it in *o (0), says it is not
   one of them (1), or fails (< 0). */
enum
{
  CLI_OPT_PID_FILE = 1000,
  CLI_OPT_CONSOLE_SOCKET,
  CLI_OPT_PRESERVE_FDS,
  CLI_OPT_NO_PIVOT,
  CLI_OPT_NO_NEW_KEYRING,
  CLI_OPT_CREATE_END, /* a command's own options start here */
};
/* The options of every command that starts a process (create, run, exec). */
#define CLI_PROCESS_OPTIONS                                                                    \
  { "pid-file", required_argument, NULL, CLI_OPT_PID_FILE },                                   \
  { "console-socket", required_argument, NULL, CLI_OPT_CONSOLE_SOCKET },                       \
  { "preserve-fds", required_argument, NULL, CLI_OPT_PRESERVE_FDS }
#define CLI_CREATE_OPTIONS                                                                     \
  { "bundle", required_argument, NULL, 'b' }, CLI_PROCESS_OPTIONS,                             \
  { "no-pivot", no_argument, NULL, CLI_OPT_NO_PIVOT },                                         \
  { "no-new-keyring", no_argument, NULL, CLI_OPT_NO_NEW_KEYRING }
/* Stores a CLI_PROCESS_OPTIONS value (0), says c is not one of them (1),
   or fails (< 0). */
int cli_process_option (int c, const char **pid_file, const char **console_socket, int *preserve_fds,
                        vessel_error **err);
struct vessel_create_opts;
int cli_create_option (int c, struct vessel_create_opts *o, vessel_error **err);

/* Parses --preserve-fds's value. */
int cli_parse_preserve_fds (const char *value, int *out, vessel_error **err);

/* Reports an error that the caller handles without failing (a warning). */
void cli_warn (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
