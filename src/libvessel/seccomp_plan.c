/* Pure: linux.seccomp checked before anything exists (see seccomp.h);
 * seccomp.c compiles the profile, saves it and loads it. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "seccomp.h"

#define C "config.json: .linux.seccomp"
#define LARGEST_ERRNO 4095 /* the kernel's MAX_ERRNO: larger values are cut to it */

/* ---- the profile ------------------------------------------------------------ */

static bool
takes_errno (int action)
{
  return action == OCI_SCMP_ACT_ERRNO || action == OCI_SCMP_ACT_TRACE;
}

static int
check_errno_ret (int action, bool has, uint32_t value, const char *where, vessel_error **err)
{
  if (!has)
    return 0;
  if (!takes_errno (action))
    return vessel_fail (err, EINVAL, "%s: %s returns no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)", where,
                        oci_seccomp_action_name (action));
  if (value > LARGEST_ERRNO)
    return vessel_fail (err, EINVAL, "%s: %u is above the largest errno, %d", where, value, LARGEST_ERRNO);
  return 0;
}

static int
validate_syscall (const struct oci_syscall *sc, size_t i, bool has_listener, vessel_error **err)
{
  char where[96];
  snprintf (where, sizeof where, C ".syscalls[%zu].errnoRet", i);
  int ret = check_errno_ret (sc->action, sc->has_errno_ret, sc->errno_ret, where, err);
  if (ret < 0)
    return ret;
  if (sc->names_len == 0)
    return vessel_fail (err, EINVAL, C ".syscalls[%zu].names: at least one syscall is needed", i);
  for (size_t j = 0; j < sc->names_len; j++)
    {
      if (sc->names[j][0] == '\0')
        return vessel_fail (err, EINVAL, C ".syscalls[%zu].names[%zu]: empty", i, j);
      /* The listener leaves the loading process by sendmsg: a notified
         sendmsg would wait for an agent that never gets the listener. */
      if (sc->action == OCI_SCMP_ACT_NOTIFY && strcmp (sc->names[j], "sendmsg") == 0)
        return vessel_fail (err, EINVAL, C ".syscalls[%zu]: SCMP_ACT_NOTIFY cannot be used for sendmsg, "
                            "which sends the seccomp listener", i);
    }
  if (sc->action == OCI_SCMP_ACT_NOTIFY && !has_listener)
    return vessel_fail (err, EINVAL, C ".syscalls[%zu]: SCMP_ACT_NOTIFY needs a listenerPath to send the "
                        "listener to", i);
  for (size_t j = 0; j < sc->args_len; j++)
    if (sc->args[j].index >= 6)
      return vessel_fail (err, EINVAL, C ".syscalls[%zu].args[%zu].index: %u, but a syscall has 6 arguments", i,
                          j, sc->args[j].index);
  return 0;
}

int
vessel_seccomp_validate (const struct oci_seccomp *s, vessel_error **err)
{
  if (s == NULL)
    return 0;
  int ret = check_errno_ret (s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                             C ".defaultErrnoRet", err);
  if (ret < 0)
    return ret;
  if (s->default_action == OCI_SCMP_ACT_NOTIFY)
    return vessel_fail (err, EINVAL, C ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                        "(the listener could not be sent)");
  bool has_listener = s->listener_path && s->listener_path[0];
  if (s->listener_metadata && !has_listener)
    return vessel_fail (err, EINVAL, C ".listenerMetadata: set without a listenerPath");
  for (size_t i = 0; i < s->syscalls_len; i++)
    if ((ret = validate_syscall (&s->syscalls[i], i, has_listener, err)) < 0)
      return ret;
  return 0;
}
