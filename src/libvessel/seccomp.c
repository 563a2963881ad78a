#include <config.h>

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "seccomp.h"
#include "seccomp_enosys.h"
#include "sync.h"
#include "utils.h"

#define C "config.json: .linux.seccomp"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* ---- compiling ---------------------------------------------------------------- */

static uint32_t
action_value (int action, bool has_errno, uint32_t errno_ret)
{
  uint32_t e = has_errno ? errno_ret : EPERM;
  switch (action)
    {
    case OCI_SCMP_ACT_KILL:
    case OCI_SCMP_ACT_KILL_THREAD:
      return SCMP_ACT_KILL_THREAD;
    case OCI_SCMP_ACT_KILL_PROCESS:
      return SCMP_ACT_KILL_PROCESS;
    case OCI_SCMP_ACT_TRAP:
      return SCMP_ACT_TRAP;
    case OCI_SCMP_ACT_ERRNO:
      return SCMP_ACT_ERRNO (e);
    case OCI_SCMP_ACT_TRACE:
      return SCMP_ACT_TRACE (e);
    case OCI_SCMP_ACT_LOG:
      return SCMP_ACT_LOG;
    case OCI_SCMP_ACT_NOTIFY:
      return SCMP_ACT_NOTIFY;
    default:
      return SCMP_ACT_ALLOW;
    }
}

/* libseccomp's token of each architecture; 0 where this libseccomp does
   not know it. */
static uint32_t
arch_value (int arch)
{
  static const uint32_t values[OCI_SCMP_ARCH_COUNT] = {
    [OCI_SCMP_ARCH_X86] = SCMP_ARCH_X86,
    [OCI_SCMP_ARCH_X86_64] = SCMP_ARCH_X86_64,
    [OCI_SCMP_ARCH_X32] = SCMP_ARCH_X32,
    [OCI_SCMP_ARCH_ARM] = SCMP_ARCH_ARM,
    [OCI_SCMP_ARCH_AARCH64] = SCMP_ARCH_AARCH64,
#ifdef SCMP_ARCH_LOONGARCH64
    [OCI_SCMP_ARCH_LOONGARCH64] = SCMP_ARCH_LOONGARCH64,
#endif
#ifdef SCMP_ARCH_M68K
    [OCI_SCMP_ARCH_M68K] = SCMP_ARCH_M68K,
#endif
    [OCI_SCMP_ARCH_MIPS] = SCMP_ARCH_MIPS,
    [OCI_SCMP_ARCH_MIPS64] = SCMP_ARCH_MIPS64,
    [OCI_SCMP_ARCH_MIPS64N32] = SCMP_ARCH_MIPS64N32,
    [OCI_SCMP_ARCH_MIPSEL] = SCMP_ARCH_MIPSEL,
    [OCI_SCMP_ARCH_MIPSEL64] = SCMP_ARCH_MIPSEL64,
    [OCI_SCMP_ARCH_MIPSEL64N32] = SCMP_ARCH_MIPSEL64N32,
    [OCI_SCMP_ARCH_PPC] = SCMP_ARCH_PPC,
    [OCI_SCMP_ARCH_PPC64] = SCMP_ARCH_PPC64,
    [OCI_SCMP_ARCH_PPC64LE] = SCMP_ARCH_PPC64LE,
    [OCI_SCMP_ARCH_S390] = SCMP_ARCH_S390,
    [OCI_SCMP_ARCH_S390X] = SCMP_ARCH_S390X,
#ifdef SCMP_ARCH_SH
    [OCI_SCMP_ARCH_SH] = SCMP_ARCH_SH,
    [OCI_SCMP_ARCH_SHEB] = SCMP_ARCH_SHEB,
#endif
    [OCI_SCMP_ARCH_PARISC] = SCMP_ARCH_PARISC,
    [OCI_SCMP_ARCH_PARISC64] = SCMP_ARCH_PARISC64,
    [OCI_SCMP_ARCH_RISCV64] = SCMP_ARCH_RISCV64,
  };
  return arch >= 0 && arch < OCI_SCMP_ARCH_COUNT ? values[arch] : 0;
}

