/* Pure: linux.resources as a plan of cgroup file writes (see
 * cgroup_resources.h); cgroup_resources.c carries it out. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_devices.h"
#include "cgroup_resources.h"
#include "utils.h"

/* ---- where controllers live ------------------------------------------------ */

bool
vessel_cgroup_list_has (const char *list, const char *word, char sep)
{
  size_t len = strlen (word);
  for (const char *p = list; p && *p;)
    {
      const char *end = strchr (p, sep);
      size_t n = end ? (size_t) (end - p) : strlen (p);
      if (n == len && strncmp (p, word, n) == 0)
        return true;
      p = end ? end + 1 : NULL;
    }
  return false;
}

int
vessel_cgroup_locate (const struct vessel_cgroup_host *host, const char *controller)
{
  for (size_t i = 0; i < host->n; i++)
    if (!host->h[i].v2 && vessel_cgroup_list_has (host->h[i].controllers, controller, ','))
      return (int) i;
  for (size_t i = 0; i < host->n; i++)
    if (host->h[i].v2 && vessel_cgroup_list_has (host->v2_controllers, controller, ' '))
      return (int) i;
  return -1;
}

/* ---- building the plan ----------------------------------------------------- */

struct planner
{
  const struct vessel_cgroup_host *host;
  struct vessel_cgroup_plan *plan;
  const char *where; /* names the resources in messages */
};

static void
warn (struct planner *p, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
warn (struct planner *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  p->plan->warnings = xrealloc (p->plan->warnings, (p->plan->n_warnings + 1) * sizeof (char *));
  p->plan->warnings[p->plan->n_warnings++] = msg;
}

static struct vessel_cgroup_write *
add (struct planner *p, int hierarchy, const char *controller, const char *file, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));
static struct vessel_cgroup_write *
add (struct planner *p, int hierarchy, const char *controller, const char *file, const char *fmt, ...)
{
  struct vessel_cgroup_plan *plan = p->plan;
  plan->writes = xrealloc (plan->writes, (plan->n + 1) * sizeof (*plan->writes));
  struct vessel_cgroup_write *w = &plan->writes[plan->n++];
  va_list ap;
  va_start (ap, fmt);
  *w = (struct vessel_cgroup_write) {
    .hierarchy = (size_t) hierarchy,
    .controller = controller,
    .file = xstrdup (file),
    .value = xvasprintf (fmt, ap),
  };
  va_end (ap);
  return w;
}

static bool
is_v2 (const struct planner *p, int hierarchy)
{
  return p->host->h[hierarchy].v2;
}

/* The hierarchy of `controller`, or an error naming the config field that
   needs it. */
static int
need (struct planner *p, const char *controller, const char *field, vessel_error **err)
{
  int h = vessel_cgroup_locate (p->host, controller);
  if (h < 0)
    return vessel_fail (err, ENOTSUP,
                        "%s.%s: the %s cgroup controller is not available on this host",
                        p->where, field, controller);
  return h;
}

/* cpu.shares [2, 262144] onto cpu.weight [1, 10000] as runc and crun do
   today: a quadratic in log2 (shares) through both ends and through the
   defaults, 1024 -> 100 (the older linear map sent 1024 to 39). */
static uint64_t
shares_to_weight (uint64_t shares)
{
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  double l = log2 ((double) shares);
  double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return (uint64_t) ceil (pow (10, exponent));
}

/* blkio.weight [10, 1000] onto io.weight [1, 10000], as crun does. */
static uint64_t
blkio_to_io_weight (uint64_t w)
{
  if (w < 10)
    w = 10;
  if (w > 1000)
    w = 1000;
  return 1 + ((w - 10) * 9999) / 990;
}

