#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scheduling.h"
#include "utils.h"

#define C "config.json: .linux.memoryPolicy"
#define MAX_IDS 8192 /* CPUs or memory nodes a list may name */
#define WORD_BITS (sizeof (unsigned long) * CHAR_BIT)

struct id_mask
{
  unsigned long bits[MAX_IDS / WORD_BITS];
  int highest; /* -1: empty */
};

/* "0-3,7" into mask; -EINVAL for what is not such a list, -ERANGE past
   MAX_IDS. */
static int
parse_id_list (const char *list, struct id_mask *mask)
{
  memset (mask, 0, sizeof *mask);
  mask->highest = -1;
  const char *p = list;
  while (*p)
    {
      char *end;
      if (*p < '0' || *p > '9')
        return -EINVAL;
      unsigned long first = strtoul (p, &end, 10), last = first;
      if (*end == '-')
        {
          if (end[1] < '0' || end[1] > '9')
            return -EINVAL;
          last = strtoul (end + 1, &end, 10);
        }
      if (last < first)
        return -EINVAL;
      if (last >= MAX_IDS)
        return -ERANGE;
      for (unsigned long i = first; i <= last; i++)
        mask->bits[i / WORD_BITS] |= 1UL << (i % WORD_BITS);
      if ((int) last > mask->highest)
        mask->highest = (int) last;
      if (*end == ',' && end[1] != '\0')
        end++;
      else if (*end != '\0')
        return -EINVAL;
      p = end;
    }
  return 0;
}

int
vessel_id_list_check (const char *list, const char *where, vessel_error **err)
{
  struct id_mask mask;
  int ret = list ? parse_id_list (list, &mask) : 0;
  if (ret == -ERANGE)
    return vessel_fail (err, ERANGE, "%s: `%s` names an id above %d", where, list, MAX_IDS - 1);
  if (ret < 0)
    return vessel_fail (err, EINVAL, "%s: `%s` is not a list such as 0-3,7", where, list);
  return 0;
}

/* ---- scheduler and I/O priority ------------------------------------------------ */

static bool
realtime (int policy)
{
  return policy == OCI_SCHED_FIFO || policy == OCI_SCHED_RR;
}

int
vessel_sched_validate (const struct oci_process *p, const char *where, vessel_error **err)
{
  const struct oci_scheduler *s = p->scheduler;
  if (s && (s->policy == OCI_SCHED_OTHER || s->policy == OCI_SCHED_BATCH) && (s->nice < -20 || s->nice > 19))
    return vessel_fail (err, EINVAL, "%s.scheduler.nice: %d is not between -20 and 19", where, s->nice);
  if (s && s->priority != 0 && !realtime (s->policy))
    return vessel_fail (err, EINVAL, "%s.scheduler.priority: only for SCHED_FIFO and SCHED_RR", where);
  if (s && realtime (s->policy) && (s->priority < 1 || s->priority > 99))
    return vessel_fail (err, EINVAL, "%s.scheduler.priority: %d is not between 1 and 99", where, s->priority);
  if (s && s->policy != OCI_SCHED_DEADLINE && (s->runtime || s->deadline || s->period))
    return vessel_fail (err, EINVAL, "%s.scheduler: runtime, deadline and period are only for SCHED_DEADLINE",
                        where);
  if (p->io_priority && (p->io_priority->priority < 0 || p->io_priority->priority > 7))
    return vessel_fail (err, EINVAL, "%s.ioPriority.priority: %d is not between 0 and 7", where,
                        p->io_priority->priority);
  const struct oci_cpu_affinity *a = p->exec_cpu_affinity;
  if (a == NULL)
    return 0;
  cleanup_free char *initial = xasprintf ("%s.execCPUAffinity.initial", where);
  cleanup_free char *final = xasprintf ("%s.execCPUAffinity.final", where);
  int ret = vessel_id_list_check (a->initial, initial, err);
  return ret < 0 ? ret : vessel_id_list_check (a->final, final, err);
}

/* sched_setattr's argument, its first version (SCHED_ATTR_SIZE_VER0):
   linux/sched/types.h cannot be included next to glibc's sched.h. */
