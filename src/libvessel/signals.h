/* Signal names as `kill` takes them: "KILL", "SIGKILL", "9", "SIGRTMIN+3". */
#ifndef VESSEL_SIGNALS_H
#define VESSEL_SIGNALS_H

/* The signal number, or -EINVAL. */
int vessel_signal_parse (const char *name);

#endif
