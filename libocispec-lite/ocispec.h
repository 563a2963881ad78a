/* libocispec-lite: the OCI runtime-spec 1.3 data model for Linux.
 *
 * config.json, the state document and the features document as plain C
 * structs.  Everything a parsed document owns lives in one arena, freed at
 * once by the matching *_free function, so the structs hold bare pointers.
 *
 * Conventions (they mirror the Go reference types in runtime-spec/specs-go):
 *   - a string is NULL when absent;
 *   - an array is a pointer plus a `_len`; the pointer is NULL when the key
 *     was absent and non-NULL (possibly with len 0) when it was present;
 *     a parsed array of strings is also NULL-terminated (argv, envp);
 *   - an optional object (a Go pointer) is NULL when absent;
 *   - an optional scalar (a Go pointer) has a `has_` flag next to it;
 *   - enumerations are stored as the C enums below, never as strings;
 *   - string maps keep the document's key order.
 *
 * Unknown keys are ignored.  A wrong type, a missing required key, a number
 * out of range or an unknown enumeration string is an error whose message
 * names the JSON path: "config.json: .linux.resources.memory.limit:
 * expected integer, got string".
 */
#ifndef OCISPEC_H
#define OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GNU C predefines `linux` as 1; the spec's member is called linux. */
#undef linux

#define OCI_SPEC_VERSION_STRING "1.3.0"

struct oci_arena;

struct oci_kv
{
  char *key;
  char *value;
};

/* ---- enumerations (the order matches the string tables in ocispec-model.c) */

enum oci_namespace_type
{
  OCI_NS_MOUNT,
  OCI_NS_PID,
  OCI_NS_NETWORK,
  OCI_NS_UTS,
  OCI_NS_IPC,
  OCI_NS_USER,
  OCI_NS_CGROUP,
  OCI_NS_TIME,
  OCI_NS_COUNT
};

enum oci_propagation
{
  OCI_PROPAGATION_PRIVATE,
  OCI_PROPAGATION_SHARED,
  OCI_PROPAGATION_SLAVE,
  OCI_PROPAGATION_UNBINDABLE,
  /* Recursive spellings, accepted as runc does. */
  OCI_PROPAGATION_RPRIVATE,
  OCI_PROPAGATION_RSHARED,
  OCI_PROPAGATION_RSLAVE,
  OCI_PROPAGATION_RUNBINDABLE,
};

enum oci_device_type
{
  OCI_DEVICE_CHAR,       /* "c" */
  OCI_DEVICE_BLOCK,      /* "b" */
  OCI_DEVICE_UNBUFFERED, /* "u": an unbuffered character device */
  OCI_DEVICE_FIFO,       /* "p" */
};

enum oci_ioprio_class
{
  OCI_IOPRIO_CLASS_RT,
  OCI_IOPRIO_CLASS_BE,
  OCI_IOPRIO_CLASS_IDLE,
};

enum oci_sched_policy
{
  OCI_SCHED_OTHER,
  OCI_SCHED_FIFO,
  OCI_SCHED_RR,
  OCI_SCHED_BATCH,
  OCI_SCHED_ISO,
  OCI_SCHED_IDLE,
  OCI_SCHED_DEADLINE,
};

enum oci_sched_flag
{
  OCI_SCHED_FLAG_RESET_ON_FORK,
  OCI_SCHED_FLAG_RECLAIM,
  OCI_SCHED_FLAG_DL_OVERRUN,
  OCI_SCHED_FLAG_KEEP_POLICY,
  OCI_SCHED_FLAG_KEEP_PARAMS,
  OCI_SCHED_FLAG_UTIL_CLAMP_MIN,
  OCI_SCHED_FLAG_UTIL_CLAMP_MAX,
};

enum oci_seccomp_action
{
  OCI_SCMP_ACT_KILL,
  OCI_SCMP_ACT_KILL_PROCESS,
  OCI_SCMP_ACT_KILL_THREAD,
  OCI_SCMP_ACT_TRAP,
  OCI_SCMP_ACT_ERRNO,
  OCI_SCMP_ACT_TRACE,
  OCI_SCMP_ACT_ALLOW,
  OCI_SCMP_ACT_LOG,
  OCI_SCMP_ACT_NOTIFY,
  OCI_SCMP_ACT_COUNT
};

