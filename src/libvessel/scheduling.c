/* Applies process.scheduler, ioPriority, execCPUAffinity and
 * linux.memoryPolicy in the process itself (see scheduling.h);
 * scheduling_plan.c checks and parses them. */
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
  if (errno == EPERM && vessel_sched_realtime (s->policy))
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
  struct vessel_id_mask mask;
  if (list == NULL)
    memset (mask.bits, 0xff, sizeof mask.bits); /* the kernel keeps what exists and is allowed */
  else if (vessel_id_list_parse (list, &mask) < 0)
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
  struct vessel_id_mask mask;
  const char *nodes = nonempty (m->nodes);
  if (nodes == NULL)
    mask.highest = -1;
  else if (vessel_id_list_parse (nodes, &mask) < 0)
    return vessel_fail (err, EINVAL, C ".nodes: `%s` is not a node list", nodes);
  /* maxnode counts one more than the bits the kernel reads. */
  unsigned long maxnode = nodes ? (unsigned long) mask.highest + 2 : 0;
  if (syscall (SYS_set_mempolicy, mode, nodes ? mask.bits : NULL, maxnode) < 0)
    return vessel_fail_errno (err, errno, C ": set_mempolicy %s%s%s", oci_mpol_mode_name (m->mode),
                              nodes ? " " : "", nodes ? nodes : "");
  return 0;
}
