/* The -ENOSYS stub of a seccomp filter.
 *
 * A profile lists the syscalls its authors knew.  A syscall newer than all
 * of them would get the profile's default action, usually EPERM, and libc
 * takes EPERM as a refusal where ENOSYS would make it fall back to an older
 * call (clone3 -> clone, faccessat2 -> faccessat, ...).  As runc does,
 * vessel puts a stub in front of libseccomp's program: per architecture, a
 * syscall number above the largest one the profile names fails with
 * ENOSYS; anything else goes on to the profile's own program.  Profiles
 * whose default action lets syscalls through (ALLOW, LOG, TRACE) or already
 * returns ENOSYS get no stub. */
#ifndef VESSEL_SECCOMP_ENOSYS_H
#define VESSEL_SECCOMP_ENOSYS_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ocispec.h"
#include "seccomp.h"

/* One AUDIT_ARCH_* value of the filter and the largest syscall numbers the
   profile names for it; 0 where it names none.  AUDIT_ARCH_X86_64 holds
   two ABIs: x86_64's numbers in `last`, x32's (bit 30 set) in `last_x32`. */
struct vessel_enosys_arch
{
  uint32_t audit_arch;
  uint32_t last;
  uint32_t last_x32;
};

/* Pure: the stub for `arches` into out[max]; returns its length, or
   -E2BIG if it does not fit (or its jumps do not reach). */
int vessel_seccomp_enosys_stub (const struct vessel_enosys_arch *arches, size_t n, struct sock_filter *out,
                                size_t max);

/* Prepends the stub `s` needs, if any, to the compiled program in `f`.
   arch_tokens[] are the libseccomp architectures of the filter (the
   native one included). */
int vessel_seccomp_enosys_prepend (const struct oci_seccomp *s, const uint32_t *arch_tokens, size_t n_tokens,
                                   struct vessel_seccomp *f, vessel_error **err);

#endif
