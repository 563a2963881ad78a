/* The descriptor tables: one per struct of ocispec.h, in the field order of
 * the Go reference types (which is the order documents are written in).
 * Every entry checks at compile time that the member has the C type its
 * kind implies, so a table cannot drift from its struct. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec-internal.h"

/* The member types are passed as type names (`ST *`), which cannot be
   parenthesised. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define TYPECHECK(T, m, ctype)                                                 \
  (0 * sizeof (char[__builtin_types_compatible_p (__typeof__ (((T *) 0)->m), ctype) ? 1 : -1]))
#define OFF(T, m, ctype) (offsetof (T, m) + TYPECHECK (T, m, ctype))
#define LEN(T, m) OFF (T, m##_len, size_t)
#define HAS(T, m) OFF (T, has_##m, bool)
#define COUNT(a) (sizeof (a) / sizeof ((a)[0]))

/* strings */
#define STR(T, k, m, fl) { k, OCL_STRING, fl, OFF (T, m, char *), 0, NULL, NULL }
#define STRV(T, k, m, fl) { k, OCL_STRING, OCL_ARRAY | (fl), OFF (T, m, char **), LEN (T, m), NULL, NULL }
#define STRMAP(T, k, m) { k, OCL_STRMAP, 0, OFF (T, m, struct oci_kv *), LEN (T, m), NULL, NULL }
/* booleans and integers: plain (fl: OCL_REQUIRED / OCL_OMITEMPTY), optional, arrays */
#define NUM(T, k, m, kind, ctype, fl) { k, kind, fl, OFF (T, m, ctype), 0, NULL, NULL }
#define NUM_R(T, k, m, kind, ctype, fl, r) { k, kind, fl, OFF (T, m, ctype), 0, NULL, r }
#define OPT(T, k, m, kind, ctype) { k, kind, OCL_HAS, OFF (T, m, ctype), HAS (T, m), NULL, NULL }
#define OPT_R(T, k, m, kind, ctype, r) { k, kind, OCL_HAS, OFF (T, m, ctype), HAS (T, m), NULL, r }
#define NUMV(T, k, m, kind, ctype) { k, kind, OCL_ARRAY, OFF (T, m, ctype *), LEN (T, m), NULL, NULL }
/* enumerations */
#define ENUM(T, k, m, e, fl) { k, OCL_ENUM, fl, OFF (T, m, int), 0, &e, NULL }
#define ENUM_OPT(T, k, m, e) { k, OCL_ENUM, OCL_HAS, OFF (T, m, int), HAS (T, m), &e, NULL }
#define ENUMV(T, k, m, e) { k, OCL_ENUM, OCL_ARRAY, OFF (T, m, int *), LEN (T, m), &e, NULL }
/* objects: optional (pointer), embedded, arrays, maps keyed by name */
#define OBJ(T, k, m, ST, t) { k, OCL_OBJECT, OCL_POINTER, OFF (T, m, ST *), 0, &t, NULL }
#define OBJ_INLINE(T, k, m, ST, t) { k, OCL_OBJECT, 0, OFF (T, m, ST), 0, &t, NULL }
#define OBJV(T, k, m, ST, t) { k, OCL_OBJECT, OCL_ARRAY, OFF (T, m, ST *), LEN (T, m), &t, NULL }
#define OBJMAP(T, k, m, ST, t) { k, OCL_OBJECT, OCL_MAP, OFF (T, m, ST *), LEN (T, m), &t, NULL }

