/* vessel events: resource usage statistics and OOM events, as runc prints them. */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "libvessel/cgroup_stats.h"
#include "libvessel/container.h"
#include "libvessel/state.h"
#include "libvessel/utils.h"

const char cli_events_usage[]
    = "Usage: vessel events [--stats] [--interval DURATION] ID\n"
      "\n"
      "Prints the container's events as JSON lines: its resource usage every\n"
      "DURATION ({\"type\":\"stats\",\"id\":ID,\"data\":{...}}) and each OOM kill\n"
      "({\"type\":\"oom\",\"id\":ID}), until the container stops.\n"
      "\n"
      "Options:\n"
      "  --stats               print the usage once and exit\n"
      "  --interval DURATION   time between stats events (default 5s; 500ms, 1m)\n"
      "  -h, --help            print this help\n";

/* Go's durations, as runc takes them: "5s", "250ms", "1m30s", "1.5s". */
static int
parse_duration_ms (const char *s, long *ms)
{
  static const struct
  {
    const char *unit;
    double ms;
  } units[] = { { "ms", 1 }, { "us", 0.001 }, { "ns", 0.000001 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
  double total = 0;
  if (*s == '\0')
    return -EINVAL;
  while (*s)
    {
      char *end = NULL;
      double v = strtod (s, &end);
      if (end == s || v < 0)
        return -EINVAL;
      size_t i = 0;
      while (i < ARRAY_SIZE (units) && strncmp (end, units[i].unit, strlen (units[i].unit)) != 0)
        i++;
      if (i == ARRAY_SIZE (units))
        return -EINVAL;
      total += v * units[i].ms;
      s = end + strlen (units[i].unit);
    }
  if (total < 1 || total > 86400000.0 * 365)
    return -EINVAL;
  *ms = (long) total;
  return 0;
}

/* One JSON line: {"type":TYPE,"id":ID[,"data":stats]}. */
static void
print_event (const char *type, const char *id, char **stats_paths)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    vessel_abort ();
  yajl_gen_map_open (g);
  yajl_gen_string (g, (const unsigned char *) "type", 4);
  yajl_gen_string (g, (const unsigned char *) type, strlen (type));
  yajl_gen_string (g, (const unsigned char *) "id", 2);
  yajl_gen_string (g, (const unsigned char *) id, strlen (id));
  if (stats_paths)
    {
      yajl_gen_string (g, (const unsigned char *) "data", 4);
      vessel_cgroup_stats_json (stats_paths, g);
    }
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  fwrite (buf, 1, len, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  yajl_gen_free (g);
}

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the container is still there and not stopped. */
static bool
container_alive (const char *root, const char *id)
{
  cleanup_state struct oci_state *state = NULL;
  vessel_error *ignored = NULL;
  bool alive = vessel_container_state (root, id, &state, &ignored) == 0 && state->status != OCI_STATUS_STOPPED;
  vessel_error_free (ignored);
  return alive;
}

/* Stats every interval and OOM kills as they come, until the container stops. */
static int
stream_events (const char *root, const char *id, char **paths, long interval, vessel_error **err)
{
  struct vessel_oom_watch oom;
  int ret = vessel_oom_watch_open (paths, &oom, err);
  if (ret < 0)
    return ret;
  long next = now_ms ();
  while (container_alive (root, id))
    {
      long wait = next - now_ms ();
      if (wait <= 0)
        {
          print_event ("stats", id, paths);
          next += interval;
          continue;
        }
      /* Wake at least once a second to notice that the container stopped. */
      struct pollfd p = { .fd = oom.fd, .events = oom.events };
      int r = poll (&p, 1, (int) (wait < 1000 ? wait : 1000));
      if (r < 0 && errno != EINTR)
        {
          ret = vessel_fail_errno (err, errno, "wait for events");
          break;
        }
      if (r > 0)
        for (uint64_t n = vessel_oom_watch_read (&oom); n > 0; n--)
          print_event ("oom", id, NULL);
    }
  vessel_oom_watch_close (&oom);
  return ret;
}

int
cli_events (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "stats", no_argument, NULL, 's' },
    { "interval", required_argument, NULL, 'i' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  bool stats_once = false;
  long interval = 5000;
  int c, ret;
  while ((c = cli_getopt (argc, argv, "h", opts, false, err)) != -1)
    switch (c)
      {
      case 's':
        stats_once = true;
        break;
      case 'i':
        if (parse_duration_ms (optarg, &interval) < 0)
          return cli_usage_error (err, "events", "--interval: `%s` is not a duration like 5s or 500ms", optarg);
        break;
      case 'h':
        return cli_print_usage (cli_events_usage);
      default:
        return -EINVAL;
      }
  const char *id;
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  cleanup_state struct oci_state *state = NULL;
  if ((ret = vessel_container_state (g->root, id, &state, err)) < 0)
    return ret;
  if (state->status == OCI_STATUS_STOPPED)
    return vessel_fail (err, ESRCH, "container `%s` is not running", id);
  if (stats_once)
    {
      print_event ("stats", id, state->vessel->cgroup_paths);
      return 0;
    }
  return stream_events (g->root, id, state->vessel->cgroup_paths, interval, err);
}
