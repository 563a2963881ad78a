#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exe_seal.h"
#include "log.h"
#include "utils.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool
already_safe (int fd)
{
  /* Sealed (our memfd), or on a read-only mount (our bind): a file on
     tmpfs answers F_GET_SEALS too, with F_SEAL_SEAL alone. */
  int seals = fcntl (fd, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS)
    return true;
  struct statvfs sv;
  return fstatvfs (fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int
sealed_copy (int exe, vessel_error **err)
{
  /* MFD_EXEC says we mean to execute it, for kernels whose
     vm.memfd_noexec would otherwise forbid that (6.3+); older kernels
     reject the flag and need nothing. */
  cleanup_close int memfd = memfd_create ("vessel", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (memfd < 0 && errno == EINVAL)
    memfd = memfd_create ("vessel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memfd < 0)
    return vessel_fail_errno (err, errno, "memfd_create");
  struct stat st;
  if (fstat (exe, &st) < 0)
    return vessel_fail_errno (err, errno, "stat /proc/self/exe");
  off_t offset = 0;
  while (offset < st.st_size)
    {
      ssize_t n = sendfile (memfd, exe, &offset, (size_t) (st.st_size - offset));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return vessel_fail_errno (err, n < 0 ? errno : EIO, "copy /proc/self/exe");
    }
  if (fcntl (memfd, F_ADD_SEALS, SEALS) < 0)
    return vessel_fail_errno (err, errno, "seal the copy of vessel");
  return steal_fd (&memfd);
}

/* A read-only bind mount of the binary itself, detached (no path leads
   to it): the same file, nothing copied, and a write through it fails
   with EROFS.  Fails where the mount API is missing or not allowed. */
static int
readonly_bind (int exe, vessel_error **err)
{
  cleanup_close int fd = open_tree (exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open_tree /proc/self/exe");
  struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
  if (mount_setattr (fd, "", AT_EMPTY_PATH, &a, sizeof a) < 0)
    return vessel_fail_errno (err, errno, "mount_setattr the bind of /proc/self/exe read-only");
  return steal_fd (&fd);
}

int
vessel_exe_ensure_sealed (char **argv, vessel_error **err)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return vessel_fail_errno (err, errno, "open /proc/self/exe");
  if (already_safe (exe))
    return 0;
  cleanup_error vessel_error *bind_err = NULL;
  cleanup_close int safe = readonly_bind (exe, &bind_err);
  /* A refused bind is not an error: the sealed copy protects the binary
     as well, only at the cost of copying it. */
  if (safe < 0)
    vessel_debug ("%s: re-executing from a sealed copy instead", bind_err->msg);
  if (safe < 0 && (safe = sealed_copy (exe, err)) < 0)
    return safe;
  syscall (SYS_execveat, safe, "", argv, environ, AT_EMPTY_PATH);
  return vessel_fail_errno (err, errno, "execveat the read-only image of vessel");
}
