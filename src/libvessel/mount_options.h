/* Mount options as config.json spells them ("nosuid", "rro", "rslave",
 * "size=64k"), turned into what the mount syscalls take.  Pure: no kernel
 * involved, unit-tested on its own. */
#ifndef VESSEL_MOUNT_OPTIONS_H
#define VESSEL_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum vessel_mount_extra
{
  VESSEL_MOUNT_TMPCOPYUP = 1 << 0, /* tmpfs: copy the directory's contents in */
  VESSEL_MOUNT_IDMAP = 1 << 1,     /* idmapped bind mount */
  VESSEL_MOUNT_RIDMAP = 1 << 2,    /* recursive idmapped bind mount */
};

struct vessel_mount_options
{
  unsigned long flags;       /* MS_* to set */
  unsigned long clear;       /* MS_* the options explicitly cleared */
  unsigned long propagation; /* MS_PRIVATE|MS_SHARED|MS_SLAVE|MS_UNBINDABLE, with MS_REC */
  uint64_t attr_set;         /* MOUNT_ATTR_* applied recursively ("rro", ...) */
  uint64_t attr_clr;
  unsigned extra;            /* enum vessel_mount_extra */
  /* The rest, for the filesystem ("mode=755", "size=64k"), in order; the
     strings belong to the config. */
  const char **data;
  size_t data_len;
};

/* Parses options[0..n).  `where` is the JSON path of the options array,
   for messages ("an unknown recursive option"). */
int vessel_mount_options_parse (char *const *options, size_t n, const char *where,
                                struct vessel_mount_options *out, vessel_error **err);
void vessel_mount_options_clear (struct vessel_mount_options *o);

/* Every option name the table knows, for the features document. */
size_t vessel_mount_option_names (const char **names, size_t max);

#endif
