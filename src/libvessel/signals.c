#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signals.h"
#include "utils.h"

static const struct
{
  const char *name;
  int sig;
} signals[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },     { "ILL", SIGILL },
  { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },       { "BUS", SIGBUS },
  { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },     { "TERM", SIGTERM },
  { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },      { "CONT", SIGCONT },
  { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },
  { "URG", SIGURG },     { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM },
  { "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },
  { "PWR", SIGPWR },     { "SYS", SIGSYS },
};

/* "RTMIN", "RTMIN+3", "RTMAX-1" */
static int
parse_realtime (const char *name)
{
  int base, sign = 0;
  const char *rest;
  if (strncasecmp (name, "RTMIN", 5) == 0)
    base = SIGRTMIN, rest = name + 5;
  else if (strncasecmp (name, "RTMAX", 5) == 0)
    base = SIGRTMAX, rest = name + 5;
  else
    return -EINVAL;
  if (*rest == '\0')
    return base;
  if (*rest == '+')
    sign = 1;
  else if (*rest == '-')
    sign = -1;
  else
    return -EINVAL;
  int offset;
  if (parse_int (rest + 1, &offset) < 0 || offset < 0)
    return -EINVAL;
  int sig = base + sign * offset;
  return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -EINVAL;
}

int
vessel_signal_parse (const char *name)
{
  int n;
  /* 0 is no signal: kill(2)'s probe of whether the process exists */
  if (parse_int (name, &n) == 0)
    return n >= 0 && n < NSIG ? n : -EINVAL;
  if (strncasecmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < ARRAY_SIZE (signals); i++)
    if (strcasecmp (signals[i].name, name) == 0)
      return signals[i].sig;
  return parse_realtime (name);
}
