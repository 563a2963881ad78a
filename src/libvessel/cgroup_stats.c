#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cgroup_stats.h"
#include "utils.h"

/* ---- reading cgroup files ---------------------------------------------------- */

/* The text of `file` in the first of the container's directories that has
   it, or NULL. */
static char *
read_stat (char **paths, const char *file)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      cleanup_close int dfd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
      char *text = NULL;
      if (dfd >= 0 && read_file_at (dfd, file, &text, NULL, NULL) == 0)
        return text;
    }
  return NULL;
}

/* A file holding one number ("max" is UINT64_MAX, as runc reports it). */
static bool
read_number (char **paths, const char *file, uint64_t *out)
{
  cleanup_free char *text = read_stat (paths, file);
  if (text == NULL)
    return false;
  if (strncmp (text, "max", 3) == 0)
    {
      *out = UINT64_MAX;
      return true;
    }
  char *end = NULL;
  errno = 0;
  *out = strtoull (text, &end, 10);
  return end != text && errno == 0;
}

/* The value of `key` in a flat-keyed file ("key value" lines). */
static bool
keyed (const char *text, const char *key, uint64_t *out)
{
  size_t len = strlen (key);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    if (strncmp (p, key, len) == 0 && p[len] == ' ')
      {
        *out = strtoull (p + len + 1, NULL, 10);
        return true;
      }
  return false;
}

/* ---- JSON helpers -------------------------------------------------------------- */

static void
gen_key (yajl_gen g, const char *key)
{
  yajl_gen_string (g, (const unsigned char *) key, strlen (key));
}

static void
gen_u64 (yajl_gen g, const char *key, uint64_t v)
{
  char buf[24];
  int n = snprintf (buf, sizeof buf, "%" PRIu64, v);
  gen_key (g, key);
  yajl_gen_number (g, buf, (size_t) n);
}

/* Every "key value" line of text as a JSON object (memory.stat). */
static void
gen_keyed_object (yajl_gen g, const char *key, const char *text)
{
  gen_key (g, key);
  yajl_gen_map_open (g);
  for (const char *p = text; p && *p;)
    {
      const char *sp = strchr (p, ' '), *nl = strchr (p, '\n');
      if (sp == NULL || (nl && sp > nl))
        break;
      yajl_gen_string (g, (const unsigned char *) p, (size_t) (sp - p));
      char num[24];
      snprintf (num, sizeof num, "%llu", strtoull (sp + 1, NULL, 10));
      yajl_gen_number (g, num, strlen (num));
      p = nl ? nl + 1 : NULL;
    }
  yajl_gen_map_close (g);
}

/* ---- per controller ------------------------------------------------------------ */

static void
gen_cpu (char **paths, yajl_gen g)
{
  cleanup_free char *v2 = read_stat (paths, "cpu.stat");
  uint64_t total = 0, user = 0, system = 0, periods = 0, throttled = 0, throttled_time = 0;
  bool have_usage = false;
  cleanup_free char *percpu = NULL;
  if (read_number (paths, "cpuacct.usage", &total))
    {
      /* v1: cpuacct.stat counts clock ticks */
      have_usage = true;
      cleanup_free char *st = read_stat (paths, "cpuacct.stat");
      long hz = sysconf (_SC_CLK_TCK);
      uint64_t ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t) hz : 10000000ull;
      if (st && keyed (st, "user", &user))
        user *= ns_per_tick;
      if (st && keyed (st, "system", &system))
        system *= ns_per_tick;
      percpu = read_stat (paths, "cpuacct.usage_percpu");
    }
  else if (v2 && keyed (v2, "usage_usec", &total))
    {
      have_usage = true;
      total *= 1000;
      if (keyed (v2, "user_usec", &user))
        user *= 1000;
      if (keyed (v2, "system_usec", &system))
        system *= 1000;
    }
  if (v2)
    {
      keyed (v2, "nr_periods", &periods);
      keyed (v2, "nr_throttled", &throttled);
      /* v1 counts nanoseconds, v2 microseconds */
      if (keyed (v2, "throttled_usec", &throttled_time))
        throttled_time *= 1000;
      else
        keyed (v2, "throttled_time", &throttled_time);
    }
  if (!have_usage && v2 == NULL)
    return;
  gen_key (g, "cpu");
  yajl_gen_map_open (g);
  gen_key (g, "usage");
  yajl_gen_map_open (g);
  gen_u64 (g, "total", total);
  if (percpu)
    {
      gen_key (g, "percpu");
      yajl_gen_array_open (g);
      for (char *p = percpu, *end = NULL;; p = end)
        {
          uint64_t v = strtoull (p, &end, 10);
          if (end == p)
            break;
          char num[24];
          snprintf (num, sizeof num, "%" PRIu64, v);
          yajl_gen_number (g, num, strlen (num));
        }
      yajl_gen_array_close (g);
    }
  gen_u64 (g, "kernel", system);
  gen_u64 (g, "user", user);
  yajl_gen_map_close (g);
  gen_key (g, "throttling");
  yajl_gen_map_open (g);
  gen_u64 (g, "periods", periods);
  gen_u64 (g, "throttledPeriods", throttled);
  gen_u64 (g, "throttledTime", throttled_time);
  yajl_gen_map_close (g);
  yajl_gen_map_close (g);
}

