/* Device access control: one ordered rule list, written as
 * devices.allow/devices.deny on cgroup v1 or compiled into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup on v2.
 * The planner (cgroup_devices_plan.c) is pure; the applier
 * (cgroup_devices.c) writes the files or loads the program. */
#ifndef VESSEL_CGROUP_DEVICES_H
#define VESSEL_CGROUP_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "cgroup_resources.h"

/* Pure: fills plan->devices (see cgroup_resources.h for the order);
   `where` names r in messages. */
int vessel_device_rules_plan (const struct oci_resources *r, const struct oci_linux *lx,
                              const struct vessel_cgroup_host *host, const char *where,
                              struct vessel_cgroup_plan *plan, vessel_error **err);

/* Pure: the eBPF program for rules (a malloc'ed array of 8-byte
   instructions; *n_insns gets their number). */
struct bpf_insn;
struct bpf_insn *vessel_device_rules_bpf (const struct vessel_device_rule *rules, size_t n,
                                          size_t *n_insns);

/* Pure: a rule as devices.allow and devices.deny take it ("c 1:3 rwm", "a"). */
void vessel_device_rule_text (const struct vessel_device_rule *r, char *buf, size_t size);

/* The rules in effect for the cgroup at dir. */
int vessel_device_rules_apply (const char *dir, const struct vessel_cgroup_plan *plan,
                               vessel_error **err);

#endif
