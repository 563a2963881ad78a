/* vessel update: change the resource limits of a container. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "libvessel/container.h"
#include "libvessel/utils.h"

const char cli_update_usage[]
    = "Usage: vessel update [OPTIONS] ID\n"
      "\n"
      "Changes the cgroup limits of the container ID, from options or from a\n"
      "JSON file in the shape of config.json's linux.resources.\n"
      "\n"
      "Options:\n"
      "  -r, --resources FILE         linux.resources JSON (- for stdin)\n"
      "  --blkio-weight N             block I/O weight, 10 to 1000\n"
      "  --cpu-period N               CFS period in microseconds\n"
      "  --cpu-quota N                CFS quota in microseconds (-1: none)\n"
      "  --cpu-burst N                CFS burst in microseconds\n"
      "  --cpu-share(s) N             CPU shares (relative weight)\n"
      "  --cpu-rt-period N            real-time period in microseconds\n"
      "  --cpu-rt-runtime N           real-time runtime in microseconds\n"
      "  --cpu-idle N                 1: SCHED_IDLE for the cgroup\n"
      "  --cpuset-cpus LIST           CPUs to run on (0-3,5)\n"
      "  --cpuset-mems LIST           memory nodes to allocate from\n"
      "  --memory SIZE                memory limit (512m, 1g; -1: none)\n"
      "  --memory-reservation SIZE    soft memory limit\n"
      "  --memory-swap SIZE           memory plus swap limit (-1: none)\n"
      "  --kernel-memory SIZE         ignored, as by the kernel\n"
      "  --kernel-memory-tcp SIZE     TCP buffer limit (cgroup v1)\n"
      "  --pids-limit N               maximum number of processes (-1: none)\n"
      "  -h, --help                   print this help\n";

enum
{
  OPT_BLKIO_WEIGHT = 256,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_BURST,
  OPT_CPU_SHARES,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_IDLE,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_PIDS_LIMIT,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

/* "512", "512k", "1.5g", "64MiB" as bytes, docker's units (powers of
   1024); "-1" is -1. */
static int
parse_size (const char *s, int64_t *out)
{
  if (strcmp (s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  char *end = NULL;
  errno = 0;
  double v = strtod (s, &end);
  if (end == s || errno || v < 0)
    return -EINVAL;
  double unit = 1;
  const char *suffixes = "bkmgtp";
  if (*end)
    {
      const char *at = strchr (suffixes, tolower ((unsigned char) *end));
      if (at == NULL)
        return -EINVAL;
      for (const char *p = suffixes; p < at; p++)
        unit *= 1024;
      end++;
      if (at != suffixes && (strcasecmp (end, "b") == 0 || strcasecmp (end, "ib") == 0))
        end += strlen (end);
    }
  if (*end || v * unit > (double) INT64_MAX)
    return -EINVAL;
  *out = (int64_t) (v * unit);
  return 0;
}

static int
parse_i64 (const char *s, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (end == s || *end || errno)
    return -EINVAL;
  *out = v;
  return 0;
}

/* The resources the options ask for, built on the stack. */
struct update_request
{
  struct oci_resources r;
  struct oci_cpu cpu;
  struct oci_memory memory;
  struct oci_pids pids;
  struct oci_block_io block_io;
  bool any;
};

static int
bad_value (vessel_error **err, const char *option, const char *value)
{
  return cli_usage_error (err, "update", "--%s: `%s` is not a valid value", option, value);
}

/* Applies one option to the request. */
static int
set_option (struct update_request *u, int opt, const char *name, const char *value, vessel_error **err)
{
  int64_t v = 0;
  bool size = opt == OPT_MEMORY || opt == OPT_MEMORY_RESERVATION || opt == OPT_MEMORY_SWAP
              || opt == OPT_KERNEL_MEMORY || opt == OPT_KERNEL_MEMORY_TCP;
  bool text = opt == OPT_CPUSET_CPUS || opt == OPT_CPUSET_MEMS;
  if (opt == OPT_L3_CACHE_SCHEMA || opt == OPT_MEM_BW_SCHEMA)
    return vessel_fail (err, ENOTSUP, "update: --%s: Intel RDT is not supported", name);
  if (!text && (size ? parse_size (value, &v) : parse_i64 (value, &v)) < 0)
    return bad_value (err, name, value);
  u->any = true;
  switch (opt)
    {
    case OPT_BLKIO_WEIGHT:
      if (v < 10 || v > 1000)
        return bad_value (err, name, value);
      u->block_io.has_weight = true;
      u->block_io.weight = (uint16_t) v;
      break;
    case OPT_CPU_PERIOD:
      u->cpu.has_period = true;
      u->cpu.period = (uint64_t) v;
      break;
    case OPT_CPU_QUOTA:
      u->cpu.has_quota = true;
      u->cpu.quota = v;
      break;
    case OPT_CPU_BURST:
      u->cpu.has_burst = true;
      u->cpu.burst = (uint64_t) v;
      break;
    case OPT_CPU_SHARES:
      u->cpu.has_shares = true;
      u->cpu.shares = (uint64_t) v;
      break;
    case OPT_CPU_RT_PERIOD:
      u->cpu.has_realtime_period = true;
      u->cpu.realtime_period = (uint64_t) v;
      break;
    case OPT_CPU_RT_RUNTIME:
      u->cpu.has_realtime_runtime = true;
      u->cpu.realtime_runtime = v;
      break;
    case OPT_CPU_IDLE:
      u->cpu.has_idle = true;
      u->cpu.idle = v;
      break;
    case OPT_CPUSET_CPUS:
      u->cpu.cpus = (char *) value;
      break;
    case OPT_CPUSET_MEMS:
      u->cpu.mems = (char *) value;
      break;
    case OPT_MEMORY:
      u->memory.has_limit = true;
      u->memory.limit = v;
      break;
    case OPT_MEMORY_RESERVATION:
      u->memory.has_reservation = true;
      u->memory.reservation = v;
      break;
    case OPT_MEMORY_SWAP:
      u->memory.has_swap = true;
      u->memory.swap = v;
      break;
    case OPT_KERNEL_MEMORY:
      u->memory.has_kernel = true;
      u->memory.kernel = v;
      break;
    case OPT_KERNEL_MEMORY_TCP:
      u->memory.has_kernel_tcp = true;
      u->memory.kernel_tcp = v;
      break;
    case OPT_PIDS_LIMIT:
      u->pids.has_limit = true;
      u->pids.limit = v;
      break;
    }
  return 0;
}

static const char *
option_name (const struct option *opts, int val)
{
  for (; opts->name; opts++)
    if (opts->val == val)
      return opts->name;
  return "?";
}

static int
read_stream (int fd, const char *name, char **out, size_t *len, vessel_error **err)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);
  for (;;)
    {
      if (n == cap)
        buf = xrealloc (buf, cap *= 2);
      ssize_t r = read_all (fd, buf + n, cap - n);
      if (r < 0)
        {
          free (buf);
          return vessel_fail_errno (err, (int) -r, "read `%s`", name);
        }
      n += (size_t) r;
      if (n < cap)
        break;
      if (n > (64u << 20))
        {
          free (buf);
          return vessel_fail (err, EFBIG, "`%s` is too large", name);
        }
    }
  *out = buf;
  *len = n;
  return 0;
}