/* One of runc's MemoryEntry objects. */
static void
gen_memory_values (yajl_gen g, const char *key, uint64_t limit, uint64_t usage, uint64_t max, uint64_t failcnt)
{
  gen_key (g, key);
  yajl_gen_map_open (g);
  gen_u64 (g, "limit", limit);
  gen_u64 (g, "usage", usage);
  gen_u64 (g, "max", max);
  gen_u64 (g, "failcnt", failcnt);
  yajl_gen_map_close (g);
}

/* A MemoryEntry from v1's four files. */
static void
gen_memory_entry (char **paths, yajl_gen g, const char *key, const char *prefix)
{
  char f[96];
  uint64_t usage = 0, limit = 0, max = 0, failcnt = 0;
  snprintf (f, sizeof f, "%s.usage_in_bytes", prefix);
  if (!read_number (paths, f, &usage))
    return;
  snprintf (f, sizeof f, "%s.limit_in_bytes", prefix);
  read_number (paths, f, &limit);
  snprintf (f, sizeof f, "%s.max_usage_in_bytes", prefix);
  read_number (paths, f, &max);
  snprintf (f, sizeof f, "%s.failcnt", prefix);
  read_number (paths, f, &failcnt);
  gen_memory_values (g, key, limit, usage, max, failcnt);
}

static void
gen_memory_v2 (char **paths, yajl_gen g, const char *raw)
{
  uint64_t usage = 0, limit = 0, max = 0, swap = 0, swap_limit = 0, events_max = 0;
  read_number (paths, "memory.current", &usage);
  read_number (paths, "memory.max", &limit);
  read_number (paths, "memory.peak", &max);
  cleanup_free char *events = read_stat (paths, "memory.events");
  if (events)
    keyed (events, "max", &events_max);
  gen_memory_values (g, "usage", limit, usage, max, events_max);
  /* runc reports swap as memory + swap, v1's meaning */
  if (read_number (paths, "memory.swap.current", &swap))
    {
      read_number (paths, "memory.swap.max", &swap_limit);
      gen_key (g, "swap");
      yajl_gen_map_open (g);
      gen_u64 (g, "limit", swap_limit == UINT64_MAX || limit == UINT64_MAX ? UINT64_MAX : swap_limit + limit);
      gen_u64 (g, "usage", swap + usage);
      gen_u64 (g, "failcnt", 0);
      yajl_gen_map_close (g);
    }
  uint64_t file = 0;
  if (keyed (raw, "file", &file))
    gen_u64 (g, "cache", file);
}

static void
gen_memory (char **paths, yajl_gen g)
{
  cleanup_free char *raw = read_stat (paths, "memory.stat");
  if (raw == NULL)
    return;
  gen_key (g, "memory");
  yajl_gen_map_open (g);
  uint64_t cache = 0, v1_usage;
  if (read_number (paths, "memory.usage_in_bytes", &v1_usage))
    {
      if (keyed (raw, "cache", &cache))
        gen_u64 (g, "cache", cache);
      gen_memory_entry (paths, g, "usage", "memory");
      gen_memory_entry (paths, g, "swap", "memory.memsw");
      gen_memory_entry (paths, g, "kernel", "memory.kmem");
      gen_memory_entry (paths, g, "kernelTCP", "memory.kmem.tcp");
    }
  else
    gen_memory_v2 (paths, g, raw);
  gen_keyed_object (g, "raw", raw);
  yajl_gen_map_close (g);
}

static void
gen_pids (char **paths, yajl_gen g)
{
  uint64_t current = 0, limit = 0;
  if (!read_number (paths, "pids.current", &current))
    return;
  read_number (paths, "pids.max", &limit);
  gen_key (g, "pids");
  yajl_gen_map_open (g);
  gen_u64 (g, "current", current);
  /* runc: 0 means no limit */
  gen_u64 (g, "limit", limit == UINT64_MAX ? 0 : limit);
  yajl_gen_map_close (g);
}