#define TYPE(var, T, fields) \
  static const struct ocl_type var = { #T, sizeof (T), fields, COUNT (fields), 0 }
#define MAP_TYPE(var, T, fields, keymember) \
  static const struct ocl_type var = { #T, sizeof (T), fields, COUNT (fields), OFF (T, keymember, char *) }
#define ENUM_TABLE(var, ...)                                                   \
  static const char *const var##_names[] = { __VA_ARGS__ };                    \
  static const struct ocl_enum var = { var##_names, COUNT (var##_names) }

/* NOLINTEND(bugprone-macro-parentheses) */

enum { REQ = OCL_REQUIRED, OMIT = OCL_OMITEMPTY };

/* ---- enumerations ------------------------------------------------------ */

ENUM_TABLE (namespace_types, "mount", "pid", "network", "uts", "ipc", "user", "cgroup", "time");
ENUM_TABLE (propagations, "private", "shared", "slave", "unbindable",
            "rprivate", "rshared", "rslave", "runbindable");
ENUM_TABLE (device_types, "c", "b", "u", "p");
ENUM_TABLE (ioprio_classes, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE");
ENUM_TABLE (sched_policies, "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
            "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE");
ENUM_TABLE (sched_flags, "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
            "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS",
            "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX");
ENUM_TABLE (seccomp_actions, "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
ENUM_TABLE (seccomp_archs, "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
            "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
            "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH",
            "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");
ENUM_TABLE (seccomp_flags, "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
ENUM_TABLE (seccomp_ops, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
ENUM_TABLE (mpol_modes, "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
            "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL");
ENUM_TABLE (mpol_flags, "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES");
ENUM_TABLE (personality_domains, "LINUX", "LINUX32");
ENUM_TABLE (statuses, "creating", "created", "running", "stopped", "paused");

_Static_assert (COUNT (namespace_types_names) == OCI_NS_COUNT, "namespace table");
_Static_assert (COUNT (seccomp_actions_names) == OCI_SCMP_ACT_COUNT, "action table");
_Static_assert (COUNT (seccomp_archs_names) == OCI_SCMP_ARCH_COUNT, "arch table");
_Static_assert (COUNT (seccomp_flags_names) == OCI_SECCOMP_FLAG_COUNT, "flag table");
_Static_assert (COUNT (seccomp_ops_names) == OCI_SCMP_CMP_COUNT, "operator table");
_Static_assert (COUNT (mpol_modes_names) == OCI_MPOL_MODE_COUNT, "mpol table");
_Static_assert (COUNT (mpol_flags_names) == OCI_MPOL_FLAG_COUNT, "mpol flag table");

/* ---- ranges the schema or the kernel narrow further -------------------- */

/* fileMode: the permission bits, and the file-type bits of S_IFMT that
   podman (Go's os.FileMode turned into st_mode) writes along with them;
   the config check matches those against the device's type. */
static const struct ocl_range file_mode_range = { 0, 0177777 };
static const struct ocl_range hook_timeout_range = { 1, INT64_MAX };
static const struct ocl_range oom_score_adj_range = { -1000, 1000 };

/* ---- config.json ------------------------------------------------------- */

#define T struct oci_id_mapping
static const struct ocl_field id_mapping_fields[] = {
  NUM (T, "containerID", container_id, OCL_UINT32, uint32_t, REQ),
  NUM (T, "hostID", host_id, OCL_UINT32, uint32_t, REQ),
  NUM (T, "size", size, OCL_UINT32, uint32_t, REQ),
};
TYPE (id_mapping_type, T, id_mapping_fields);
#undef T

#define T struct oci_mount
static const struct ocl_field mount_fields[] = {
  STR (T, "destination", destination, REQ),
  STR (T, "type", type, 0),
  STR (T, "source", source, 0),
  STRV (T, "options", options, 0),
  OBJV (T, "uidMappings", uid_mappings, struct oci_id_mapping, id_mapping_type),
  OBJV (T, "gidMappings", gid_mappings, struct oci_id_mapping, id_mapping_type),
};
TYPE (mount_type, T, mount_fields);
#undef T

#define T struct oci_hook
static const struct ocl_field hook_fields[] = {
  STR (T, "path", path, REQ),
  STRV (T, "args", args, 0),
  STRV (T, "env", env, 0),
  OPT_R (T, "timeout", timeout, OCL_INT64, int64_t, &hook_timeout_range),
};
TYPE (hook_type, T, hook_fields);
#undef T

#define T struct oci_hooks
static const struct ocl_field hooks_fields[] = {
  OBJV (T, "prestart", prestart, struct oci_hook, hook_type),
  OBJV (T, "createRuntime", create_runtime, struct oci_hook, hook_type),
  OBJV (T, "createContainer", create_container, struct oci_hook, hook_type),
  OBJV (T, "startContainer", start_container, struct oci_hook, hook_type),
  OBJV (T, "poststart", poststart, struct oci_hook, hook_type),
  OBJV (T, "poststop", poststop, struct oci_hook, hook_type),
};
TYPE (hooks_type, T, hooks_fields);
#undef T

#define T struct oci_box
static const struct ocl_field box_fields[] = {
  NUM (T, "height", height, OCL_UINT64, uint64_t, REQ),
  NUM (T, "width", width, OCL_UINT64, uint64_t, REQ),
};
TYPE (box_type, T, box_fields);
#undef T

#define T struct oci_user
static const struct ocl_field user_fields[] = {
  NUM (T, "uid", uid, OCL_UINT32, uint32_t, 0),
  NUM (T, "gid", gid, OCL_UINT32, uint32_t, 0),
  OPT (T, "umask", umask, OCL_UINT32, uint32_t),
  NUMV (T, "additionalGids", additional_gids, OCL_UINT32, uint32_t),
  STR (T, "username", username, 0),
};
TYPE (user_type, T, user_fields);
#undef T

#define T struct oci_capabilities
static const struct ocl_field capabilities_fields[] = {
  STRV (T, "bounding", bounding, 0),
  STRV (T, "effective", effective, 0),
  STRV (T, "inheritable", inheritable, 0),
  STRV (T, "permitted", permitted, 0),
  STRV (T, "ambient", ambient, 0),
};
TYPE (capabilities_type, T, capabilities_fields);
#undef T

#define T struct oci_rlimit
static const struct ocl_field rlimit_fields[] = {
  STR (T, "type", type, REQ),
  NUM (T, "hard", hard, OCL_UINT64, uint64_t, REQ),
  NUM (T, "soft", soft, OCL_UINT64, uint64_t, REQ),
};
TYPE (rlimit_type, T, rlimit_fields);
#undef T

#define T struct oci_scheduler
static const struct ocl_field scheduler_fields[] = {
  ENUM (T, "policy", policy, sched_policies, REQ),
  NUM (T, "nice", nice, OCL_INT32, int32_t, OMIT),
  NUM (T, "priority", priority, OCL_INT32, int32_t, OMIT),
  ENUMV (T, "flags", flags, sched_flags),
  NUM (T, "runtime", runtime, OCL_UINT64, uint64_t, OMIT),
  NUM (T, "deadline", deadline, OCL_UINT64, uint64_t, OMIT),
  NUM (T, "period", period, OCL_UINT64, uint64_t, OMIT),
};
TYPE (scheduler_type, T, scheduler_fields);
#undef T

#define T struct oci_io_priority
static const struct ocl_field io_priority_fields[] = {
  ENUM (T, "class", class_, ioprio_classes, REQ),
  NUM (T, "priority", priority, OCL_INT32, int32_t, 0),
};
TYPE (io_priority_type, T, io_priority_fields);
#undef T

#define T struct oci_cpu_affinity
static const struct ocl_field cpu_affinity_fields[] = {
  STR (T, "initial", initial, 0),
  STR (T, "final", final, 0),
};
TYPE (cpu_affinity_type, T, cpu_affinity_fields);
#undef T

#define T struct oci_process
static const struct ocl_field process_fields[] = {
  NUM (T, "terminal", terminal, OCL_BOOL, bool, OMIT),
  OBJ (T, "consoleSize", console_size, struct oci_box, box_type),
  OBJ_INLINE (T, "user", user, struct oci_user, user_type),
  STRV (T, "args", args, 0),
  STR (T, "commandLine", command_line, 0),
  STRV (T, "env", env, 0),
  STR (T, "cwd", cwd, REQ),
  OBJ (T, "capabilities", capabilities, struct oci_capabilities, capabilities_type),
  OBJV (T, "rlimits", rlimits, struct oci_rlimit, rlimit_type),
  NUM (T, "noNewPrivileges", no_new_privileges, OCL_BOOL, bool, OMIT),
  STR (T, "apparmorProfile", apparmor_profile, 0),
  OPT_R (T, "oomScoreAdj", oom_score_adj, OCL_INT32, int32_t, &oom_score_adj_range),
  OBJ (T, "scheduler", scheduler, struct oci_scheduler, scheduler_type),
  STR (T, "selinuxLabel", selinux_label, 0),
  OBJ (T, "ioPriority", io_priority, struct oci_io_priority, io_priority_type),
  OBJ (T, "execCPUAffinity", exec_cpu_affinity, struct oci_cpu_affinity, cpu_affinity_type),
};
TYPE (process_type, T, process_fields);
#undef T

#define T struct oci_root
static const struct ocl_field root_fields[] = {
  STR (T, "path", path, REQ),
  NUM (T, "readonly", readonly, OCL_BOOL, bool, OMIT),
};
TYPE (root_type, T, root_fields);
#undef T

#define T struct oci_namespace
static const struct ocl_field namespace_fields[] = {
  ENUM (T, "type", type, namespace_types, REQ),
  STR (T, "path", path, 0),
};
TYPE (namespace_type, T, namespace_fields);
#undef T

#define T struct oci_device
static const struct ocl_field device_fields[] = {
  STR (T, "path", path, REQ),
  ENUM (T, "type", type, device_types, REQ),
  NUM (T, "major", major, OCL_INT64, int64_t, 0),
  NUM (T, "minor", minor, OCL_INT64, int64_t, 0),
  OPT_R (T, "fileMode", file_mode, OCL_UINT32, uint32_t, &file_mode_range),
  OPT (T, "uid", uid, OCL_UINT32, uint32_t),
  OPT (T, "gid", gid, OCL_UINT32, uint32_t),
};
TYPE (device_type, T, device_fields);
#undef T

#define T struct oci_net_device
static const struct ocl_field net_device_fields[] = {
  STR (T, "name", name, 0),
};
MAP_TYPE (net_device_type, T, net_device_fields, host_name);
#undef T

#define T struct oci_device_cgroup
static const struct ocl_field device_cgroup_fields[] = {
  NUM (T, "allow", allow, OCL_BOOL, bool, REQ),
  STR (T, "type", type, 0),
  OPT (T, "major", major, OCL_INT64, int64_t),
  OPT (T, "minor", minor, OCL_INT64, int64_t),
  STR (T, "access", access, 0),
};
TYPE (device_cgroup_type, T, device_cgroup_fields);
#undef T

#define T struct oci_memory
static const struct ocl_field memory_fields[] = {
  OPT (T, "limit", limit, OCL_INT64, int64_t),
  OPT (T, "reservation", reservation, OCL_INT64, int64_t),
  OPT (T, "swap", swap, OCL_INT64, int64_t),
  OPT (T, "kernel", kernel, OCL_INT64, int64_t),
  OPT (T, "kernelTCP", kernel_tcp, OCL_INT64, int64_t),
  OPT (T, "swappiness", swappiness, OCL_UINT64, uint64_t),
  OPT (T, "disableOOMKiller", disable_oom_killer, OCL_BOOL, bool),
  OPT (T, "useHierarchy", use_hierarchy, OCL_BOOL, bool),
  OPT (T, "checkBeforeUpdate", check_before_update, OCL_BOOL, bool),
};
TYPE (memory_type, T, memory_fields);
#undef T

#define T struct oci_cpu
static const struct ocl_field cpu_fields[] = {
  OPT (T, "shares", shares, OCL_UINT64, uint64_t),
  OPT (T, "quota", quota, OCL_INT64, int64_t),
  OPT (T, "burst", burst, OCL_UINT64, uint64_t),
  OPT (T, "period", period, OCL_UINT64, uint64_t),
  OPT (T, "realtimeRuntime", realtime_runtime, OCL_INT64, int64_t),
  OPT (T, "realtimePeriod", realtime_period, OCL_UINT64, uint64_t),
  STR (T, "cpus", cpus, 0),
  STR (T, "mems", mems, 0),
  OPT (T, "idle", idle, OCL_INT64, int64_t),
};
TYPE (cpu_type, T, cpu_fields);
#undef T

#define T struct oci_pids
static const struct ocl_field pids_fields[] = {
  OPT (T, "limit", limit, OCL_INT64, int64_t),
};
TYPE (pids_type, T, pids_fields);
#undef T

#define T struct oci_weight_device
static const struct ocl_field weight_device_fields[] = {
  NUM (T, "major", major, OCL_INT64, int64_t, REQ),
  NUM (T, "minor", minor, OCL_INT64, int64_t, REQ),
  OPT (T, "weight", weight, OCL_UINT16, uint16_t),
  OPT (T, "leafWeight", leaf_weight, OCL_UINT16, uint16_t),
};
TYPE (weight_device_type, T, weight_device_fields);
#undef T

#define T struct oci_throttle_device
static const struct ocl_field throttle_device_fields[] = {
  NUM (T, "major", major, OCL_INT64, int64_t, REQ),
  NUM (T, "minor", minor, OCL_INT64, int64_t, REQ),
  NUM (T, "rate", rate, OCL_UINT64, uint64_t, 0),
};
TYPE (throttle_device_type, T, throttle_device_fields);
#undef T

#define T struct oci_block_io
static const struct ocl_field block_io_fields[] = {
  OPT (T, "weight", weight, OCL_UINT16, uint16_t),
  OPT (T, "leafWeight", leaf_weight, OCL_UINT16, uint16_t),
  OBJV (T, "weightDevice", weight_device, struct oci_weight_device, weight_device_type),
  OBJV (T, "throttleReadBpsDevice", throttle_read_bps_device, struct oci_throttle_device,
        throttle_device_type),
  OBJV (T, "throttleWriteBpsDevice", throttle_write_bps_device, struct oci_throttle_device,
        throttle_device_type),
  OBJV (T, "throttleReadIOPSDevice", throttle_read_iops_device, struct oci_throttle_device,
        throttle_device_type),
  OBJV (T, "throttleWriteIOPSDevice", throttle_write_iops_device, struct oci_throttle_device,
        throttle_device_type),
};
TYPE (block_io_type, T, block_io_fields);
#undef T

#define T struct oci_hugepage_limit
static const struct ocl_field hugepage_limit_fields[] = {
  STR (T, "pageSize", page_size, REQ),
  NUM (T, "limit", limit, OCL_UINT64, uint64_t, REQ),
};
TYPE (hugepage_limit_type, T, hugepage_limit_fields);
#undef T

#define T struct oci_interface_priority
static const struct ocl_field interface_priority_fields[] = {
  STR (T, "name", name, REQ),
  NUM (T, "priority", priority, OCL_UINT32, uint32_t, REQ),
};
TYPE (interface_priority_type, T, interface_priority_fields);
#undef T

#define T struct oci_network
static const struct ocl_field network_fields[] = {
  OPT (T, "classID", class_id, OCL_UINT32, uint32_t),
  OBJV (T, "priorities", priorities, struct oci_interface_priority, interface_priority_type),
};
TYPE (network_type, T, network_fields);
#undef T

#define T struct oci_rdma
static const struct ocl_field rdma_fields[] = {
  OPT (T, "hcaHandles", hca_handles, OCL_UINT32, uint32_t),
  OPT (T, "hcaObjects", hca_objects, OCL_UINT32, uint32_t),
};
MAP_TYPE (rdma_type, T, rdma_fields, device);
#undef T

#define T struct oci_resources
static const struct ocl_field resources_fields[] = {
  OBJV (T, "devices", devices, struct oci_device_cgroup, device_cgroup_type),
  OBJ (T, "memory", memory, struct oci_memory, memory_type),
  OBJ (T, "cpu", cpu, struct oci_cpu, cpu_type),
  OBJ (T, "pids", pids, struct oci_pids, pids_type),
  OBJ (T, "blockIO", block_io, struct oci_block_io, block_io_type),
  OBJV (T, "hugepageLimits", hugepage_limits, struct oci_hugepage_limit, hugepage_limit_type),
  OBJ (T, "network", network, struct oci_network, network_type),
  OBJMAP (T, "rdma", rdma, struct oci_rdma, rdma_type),
  STRMAP (T, "unified", unified),
};
TYPE (resources_type, T, resources_fields);
#undef T

#define T struct oci_seccomp_arg
static const struct ocl_field seccomp_arg_fields[] = {
  NUM (T, "index", index, OCL_UINT32, uint32_t, REQ),
  NUM (T, "value", value, OCL_UINT64, uint64_t, REQ),
  NUM (T, "valueTwo", value_two, OCL_UINT64, uint64_t, OMIT),
  ENUM (T, "op", op, seccomp_ops, REQ),
};
TYPE (seccomp_arg_type, T, seccomp_arg_fields);
#undef T

#define T struct oci_syscall
static const struct ocl_field syscall_fields[] = {
  STRV (T, "names", names, REQ),
  ENUM (T, "action", action, seccomp_actions, REQ),
  OPT (T, "errnoRet", errno_ret, OCL_UINT32, uint32_t),
  OBJV (T, "args", args, struct oci_seccomp_arg, seccomp_arg_type),
};
TYPE (syscall_type, T, syscall_fields);
#undef T

#define T struct oci_seccomp
static const struct ocl_field seccomp_fields[] = {
  ENUM (T, "defaultAction", default_action, seccomp_actions, REQ),
  OPT (T, "defaultErrnoRet", default_errno_ret, OCL_UINT32, uint32_t),
  ENUMV (T, "architectures", architectures, seccomp_archs),
  ENUMV (T, "flags", flags, seccomp_flags),
  STR (T, "listenerPath", listener_path, 0),
  STR (T, "listenerMetadata", listener_metadata, 0),
  OBJV (T, "syscalls", syscalls, struct oci_syscall, syscall_type),
};
TYPE (seccomp_type, T, seccomp_fields);
#undef T

#define T struct oci_intel_rdt
static const struct ocl_field intel_rdt_fields[] = {
  STR (T, "closID", clos_id, 0),
  STRV (T, "schemata", schemata, 0),
  STR (T, "l3CacheSchema", l3_cache_schema, 0),
  STR (T, "memBwSchema", mem_bw_schema, 0),
  NUM (T, "enableMonitoring", enable_monitoring, OCL_BOOL, bool, OMIT),
};
TYPE (intel_rdt_type, T, intel_rdt_fields);
#undef T

#define T struct oci_memory_policy
static const struct ocl_field memory_policy_fields[] = {
  ENUM (T, "mode", mode, mpol_modes, REQ),
  STR (T, "nodes", nodes, 0),
  ENUMV (T, "flags", flags, mpol_flags),
};
TYPE (memory_policy_type, T, memory_policy_fields);
#undef T

#define T struct oci_personality
static const struct ocl_field personality_fields[] = {
  ENUM (T, "domain", domain, personality_domains, REQ),
  STRV (T, "flags", flags, 0),
};
TYPE (personality_type, T, personality_fields);
#undef T

#define T struct oci_time_offset
static const struct ocl_field time_offset_fields[] = {
  NUM (T, "secs", secs, OCL_INT64, int64_t, OMIT),
  NUM (T, "nanosecs", nanosecs, OCL_UINT32, uint32_t, OMIT),
};
TYPE (time_offset_type, T, time_offset_fields);
#undef T

#define T struct oci_time_offsets
static const struct ocl_field time_offsets_fields[] = {
  OBJ (T, "boottime", boottime, struct oci_time_offset, time_offset_type),
  OBJ (T, "monotonic", monotonic, struct oci_time_offset, time_offset_type),
};
TYPE (time_offsets_type, T, time_offsets_fields);
#undef T

#define T struct oci_linux
static const struct ocl_field linux_fields[] = {
  OBJV (T, "uidMappings", uid_mappings, struct oci_id_mapping, id_mapping_type),
  OBJV (T, "gidMappings", gid_mappings, struct oci_id_mapping, id_mapping_type),
  STRMAP (T, "sysctl", sysctl),
  OBJ (T, "resources", resources, struct oci_resources, resources_type),
  STR (T, "cgroupsPath", cgroups_path, 0),
  OBJV (T, "namespaces", namespaces, struct oci_namespace, namespace_type),
  OBJV (T, "devices", devices, struct oci_device, device_type),
  OBJMAP (T, "netDevices", net_devices, struct oci_net_device, net_device_type),
  OBJ (T, "seccomp", seccomp, struct oci_seccomp, seccomp_type),
  ENUM_OPT (T, "rootfsPropagation", rootfs_propagation, propagations),
  STRV (T, "maskedPaths", masked_paths, 0),
  STRV (T, "readonlyPaths", readonly_paths, 0),
  STR (T, "mountLabel", mount_label, 0),
  OBJ (T, "intelRdt", intel_rdt, struct oci_intel_rdt, intel_rdt_type),
  OBJ (T, "memoryPolicy", memory_policy, struct oci_memory_policy, memory_policy_type),
  OBJ (T, "personality", personality, struct oci_personality, personality_type),
  OBJ (T, "timeOffsets", time_offsets, struct oci_time_offsets, time_offsets_type),
};
TYPE (linux_type, T, linux_fields);
#undef T

#define T struct oci_config
static const struct ocl_field config_fields[] = {
  STR (T, "ociVersion", oci_version, REQ),
  OBJ (T, "process", process, struct oci_process, process_type),
  OBJ (T, "root", root, struct oci_root, root_type),
  STR (T, "hostname", hostname, 0),
  STR (T, "domainname", domainname, 0),
  OBJV (T, "mounts", mounts, struct oci_mount, mount_type),
  OBJ (T, "hooks", hooks, struct oci_hooks, hooks_type),
  STRMAP (T, "annotations", annotations),
  OBJ (T, "linux", linux, struct oci_linux, linux_type),
};
TYPE (config_type, T, config_fields);
#undef T

/* ---- state -------------------------------------------------------------- */

#define T struct oci_state_internal
static const struct ocl_field state_internal_fields[] = {
  NUM (T, "initStartTime", init_start_time, OCL_UINT64, uint64_t, 0),
  STR (T, "configPath", config_path, 0),
  STRV (T, "cgroupPaths", cgroup_paths, 0),
  NUM (T, "started", started, OCL_BOOL, bool, 0),
  NUM (T, "ownPidNamespace", own_pid_ns, OCL_BOOL, bool, 0),
  NUM (T, "poststartHooks", poststart_hooks, OCL_BOOL, bool, OMIT),
  NUM (T, "poststopHooks", poststop_hooks, OCL_BOOL, bool, OMIT),
  NUM (T, "rootless", rootless, OCL_BOOL, bool, OMIT),
  STR (T, "cgroupManager", cgroup_manager, 0),
};
TYPE (state_internal_type, T, state_internal_fields);
#undef T

#define T struct oci_state
static const struct ocl_field state_fields[] = {
  STR (T, "ociVersion", oci_version, REQ),
  STR (T, "id", id, REQ),
  ENUM (T, "status", status, statuses, REQ),
  NUM (T, "pid", pid, OCL_INT64, int64_t, 0),
  STR (T, "bundle", bundle, REQ),
  STR (T, "rootfs", rootfs, 0),
  STR (T, "created", created, 0),
  STR (T, "owner", owner, 0),
  STRMAP (T, "annotations", annotations),
  OBJ (T, "vessel", vessel, struct oci_state_internal, state_internal_type),
};
TYPE (state_type, T, state_fields);

/* runtime-spec's State, what hooks read: Go's specs.State field for field. */
static const struct ocl_field hook_state_fields[] = {
  STR (T, "ociVersion", oci_version, REQ),
  STR (T, "id", id, REQ),
  ENUM (T, "status", status, statuses, REQ),
  NUM (T, "pid", pid, OCL_INT64, int64_t, OMIT),
  STR (T, "bundle", bundle, REQ),
  STRMAP (T, "annotations", annotations),
};
TYPE (hook_state_type, T, hook_state_fields);
#undef T

/* runtime-spec's container process state, for a seccomp listener. */
#define T struct oci_process_state
static const struct ocl_field process_state_fields[] = {
  STR (T, "ociVersion", oci_version, REQ),
  STRV (T, "fds", fds, 0),
  NUM (T, "pid", pid, OCL_INT64, int64_t, 0),
  STR (T, "metadata", metadata, 0),
  OBJ (T, "state", state, struct oci_state, hook_state_type),
};
TYPE (process_state_type, T, process_state_fields);
#undef T

/* ---- features ----------------------------------------------------------- */

#define T struct oci_features_enabled
static const struct ocl_field features_enabled_fields[] = {
  OPT (T, "enabled", enabled, OCL_BOOL, bool),
};
TYPE (features_enabled_type, T, features_enabled_fields);
#undef T

#define T struct oci_features_cgroup
static const struct ocl_field features_cgroup_fields[] = {
  OPT (T, "v1", v1, OCL_BOOL, bool),
  OPT (T, "v2", v2, OCL_BOOL, bool),
  OPT (T, "systemd", systemd, OCL_BOOL, bool),
  OPT (T, "systemdUser", systemd_user, OCL_BOOL, bool),
  OPT (T, "rdma", rdma, OCL_BOOL, bool),
};
TYPE (features_cgroup_type, T, features_cgroup_fields);
#undef T

#define T struct oci_features_seccomp
static const struct ocl_field features_seccomp_fields[] = {
  OPT (T, "enabled", enabled, OCL_BOOL, bool),
  STRV (T, "actions", actions, 0),
  STRV (T, "operators", operators, 0),
  STRV (T, "archs", archs, 0),
  STRV (T, "knownFlags", known_flags, 0),
  STRV (T, "supportedFlags", supported_flags, 0),
};
TYPE (features_seccomp_type, T, features_seccomp_fields);
#undef T

#define T struct oci_features_intel_rdt
static const struct ocl_field features_intel_rdt_fields[] = {
  OPT (T, "enabled", enabled, OCL_BOOL, bool),
  OPT (T, "schemata", schemata, OCL_BOOL, bool),
  OPT (T, "monitoring", monitoring, OCL_BOOL, bool),
};
TYPE (features_intel_rdt_type, T, features_intel_rdt_fields);
#undef T

#define T struct oci_features_memory_policy
static const struct ocl_field features_memory_policy_fields[] = {
  STRV (T, "modes", modes, 0),
  STRV (T, "flags", flags, 0),
};
TYPE (features_memory_policy_type, T, features_memory_policy_fields);
#undef T

#define T struct oci_features_mount_extensions
static const struct ocl_field features_mount_extensions_fields[] = {
  OBJ (T, "idmap", idmap, struct oci_features_enabled, features_enabled_type),
};
TYPE (features_mount_extensions_type, T, features_mount_extensions_fields);
#undef T

#define T struct oci_features_linux
static const struct ocl_field features_linux_fields[] = {
  STRV (T, "namespaces", namespaces, 0),
  STRV (T, "capabilities", capabilities, 0),
  OBJ (T, "cgroup", cgroup, struct oci_features_cgroup, features_cgroup_type),
  OBJ (T, "seccomp", seccomp, struct oci_features_seccomp, features_seccomp_type),
  OBJ (T, "apparmor", apparmor, struct oci_features_enabled, features_enabled_type),
  OBJ (T, "selinux", selinux, struct oci_features_enabled, features_enabled_type),
  OBJ (T, "intelRdt", intel_rdt, struct oci_features_intel_rdt, features_intel_rdt_type),
  OBJ (T, "memoryPolicy", memory_policy, struct oci_features_memory_policy,
       features_memory_policy_type),
  OBJ (T, "mountExtensions", mount_extensions, struct oci_features_mount_extensions,
       features_mount_extensions_type),
  OBJ (T, "netDevices", net_devices, struct oci_features_enabled, features_enabled_type),
};
TYPE (features_linux_type, T, features_linux_fields);
#undef T

#define T struct oci_features
static const struct ocl_field features_fields[] = {
  STR (T, "ociVersionMin", oci_version_min, REQ),
  STR (T, "ociVersionMax", oci_version_max, REQ),
  STRV (T, "hooks", hooks, 0),
  STRV (T, "mountOptions", mount_options, 0),
  OBJ (T, "linux", linux, struct oci_features_linux, features_linux_type),
  STRMAP (T, "annotations", annotations),
  STRV (T, "potentiallyUnsafeConfigAnnotations", potentially_unsafe_config_annotations, 0),
};
TYPE (features_type, T, features_fields);
#undef T

/* ---- API ------------------------------------------------------------------ */

const struct ocl_type *
ocl_config_type (void)
{
  return &config_type;
}

const struct ocl_type *
ocl_state_type (void)
{
  return &state_type;
}

/* Parses into a fresh document of `size` bytes whose arena pointer sits at
   `arena_offset`; on failure nothing is left allocated. */
static int
parse_document (const struct ocl_type *type, size_t arena_offset,
                const char *name, const char *text, size_t len, void **out,
                char **err)
{
  struct oci_arena *arena = ocl_arena_new ();
  unsigned char *doc = oci_arena_alloc (arena, type->size);
  int ret = ocl_parse (type, name, text, len, arena, doc, err);
  if (ret < 0)
    {
      ocl_arena_free (arena);
      return ret;
    }
  *(struct oci_arena **) (doc + arena_offset) = arena;
  *out = doc;
  return 0;
}

/* yajl needs a NUL-terminated text, and data may be exactly len bytes long. */
static int
terminated_copy (const char *name, const char *data, size_t len, char **text, char **err)
{
  if (len > OCL_MAX_DOCUMENT)
    {
      *err = ocl_strdup_printf ("%s: larger than %u MiB", name, OCL_MAX_DOCUMENT >> 20);
      return -EFBIG;
    }
  *text = ocl_xmalloc (len + 1);
  memcpy (*text, data, len);
  (*text)[len] = '\0';
  return 0;
}

static int
parse_buffer (const struct ocl_type *type, size_t arena_offset, const char *name,
              const char *data, size_t len, void **out, char **err)
{
  char *text = NULL;
  int ret = terminated_copy (name, data, len, &text, err);
  if (ret < 0)
    return ret;
  ret = parse_document (type, arena_offset, name, text, len, out, err);
  free (text);
  return ret;
}

int
oci_config_parse_data (const char *name, const char *data, size_t len,
                       struct oci_config **out, char **err)
{
  return parse_buffer (&config_type, offsetof (struct oci_config, arena), name,
                       data, len, (void **) out, err);
}

int
oci_config_parse_file (const char *path, const char *name,
                       struct oci_config **out, char **err)
{
  char *text = NULL;
  size_t len = 0;
  int ret = oci_read_document (path, name, false, &text, &len, err);
  if (ret < 0)
    return ret;
  ret = parse_document (&config_type, offsetof (struct oci_config, arena), name,
                        text, len, (void **) out, err);
  free (text);
  return ret;
}

void
oci_config_free (struct oci_config *config)
{
  if (config)
    ocl_arena_free (config->arena);
}

int
oci_config_generate (const struct oci_config *config, unsigned flags,
                     char **out, size_t *len, char **err)
{
  return ocl_generate (&config_type, config, flags, NULL, out, len, err);
}

/* One part of a config (an object of `type`) parsed on its own, into
   *part, which lives in the arena of the otherwise empty config *out. */
static int
parse_config_part (const struct ocl_type *type, const char *name, const char *data, size_t len,
                   struct oci_config **out, void **part, char **err)
{
  char *text = NULL;
  int ret = terminated_copy (name, data, len, &text, err);
  if (ret < 0)
    return ret;
  struct oci_arena *arena = ocl_arena_new ();
  struct oci_config *config = oci_arena_alloc (arena, sizeof (*config));
  config->arena = arena;
  *part = oci_arena_alloc (arena, type->size);
  ret = ocl_parse (type, name, text, len, arena, *part, err);
  free (text);
  if (ret < 0)
    {
      ocl_arena_free (arena);
      return ret;
    }
  *out = config;
  return 0;
}

int
oci_resources_parse_data (const char *name, const char *data, size_t len,
                          struct oci_config **out, char **err)
{
  void *resources;
  int ret = parse_config_part (&resources_type, name, data, len, out, &resources, err);
  if (ret < 0)
    return ret;
  (*out)->linux = oci_arena_alloc ((*out)->arena, sizeof (*(*out)->linux));
  (*out)->linux->resources = resources;
  return 0;
}

int
oci_process_parse_data (const char *name, const char *data, size_t len,
                        struct oci_config **out, char **err)
{
  void *process;
  int ret = parse_config_part (&process_type, name, data, len, out, &process, err);
  if (ret == 0)
    (*out)->process = process;
  return ret;
}

int
oci_state_parse_data (const char *name, const char *data, size_t len,
                      struct oci_state **out, char **err)
{
  return parse_buffer (&state_type, offsetof (struct oci_state, arena), name,
                       data, len, (void **) out, err);
}

int
oci_state_generate (const struct oci_state *state, unsigned flags, char **out,
                    size_t *len, char **err)
{
  if (flags & OCI_GEN_STATE_SPEC)
    return ocl_generate (&hook_state_type, state, flags, NULL, out, len, err);
  const struct ocl_field *skip = NULL;
  if (flags & OCI_GEN_STATE_PUBLIC)
    skip = &state_fields[COUNT (state_fields) - 1];
  return ocl_generate (&state_type, state, flags, skip, out, len, err);
}

int
oci_process_state_generate (const struct oci_process_state *ps, char **out, size_t *len, char **err)
{
  return ocl_generate (&process_state_type, ps, 0, NULL, out, len, err);
}

struct oci_state *
oci_state_new (void)
{
  struct oci_arena *arena = ocl_arena_new ();
  struct oci_state *state = oci_arena_alloc (arena, sizeof (*state));
  state->arena = arena;
  return state;
}

void
oci_state_free (struct oci_state *state)
{
  if (state)
    ocl_arena_free (state->arena);
}

int
oci_features_parse_data (const char *name, const char *data, size_t len,
                         struct oci_features **out, char **err)
{
  return parse_buffer (&features_type, offsetof (struct oci_features, arena),
                       name, data, len, (void **) out, err);
}

int
oci_features_generate (const struct oci_features *features, unsigned flags,
                       char **out, size_t *len, char **err)
{
  return ocl_generate (&features_type, features, flags, NULL, out, len, err);
}

struct oci_features *
oci_features_new (void)
{
  struct oci_arena *arena = ocl_arena_new ();
  struct oci_features *f = oci_arena_alloc (arena, sizeof (*f));
  f->arena = arena;
  return f;
}

void
oci_features_free (struct oci_features *features)
{
  if (features)
    ocl_arena_free (features->arena);
}

static const char *
enum_name (const struct ocl_enum *e, int v)
{
  return v >= 0 && (size_t) v < e->count ? e->names[v] : NULL;
}

const char *oci_namespace_type_name (int v) { return enum_name (&namespace_types, v); }
const char *oci_seccomp_action_name (int v) { return enum_name (&seccomp_actions, v); }
const char *oci_seccomp_arch_name (int v) { return enum_name (&seccomp_archs, v); }
const char *oci_seccomp_flag_name (int v) { return enum_name (&seccomp_flags, v); }
const char *oci_seccomp_op_name (int v) { return enum_name (&seccomp_ops, v); }
const char *oci_mpol_mode_name (int v) { return enum_name (&mpol_modes, v); }
const char *oci_mpol_flag_name (int v) { return enum_name (&mpol_flags, v); }
const char *oci_status_name (int v) { return enum_name (&statuses, v); }

const char *
oci_kv_get (const struct oci_kv *kv, size_t len, const char *key)
{
  const char *found = NULL;
  /* The last duplicate wins, as with Go's decoder. */
  for (size_t i = 0; i < len; i++)
    if (strcmp (kv[i].key, key) == 0)
      found = kv[i].value;
  return found;
}