/* --resources FILE: linux.resources as JSON. */
static int
load_resources (const char *path, struct oci_config **out, vessel_error **err)
{
  bool std_in = strcmp (path, "-") == 0;
  const char *name = std_in ? "stdin" : path;
  cleanup_close int fd = std_in ? dup (STDIN_FILENO) : open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s`", name);
  cleanup_free char *text = NULL;
  size_t len = 0;
  int ret = read_stream (fd, name, &text, &len, err);
  if (ret < 0)
    return ret;
  char *msg = NULL;
  if ((ret = oci_resources_parse_data (name, text, len, out, &msg)) < 0)
    return vessel_fail_take (err, ret, msg);
  return 0;
}

int
cli_update (struct cli_globals *g, int argc, char **argv, vessel_error **err)
{
  static const struct option opts[] = {
    { "resources", required_argument, NULL, 'r' },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-burst", required_argument, NULL, OPT_CPU_BURST },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
    { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
    { "cpu-idle", required_argument, NULL, OPT_CPU_IDLE },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
    { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
    { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
    { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
    { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
    { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA },
    { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct update_request u = { 0 };
  const char *resources_file = NULL;
  int c, ret;
  while ((c = cli_getopt (argc, argv, "r:h", opts, false, err)) != -1)
    {
      if (c == 'h')
        return cli_print_usage (cli_update_usage);
      if (c == 'r')
        resources_file = optarg;
      else if (c >= OPT_BLKIO_WEIGHT)
        {
          if ((ret = set_option (&u, c, option_name (opts, c), optarg, err)) < 0)
            return ret;
        }
      else
        return -EINVAL;
    }
  const char *id;
  if ((ret = cli_container_id (argc, argv, &id, err)) < 0)
    return ret;
  if (resources_file && u.any)
    return cli_usage_error (err, "update", "--resources and the options that set resources exclude each other");
  if (resources_file)
    {
      struct oci_config *parsed = NULL;
      if ((ret = load_resources (resources_file, &parsed, err)) < 0)
        return ret;
      if (parsed == NULL || parsed->linux == NULL)
        return vessel_fail (err, EINVAL, "`%s`: no resources", resources_file);
      ret = vessel_container_update (g->root, id, parsed->linux->resources, err);
      oci_config_free (parsed);
      return ret;
    }
  if (!u.any)
    return cli_usage_error (err, "update", "nothing to update: give --resources or a resource option");
  u.r.cpu = &u.cpu;
  u.r.memory = &u.memory;
  u.r.pids = &u.pids;
  u.r.block_io = &u.block_io;
  return vessel_container_update (g->root, id, &u.r, err);
}
