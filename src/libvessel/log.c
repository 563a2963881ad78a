#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "utils.h"

static vessel_log_sink log_sink;
static void *log_sink_data;
static enum vessel_log_level log_max_level = VESSEL_LOG_WARNING;

void
vessel_log_set_sink (vessel_log_sink sink, void *data,
                     enum vessel_log_level max_level)
{
  log_sink = sink;
  log_sink_data = data;
  log_max_level = max_level;
}

bool
vessel_log_enabled (enum vessel_log_level level)
{
  return log_sink && level <= log_max_level;
}

void
vessel_log (enum vessel_log_level level, const char *fmt, ...)
{
  if (!vessel_log_enabled (level))
    return;
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  log_sink (level, msg, log_sink_data);
  free (msg);
}

const char *
vessel_log_level_name (enum vessel_log_level level)
{
  switch (level)
    {
    case VESSEL_LOG_ERROR:
      return "error";
    case VESSEL_LOG_WARNING:
      return "warning";
    case VESSEL_LOG_INFO:
      return "info";
    case VESSEL_LOG_DEBUG:
    default:
      return "debug";
    }
}