enum oci_seccomp_arch
{
  OCI_SCMP_ARCH_X86,
  OCI_SCMP_ARCH_X86_64,
  OCI_SCMP_ARCH_X32,
  OCI_SCMP_ARCH_ARM,
  OCI_SCMP_ARCH_AARCH64,
  OCI_SCMP_ARCH_LOONGARCH64,
  OCI_SCMP_ARCH_M68K,
  OCI_SCMP_ARCH_MIPS,
  OCI_SCMP_ARCH_MIPS64,
  OCI_SCMP_ARCH_MIPS64N32,
  OCI_SCMP_ARCH_MIPSEL,
  OCI_SCMP_ARCH_MIPSEL64,
  OCI_SCMP_ARCH_MIPSEL64N32,
  OCI_SCMP_ARCH_PPC,
  OCI_SCMP_ARCH_PPC64,
  OCI_SCMP_ARCH_PPC64LE,
  OCI_SCMP_ARCH_S390,
  OCI_SCMP_ARCH_S390X,
  OCI_SCMP_ARCH_SH,
  OCI_SCMP_ARCH_SHEB,
  OCI_SCMP_ARCH_PARISC,
  OCI_SCMP_ARCH_PARISC64,
  OCI_SCMP_ARCH_RISCV64,
  OCI_SCMP_ARCH_COUNT
};

enum oci_seccomp_flag
{
  OCI_SECCOMP_FLAG_TSYNC,
  OCI_SECCOMP_FLAG_LOG,
  OCI_SECCOMP_FLAG_SPEC_ALLOW,
  OCI_SECCOMP_FLAG_WAIT_KILLABLE_RECV,
  OCI_SECCOMP_FLAG_COUNT
};

enum oci_seccomp_op
{
  OCI_SCMP_CMP_NE,
  OCI_SCMP_CMP_LT,
  OCI_SCMP_CMP_LE,
  OCI_SCMP_CMP_EQ,
  OCI_SCMP_CMP_GE,
  OCI_SCMP_CMP_GT,
  OCI_SCMP_CMP_MASKED_EQ,
  OCI_SCMP_CMP_COUNT
};

enum oci_mpol_mode
{
  OCI_MPOL_DEFAULT,
  OCI_MPOL_BIND,
  OCI_MPOL_INTERLEAVE,
  OCI_MPOL_WEIGHTED_INTERLEAVE,
  OCI_MPOL_PREFERRED,
  OCI_MPOL_PREFERRED_MANY,
  OCI_MPOL_LOCAL,
  OCI_MPOL_MODE_COUNT
};

enum oci_mpol_flag
{
  OCI_MPOL_F_NUMA_BALANCING,
  OCI_MPOL_F_RELATIVE_NODES,
  OCI_MPOL_F_STATIC_NODES,
  OCI_MPOL_FLAG_COUNT
};

enum oci_personality_domain
{
  OCI_PER_LINUX,
  OCI_PER_LINUX32,
};

enum oci_status
{
  OCI_STATUS_CREATING,
  OCI_STATUS_CREATED,
  OCI_STATUS_RUNNING,
  OCI_STATUS_STOPPED,
  OCI_STATUS_PAUSED, /* not in the spec's enum, but runc reports it */
};

/* ---- config.json ------------------------------------------------------ */

struct oci_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct oci_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
  size_t options_len;
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
};

struct oci_hook
{
  char *path;
  char **args;
  size_t args_len;
  char **env;
  size_t env_len;
  bool has_timeout;
  int64_t timeout; /* seconds, >= 1 */
};

struct oci_hooks
{
  struct oci_hook *prestart;
  size_t prestart_len;
  struct oci_hook *create_runtime;
  size_t create_runtime_len;
  struct oci_hook *create_container;
  size_t create_container_len;
  struct oci_hook *start_container;
  size_t start_container_len;
  struct oci_hook *poststart;
  size_t poststart_len;
  struct oci_hook *poststop;
  size_t poststop_len;
};

struct oci_box
{
  uint64_t height;
  uint64_t width;
};

struct oci_user
{
  uint32_t uid;
  uint32_t gid;
  bool has_umask;
  uint32_t umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username;
};

struct oci_capabilities
{
  char **bounding;
  size_t bounding_len;
  char **effective;
  size_t effective_len;
  char **inheritable;
  size_t inheritable_len;
  char **permitted;
  size_t permitted_len;
  char **ambient;
  size_t ambient_len;
};

struct oci_rlimit
{
  char *type;
  uint64_t hard;
  uint64_t soft;
};

struct oci_io_priority
{
  int class_; /* enum oci_ioprio_class */
  int32_t priority;
};

struct oci_scheduler
{
  int policy; /* enum oci_sched_policy */
  int32_t nice;
  int32_t priority;
  int *flags; /* enum oci_sched_flag */
  size_t flags_len;
  uint64_t runtime;
  uint64_t deadline;
  uint64_t period;
};

