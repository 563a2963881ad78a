/* libocispec-lite against expectations written out by hand from the
 * runtime-spec (config.md, config-linux.md, the Go types of specs-go):
 * concrete documents, the exact message each bad one gets, and the values
 * each good one yields.  test-config.c generates its inputs and messages
 * from the descriptor tables, so a wrong table entry (a misspelt key, a
 * wrong integer width or range, a field wrongly required or optional, an
 * enumeration missing a value) passes there; it fails here. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"
#include "tap.h"

#define V "{\"ociVersion\":\"1.0.0\","
#define PROC(x) V "\"process\":{\"cwd\":\"/\"," x "}}"
#define LINUX(x) V "\"linux\":{" x "}}"
#define RES(x) LINUX ("\"resources\":{" x "}")
#define DEV(x) LINUX ("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3" x "}]")

struct refusal
{
  const char *doc;
  const char *message;
};

/* Each document and the whole message it must get. */
static const struct refusal refusals[] = {
  /* uid_t and gid_t are uint32 */
  { PROC ("\"user\":{\"uid\":4294967296,\"gid\":0}"),
    "config.json: .process.user.uid: value 4294967296 is out of range [0, 4294967295]" },
  { PROC ("\"user\":{\"uid\":0,\"gid\":-1}"), "config.json: .process.user.gid: value -1 is out of range [0, 4294967295]" },
  { PROC ("\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,\"2\"]}"),
    "config.json: .process.user.additionalGids[1]: expected integer, got string" },
  { PROC ("\"user\":{\"uid\":0,\"gid\":0,\"umask\":-1}"),
    "config.json: .process.user.umask: value -1 is out of range [0, 4294967295]" },
  /* oom_score_adj is -1000..1000 in the kernel */
  { PROC ("\"oomScoreAdj\":1001"), "config.json: .process.oomScoreAdj: value 1001 is out of range [-1000, 1000]" },
  { PROC ("\"oomScoreAdj\":-1001"), "config.json: .process.oomScoreAdj: value -1001 is out of range [-1000, 1000]" },
  { PROC ("\"terminal\":\"yes\""), "config.json: .process.terminal: expected boolean, got string" },
  { PROC ("\"noNewPrivileges\":1"), "config.json: .process.noNewPrivileges: expected boolean, got number" },
  { PROC ("\"consoleSize\":{\"height\":24}"), "config.json: .process.consoleSize.width: missing required field" },
  { PROC ("\"args\":\"sh\""), "config.json: .process.args: expected array, got string" },
  { PROC ("\"env\":[\"A=1\",2]"), "config.json: .process.env[1]: expected string, got number" },
  /* POSIXRlimit: type, hard and soft are all required, hard and soft uint64 */
  { PROC ("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024}]"),
    "config.json: .process.rlimits[0].soft: missing required field" },
  { PROC ("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":-1,\"soft\":1}]"),
    "config.json: .process.rlimits[0].hard: value -1 is out of range [0, 18446744073709551615]" },
  { PROC ("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}"),
    "config.json: .process.ioPriority.class: unknown value \"IOPRIO_CLASS_NONE\" (expected one of: "
    "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)" },
  { PROC ("\"scheduler\":{\"nice\":1}"), "config.json: .process.scheduler.policy: missing required field" },
  { V "\"process\":{\"args\":[\"sh\"]}}", "config.json: .process.cwd: missing required field" },
  { V "\"root\":{\"readonly\":true}}", "config.json: .root.path: missing required field" },
  { V "\"root\":{\"path\":\"rootfs\",\"readonly\":\"true\"}}", "config.json: .root.readonly: expected boolean, got string" },
  { V "\"mounts\":[{\"type\":\"tmpfs\",\"source\":\"tmpfs\"}]}", "config.json: .mounts[0].destination: missing required field" },
  { V "\"mounts\":[{\"destination\":\"/x\",\"options\":\"ro\"}]}", "config.json: .mounts[0].options: expected array, got string" },
  { V "\"hooks\":{\"prestart\":[{\"args\":[\"x\"]}]}}", "config.json: .hooks.prestart[0].path: missing required field" },
  /* a hook's timeout, when given, is at least 1 */
  { V "\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":0}]}}",
    "config.json: .hooks.poststop[0].timeout: value 0 is out of range [1, 9223372036854775807]" },
  { V "\"hostname\":1}", "config.json: .hostname: expected string, got number" },
  { V "\"annotations\":{\"a\":1}}", "config.json: .annotations.a: expected string, got number" },
  /* linux */
  { LINUX ("\"uidMappings\":[{\"containerID\":0,\"hostID\":1000}]"),
    "config.json: .linux.uidMappings[0].size: missing required field" },
  { LINUX ("\"gidMappings\":[{\"containerID\":0,\"hostID\":4294967296,\"size\":1}]"),
    "config.json: .linux.gidMappings[0].hostID: value 4294967296 is out of range [0, 4294967295]" },
  { LINUX ("\"namespaces\":[{\"path\":\"/proc/1/ns/net\"}]"), "config.json: .linux.namespaces[0].type: missing required field" },
  { LINUX ("\"namespaces\":[{\"type\":\"net\"}]"),
    "config.json: .linux.namespaces[0].type: unknown value \"net\" (expected one of: "
    "mount, pid, network, uts, ipc, user, cgroup, time)" },
  { LINUX ("\"rootfsPropagation\":\"recursive\""),
    "config.json: .linux.rootfsPropagation: unknown value \"recursive\" (expected one of: "
    "private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable)" },
  { LINUX ("\"devices\":[{\"type\":\"c\",\"major\":1,\"minor\":3}]"), "config.json: .linux.devices[0].path: missing required field" },
  { LINUX ("\"devices\":[{\"path\":\"/dev/x\",\"major\":1,\"minor\":3}]"),
    "config.json: .linux.devices[0].type: missing required field" },
  { LINUX ("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"s\"}]"),
    "config.json: .linux.devices[0].type: unknown value \"s\" (expected one of: c, b, u, p)" },
  /* a mode is a st_mode's permission and type bits: 16 bits */
  { DEV (",\"fileMode\":65536"), "config.json: .linux.devices[0].fileMode: value 65536 is out of range [0, 65535]" },
  { DEV (",\"uid\":-1"), "config.json: .linux.devices[0].uid: value -1 is out of range [0, 4294967295]" },
  { DEV (",\"major\":\"1\""), "config.json: .linux.devices[0].major: expected integer, got string" },
  { LINUX ("\"sysctl\":{\"kernel.msgmax\":8192}"),
    "config.json: .linux.sysctl[\"kernel.msgmax\"]: expected string, got number" },
  { LINUX ("\"maskedPaths\":\"/proc/kcore\""), "config.json: .linux.maskedPaths: expected array, got string" },
  { LINUX ("\"cgroupsPath\":[]"), "config.json: .linux.cgroupsPath: expected string, got array" },
  /* linux.resources */
  { RES ("\"devices\":[{\"access\":\"rwm\"}]"), "config.json: .linux.resources.devices[0].allow: missing required field" },
  { RES ("\"memory\":{\"limit\":1.5}"), "config.json: .linux.resources.memory.limit: expected integer, got number 1.5" },
  { RES ("\"memory\":{\"swappiness\":-1}"),
    "config.json: .linux.resources.memory.swappiness: value -1 is out of range [0, 18446744073709551615]" },
  { RES ("\"memory\":{\"disableOOMKiller\":0}"), "config.json: .linux.resources.memory.disableOOMKiller: expected boolean, got number" },
  { RES ("\"cpu\":{\"shares\":-2}"), "config.json: .linux.resources.cpu.shares: value -2 is out of range [0, 18446744073709551615]" },
  { RES ("\"cpu\":{\"quota\":\"max\"}"), "config.json: .linux.resources.cpu.quota: expected integer, got string" },
  { RES ("\"cpu\":{\"cpus\":0}"), "config.json: .linux.resources.cpu.cpus: expected string, got number" },
  { RES ("\"pids\":{\"limit\":\"10\"}"), "config.json: .linux.resources.pids.limit: expected integer, got string" },
  /* blkio weights are uint16 */
  { RES ("\"blockIO\":{\"weight\":65536}"), "config.json: .linux.resources.blockIO.weight: value 65536 is out of range [0, 65535]" },
  { RES ("\"blockIO\":{\"leafWeight\":-1}"), "config.json: .linux.resources.blockIO.leafWeight: value -1 is out of range [0, 65535]" },
  { RES ("\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":\"1\"}]"),
    "config.json: .linux.resources.hugepageLimits[0].limit: expected integer, got string" },
  { RES ("\"unified\":{\"memory.max\":1}"), "config.json: .linux.resources.unified[\"memory.max\"]: expected string, got number" },
};