static void
gen_blkio_entry (yajl_gen g, unsigned major, unsigned minor, const char *op, uint64_t value)
{
  yajl_gen_map_open (g);
  gen_u64 (g, "major", major);
  gen_u64 (g, "minor", minor);
  gen_key (g, "op");
  yajl_gen_string (g, (const unsigned char *) op, strlen (op));
  gen_u64 (g, "value", value);
  yajl_gen_map_close (g);
}

/* v1: "8:0 Read 4096" lines (and a "Total" line without a device). */
static void
gen_blkio_v1_list (yajl_gen g, const char *key, const char *text)
{
  gen_key (g, key);
  yajl_gen_array_open (g);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      unsigned major, minor;
      char op[16];
      unsigned long long value;
      if (sscanf (p, "%u:%u %15s %llu", &major, &minor, op, &value) == 4)
        gen_blkio_entry (g, major, minor, op, value);
    }
  yajl_gen_array_close (g);
}

/* v2: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" lines. */
static void
gen_io_v2_list (yajl_gen g, const char *key, const char *text, const char *rkey, const char *wkey)
{
  gen_key (g, key);
  yajl_gen_array_open (g);
  for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p ? p + 1 : NULL)
    {
      unsigned major, minor;
      if (sscanf (p, "%u:%u", &major, &minor) != 2)
        continue;
      const char *nl = strchr (p, '\n');
      size_t len = nl ? (size_t) (nl - p) : strlen (p);
      cleanup_free char *line = xasprintf ("%.*s", (int) len, p);
      const struct
      {
        const char *key, *op;
      } ops[] = { { rkey, "Read" }, { wkey, "Write" } };
      for (size_t i = 0; i < ARRAY_SIZE (ops); i++)
        {
          char pat[24];
          snprintf (pat, sizeof pat, " %s=", ops[i].key);
          const char *at = strstr (line, pat);
          if (at)
            gen_blkio_entry (g, major, minor, ops[i].op, strtoull (at + strlen (pat), NULL, 10));
        }
    }
  yajl_gen_array_close (g);
}

static void
gen_blkio (char **paths, yajl_gen g)
{
  cleanup_free char *bytes = read_stat (paths, "blkio.throttle.io_service_bytes_recursive");
  cleanup_free char *ios = read_stat (paths, "blkio.throttle.io_serviced_recursive");
  cleanup_free char *v2 = bytes || ios ? NULL : read_stat (paths, "io.stat");
  if (bytes == NULL && ios == NULL && v2 == NULL)
    return;
  gen_key (g, "blkio");
  yajl_gen_map_open (g);
  if (v2)
    {
      gen_io_v2_list (g, "ioServiceBytesRecursive", v2, "rbytes", "wbytes");
      gen_io_v2_list (g, "ioServicedRecursive", v2, "rios", "wios");
    }
  else
    {
      gen_blkio_v1_list (g, "ioServiceBytesRecursive", bytes);
      gen_blkio_v1_list (g, "ioServicedRecursive", ios);
    }
  yajl_gen_map_close (g);
}

/* The hugepage sizes the kernel has: /sys/kernel/mm/hugepages/hugepages-2048kB -> "2MB". */
static size_t
hugepage_sizes (char sizes[][24], size_t max)
{
  cleanup_dir DIR *d = opendir ("/sys/kernel/mm/hugepages");
  size_t n = 0;
  struct dirent *e;
  while (d && n < max && (e = readdir (d)))
    {
      unsigned long kb;
      if (sscanf (e->d_name, "hugepages-%lukB", &kb) != 1)
        continue;
      if (kb >= 1024ul * 1024)
        snprintf (sizes[n++], 24, "%luGB", kb / (1024ul * 1024));
      else if (kb >= 1024)
        snprintf (sizes[n++], 24, "%luMB", kb / 1024);
      else
        snprintf (sizes[n++], 24, "%luKB", kb);
    }
  return n;
}