struct oci_cpu_affinity
{
  char *initial;
  char *final;
};

struct oci_process
{
  bool terminal;
  struct oci_box *console_size;
  struct oci_user user;
  char **args;
  size_t args_len;
  char *command_line;
  char **env;
  size_t env_len;
  char *cwd;
  struct oci_capabilities *capabilities;
  struct oci_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int32_t oom_score_adj;
  struct oci_scheduler *scheduler;
  char *selinux_label;
  struct oci_io_priority *io_priority;
  struct oci_cpu_affinity *exec_cpu_affinity;
};

struct oci_root
{
  char *path;
  bool readonly;
};

struct oci_namespace
{
  int type; /* enum oci_namespace_type */
  char *path;
};

struct oci_device
{
  char *path;
  int type; /* enum oci_device_type */
  int64_t major;
  int64_t minor;
  bool has_file_mode;
  uint32_t file_mode;
  bool has_uid;
  uint32_t uid;
  bool has_gid;
  uint32_t gid;
};

struct oci_net_device
{
  char *host_name; /* the map key: the interface's name on the host */
  char *name;      /* its name in the container, when it changes */
};

struct oci_device_cgroup
{
  bool allow;
  char *type; /* "a", "c", "b"; NULL means all */
  bool has_major;
  int64_t major;
  bool has_minor;
  int64_t minor;
  char *access;
};

struct oci_memory
{
  bool has_limit;
  int64_t limit;
  bool has_reservation;
  int64_t reservation;
  bool has_swap;
  int64_t swap;
  bool has_kernel;
  int64_t kernel;
  bool has_kernel_tcp;
  int64_t kernel_tcp;
  bool has_swappiness;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool has_check_before_update;
  bool check_before_update;
};

struct oci_cpu
{
  bool has_shares;
  uint64_t shares;
  bool has_quota;
  int64_t quota;
  bool has_burst;
  uint64_t burst;
  bool has_period;
  uint64_t period;
  bool has_realtime_runtime;
  int64_t realtime_runtime;
  bool has_realtime_period;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  bool has_idle;
  int64_t idle;
};

struct oci_pids
{
  bool has_limit;
  int64_t limit;
};

struct oci_weight_device
{
  int64_t major;
  int64_t minor;
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
};

struct oci_throttle_device
{
  int64_t major;
  int64_t minor;
  uint64_t rate;
};

struct oci_block_io
{
  bool has_weight;
  uint16_t weight;
  bool has_leaf_weight;
  uint16_t leaf_weight;
  struct oci_weight_device *weight_device;
  size_t weight_device_len;
  struct oci_throttle_device *throttle_read_bps_device;
  size_t throttle_read_bps_device_len;
  struct oci_throttle_device *throttle_write_bps_device;
  size_t throttle_write_bps_device_len;
  struct oci_throttle_device *throttle_read_iops_device;
  size_t throttle_read_iops_device_len;
  struct oci_throttle_device *throttle_write_iops_device;
  size_t throttle_write_iops_device_len;
};

struct oci_hugepage_limit
{
  char *page_size;
  uint64_t limit;
};

struct oci_interface_priority
{
  char *name;
  uint32_t priority;
};

struct oci_network
{
  bool has_class_id;
  uint32_t class_id;
  struct oci_interface_priority *priorities;
  size_t priorities_len;
};

struct oci_rdma
{
  char *device; /* the map key */
  bool has_hca_handles;
  uint32_t hca_handles;
  bool has_hca_objects;
  uint32_t hca_objects;
};

struct oci_resources
{
  struct oci_device_cgroup *devices;
  size_t devices_len;
  struct oci_memory *memory;
  struct oci_cpu *cpu;
  struct oci_pids *pids;
  struct oci_block_io *block_io;
  struct oci_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct oci_network *network;
  struct oci_rdma *rdma;
  size_t rdma_len;
  struct oci_kv *unified;
  size_t unified_len;
};

struct oci_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  uint64_t value_two;
  int op; /* enum oci_seccomp_op */
};

struct oci_syscall
{
  char **names;
  size_t names_len;
  int action; /* enum oci_seccomp_action */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct oci_seccomp_arg *args;
  size_t args_len;
};

struct oci_seccomp
{
  int default_action; /* enum oci_seccomp_action */
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  int *architectures; /* enum oci_seccomp_arch */
  size_t architectures_len;
  int *flags; /* enum oci_seccomp_flag */
  size_t flags_len;
  char *listener_path;
  char *listener_metadata;
  struct oci_syscall *syscalls;
  size_t syscalls_len;
};

