#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lsm.h"
#include "utils.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

bool
vessel_apparmor_enabled (void)
{
  char c = 0;
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y' && access ("/sys/kernel/security/apparmor", F_OK) == 0;
}

bool
vessel_selinux_enabled (void)
{
  struct statfs sf;
  return statfs ("/sys/fs/selinux", &sf) == 0 && sf.f_type == SELINUX_MAGIC;
}

static bool
is_set (const char *label)
{
  return label && *label;
}

int
vessel_lsm_check (const char *apparmor, const char *selinux, const char *where, vessel_error **err)
{
  if (is_set (apparmor) && !vessel_apparmor_enabled ())
    return vessel_fail (err, ENOTSUP, "%s.apparmorProfile: `%s` asked for, but AppArmor is not enabled on this host",
                        where, apparmor);
  if (is_set (selinux) && !vessel_selinux_enabled ())
    return vessel_fail (err, ENOTSUP, "%s.selinuxLabel: `%s` asked for, but SELinux is not enabled on this host",
                        where, selinux);
  return 0;
}

/* Writes the attribute of our own thread (the kernel refuses another's). */
static int
write_attr (const char *path, const char *fallback, const char *value, vessel_error **err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && fallback)
    fd = open (fallback, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s`", path);
  int ret = write_all (fd, value, strlen (value));
  return ret < 0 ? vessel_fail_errno (err, -ret, "write `%s` to `%s`", value, path) : 0;
}

int
vessel_lsm_set_exec (const char *apparmor, const char *selinux, const char *where, vessel_error **err)
{
  int ret;
  if (is_set (apparmor))
    {
      /* The AppArmor-specific file (5.8+), then the shared one. */
      cleanup_free char *value = xasprintf ("exec %s", apparmor);
      if ((ret = write_attr ("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec", value, err)) < 0)
        return vessel_error_wrap (err, ret, "%s.apparmorProfile", where);
    }
  if (is_set (selinux) && (ret = write_attr ("/proc/thread-self/attr/exec", NULL, selinux, err)) < 0)
    return vessel_error_wrap (err, ret, "%s.selinuxLabel", where);
  return 0;
}