static int
plan_cpu (struct planner *p, const struct oci_cpu *cpu, vessel_error **err)
{
  if (cpu == NULL)
    return 0;
  /* As runc and crun: 0 leaves the shares and the quota alone. */
  bool has_shares = cpu->has_shares && cpu->shares != 0, has_quota = cpu->has_quota && cpu->quota != 0;
  bool want_cpu = has_shares || has_quota || cpu->has_period || cpu->has_burst || cpu->has_realtime_runtime
                  || cpu->has_realtime_period || cpu->has_idle;
  if (want_cpu)
    {
      int h = need (p, "cpu", "cpu", err);
      if (h < 0)
        return h;
      if (!is_v2 (p, h))
        {
          if (has_shares)
            add (p, h, "cpu", "cpu.shares", "%" PRIu64, cpu->shares);
          /* Each write is checked against the parent's quota/period with
             the other value as it is then (EINVAL when above).  The period
             first; refused (a shorter period with the old quota), the
             quota first, then the period again: one of the two orders
             always works, as runc does it. */
          if (cpu->has_period)
            add (p, h, "cpu", "cpu.cfs_period_us", "%" PRIu64, cpu->period)->again_later = has_quota;
          if (has_quota)
            add (p, h, "cpu", "cpu.cfs_quota_us", "%" PRId64, cpu->quota);
          if (cpu->has_period && has_quota)
            add (p, h, "cpu", "cpu.cfs_period_us", "%" PRIu64, cpu->period)->only_after_refusal = true;
          if (cpu->has_burst)
            /* (5.14+) */
            add (p, h, "cpu", "cpu.cfs_burst_us", "%" PRIu64, cpu->burst)->optional = true;
          if (cpu->has_realtime_period)
            add (p, h, "cpu", "cpu.rt_period_us", "%" PRIu64, cpu->realtime_period);
          if (cpu->has_realtime_runtime)
            add (p, h, "cpu", "cpu.rt_runtime_us", "%" PRId64, cpu->realtime_runtime);
          if (cpu->has_idle)
            add (p, h, "cpu", "cpu.idle", "%" PRId64, cpu->idle);
        }
      else
        {
          if (cpu->has_realtime_runtime || cpu->has_realtime_period)
            return vessel_fail (err, ENOTSUP,
                                "%s.cpu.realtimeRuntime: real-time bandwidth is not available with cgroup v2", p->where);
          if (has_shares)
            add (p, h, "cpu", "cpu.weight", "%" PRIu64, shares_to_weight (cpu->shares));
          if (has_quota || cpu->has_period)
            {
              /* "$QUOTA $PERIOD"; without a period, the kernel keeps the
                 current one, as runc relies on for `update --cpu-quota`. */
              char quota[24] = "max", period[24] = "";
              if (has_quota && cpu->quota > 0)
                snprintf (quota, sizeof quota, "%" PRId64, cpu->quota);
              if (cpu->has_period && cpu->period > 0)
                snprintf (period, sizeof period, " %" PRIu64, cpu->period);
              add (p, h, "cpu", "cpu.max", "%s%s", quota, period);
            }
          if (cpu->has_burst)
            add (p, h, "cpu", "cpu.max.burst", "%" PRIu64, cpu->burst);
          if (cpu->has_idle)
            add (p, h, "cpu", "cpu.idle", "%" PRId64, cpu->idle);
        }
    }
  if (cpu->cpus || cpu->mems)
    {
      int h = need (p, "cpuset", "cpu.cpus", err);
      if (h < 0)
        return h;
      if (cpu->cpus)
        add (p, h, "cpuset", "cpuset.cpus", "%s", cpu->cpus);
      if (cpu->mems)
        add (p, h, "cpuset", "cpuset.mems", "%s", cpu->mems);
    }
  return 0;
}

static void
limit_value (char *buf, size_t size, int64_t v)
{
  if (v < 0)
    snprintf (buf, size, "max");
  else
    snprintf (buf, size, "%" PRId64, v);
}

/* The memory settings that are set: runc takes 0 as "not set" for the
   limit, the reservation and swap. */
struct memory_request
{
  bool limit, reservation, swap;
};

static void
plan_memory_v1 (struct planner *p, int h, const struct oci_memory *m, struct memory_request set)
{
  /* The memory+swap limit may never be below the memory limit: raising
     both, memsw must go first, lowering both, last.  An unlimited memory
     with no swap given means unlimited swap too (runc). */
  bool swap = set.swap || (set.limit && m->limit == -1);
  int64_t swap_value = set.swap ? m->swap : -1;
  if (swap && swap_value == -1)
    add (p, h, "memory", "memory.memsw.limit_in_bytes", "-1")->optional = true;
  /* Otherwise the limit (refused when raising it above the current
     memsw), memsw, the limit again: right both ways without reading the
     current values. */
  if (set.limit)
    add (p, h, "memory", "memory.limit_in_bytes", "%" PRId64, m->limit)->again_later = swap && swap_value != -1;
  if (swap && swap_value != -1)
    {
      add (p, h, "memory", "memory.memsw.limit_in_bytes", "%" PRId64, swap_value);
      if (set.limit)
        add (p, h, "memory", "memory.limit_in_bytes", "%" PRId64, m->limit);
    }
  if (set.reservation)
    add (p, h, "memory", "memory.soft_limit_in_bytes", "%" PRId64, m->reservation);
  if (m->has_kernel_tcp)
    add (p, h, "memory", "memory.kmem.tcp.limit_in_bytes", "%" PRId64, m->kernel_tcp)->optional = true;
  if (m->has_swappiness)
    add (p, h, "memory", "memory.swappiness", "%" PRIu64, m->swappiness);
  if (m->has_disable_oom_killer)
    add (p, h, "memory", "memory.oom_control", "%d", m->disable_oom_killer ? 1 : 0);
  if (m->has_use_hierarchy)
    /* Always on since Linux 5.x; writing it is refused there. */
    add (p, h, "memory", "memory.use_hierarchy", "%d", m->use_hierarchy ? 1 : 0)->optional = true;
}