struct sched_attr_v0
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static int
apply_scheduler (const struct oci_scheduler *s, const char *where, vessel_error **err)
{
  /* SCHED_ISO (4) is reserved: the kernel refuses it, and says so. */
  static const unsigned policies[] = {
    [OCI_SCHED_OTHER] = 0, [OCI_SCHED_FIFO] = 1, [OCI_SCHED_RR] = 2,     [OCI_SCHED_BATCH] = 3,
    [OCI_SCHED_ISO] = 4,   [OCI_SCHED_IDLE] = 5, [OCI_SCHED_DEADLINE] = 6,
  };
  static const unsigned long long flags[] = {
    [OCI_SCHED_FLAG_RESET_ON_FORK] = 0x01, [OCI_SCHED_FLAG_RECLAIM] = 0x02,
    [OCI_SCHED_FLAG_DL_OVERRUN] = 0x04,    [OCI_SCHED_FLAG_KEEP_POLICY] = 0x08,
    [OCI_SCHED_FLAG_KEEP_PARAMS] = 0x10,   [OCI_SCHED_FLAG_UTIL_CLAMP_MIN] = 0x20,
    [OCI_SCHED_FLAG_UTIL_CLAMP_MAX] = 0x40,
  };
  struct sched_attr_v0 attr = {
    .size = sizeof attr, .sched_policy = policies[s->policy], .sched_nice = s->nice,
    .sched_priority = (unsigned) s->priority, .sched_runtime = s->runtime, .sched_deadline = s->deadline,
    .sched_period = s->period,
  };
  for (size_t i = 0; i < s->flags_len; i++)
    attr.sched_flags |= flags[s->flags[i]];
  if (syscall (SYS_sched_setattr, 0, &attr, 0) == 0)
    return 0;
  if (errno == EPERM && realtime (s->policy))
    return vessel_fail_errno (err, errno, "%s.scheduler: sched_setattr %s (with real-time group scheduling, the "
                              "cgroup needs linux.resources.cpu.realtimeRuntime)", where,
                              s->policy == OCI_SCHED_FIFO ? "SCHED_FIFO" : "SCHED_RR");
  return vessel_fail_errno (err, errno, "%s.scheduler: sched_setattr", where);
}

