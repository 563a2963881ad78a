#include <config.h>

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_enosys.h"
#include "utils.h"

#define X32_SYSCALL_BIT 0x40000000u
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define MAX_ARCHES 32

/* s390's setup(2), number 0, is what the kernel leaves a syscall number it
   does not know as: it must get ENOSYS too. */
static bool
zero_is_unknown (uint32_t audit_arch)
{
  return audit_arch == AUDIT_ARCH_S390 || audit_arch == AUDIT_ARCH_S390X;
}

static size_t
section_len (const struct vessel_enosys_arch *a)
{
  if (a->audit_arch == AUDIT_ARCH_X86_64)
    return 6;
  return zero_is_unknown (a->audit_arch) ? 5 : 4;
}

static bool
has_section (const struct vessel_enosys_arch *a)
{
  return a->last != 0 || a->last_x32 != 0;
}

/* "nr > last: ENOSYS" at p[0]; the ENOSYS return is `to_ret` ahead of the
   next instruction, the jump into the filter `to_filter` ahead.  Without
   a last number (the profile names none of this ABI), straight into the
   filter. */
static struct sock_filter
above_last (uint32_t last, uint8_t to_ret, uint8_t to_filter)
{
  if (last == 0)
    return (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA, to_filter);
  return (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, last, to_ret, to_filter);
}

/* One architecture's section at p, ending in a jump to `filter` (the
   index of the profile's program). */
static void
emit_section (const struct vessel_enosys_arch *a, struct sock_filter *p, size_t at, size_t filter)
{
  size_t i = 0;
  p[i++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
  if (a->audit_arch == AUDIT_ARCH_X86_64)
    {
      /* x32's numbers have bit 30 set: each ABI against its own last. */
      p[i++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, 0);
      p[i++] = above_last (a->last, 1, 2);
      p[i++] = above_last (a->last_x32, 0, 1);
    }
  else
    {
      if (zero_is_unknown (a->audit_arch))
        p[i++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
      p[i++] = above_last (a->last, 0, 1);
    }
  p[i++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, RET_ENOSYS);
  p[i] = (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA, (uint32_t) (filter - (at + i + 1)));
}

/* ld arch; one jeq per architecture to its section; ja filter; the
   sections.  Jumps count from the next instruction. */
int
vessel_seccomp_enosys_stub (const struct vessel_enosys_arch *arches, size_t n, struct sock_filter *out, size_t max)
{
  size_t n_sections = 0, len = 2;
  for (size_t i = 0; i < n; i++)
    if (has_section (&arches[i]))
      n_sections++, len += 1 + section_len (&arches[i]);
  if (n_sections == 0)
    return 0;
  if (len > max)
    return -E2BIG;
  size_t head = 0, at = 2 + n_sections;
  out[head++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  for (size_t i = 0; i < n; i++)
    {
      if (!has_section (&arches[i]))
        continue;
      size_t jump = at - (head + 1);
      if (jump > 255)
        return -E2BIG;
      out[head++] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, arches[i].audit_arch, (uint8_t) jump, 0);
      emit_section (&arches[i], out + at, at, len);
      at += section_len (&arches[i]);
    }
  /* no architecture of ours: the filter's own check decides */
  out[head] = (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA, (uint32_t) (len - (head + 1)));
  return (int) len;
}

/* runc's rule: a stub unless the default action lets syscalls through
   (TRACE included: a tracer must handle new syscalls itself) or already
   fails them with ENOSYS. */
static bool
wants_stub (const struct oci_seccomp *s)
{
  switch (s->default_action)
    {
    case OCI_SCMP_ACT_ALLOW:
    case OCI_SCMP_ACT_LOG:
    case OCI_SCMP_ACT_TRACE:
      return false;
    case OCI_SCMP_ACT_ERRNO:
      return !(s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
    default:
      return true;
    }
}

/* The largest number the profile's names have on libseccomp's `token`. */
static uint32_t
largest_named (const struct oci_seccomp *s, uint32_t token)
{
  uint32_t last = 0;
  for (size_t i = 0; i < s->syscalls_len; i++)
    for (size_t j = 0; j < s->syscalls[i].names_len; j++)
      {
        int nr = seccomp_syscall_resolve_name_arch (token, s->syscalls[i].names[j]);
        /* (negative: unknown, or one of libseccomp's pseudo-syscalls) */
        if (nr > 0 && (uint32_t) nr > last)
          last = (uint32_t) nr;
      }
  return last;
}

static size_t
collect_arches (const struct oci_seccomp *s, const uint32_t *tokens, size_t n_tokens, struct vessel_enosys_arch *out)
{
  size_t n = 0;
  for (size_t t = 0; t < n_tokens; t++)
    {
      bool x32 = tokens[t] == SCMP_ARCH_X32;
      uint32_t audit = x32 ? AUDIT_ARCH_X86_64 : tokens[t];
      size_t i = 0;
      while (i < n && out[i].audit_arch != audit)
        i++;
      if (i == n)
        {
          if (n == MAX_ARCHES)
            continue;
          out[n++] = (struct vessel_enosys_arch) { .audit_arch = audit };
        }
      *(x32 ? &out[i].last_x32 : &out[i].last) = largest_named (s, tokens[t]);
    }
  return n;
}

int
vessel_seccomp_enosys_prepend (const struct oci_seccomp *s, const uint32_t *arch_tokens, size_t n_tokens,
                               struct vessel_seccomp *f, vessel_error **err)
{
  if (!wants_stub (s))
    return 0;
  struct vessel_enosys_arch arches[MAX_ARCHES];
  size_t n = collect_arches (s, arch_tokens, n_tokens, arches);
  size_t room = BPF_MAXINSNS - f->len;
  cleanup_free struct sock_filter *prog = xmalloc ((size_t) BPF_MAXINSNS * sizeof *prog);
  int len = vessel_seccomp_enosys_stub (arches, n, prog, room);
  if (len == -E2BIG)
    return vessel_fail (err, E2BIG, "config.json: .linux.seccomp: the filter and its ENOSYS stub for new "
                        "syscalls exceed the kernel's %d instructions", BPF_MAXINSNS);
  if (len <= 0)
    return 0;
  memcpy (prog + len, f->prog, f->len * sizeof *prog);
  free (f->prog);
  f->prog = prog;
  prog = NULL;
  f->len = (unsigned short) (f->len + len);
  return 0;
}
