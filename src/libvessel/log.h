/* Warnings and debug messages from the library go through one sink that
 * the program installs (the CLI writes them to stderr or to --log, as text
 * or JSON lines).  Without a sink they are dropped. */
#ifndef VESSEL_LOG_H
#define VESSEL_LOG_H

#include <stdbool.h>

enum vessel_log_level
{
  VESSEL_LOG_ERROR,
  VESSEL_LOG_WARNING,
  VESSEL_LOG_INFO,
  VESSEL_LOG_DEBUG,
};

typedef void (*vessel_log_sink) (enum vessel_log_level level, const char *msg,
                                 void *data);

void vessel_log_set_sink (vessel_log_sink sink, void *data,
                          enum vessel_log_level max_level);
bool vessel_log_enabled (enum vessel_log_level level);
void vessel_log (enum vessel_log_level level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#define vessel_warn(...) vessel_log (VESSEL_LOG_WARNING, __VA_ARGS__)
#define vessel_debug(...)                                                      \
  do                                                                           \
    {                                                                          \
      if (vessel_log_enabled (VESSEL_LOG_DEBUG))                               \
        vessel_log (VESSEL_LOG_DEBUG, __VA_ARGS__);                            \
    }                                                                          \
  while (0)

const char *vessel_log_level_name (enum vessel_log_level level);

#endif
