#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "mount_options.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum option_kind
{
  OPT_FLAG,        /* set an MS_ flag */
  OPT_CLEAR,       /* clear an MS_ flag */
  OPT_PROPAGATION, /* an MS_ propagation type */
  OPT_ATTR_SET,    /* a recursive MOUNT_ATTR_ to set */
  OPT_ATTR_CLEAR,  /* a recursive MOUNT_ATTR_ to clear */
  OPT_EXTRA,       /* vessel's own handling */
};

struct option_def
{
  const char *name;
  enum option_kind kind;
  uint64_t value;
};

/* The names runc and crun accept, with the same meanings. */
static const struct option_def options[] = {
  { "defaults", OPT_FLAG, 0 },
  { "ro", OPT_FLAG, MS_RDONLY },
  { "rw", OPT_CLEAR, MS_RDONLY },
  { "nosuid", OPT_FLAG, MS_NOSUID },
  { "suid", OPT_CLEAR, MS_NOSUID },
  { "nodev", OPT_FLAG, MS_NODEV },
  { "dev", OPT_CLEAR, MS_NODEV },
  { "noexec", OPT_FLAG, MS_NOEXEC },
  { "exec", OPT_CLEAR, MS_NOEXEC },
  { "sync", OPT_FLAG, MS_SYNCHRONOUS },
  { "async", OPT_CLEAR, MS_SYNCHRONOUS },
  { "dirsync", OPT_FLAG, MS_DIRSYNC },
  { "remount", OPT_FLAG, MS_REMOUNT },
  { "mand", OPT_FLAG, MS_MANDLOCK },
  { "nomand", OPT_CLEAR, MS_MANDLOCK },
  { "atime", OPT_CLEAR, MS_NOATIME },
  { "noatime", OPT_FLAG, MS_NOATIME },
  { "diratime", OPT_CLEAR, MS_NODIRATIME },
  { "nodiratime", OPT_FLAG, MS_NODIRATIME },
  { "relatime", OPT_FLAG, MS_RELATIME },
  { "norelatime", OPT_CLEAR, MS_RELATIME },
  { "strictatime", OPT_FLAG, MS_STRICTATIME },
  { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
  { "lazytime", OPT_FLAG, MS_LAZYTIME },
  { "nolazytime", OPT_CLEAR, MS_LAZYTIME },
  { "iversion", OPT_FLAG, MS_I_VERSION },
  { "noiversion", OPT_CLEAR, MS_I_VERSION },
  { "silent", OPT_FLAG, MS_SILENT },
  { "loud", OPT_CLEAR, MS_SILENT },
  { "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW },
  { "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW },
  { "bind", OPT_FLAG, MS_BIND },
  { "rbind", OPT_FLAG, MS_BIND | MS_REC },

  { "private", OPT_PROPAGATION, MS_PRIVATE },
  { "rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC },
  { "shared", OPT_PROPAGATION, MS_SHARED },
  { "rshared", OPT_PROPAGATION, MS_SHARED | MS_REC },
  { "slave", OPT_PROPAGATION, MS_SLAVE },
  { "rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC },
  { "unbindable", OPT_PROPAGATION, MS_UNBINDABLE },
  { "runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },

  /* Recursive attributes, applied with mount_setattr(AT_RECURSIVE). */
  { "rro", OPT_ATTR_SET, MOUNT_ATTR_RDONLY },
  { "rrw", OPT_ATTR_CLEAR, MOUNT_ATTR_RDONLY },
  { "rnosuid", OPT_ATTR_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", OPT_ATTR_CLEAR, MOUNT_ATTR_NOSUID },
  { "rnodev", OPT_ATTR_SET, MOUNT_ATTR_NODEV },
  { "rdev", OPT_ATTR_CLEAR, MOUNT_ATTR_NODEV },
  { "rnoexec", OPT_ATTR_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", OPT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", OPT_ATTR_SET, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", OPT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME },
  { "rrelatime", OPT_ATTR_SET, MOUNT_ATTR_RELATIME },
  { "rnorelatime", OPT_ATTR_CLEAR, MOUNT_ATTR_RELATIME },
  { "rnoatime", OPT_ATTR_SET, MOUNT_ATTR_NOATIME },
  { "ratime", OPT_ATTR_CLEAR, MOUNT_ATTR_NOATIME },
  { "rstrictatime", OPT_ATTR_SET, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", OPT_ATTR_CLEAR, MOUNT_ATTR_STRICTATIME },
  { "rnosymfollow", OPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", OPT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },

  { "tmpcopyup", OPT_EXTRA, VESSEL_MOUNT_TMPCOPYUP },
  { "idmap", OPT_EXTRA, VESSEL_MOUNT_IDMAP },
  { "ridmap", OPT_EXTRA, VESSEL_MOUNT_IDMAP | VESSEL_MOUNT_RIDMAP },
};

static const struct option_def *
find_option (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (options); i++)
    if (strcmp (options[i].name, name) == 0)
      return &options[i];
  return NULL;
}

int
vessel_mount_options_parse (char *const *opts, size_t n, const char *where,
                            struct vessel_mount_options *out, vessel_error **err)
{
  memset (out, 0, sizeof (*out));
  for (size_t i = 0; i < n; i++)
    {
      const struct option_def *def = find_option (opts[i]);
      if (def == NULL)
        {
          /* Anything else is for the filesystem ("mode=755", "size=64k").
             Each element reaches the filesystem as one parameter, so a
             value may hold commas (an SELinux context=...). */
          if (opts[i][0] == '\0')
            {
              vessel_mount_options_clear (out);
              return vessel_fail (err, EINVAL, "%s[%zu]: empty option", where, i);
            }
          if (out->data == NULL)
            out->data = xmalloc (n * sizeof (*out->data));
          out->data[out->data_len++] = opts[i];
          continue;
        }
      switch (def->kind)
        {
        case OPT_FLAG:
          out->flags |= def->value;
          out->clear &= ~def->value;
          break;
        case OPT_CLEAR:
          out->flags &= ~def->value;
          out->clear |= def->value;
          break;
        case OPT_PROPAGATION:
          out->propagation = def->value;
          break;
        case OPT_ATTR_SET:
          out->attr_set |= def->value;
          out->attr_clr &= ~def->value;
          break;
        case OPT_ATTR_CLEAR:
          out->attr_clr |= def->value;
          out->attr_set &= ~def->value;
          break;
        case OPT_EXTRA:
          out->extra |= (unsigned) def->value;
          break;
        }
      /* The access-time mode is a field, not a flag: mount_setattr(2)
         changes it only when attr_clr names the whole field. */
      if ((def->kind == OPT_ATTR_SET || def->kind == OPT_ATTR_CLEAR)
          && (def->value & MOUNT_ATTR__ATIME) == def->value)
        out->attr_clr |= MOUNT_ATTR__ATIME;
    }
  return 0;
}

void
vessel_mount_options_clear (struct vessel_mount_options *o)
{
  free (o->data);
  o->data = NULL;
  o->data_len = 0;
}

size_t
vessel_mount_option_names (const char **names, size_t max)
{
  size_t n = 0;
  for (size_t i = 0; i < ARRAY_SIZE (options) && n < max; i++)
    names[n++] = options[i].name;
  return n;
}