static enum scmp_compare
compare_op (int op)
{
  static const enum scmp_compare ops[OCI_SCMP_CMP_COUNT] = {
    [OCI_SCMP_CMP_NE] = SCMP_CMP_NE, [OCI_SCMP_CMP_LT] = SCMP_CMP_LT, [OCI_SCMP_CMP_LE] = SCMP_CMP_LE,
    [OCI_SCMP_CMP_EQ] = SCMP_CMP_EQ, [OCI_SCMP_CMP_GE] = SCMP_CMP_GE, [OCI_SCMP_CMP_GT] = SCMP_CMP_GT,
    [OCI_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
  };
  return ops[op];
}

static unsigned int
kernel_flag (int flag)
{
  static const unsigned int flags[OCI_SECCOMP_FLAG_COUNT] = {
    [OCI_SECCOMP_FLAG_TSYNC] = SECCOMP_FILTER_FLAG_TSYNC,
    [OCI_SECCOMP_FLAG_LOG] = SECCOMP_FILTER_FLAG_LOG,
    [OCI_SECCOMP_FLAG_SPEC_ALLOW] = SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    [OCI_SECCOMP_FLAG_WAIT_KILLABLE_RECV] = SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
  };
  return flags[flag];
}

/* Two conditions on the same argument cannot be one libseccomp rule: as
   runc, each then becomes a rule of its own (they match as OR). */
static bool
repeats_an_argument (const struct oci_syscall *sc)
{
  unsigned seen = 0;
  for (size_t i = 0; i < sc->args_len; i++)
    {
      unsigned bit = 1U << sc->args[i].index;
      if (seen & bit)
        return true;
      seen |= bit;
    }
  return false;
}

static int
add_rule (scmp_filter_ctx ctx, uint32_t action, int nr, const struct oci_syscall *sc)
{
  struct scmp_arg_cmp cmp[6];
  size_t n = sc->args_len;
  for (size_t i = 0; i < n; i++)
    cmp[i] = (struct scmp_arg_cmp) { .arg = sc->args[i].index, .op = compare_op (sc->args[i].op),
                                     .datum_a = sc->args[i].value, .datum_b = sc->args[i].value_two };
  if (!repeats_an_argument (sc))
    return seccomp_rule_add_array (ctx, action, nr, (unsigned) n, cmp);
  for (size_t i = 0; i < n; i++)
    {
      int ret = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[i]);
      if (ret < 0)
        return ret;
    }
  return 0;
}

static int
add_syscalls (scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t default_action, vessel_error **err)
{
  for (size_t i = 0; i < s->syscalls_len; i++)
    {
      const struct oci_syscall *sc = &s->syscalls[i];
      uint32_t action = action_value (sc->action, sc->has_errno_ret, sc->errno_ret);
      if (action == default_action)
        continue; /* what happens anyway; libseccomp refuses such a rule */
      for (size_t j = 0; j < sc->names_len; j++)
        {
          int nr = seccomp_syscall_resolve_name (sc->names[j]);
          if (nr == __NR_SCMP_ERROR)
            {
              vessel_debug ("seccomp: unknown syscall `%s` ignored", sc->names[j]);
              continue;
            }
          int ret = add_rule (ctx, action, nr, sc);
          if (ret < 0)
            return vessel_fail_errno (err, -ret, C ".syscalls[%zu]: add the rule for `%s`", i, sc->names[j]);
        }
    }
  return 0;
}

static size_t
count_names (const struct oci_seccomp *s)
{
  size_t n = 0;
  for (size_t i = 0; i < s->syscalls_len; i++)
    n += s->syscalls[i].names_len;
  return n;
}

