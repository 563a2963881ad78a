/* Pure: process.scheduler, ioPriority, execCPUAffinity and
 * linux.memoryPolicy checked before anything exists, and the CPU and node
 * lists parsed (see scheduling.h); scheduling.c applies them. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scheduling.h"
#include "utils.h"

#define C "config.json: .linux.memoryPolicy"

int
vessel_id_list_parse (const char *list, struct vessel_id_mask *mask)
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
      if (last >= VESSEL_MAX_IDS)
        return -ERANGE;
      for (unsigned long i = first; i <= last; i++)
        mask->bits[i / VESSEL_ID_WORD_BITS] |= 1UL << (i % VESSEL_ID_WORD_BITS);
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
  struct vessel_id_mask mask;
  int ret = list ? vessel_id_list_parse (list, &mask) : 0;
  if (ret == -ERANGE)
    return vessel_fail (err, ERANGE, "%s: `%s` names an id above %d", where, list, VESSEL_MAX_IDS - 1);
  if (ret < 0)
    return vessel_fail (err, EINVAL, "%s: `%s` is not a list such as 0-3,7", where, list);
  return 0;
}

/* ---- scheduler and I/O priority ------------------------------------------------ */

bool
vessel_sched_realtime (int policy)
{
  return policy == OCI_SCHED_FIFO || policy == OCI_SCHED_RR;
}

int
vessel_sched_validate (const struct oci_process *p, const char *where, vessel_error **err)
{
  const struct oci_scheduler *s = p->scheduler;
  if (s && (s->policy == OCI_SCHED_OTHER || s->policy == OCI_SCHED_BATCH) && (s->nice < -20 || s->nice > 19))
    return vessel_fail (err, EINVAL, "%s.scheduler.nice: %d is not between -20 and 19", where, s->nice);
  if (s && s->priority != 0 && !vessel_sched_realtime (s->policy))
    return vessel_fail (err, EINVAL, "%s.scheduler.priority: only for SCHED_FIFO and SCHED_RR", where);
  if (s && vessel_sched_realtime (s->policy) && (s->priority < 1 || s->priority > 99))
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

/* ---- memory policy ------------------------------------------------------------- */

static const char *
nonempty (const char *s)
{
  return s && *s ? s : NULL;
}

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
