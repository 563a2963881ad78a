/* A filesystem's data options ("mode=755", "lowerdir=/a:/b") as the
 * fsconfig(2) calls that pass them.  Pure: no kernel involved. */
#ifndef VESSEL_FS_PARAMS_H
#define VESSEL_FS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* fsconfig(2) copies at most 255 bytes of a key or a string value
   (fs/fsopen.c: strndup_user (..., 256)); longer ones are EINVAL. */
#define VESSEL_FSCONFIG_MAX_VALUE 255

struct vessel_fs_param
{
  const char *key;
  const char *value; /* NULL: a flag (FSCONFIG_SET_FLAG) */
};

struct vessel_fs_params
{
  struct vessel_fs_param *p; /* n of them: &one, or allocated for layers */
  size_t n;
  struct vessel_fs_param one;
  bool layers; /* an overlay lowerdir split into lowerdir+ and datadir+ */
  char *buf;   /* the keys and values point into it */
  char *joined;
};

/* The fsconfig calls of data option `option` of a `type` filesystem:
   one, `key=value` or a flag, but for an overlay's lowerdir too long for
   one value (podman's image mounts: two layers of its storage), which
   becomes one lowerdir+ per layer and one datadir+ per data-only layer
   (after `::`), unescaped (Linux 6.8, Documentation/filesystems/
   overlayfs.rst).  A value still too long is refused. */
int vessel_fs_params_of (const char *type, const char *option, struct vessel_fs_params *out,
                         vessel_error **err);
void vessel_fs_params_free (struct vessel_fs_params *params);

/* Before Linux 6.8 overlayfs has no lowerdir+ (and before 6.5 it takes
   any key, to refuse it when the filesystem is made): the layers of
   `params` go back into one lowerdir, layer i named /proc/self/fd/fds[i],
   an fd the caller holds open on it until the filesystem is made (the
   kernel resolves the names when it takes the value, or then). */
int vessel_fs_params_join_fds (struct vessel_fs_params *params, const int *fds, vessel_error **err);

#endif