/* v1's swap is memory + swap, v2's memory.swap.max swap alone: runc's
   conversion.  Returns -2 for "leave it", or fails. */
static int
swap_for_v2 (const struct planner *p, const struct oci_memory *m, struct memory_request set, int64_t *out,
             vessel_error **err)
{
  int64_t limit = set.limit ? m->limit : 0, swap = set.swap ? m->swap : 0;
  if (limit == -1 && swap == 0)
    *out = -1; /* unlimited memory and no swap given: unlimited swap */
  else if (swap == -1 || limit == -1)
    *out = swap == 0 ? -2 : swap;
  else if (swap == 0)
    *out = -2;
  else if (limit == 0)
    return vessel_fail (err, EINVAL, "%s.memory.swap: needs memory.limit with cgroup v2", p->where);
  else if (swap < limit)
    return vessel_fail (err, EINVAL,
                        "%s.memory.swap: %" PRId64 " is below the memory limit %" PRId64, p->where,
                        swap, limit);
  else
    *out = swap - limit;
  return 0;
}

static int
plan_memory_v2 (struct planner *p, int h, const struct oci_memory *m, struct memory_request set,
                vessel_error **err)
{
  char buf[32];
  int64_t swap = -2;
  int ret = swap_for_v2 (p, m, set, &swap, err);
  if (ret < 0)
    return ret;
  if (set.limit)
    {
      limit_value (buf, sizeof buf, m->limit);
      add (p, h, "memory", "memory.max", "%s", buf);
    }
  if (set.reservation)
    {
      limit_value (buf, sizeof buf, m->reservation);
      add (p, h, "memory", "memory.low", "%s", buf);
    }
  if (swap != -2)
    {
      /* without swap accounting there is no such file */
      limit_value (buf, sizeof buf, swap);
      add (p, h, "memory", "memory.swap.max", "%s", buf)->optional = true;
    }
  if (m->has_swappiness)
    warn (p, "%s.memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness", p->where);
  if (m->has_kernel_tcp)
    warn (p, "%s.memory.kernelTCP is ignored: cgroup v2 accounts TCP memory with memory.max", p->where);
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    warn (p, "%s.memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer", p->where);
  return 0;
}

static int
plan_memory (struct planner *p, const struct oci_memory *m, vessel_error **err)
{
  if (m == NULL)
    return 0;
  if (m->has_kernel)
    warn (p, "%s.memory.kernel is ignored: the kernel no longer limits kernel memory separately", p->where);
  struct memory_request set = {
    .limit = m->has_limit && m->limit != 0,
    .reservation = m->has_reservation && m->reservation != 0,
    .swap = m->has_swap && m->swap != 0,
  };
  if (!set.limit && !set.reservation && !set.swap && !m->has_kernel_tcp && !m->has_swappiness
      && !m->has_disable_oom_killer && !m->has_use_hierarchy)
    return 0;
  /* -1 is "no limit"; other negative values are no size at all (v1 would
     refuse them with EINVAL, v2 would take them as "max"). */
  const struct
  {
    bool set;
    int64_t value;
    const char *name;
  } sizes[] = { { set.limit, m->limit, "limit" },
                { set.reservation, m->reservation, "reservation" },
                { set.swap, m->swap, "swap" } };
  for (size_t i = 0; i < ARRAY_SIZE (sizes); i++)
    if (sizes[i].set && sizes[i].value < -1)
      return vessel_fail (err, EINVAL, "%s.memory.%s: %" PRId64 " is not a size (bytes, or -1 for no limit)",
                          p->where, sizes[i].name, sizes[i].value);
  int h = need (p, "memory", "memory", err);
  if (h < 0)
    return h;
  if (is_v2 (p, h))
    return plan_memory_v2 (p, h, m, set, err);
  plan_memory_v1 (p, h, m, set);
  return 0;
}