/* libseccomp writes the program to an fd: a memfd, read back. */
static int
export_bpf (scmp_filter_ctx ctx, struct vessel_seccomp *out, vessel_error **err)
{
  cleanup_close int fd = memfd_create ("vessel-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, C ": memfd_create");
  int ret = seccomp_export_bpf (ctx, fd);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, C ": export the BPF program");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return vessel_fail_errno (err, errno, C ": fstat");
  size_t size = (size_t) st.st_size;
  if (size == 0 || size % sizeof (struct sock_filter) || size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return vessel_fail (err, E2BIG, C ": the filter has %zu instructions, the kernel takes at most %d",
                        size / sizeof (struct sock_filter), BPF_MAXINSNS);
  out->prog = xmalloc (size);
  ssize_t n = pread (fd, out->prog, size, 0);
  if (n != (ssize_t) size)
    return vessel_fail_errno (err, n < 0 ? errno : EIO, C ": read the BPF program");
  out->len = (unsigned short) (size / sizeof (struct sock_filter));
  return 0;
}

static bool
notifies (const struct oci_seccomp *s)
{
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (s->syscalls[i].action == OCI_SCMP_ACT_NOTIFY)
      return true;
  return false;
}

/* libseccomp's program, after the stub that makes new syscalls fail with
   ENOSYS (seccomp_enosys.h); the filter's architectures are the native
   one and the profile's. */
static int
export_with_stub (scmp_filter_ctx ctx, const struct oci_seccomp *s, struct vessel_seccomp *out, vessel_error **err)
{
  int ret = export_bpf (ctx, out, err);
  if (ret < 0)
    return ret;
  cleanup_free uint32_t *tokens = xmalloc ((s->architectures_len + 1) * sizeof *tokens);
  size_t n = 0;
  tokens[n++] = seccomp_arch_native ();
  for (size_t i = 0; i < s->architectures_len; i++)
    tokens[n++] = arch_value (s->architectures[i]);
  return vessel_seccomp_enosys_prepend (s, tokens, n, out, err);
}

static int
build (scmp_filter_ctx ctx, const struct oci_seccomp *s, uint32_t default_action, struct vessel_seccomp *out,
       vessel_error **err)
{
  for (size_t i = 0; i < s->architectures_len; i++)
    {
      uint32_t arch = arch_value (s->architectures[i]);
      const char *name = oci_seccomp_arch_name (s->architectures[i]);
      if (arch == 0)
        return vessel_fail (err, ENOTSUP, C ".architectures[%zu]: %s is not known to libseccomp %d.%d.%d", i, name,
                            SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
      int ret = seccomp_arch_add (ctx, arch);
      if (ret < 0 && ret != -EEXIST)
        return vessel_fail_errno (err, -ret, C ".architectures[%zu]: add %s", i, name);
    }
  /* A binary tree of syscall numbers rather than a list, for long
     profiles (libseccomp <= 2.5.4 misbuilds it for an empty one). */
  if (count_names (s) > 32)
    seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  int ret = add_syscalls (ctx, s, default_action, err);
  if (ret < 0)
    return ret;
  for (size_t i = 0; i < s->flags_len; i++)
    out->flags |= kernel_flag (s->flags[i]);
  out->listener = notifies (s);
  /* The kernel takes WAIT_KILLABLE_RECV only with a listener, and without
     one it means nothing. */
  if (!out->listener)
    out->flags &= ~(unsigned int) SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  if (out->listener)
    {
      out->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* TSYNC alone would return a thread's id where the listener goes. */
      if (out->flags & SECCOMP_FILTER_FLAG_TSYNC)
        out->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  return export_with_stub (ctx, s, out, err);
}

int
vessel_seccomp_compile (const struct oci_seccomp *s, struct vessel_seccomp *out, vessel_error **err)
{
  *out = (struct vessel_seccomp) { 0 };
  uint32_t default_action = action_value (s->default_action, s->has_default_errno_ret, s->default_errno_ret);
  scmp_filter_ctx ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return vessel_fail (err, EINVAL, C ".defaultAction: libseccomp refused %s",
                        oci_seccomp_action_name (s->default_action));
  int ret = build (ctx, s, default_action, out, err);
  seccomp_release (ctx);
  if (ret < 0)
    vessel_seccomp_clear (out);
  return ret;
}

void
vessel_seccomp_clear (struct vessel_seccomp *f)
{
  free (f->prog);
  *f = (struct vessel_seccomp) { 0 };
}

/* ---- the copy in the state directory ---------------------------------------------- */

struct saved_header
{
  char magic[8];
  uint32_t flags;
  uint32_t listener;
};

static const char saved_magic[8] = "vsecbpf1";

int
vessel_seccomp_save (int dirfd, const struct vessel_seccomp *f, vessel_error **err)
{
  struct saved_header h = { .flags = f->flags, .listener = f->listener };
  memcpy (h.magic, saved_magic, sizeof h.magic);
  size_t prog_size = f->len * sizeof (struct sock_filter);
  cleanup_free char *buf = xmalloc (sizeof h + prog_size);
  memcpy (buf, &h, sizeof h);
  memcpy (buf + sizeof h, f->prog, prog_size);
  return write_file_atomic_at (dirfd, VESSEL_SECCOMP_FILE, buf, sizeof h + prog_size, 0600, err);
}

int
vessel_seccomp_load_saved (int dirfd, struct vessel_seccomp *f, vessel_error **err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  int ret = read_file_at (dirfd, VESSEL_SECCOMP_FILE, &buf, &len, err);
  if (ret < 0)
    return ret;
  struct saved_header h;
  size_t prog_size = len > sizeof h ? len - sizeof h : 0;
  if (prog_size == 0 || memcmp (buf, saved_magic, sizeof h.magic) != 0 || prog_size % sizeof (struct sock_filter)
      || prog_size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return vessel_fail (err, EINVAL, "%s: not a seccomp filter saved by this vessel", VESSEL_SECCOMP_FILE);
  memcpy (&h, buf, sizeof h);
  f->flags = h.flags;
  f->listener = h.listener != 0;
  f->len = (unsigned short) (prog_size / sizeof (struct sock_filter));
  f->prog = xmalloc (prog_size);
  memcpy (f->prog, buf + sizeof h, prog_size);
  return 0;
}

/* ---- loading ------------------------------------------------------------------------- */

int
vessel_seccomp_install (const struct vessel_seccomp *f, int report_fd, const char *where, vessel_error **err)
{
  struct sock_fprog prog = { .len = f->len, .filter = f->prog };
  int fd = (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
  if (fd < 0 && errno == EACCES)
    return vessel_fail_errno (err, errno, "%s: load the seccomp filter (it needs noNewPrivileges or CAP_SYS_ADMIN)",
                              where);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "%s: load the seccomp filter", where);
  if (!f->listener)
    return 0;
  int ret = vessel_sync_send_fd (report_fd, "vessel", SYNC_SECCOMP_FD, fd, err);
  close (fd);
  return ret < 0 ? vessel_error_wrap (err, ret, "%s: send the seccomp listener", where) : 0;
}

int
vessel_seccomp_send_listener (const struct oci_seccomp *s, const struct oci_state *state, int status, pid_t pid,
                              int listener_fd, vessel_error **err)
{
  cleanup_close int listener = listener_fd;
  struct oci_state st = *state;
  st.status = status;
  if (st.annotations_len == 0)
    st.annotations = NULL; /* omitted, as in the hooks' state */
  char *fds[] = { "seccompFd" };
  struct oci_process_state ps = {
    .oci_version = (char *) OCI_SPEC_VERSION, .fds = fds, .fds_len = 1, .pid = pid,
    .metadata = s->listener_metadata, .state = &st,
  };
  cleanup_free char *text = NULL, *msg = NULL;
  size_t len = 0;
  if (oci_process_state_generate (&ps, &text, &len, &msg) < 0)
    return vessel_fail (err, EINVAL, C ": the container process state: %s", msg ? msg : "cannot be written");
  cleanup_close int sock = vessel_unix_connect (s->listener_path, SOCK_STREAM, C ".listenerPath", err);
  if (sock < 0)
    return sock;
  /* One state per connection, closed once sent. */
  int ret = vessel_send_with_fd (sock, text, len, listener);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, C ".listenerPath: send to `%s`", s->listener_path);
  return 0;
}

/* ---- features --------------------------------------------------------------------- */

static size_t
names_where (const char *(*name) (int), int count, bool (*ok) (int), const char **names, size_t max)
{
  size_t n = 0;
  for (int i = 0; i < count && n < max; i++)
    if (ok == NULL || ok (i))
      names[n++] = name (i);
  return n;
}

/* The kernel says which return actions it has. */
static bool
action_available (int action)
{
  uint32_t value = action_value (action, false, 0) & SECCOMP_RET_ACTION_FULL;
  return syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &value) == 0;
}

static bool
arch_known (int arch)
{
  return arch_value (arch) != 0;
}

/* A flag the kernel takes gets as far as reading the (NULL) program.
   WAIT_KILLABLE_RECV is valid only with a listener. */
static bool
flag_available (int flag)
{
  unsigned long flags = kernel_flag (flag);
  if (flags == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

size_t
vessel_seccomp_names (enum vessel_seccomp_list which, const char **names, size_t max)
{
  switch (which)
    {
    case VESSEL_SECCOMP_ACTIONS:
      return names_where (oci_seccomp_action_name, OCI_SCMP_ACT_COUNT, action_available, names, max);
    case VESSEL_SECCOMP_OPERATORS:
      return names_where (oci_seccomp_op_name, OCI_SCMP_CMP_COUNT, NULL, names, max);
    case VESSEL_SECCOMP_ARCHS:
      return names_where (oci_seccomp_arch_name, OCI_SCMP_ARCH_COUNT, arch_known, names, max);
    case VESSEL_SECCOMP_KNOWN_FLAGS:
      return names_where (oci_seccomp_flag_name, OCI_SECCOMP_FLAG_COUNT, NULL, names, max);
    case VESSEL_SECCOMP_SUPPORTED_FLAGS:
      return names_where (oci_seccomp_flag_name, OCI_SECCOMP_FLAG_COUNT, flag_available, names, max);
    }
  return 0;
}