static struct oci_config *
parse (const char *doc)
{
  struct oci_config *c = NULL;
  char *err = NULL;
  if (oci_config_parse_data ("config.json", doc, strlen (doc), &c, &err) != 0)
    {
      printf ("#   %s\n#   refused: %s\n", doc, err ? err : "(no message)");
      c = NULL;
    }
  free (err);
  return c;
}

static void
test_refusals (void)
{
  for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
    {
      struct oci_config *c = NULL;
      char *err = NULL;
      if (oci_config_parse_data ("config.json", refusals[i].doc, strlen (refusals[i].doc), &c, &err) == 0)
        oci_config_free (c);
      is_str (err, refusals[i].message, "%s", refusals[i].doc);
      free (err);
    }
}

/* The edges of each range, and values of every kind, land in the fields. */
static void
test_accepted (void)
{
  struct oci_config *c = parse (PROC ("\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
                                      "\"user\":{\"uid\":4294967295,\"gid\":0,\"umask\":18,\"additionalGids\":[5,4294967295]},"
                                      "\"oomScoreAdj\":-1000,\"noNewPrivileges\":true,"
                                      "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,\"soft\":0}],"
                                      "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7}"));
  ok (c && c->process->terminal && c->process->console_size && c->process->console_size->height == 24
          && c->process->console_size->width == 80,
      "process.terminal and consoleSize");
  ok (c && c->process->user.uid == UINT32_MAX && c->process->user.gid == 0 && c->process->user.has_umask
          && c->process->user.umask == 18 && c->process->user.additional_gids_len == 2
          && c->process->user.additional_gids[1] == UINT32_MAX,
      "process.user: uid 4294967295, umask, additionalGids");
  ok (c && c->process->has_oom_score_adj && c->process->oom_score_adj == -1000 && c->process->no_new_privileges,
      "process.oomScoreAdj -1000, noNewPrivileges");
  ok (c && c->process->rlimits_len == 1 && strcmp (c->process->rlimits[0].type, "RLIMIT_NOFILE") == 0
          && c->process->rlimits[0].hard == UINT64_MAX && c->process->rlimits[0].soft == 0,
      "process.rlimits: hard 2^64-1");
  ok (c && c->process->io_priority && c->process->io_priority->priority == 7, "process.ioPriority");
  oci_config_free (c);

  c = parse (PROC ("\"oomScoreAdj\":1000"));
  ok (c && c->process->oom_score_adj == 1000, "process.oomScoreAdj 1000");
  oci_config_free (c);
  c = parse (PROC ("\"user\":{}"));
  ok (c && c->process->user.uid == 0 && c->process->user.gid == 0 && !c->process->user.has_umask,
      "process.user's uid and gid may be left out (0)");
  oci_config_free (c);

  c = parse (V "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"h\",\"domainname\":\"d\","
               "\"mounts\":[{\"destination\":\"/x\"}],"
               "\"hooks\":{\"createRuntime\":[{\"path\":\"/h\",\"timeout\":1}]},\"annotations\":{\"a\":\"b\"}}");
  ok (c && strcmp (c->root->path, "rootfs") == 0 && c->root->readonly, "root.path and root.readonly");
  ok (c && strcmp (c->hostname, "h") == 0 && strcmp (c->domainname, "d") == 0, "hostname and domainname");
  ok (c && c->mounts_len == 1 && strcmp (c->mounts[0].destination, "/x") == 0 && c->mounts[0].type == NULL,
      "a mount needs only its destination");
  ok (c && c->hooks && c->hooks->create_runtime_len == 1 && c->hooks->create_runtime[0].has_timeout
          && c->hooks->create_runtime[0].timeout == 1,
      "hooks.createRuntime with timeout 1");
  ok (c && c->annotations_len == 1, "annotations");
  oci_config_free (c);

  c = parse (LINUX ("\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":1}],"
                    "\"namespaces\":[{\"type\":\"time\"},{\"type\":\"network\",\"path\":\"/n\"}],"
                    "\"rootfsPropagation\":\"rslave\",\"cgroupsPath\":\"/a/b\","
                    "\"devices\":[{\"path\":\"/dev/x\",\"type\":\"u\",\"major\":-1,\"minor\":0,\"fileMode\":65535,"
                    "\"uid\":4294967295,\"gid\":0}],\"sysctl\":{\"kernel.msgmax\":\"8192\"}"));
  ok (c && c->linux->uid_mappings_len == 1 && c->linux->uid_mappings[0].host_id == UINT32_MAX
          && c->linux->uid_mappings[0].size == 1,
      "linux.uidMappings");
  ok (c && c->linux->namespaces_len == 2 && c->linux->namespaces[0].type == OCI_NS_TIME
          && c->linux->namespaces[1].type == OCI_NS_NETWORK && strcmp (c->linux->namespaces[1].path, "/n") == 0,
      "linux.namespaces: time, network with a path");
  ok (c && c->linux->has_rootfs_propagation && c->linux->rootfs_propagation == OCI_PROPAGATION_RSLAVE,
      "linux.rootfsPropagation rslave");
  ok (c && strcmp (c->linux->cgroups_path, "/a/b") == 0, "linux.cgroupsPath");
  ok (c && c->linux->devices_len == 1 && c->linux->devices[0].type == OCI_DEVICE_UNBUFFERED
          && c->linux->devices[0].major == -1 && c->linux->devices[0].has_file_mode
          && c->linux->devices[0].file_mode == 65535 && c->linux->devices[0].has_uid
          && c->linux->devices[0].uid == UINT32_MAX && c->linux->devices[0].has_gid,
      "linux.devices: type u, fileMode 0177777, uid 4294967295");
  ok (c && c->linux->sysctl_len == 1, "linux.sysctl");
  oci_config_free (c);

  c = parse (RES ("\"memory\":{\"limit\":-1,\"swap\":9223372036854775807,\"swappiness\":100},"
                  "\"cpu\":{\"shares\":1024,\"quota\":-1,\"period\":100000,\"cpus\":\"0-1\"},"
                  "\"pids\":{\"limit\":-1},\"blockIO\":{\"weight\":65535,\"leafWeight\":0}"));
  struct oci_resources *r = c ? c->linux->resources : NULL;
  ok (r && r->memory->has_limit && r->memory->limit == -1 && r->memory->swap == INT64_MAX
          && r->memory->has_swappiness && r->memory->swappiness == 100,
      "linux.resources.memory: limit -1, swap 2^63-1, swappiness");
  ok (r && r->cpu->has_shares && r->cpu->shares == 1024 && r->cpu->has_quota && r->cpu->quota == -1
          && r->cpu->period == 100000 && strcmp (r->cpu->cpus, "0-1") == 0,
      "linux.resources.cpu");
  ok (r && r->pids->has_limit && r->pids->limit == -1, "linux.resources.pids.limit -1");
  ok (r && r->block_io->has_weight && r->block_io->weight == 65535 && r->block_io->has_leaf_weight
          && r->block_io->leaf_weight == 0,
      "linux.resources.blockIO.weight 65535");
  oci_config_free (c);
}

int
main (void)
{
  test_refusals ();
  test_accepted ();
  return tap_done ();
}