static int
plan_pids (struct planner *p, const struct oci_pids *pids, vessel_error **err)
{
  if (pids == NULL || !pids->has_limit)
    return 0;
  int h = need (p, "pids", "pids.limit", err);
  if (h < 0)
    return h;
  /* runtime-spec 1.3: -1 is no limit, and 0 is a limit like any other. */
  if (pids->limit < 0)
    add (p, h, "pids", "pids.max", "max");
  else
    add (p, h, "pids", "pids.max", "%" PRId64, pids->limit);
  return 0;
}

static void
throttle_v1 (struct planner *p, int h, const char *file, const struct oci_throttle_device *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    add (p, h, "blkio", file, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major, d[i].minor, d[i].rate);
}

/* io.max takes one line per device with every limit of that device. */
static void
throttle_v2 (struct planner *p, int h, const struct oci_block_io *b)
{
  const struct
  {
    const char *key;
    const struct oci_throttle_device *d;
    size_t n;
  } kinds[] = {
    { "rbps", b->throttle_read_bps_device, b->throttle_read_bps_device_len },
    { "wbps", b->throttle_write_bps_device, b->throttle_write_bps_device_len },
    { "riops", b->throttle_read_iops_device, b->throttle_read_iops_device_len },
    { "wiops", b->throttle_write_iops_device, b->throttle_write_iops_device_len },
  };
  for (size_t k = 0; k < ARRAY_SIZE (kinds); k++)
    for (size_t i = 0; i < kinds[k].n; i++)
      {
        const struct oci_throttle_device *d = &kinds[k].d[i];
        bool seen = false;
        for (size_t k2 = 0; k2 <= k && !seen; k2++)
          for (size_t j = 0; j < (k2 < k ? kinds[k2].n : i); j++)
            if (kinds[k2].d[j].major == d->major && kinds[k2].d[j].minor == d->minor)
              seen = true;
        if (seen)
          continue; /* already written with the first limit of this device */
        char *line = xasprintf ("%" PRId64 ":%" PRId64, d->major, d->minor);
        for (size_t k2 = k; k2 < ARRAY_SIZE (kinds); k2++)
          for (size_t j = 0; j < kinds[k2].n; j++)
            if (kinds[k2].d[j].major == d->major && kinds[k2].d[j].minor == d->minor)
              {
                char *longer = xasprintf ("%s %s=%" PRIu64, line, kinds[k2].key, kinds[k2].d[j].rate);
                free (line);
                line = longer;
              }
        add (p, h, "io", "io.max", "%s", line);
        free (line);
      }
}

