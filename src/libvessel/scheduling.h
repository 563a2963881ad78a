/* Where and how the container's processes run: process.scheduler
 * (sched_setattr), process.ioPriority (ioprio_set), process.execCPUAffinity
 * (exec'd processes only, runtime-spec 1.3) and linux.memoryPolicy
 * (set_mempolicy).  All of them are inherited across fork and execve, so
 * each is set once, in the process itself, just before it execs. */
#ifndef VESSEL_SCHEDULING_H
#define VESSEL_SCHEDULING_H

#include <limits.h>
#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

/* A CPU or memory node list as a bit mask. */
#define VESSEL_MAX_IDS 8192 /* CPUs or memory nodes a list may name */
#define VESSEL_ID_WORD_BITS (sizeof (unsigned long) * CHAR_BIT)
struct vessel_id_mask
{
  unsigned long bits[VESSEL_MAX_IDS / VESSEL_ID_WORD_BITS];
  int highest; /* -1: empty */
};

/* Pure: "0-3,7" into mask; -EINVAL for what is not such a list, -ERANGE
   past VESSEL_MAX_IDS. */
int vessel_id_list_parse (const char *list, struct vessel_id_mask *mask);

/* Checks a CPU or memory node list ("0-3,7"); `where` names it in the
   message.  (The parsing that execCPUAffinity and memoryPolicy share.) */
int vessel_id_list_check (const char *list, const char *where, vessel_error **err);

/* Pure: SCHED_FIFO or SCHED_RR. */
bool vessel_sched_realtime (int policy);

/* Checks process.scheduler, ioPriority and execCPUAffinity as runc does;
   `where` names the process ("config.json: .process"). */
int vessel_sched_validate (const struct oci_process *p, const char *where, vessel_error **err);

/* Checks linux.memoryPolicy: nodes where the mode needs them and only
   there, at most one of the STATIC and RELATIVE flags. */
int vessel_memory_policy_validate (const struct oci_memory_policy *m, vessel_error **err);

/* In the process: its scheduler and I/O priority (before it drops the
   capabilities that a real-time policy needs). */
int vessel_sched_apply (const struct oci_process *p, const char *where, vessel_error **err);

/* In the process, once in its cgroups: `list` ("0-3,7"), or every CPU
   when NULL, so that nothing is inherited from vessel's caller (as runc). */
int vessel_affinity_set (const char *list, const char *what, vessel_error **err);

/* Before clone, in exec: vessel itself moves to execCPUAffinity.initial,
   which the process inherits until it is in the container's cgroup. */
int vessel_affinity_initial (const struct oci_process *p, const char *where, vessel_error **err);

/* In the exec'd process once in its cgroups: execCPUAffinity.final; with
   neither initial nor final, every CPU (see vessel_affinity_set). */
int vessel_affinity_final (const struct oci_process *p, const char *where, vessel_error **err);

/* In the process: linux.memoryPolicy (m may be NULL). */
int vessel_memory_policy_apply (const struct oci_memory_policy *m, vessel_error **err);

#endif