struct oci_intel_rdt
{
  char *clos_id;
  char **schemata;
  size_t schemata_len;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_monitoring;
};

struct oci_memory_policy
{
  int mode; /* enum oci_mpol_mode */
  char *nodes;
  int *flags; /* enum oci_mpol_flag */
  size_t flags_len;
};

struct oci_personality
{
  int domain; /* enum oci_personality_domain */
  char **flags;
  size_t flags_len;
};

struct oci_time_offset
{
  int64_t secs;
  uint32_t nanosecs;
};

struct oci_time_offsets
{
  struct oci_time_offset *boottime;
  struct oci_time_offset *monotonic;
};

struct oci_linux
{
  struct oci_id_mapping *uid_mappings;
  size_t uid_mappings_len;
  struct oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
  struct oci_kv *sysctl;
  size_t sysctl_len;
  struct oci_resources *resources;
  char *cgroups_path;
  struct oci_namespace *namespaces;
  size_t namespaces_len;
  struct oci_device *devices;
  size_t devices_len;
  struct oci_net_device *net_devices;
  size_t net_devices_len;
  struct oci_seccomp *seccomp;
  bool has_rootfs_propagation;
  int rootfs_propagation; /* enum oci_propagation */
  char **masked_paths;
  size_t masked_paths_len;
  char **readonly_paths;
  size_t readonly_paths_len;
  char *mount_label;
  struct oci_intel_rdt *intel_rdt;
  struct oci_memory_policy *memory_policy;
  struct oci_personality *personality;
  struct oci_time_offsets *time_offsets;
};

struct oci_config
{
  char *oci_version;
  struct oci_process *process;
  struct oci_root *root;
  char *hostname;
  char *domainname;
  struct oci_mount *mounts;
  size_t mounts_len;
  struct oci_hooks *hooks;
  struct oci_kv *annotations;
  size_t annotations_len;
  struct oci_linux *linux;

  struct oci_arena *arena; /* owns everything above */
};

/* ---- the state of a container ----------------------------------------

   One struct for both the spec's state document (what `state` prints and
   hooks read on stdin) and vessel's on-disk state file, which adds the
   fields under "vessel" that later commands need to find the container
   safely.  OCI_STATE_PUBLIC writes only what runc's `state` prints. */

struct oci_state_internal
{
  uint64_t init_start_time; /* /proc/<pid>/stat field 22: detects pid reuse */
  char *config_path;        /* the config.json the container was made from */
  char **cgroup_paths;      /* absolute cgroup directories, one per hierarchy */
  size_t cgroup_paths_len;
  bool started;       /* start (or run) made init exec the process */
  bool own_pid_ns;    /* the container has its own pid namespace */
  bool poststart_hooks; /* its config has poststart hooks, */
  bool poststop_hooks;  /* or poststop hooks: then start or delete reads it */
  bool rootless;
  char *cgroup_manager;
};

struct oci_state
{
  char *oci_version;
  char *id;
  int status; /* enum oci_status */
  int64_t pid;
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339, UTC */
  char *owner;
  struct oci_kv *annotations;
  size_t annotations_len;
  struct oci_state_internal *vessel;

  struct oci_arena *arena;
};

/* ---- the features document ------------------------------------------- */

struct oci_features_seccomp
{
  bool has_enabled;
  bool enabled;
  char **actions;
  size_t actions_len;
  char **operators;
  size_t operators_len;
  char **archs;
  size_t archs_len;
  char **known_flags;
  size_t known_flags_len;
  char **supported_flags;
  size_t supported_flags_len;
};

struct oci_features_enabled
{
  bool has_enabled;
  bool enabled;
};

struct oci_features_cgroup
{
  bool has_v1;
  bool v1;
  bool has_v2;
  bool v2;
  bool has_systemd;
  bool systemd;
  bool has_systemd_user;
  bool systemd_user;
  bool has_rdma;
  bool rdma;
};

struct oci_features_intel_rdt
{
  bool has_enabled;
  bool enabled;
  bool has_schemata;
  bool schemata;
  bool has_monitoring;
  bool monitoring;
};

struct oci_features_memory_policy
{
  char **modes;
  size_t modes_len;
  char **flags;
  size_t flags_len;
};

struct oci_features_mount_extensions
{
  struct oci_features_enabled *idmap;
};

struct oci_features_linux
{
  char **namespaces;
  size_t namespaces_len;
  char **capabilities;
  size_t capabilities_len;
  struct oci_features_cgroup *cgroup;
  struct oci_features_seccomp *seccomp;
  struct oci_features_enabled *apparmor;
  struct oci_features_enabled *selinux;
  struct oci_features_intel_rdt *intel_rdt;
  struct oci_features_memory_policy *memory_policy;
  struct oci_features_mount_extensions *mount_extensions;
  struct oci_features_enabled *net_devices;
};

