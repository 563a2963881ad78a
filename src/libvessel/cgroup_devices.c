/* Carries the device rules out (see cgroup_devices.h): written to
 * devices.allow and devices.deny on cgroup v1, loaded and attached as an
 * eBPF program on v2.  The rules and the program come from
 * cgroup_devices_plan.c. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_devices.h"
#include "log.h"
#include "utils.h"

/* ---- cgroup v1 -------------------------------------------------------------- */

static int
apply_v1 (const char *dir, const struct vessel_cgroup_plan *plan, vessel_error **err)
{
  cleanup_close int dfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dfd < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);
  /* Each file opened once: the kernel takes every write(2) as one rule. */
  cleanup_close int allow_fd = -1, deny_fd = -1;
  for (size_t i = 0; i < plan->n_devices; i++)
    {
      char text[64];
      vessel_device_rule_text (&plan->devices[i], text, sizeof text);
      bool allow = plan->devices[i].allow;
      const char *file = allow ? "devices.allow" : "devices.deny";
      int *fd = allow ? &allow_fd : &deny_fd;
      if (*fd < 0 && (*fd = openat (dfd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) < 0)
        return vessel_fail_errno (err, errno, "cgroup `%s`: open `%s`", dir, file);
      int ret = write_all (*fd, text, strlen (text));
      if (ret < 0)
        return vessel_fail_errno (err, -ret, "cgroup `%s`: device rule `%s`", dir, text);
    }
  return 0;
}

/* ---- cgroup v2: the program loaded and attached ----------------------------- */

static long
bpf (int cmd, union bpf_attr *attr)
{
  return syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

static int
load_program (const struct bpf_insn *insns, size_t n_insns, char *log, size_t log_size)
{
  union bpf_attr load = { 0 };
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t) (uintptr_t) insns;
  load.insn_cnt = (uint32_t) n_insns;
  load.license = (uint64_t) (uintptr_t) "Apache";
  load.log_buf = (uint64_t) (uintptr_t) log;
  load.log_size = (uint32_t) log_size;
  load.log_level = log ? 1 : 0;
  return (int) bpf (BPF_PROG_LOAD, &load);
}

/* Attaches the new program, then detaches those that were there before
   (an update), so that the cgroup is never without a filter. */
static int
apply_v2 (const char *dir, const struct vessel_cgroup_plan *plan, vessel_error **err)
{
  size_t n_insns = 0;
  cleanup_free struct bpf_insn *insns = vessel_device_rules_bpf (plan->devices, plan->n_devices, &n_insns);
  cleanup_close int prog = load_program (insns, n_insns, NULL, 0);
  if (prog < 0)
    {
      /* Load it again, with the verifier's log, for the message; not the
         first time: a log that does not fit fails the load. */
      char log[4096] = "";
      int saved = errno;
      prog = load_program (insns, n_insns, log, sizeof log);
      if (prog < 0)
        return vessel_fail_errno (err, saved, "load the device filter of cgroup `%s`%s%s", dir, *log ? ": " : "",
                                  log);
    }

  cleanup_close int cg = open (dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (cg < 0)
    return vessel_fail_errno (err, errno, "open cgroup `%s`", dir);

  uint32_t old_ids[64];
  union bpf_attr query = { 0 };
  query.query.target_fd = (uint32_t) cg;
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = (uint64_t) (uintptr_t) old_ids;
  query.query.prog_cnt = ARRAY_SIZE (old_ids);
  uint32_t n_old = bpf (BPF_PROG_QUERY, &query) == 0 ? query.query.prog_cnt : 0;

  union bpf_attr attach = { 0 };
  attach.target_fd = (uint32_t) cg;
  attach.attach_bpf_fd = (uint32_t) prog;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf (BPF_PROG_ATTACH, &attach) < 0)
    return vessel_fail_errno (err, errno, "attach the device filter to cgroup `%s`", dir);

  for (uint32_t i = 0; i < n_old; i++)
    {
      union bpf_attr get = { 0 };
      get.prog_id = old_ids[i];
      cleanup_close int old = (int) bpf (BPF_PROG_GET_FD_BY_ID, &get);
      if (old < 0)
        continue;
      union bpf_attr detach = { 0 };
      detach.target_fd = (uint32_t) cg;
      detach.attach_bpf_fd = (uint32_t) old;
      detach.attach_type = BPF_CGROUP_DEVICE;
      if (bpf (BPF_PROG_DETACH, &detach) < 0)
        vessel_warn ("detach an old device filter from cgroup `%s`: %s", dir, strerror (errno));
    }
  return 0;
}

int
vessel_device_rules_apply (const char *dir, const struct vessel_cgroup_plan *plan, vessel_error **err)
{
  return plan->devices_v2 ? apply_v2 (dir, plan, err) : apply_v1 (dir, plan, err);
}