static void
gen_hugetlb (char **paths, yajl_gen g)
{
  char sizes[8][24];
  size_t n = hugepage_sizes (sizes, ARRAY_SIZE (sizes));
  bool open_ = false;
  for (size_t i = 0; i < n; i++)
    {
      char f[128];
      uint64_t usage = 0, max = 0, failcnt = 0;
      snprintf (f, sizeof f, "hugetlb.%.24s.usage_in_bytes", sizes[i]);
      bool v1 = read_number (paths, f, &usage);
      if (v1)
        {
          snprintf (f, sizeof f, "hugetlb.%.24s.max_usage_in_bytes", sizes[i]);
          read_number (paths, f, &max);
          snprintf (f, sizeof f, "hugetlb.%.24s.failcnt", sizes[i]);
          read_number (paths, f, &failcnt);
        }
      else
        {
          snprintf (f, sizeof f, "hugetlb.%.24s.current", sizes[i]);
          if (!read_number (paths, f, &usage))
            continue;
          snprintf (f, sizeof f, "hugetlb.%.24s.events", sizes[i]);
          cleanup_free char *events = read_stat (paths, f);
          if (events)
            keyed (events, "max", &failcnt);
        }
      if (!open_)
        {
          gen_key (g, "hugetlb");
          yajl_gen_map_open (g);
          open_ = true;
        }
      gen_key (g, sizes[i]);
      yajl_gen_map_open (g);
      gen_u64 (g, "usage", usage);
      if (max)
        gen_u64 (g, "max", max);
      gen_u64 (g, "failcnt", failcnt);
      yajl_gen_map_close (g);
    }
  if (open_)
    yajl_gen_map_close (g);
}

void
vessel_cgroup_stats_json (char **paths, yajl_gen g)
{
  yajl_gen_map_open (g);
  gen_cpu (paths, g);
  gen_memory (paths, g);
  gen_pids (paths, g);
  gen_blkio (paths, g);
  gen_hugetlb (paths, g);
  yajl_gen_map_close (g);
}

/* ---- OOM kills --------------------------------------------------------------- */

/* The directory among paths that has `file`, opened. */
static int
open_dir_with (char **paths, const char *file, const char **dir)
{
  for (size_t i = 0; paths && paths[i]; i++)
    {
      int dfd = open (paths[i], O_DIRECTORY | O_PATH | O_CLOEXEC);
      if (dfd >= 0 && faccessat (dfd, file, F_OK, 0) == 0)
        {
          *dir = paths[i];
          return dfd;
        }
      if (dfd >= 0)
        close (dfd);
    }
  return -1;
}

static uint64_t
v2_oom_kills (int fd)
{
  char buf[512];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  uint64_t kills = 0;
  if (n > 0)
    {
      buf[n] = '\0';
      keyed (buf, "oom_kill", &kills);
    }
  return kills;
}

int
vessel_oom_watch_open (char **paths, struct vessel_oom_watch *w, vessel_error **err)
{
  *w = (struct vessel_oom_watch) { .fd = -1, .dirfd = -1 };
  const char *dir = NULL;
  cleanup_close int dfd = open_dir_with (paths, "memory.oom_control", &dir);
  if (dfd >= 0)
    {
      /* v1: an eventfd that the kernel signals on every OOM of the cgroup,
         registered by writing "<eventfd> <oom_control fd>" to
         cgroup.event_control. */
      cleanup_close int control = openat (dfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
      cleanup_close int efd = eventfd (0, EFD_CLOEXEC);
      if (control < 0 || efd < 0)
        return vessel_fail_errno (err, errno, "watch OOM kills of cgroup `%s`", dir);
      char line[32];
      int len = snprintf (line, sizeof line, "%d %d", efd, control);
      int ret = write_file_at (dfd, "cgroup.event_control", line, (size_t) len, err);
      if (ret < 0)
        return vessel_error_wrap (err, ret, "watch OOM kills of cgroup `%s`", dir);
      w->fd = steal_fd (&efd);
      w->dirfd = steal_fd (&dfd);
      w->events = POLLIN;
      return 0;
    }
  if ((dfd = open_dir_with (paths, "memory.events", &dir)) >= 0)
    {
      w->fd = openat (dfd, "memory.events", O_RDONLY | O_CLOEXEC);
      if (w->fd < 0)
        return vessel_fail_errno (err, errno, "open `%s/memory.events`", dir);
      w->events = POLLPRI;
      w->v2 = true;
      w->kills = v2_oom_kills (w->fd);
      return 0;
    }
  return vessel_fail (err, ENOTSUP, "the container's cgroup has no memory controller to watch for OOM kills");
}

uint64_t
vessel_oom_watch_read (struct vessel_oom_watch *w)
{
  if (w->v2)
    {
      uint64_t kills = v2_oom_kills (w->fd);
      uint64_t news = kills > w->kills ? kills - w->kills : 0;
      w->kills = kills;
      return news;
    }
  uint64_t count = 0;
  if (read (w->fd, &count, sizeof count) != sizeof count)
    return 0;
  /* The eventfd also fires when the cgroup is removed. */
  if (faccessat (w->dirfd, "cgroup.event_control", F_OK, 0) < 0)
    return 0;
  return count;
}

void
vessel_oom_watch_close (struct vessel_oom_watch *w)
{
  closep (&w->fd);
  closep (&w->dirfd);
}