struct oci_features
{
  char *oci_version_min;
  char *oci_version_max;
  char **hooks;
  size_t hooks_len;
  char **mount_options;
  size_t mount_options_len;
  struct oci_features_linux *linux;
  struct oci_kv *annotations;
  size_t annotations_len;
  char **potentially_unsafe_config_annotations;
  size_t potentially_unsafe_config_annotations_len;

  struct oci_arena *arena;
};

/* ---- API --------------------------------------------------------------

   Every function returns 0 or a negative errno value (-EINVAL for a
   document that does not conform, or the errno of a failed read) and then
   sets *err to a malloc'ed message the caller frees.  Running out of memory
   aborts (as crun's xmalloc does): a half-built document cannot be unwound
   usefully, and a runtime without memory can do nothing else anyway.  `name` is
   how messages refer to the document ("config.json"). */

/* Reads a whole regular file (at most 16 MiB) into a NUL-terminated
   malloc'ed buffer, for the *_parse_data functions; with pipe_ok also a
   pipe, read to its end (exec -p /dev/fd/N, -p <(...)). */
int oci_read_document (const char *path, const char *name, bool pipe_ok, char **text,
                       size_t *len, char **err);

int oci_config_parse_data (const char *name, const char *data, size_t len,
                           struct oci_config **out, char **err);
int oci_config_parse_file (const char *path, const char *name,
                           struct oci_config **out, char **err);
void oci_config_free (struct oci_config *config);

/* A linux.resources object on its own (`update --resources`), returned
   as the linux.resources of an otherwise empty config. */
int oci_resources_parse_data (const char *name, const char *data, size_t len,
                              struct oci_config **out, char **err);

/* A process object on its own (`exec --process`), returned as the
   process of an otherwise empty config. */
int oci_process_parse_data (const char *name, const char *data, size_t len,
                            struct oci_config **out, char **err);

enum oci_gen_flags
{
  OCI_GEN_PRETTY = 1 << 0,       /* tab-indented, as `runc spec` writes */
  OCI_GEN_STATE_PUBLIC = 1 << 1, /* state: leave out vessel's own fields */
  OCI_GEN_NEWLINE = 1 << 2,      /* end the text with a newline */
  OCI_GEN_STATE_SPEC = 1 << 3,   /* state: runtime-spec's State only, as hooks read it */
};

/* The generated text is malloc'ed, NUL-terminated, and *len excludes the NUL. */
int oci_config_generate (const struct oci_config *config, unsigned flags,
                         char **out, size_t *len, char **err);

int oci_state_parse_data (const char *name, const char *data, size_t len,
                          struct oci_state **out, char **err);
int oci_state_generate (const struct oci_state *state, unsigned flags,
                        char **out, size_t *len, char **err);
/* runtime-spec's container process state (config-linux.md), what a
   seccomp listener receives; state is written as hooks read it. */
struct oci_process_state
{
  char *oci_version;
  char **fds;
  size_t fds_len;
  int64_t pid;
  char *metadata;
  struct oci_state *state;
};
int oci_process_state_generate (const struct oci_process_state *ps, char **out, size_t *len, char **err);
/* A state to fill in by hand: zeroed, with its arena. */
struct oci_state *oci_state_new (void);
void oci_state_free (struct oci_state *state);

int oci_features_parse_data (const char *name, const char *data, size_t len,
                             struct oci_features **out, char **err);
int oci_features_generate (const struct oci_features *features, unsigned flags,
                           char **out, size_t *len, char **err);
struct oci_features *oci_features_new (void);
void oci_features_free (struct oci_features *features);

/* Allocation inside a document's arena, for code that builds or edits a
   document (the default spec, the state file).  They never return NULL. */
void *oci_arena_alloc (struct oci_arena *arena, size_t size);
char *oci_arena_strdup (struct oci_arena *arena, const char *s);

/* Enumeration names, as written in JSON ("network", "SCMP_ACT_ERRNO"). */
const char *oci_namespace_type_name (int type);
const char *oci_seccomp_action_name (int action);
const char *oci_seccomp_arch_name (int arch);
const char *oci_seccomp_flag_name (int flag);
const char *oci_seccomp_op_name (int op);
const char *oci_mpol_mode_name (int mode);
const char *oci_mpol_flag_name (int flag);
const char *oci_status_name (int status);

/* The value of `key` in a string map, or NULL. */
const char *oci_kv_get (const struct oci_kv *kv, size_t len, const char *key);

#endif