static int
plan_block_io (struct planner *p, const struct oci_block_io *b, vessel_error **err)
{
  if (b == NULL)
    return 0;
  bool any = b->has_weight || b->has_leaf_weight || b->weight_device_len || b->throttle_read_bps_device_len
             || b->throttle_write_bps_device_len || b->throttle_read_iops_device_len
             || b->throttle_write_iops_device_len;
  if (!any)
    return 0;
  int h = vessel_cgroup_locate (p->host, "blkio");
  if (h < 0)
    h = vessel_cgroup_locate (p->host, "io");
  if (h < 0)
    return need (p, "io", "blockIO", err);
  if (!is_v2 (p, h))
    {
      /* CFQ's blkio.weight is gone with CFQ; BFQ has blkio.bfq.weight. */
      if (b->has_weight)
        {
          struct vessel_cgroup_write *w = add (p, h, "blkio", "blkio.weight", "%u", b->weight);
          w->fallback_file = xstrdup ("blkio.bfq.weight");
          w->fallback_value = xasprintf ("%u", b->weight);
        }
      if (b->has_leaf_weight)
        add (p, h, "blkio", "blkio.leaf_weight", "%u", b->leaf_weight);
      for (size_t i = 0; i < b->weight_device_len; i++)
        {
          const struct oci_weight_device *d = &b->weight_device[i];
          if (d->has_weight)
            {
              struct vessel_cgroup_write *w = add (p, h, "blkio", "blkio.weight_device",
                                                   "%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->weight);
              w->fallback_file = xstrdup ("blkio.bfq.weight_device");
              w->fallback_value = xstrdup (w->value);
            }
          if (d->has_leaf_weight)
            add (p, h, "blkio", "blkio.leaf_weight_device", "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
                 d->leaf_weight);
        }
      throttle_v1 (p, h, "blkio.throttle.read_bps_device", b->throttle_read_bps_device, b->throttle_read_bps_device_len);
      throttle_v1 (p, h, "blkio.throttle.write_bps_device", b->throttle_write_bps_device, b->throttle_write_bps_device_len);
      throttle_v1 (p, h, "blkio.throttle.read_iops_device", b->throttle_read_iops_device, b->throttle_read_iops_device_len);
      throttle_v1 (p, h, "blkio.throttle.write_iops_device", b->throttle_write_iops_device, b->throttle_write_iops_device_len);
      return 0;
    }
  /* v2: BFQ's io.bfq.weight takes blkio's scale; without BFQ, io.weight. */
  if (b->has_weight)
    {
      struct vessel_cgroup_write *w = add (p, h, "io", "io.bfq.weight", "%u", b->weight);
      w->fallback_file = xstrdup ("io.weight");
      w->fallback_value = xasprintf ("default %" PRIu64, blkio_to_io_weight (b->weight));
    }
  if (b->has_leaf_weight)
    warn (p, "%s.blockIO.leafWeight is ignored: cgroup v2 has no leaf weights", p->where);
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const struct oci_weight_device *d = &b->weight_device[i];
      if (!d->has_weight)
        continue;
      struct vessel_cgroup_write *w = add (p, h, "io", "io.bfq.weight", "%" PRId64 ":%" PRId64 " %u", d->major,
                                           d->minor, d->weight);
      w->fallback_file = xstrdup ("io.weight");
      w->fallback_value = xasprintf ("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                     blkio_to_io_weight (d->weight));
    }
  throttle_v2 (p, h, b);
  return 0;
}

static bool
valid_page_size (const char *s)
{
  if (*s < '1' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

static int
plan_hugetlb (struct planner *p, const struct oci_resources *r, vessel_error **err)
{
  if (r->hugepage_limits_len == 0)
    return 0;
  int h = need (p, "hugetlb", "hugepageLimits", err);
  if (h < 0)
    return h;
  for (size_t i = 0; i < r->hugepage_limits_len; i++)
    {
      const struct oci_hugepage_limit *l = &r->hugepage_limits[i];
      if (!valid_page_size (l->page_size))
        return vessel_fail (err, EINVAL, "%s.hugepageLimits[%zu].pageSize: `%s` is not a size like 2MB",
                            p->where, i, l->page_size);
      char file[64];
      if (!is_v2 (p, h))
        {
          snprintf (file, sizeof file, "hugetlb.%s.limit_in_bytes", l->page_size);
          add (p, h, "hugetlb", file, "%" PRIu64, l->limit);
        }
      else
        {
          snprintf (file, sizeof file, "hugetlb.%s.max", l->page_size);
          add (p, h, "hugetlb", file, "%" PRIu64, l->limit);
          /* Reservations too (5.7+), so that mmap fails rather than a
             fault killing the process later. */
          snprintf (file, sizeof file, "hugetlb.%s.rsvd.max", l->page_size);
          add (p, h, "hugetlb", file, "%" PRIu64, l->limit)->optional = true;
        }
    }
  return 0;
}

static int
plan_network (struct planner *p, const struct oci_network *n, vessel_error **err)
{
  if (n == NULL)
    return 0;
  if (n->has_class_id)
    {
      int h = vessel_cgroup_locate (p->host, "net_cls");
      if (h < 0)
        warn (p, "%s.network.classID is ignored: no net_cls cgroup controller on this host", p->where);
      else
        add (p, h, "net_cls", "net_cls.classid", "%" PRIu32, n->class_id);
    }
  if (n->priorities_len)
    {
      int h = vessel_cgroup_locate (p->host, "net_prio");
      if (h < 0)
        warn (p, "%s.network.priorities are ignored: no net_prio cgroup controller on this host", p->where);
      else
        for (size_t i = 0; i < n->priorities_len; i++)
          add (p, h, "net_prio", "net_prio.ifpriomap", "%s %" PRIu32, n->priorities[i].name,
               n->priorities[i].priority);
    }
  (void) err;
  return 0;
}

static int
plan_rdma (struct planner *p, const struct oci_resources *r, vessel_error **err)
{
  if (r->rdma_len == 0)
    return 0;
  int h = need (p, "rdma", "rdma", err);
  if (h < 0)
    return h;
  for (size_t i = 0; i < r->rdma_len; i++)
    {
      const struct oci_rdma *d = &r->rdma[i];
      char handles[32] = "", objects[32] = "";
      if (d->has_hca_handles)
        snprintf (handles, sizeof handles, " hca_handle=%" PRIu32, d->hca_handles);
      if (d->has_hca_objects)
        snprintf (objects, sizeof objects, " hca_object=%" PRIu32, d->hca_objects);
      if (*handles || *objects)
        add (p, h, "rdma", "rdma.max", "%s%s%s", d->device, handles, objects);
    }
  return 0;
}

/* linux.resources.unified: cgroup2 files by name. */
static int
plan_unified (struct planner *p, const struct oci_resources *r, vessel_error **err)
{
  for (size_t i = 0; i < r->unified_len; i++)
    {
      const char *file = r->unified[i].key;
      const char *dot = strchr (file, '.');
      if (dot == NULL || dot == file || strchr (file, '/') || strstr (file, "..") || file[0] == '.')
        return vessel_fail (err, EINVAL, "%s.unified[\"%s\"]: not a cgroup file name", p->where, file);
      char controller[64];
      snprintf (controller, sizeof controller, "%.*s", (int) (dot - file), file);
      bool core = strcmp (controller, "cgroup") == 0;
      if (core && (strcmp (file, "cgroup.procs") == 0 || strcmp (file, "cgroup.threads") == 0
                   || strcmp (file, "cgroup.subtree_control") == 0 || strcmp (file, "cgroup.kill") == 0
                   || strcmp (file, "cgroup.type") == 0))
        return vessel_fail (err, EPERM, "%s.unified[\"%s\"]: vessel manages this file", p->where, file);
      int h = -1;
      for (size_t k = 0; k < p->host->n; k++)
        if (p->host->h[k].v2 && (core || vessel_cgroup_list_has (p->host->v2_controllers, controller, ' ')))
          h = (int) k;
      if (h < 0)
        return vessel_fail (err, ENOTSUP,
                            "%s.unified[\"%s\"]: the %s controller is not available on this host's cgroup2 hierarchy",
                            p->where, file, controller);
      /* The kernel takes one line per write (io.max: one device). */
      const char *value = r->unified[i].value;
      do
        {
          size_t len = strcspn (value, "\n");
          if (len > 0 || value == r->unified[i].value)
            add (p, h, NULL, file, "%.*s", (int) len, value);
          value += len + (value[len] == '\n');
        }
      while (*value);
    }
  return 0;
}

int
vessel_cgroup_plan_resources (const struct oci_resources *r, const struct oci_linux *lx,
                              const struct vessel_cgroup_host *host, bool devices, const char *where,
                              struct vessel_cgroup_plan *plan, vessel_error **err)
{
  memset (plan, 0, sizeof (*plan));
  plan->devices_hierarchy = -1;
  struct planner p = { host, plan, where };
  int ret = 0;
  if (r && ((ret = plan_cpu (&p, r->cpu, err)) < 0 || (ret = plan_memory (&p, r->memory, err)) < 0
            || (ret = plan_pids (&p, r->pids, err)) < 0 || (ret = plan_block_io (&p, r->block_io, err)) < 0
            || (ret = plan_hugetlb (&p, r, err)) < 0 || (ret = plan_network (&p, r->network, err)) < 0
            || (ret = plan_rdma (&p, r, err)) < 0 || (ret = plan_unified (&p, r, err)) < 0))
    {
      vessel_cgroup_plan_free (plan);
      return ret;
    }
  if (devices && (ret = vessel_device_rules_plan (r, lx, host, where, plan, err)) < 0)
    {
      vessel_cgroup_plan_free (plan);
      return ret;
    }
  return 0;
}

void
vessel_cgroup_plan_free (struct vessel_cgroup_plan *plan)
{
  for (size_t i = 0; i < plan->n; i++)
    {
      free (plan->writes[i].file);
      free (plan->writes[i].value);
      free (plan->writes[i].fallback_file);
      free (plan->writes[i].fallback_value);
    }
  free (plan->writes);
  for (size_t i = 0; i < plan->n_warnings; i++)
    free (plan->warnings[i]);
  free (plan->warnings);
  free (plan->devices);
  memset (plan, 0, sizeof (*plan));
  plan->devices_hierarchy = -1;
}