int
vessel_sched_apply (const struct oci_process *p, const char *where, vessel_error **err)
{
  int ret;
  if (p->scheduler && (ret = apply_scheduler (p->scheduler, where, err)) < 0)
    return ret;
  const struct oci_io_priority *io = p->io_priority;
  if (io == NULL)
    return 0;
  static const int classes[] = { [OCI_IOPRIO_CLASS_RT] = IOPRIO_CLASS_RT, [OCI_IOPRIO_CLASS_BE] = IOPRIO_CLASS_BE,
                                 [OCI_IOPRIO_CLASS_IDLE] = IOPRIO_CLASS_IDLE };
  /* This process; its children inherit it.  (runc names the process
     group, which outside a terminal session is still vessel's caller's.) */
  int value = (classes[io->class_] << IOPRIO_CLASS_SHIFT) | io->priority;
  if (syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
    return vessel_fail_errno (err, errno, "%s.ioPriority: ioprio_set", where);
  return 0;
}

/* ---- CPU affinity -------------------------------------------------------------- */

int
vessel_affinity_set (const char *list, const char *what, vessel_error **err)
{
  struct id_mask mask;
  if (list == NULL)
    memset (mask.bits, 0xff, sizeof mask.bits); /* the kernel keeps what exists and is allowed */
  else if (parse_id_list (list, &mask) < 0)
    return vessel_fail (err, EINVAL, "%s: `%s` is not a CPU list", what, list);
  if (sched_setaffinity (0, sizeof mask.bits, (const cpu_set_t *) (const void *) mask.bits) < 0)
    return vessel_fail_errno (err, errno, "%s: sched_setaffinity `%s`", what, list ? list : "all");
  return 0;
}

static const char *
nonempty (const char *s)
{
  return s && *s ? s : NULL;
}

int
vessel_affinity_initial (const struct oci_process *p, const char *where, vessel_error **err)
{
  const char *initial = p->exec_cpu_affinity ? nonempty (p->exec_cpu_affinity->initial) : NULL;
  if (initial == NULL)
    return 0;
  cleanup_free char *what = xasprintf ("%s.execCPUAffinity.initial", where);
  return vessel_affinity_set (initial, what, err);
}

int
vessel_affinity_final (const struct oci_process *p, const char *where, vessel_error **err)
{
  const struct oci_cpu_affinity *a = p->exec_cpu_affinity;
  const char *final = a ? nonempty (a->final) : NULL;
  if (final == NULL && a && nonempty (a->initial))
    return 0; /* the kernel decides, from the cgroup's cpuset */
  cleanup_free char *what = xasprintf ("%s.execCPUAffinity.final", where);
  return vessel_affinity_set (final, what, err);
}

/* ---- memory policy ------------------------------------------------------------- */

static bool
mode_needs_nodes (int mode)
{
  return mode == OCI_MPOL_BIND || mode == OCI_MPOL_INTERLEAVE || mode == OCI_MPOL_WEIGHTED_INTERLEAVE
         || mode == OCI_MPOL_PREFERRED_MANY;
}

static bool
has_flag (const struct oci_memory_policy *m, int flag)
{
  for (size_t i = 0; i < m->flags_len; i++)
    if (m->flags[i] == flag)
      return true;
  return false;
}

int
vessel_memory_policy_validate (const struct oci_memory_policy *m, vessel_error **err)
{
  if (m == NULL)
    return 0;
  const char *nodes = nonempty (m->nodes);
  const char *mode = oci_mpol_mode_name (m->mode);
  if (mode_needs_nodes (m->mode) && nodes == NULL)
    return vessel_fail (err, EINVAL, C ".nodes: %s needs at least one node", mode);
  if ((m->mode == OCI_MPOL_DEFAULT || m->mode == OCI_MPOL_LOCAL) && nodes)
    return vessel_fail (err, EINVAL, C ".nodes: %s takes no nodes", mode);
  if (has_flag (m, OCI_MPOL_F_STATIC_NODES) && has_flag (m, OCI_MPOL_F_RELATIVE_NODES))
    return vessel_fail (err, EINVAL, C ".flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
  return vessel_id_list_check (nodes, C ".nodes", err);
}

int
vessel_memory_policy_apply (const struct oci_memory_policy *m, vessel_error **err)
{
  if (m == NULL)
    return 0;
  static const int modes[] = {
    [OCI_MPOL_DEFAULT] = 0, [OCI_MPOL_PREFERRED] = 1,      [OCI_MPOL_BIND] = 2,
    [OCI_MPOL_INTERLEAVE] = 3, [OCI_MPOL_LOCAL] = 4,       [OCI_MPOL_PREFERRED_MANY] = 5,
    [OCI_MPOL_WEIGHTED_INTERLEAVE] = 6,
  };
  static const int flags[] = { [OCI_MPOL_F_NUMA_BALANCING] = 1 << 13, [OCI_MPOL_F_RELATIVE_NODES] = 1 << 14,
                               [OCI_MPOL_F_STATIC_NODES] = 1 << 15 };
  int mode = modes[m->mode];
  for (size_t i = 0; i < m->flags_len; i++)
    mode |= flags[m->flags[i]];
  struct id_mask mask;
  const char *nodes = nonempty (m->nodes);
  if (nodes == NULL)
    mask.highest = -1;
  else if (parse_id_list (nodes, &mask) < 0)
    return vessel_fail (err, EINVAL, C ".nodes: `%s` is not a node list", nodes);
  /* maxnode counts one more than the bits the kernel reads. */
  unsigned long maxnode = nodes ? (unsigned long) mask.highest + 2 : 0;
  if (syscall (SYS_set_mempolicy, mode, nodes ? mask.bits : NULL, maxnode) < 0)
    return vessel_fail_errno (err, errno, C ": set_mempolicy %s%s%s", oci_mpol_mode_name (m->mode),
                              nodes ? " " : "", nodes ? nodes : "");
  return 0;
}
