#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs_params.h"
#include "utils.h"

/* The layers of an overlay lowerdir value, split at the colons that no
   backslash escapes, each unescaped as overlayfs unescapes lowerdir
   (a backslash keeps the next byte as it is): lowerdir+ and datadir+
   take a path as it is.  `::` starts the data-only layers. */
static void
split_layers (char *value, struct vessel_fs_params *out)
{
  bool data = false;
  char *layer = value, *w = value;
  for (char *r = value;; r++)
    {
      if (*r == '\\' && r[1] != '\0')
        {
          *w++ = *++r;
          continue;
        }
      if (*r != ':' && *r != '\0')
        {
          *w++ = *r;
          continue;
        }
      bool end = *r == '\0';
      *w = '\0';
      out->p[out->n].key = data ? "datadir+" : "lowerdir+";
      out->p[out->n++].value = layer;
      if (end)
        return;
      if (r[1] == ':')
        {
          data = true;
          r++;
        }
      layer = w = r + 1;
    }
}

int
vessel_fs_params_of (const char *type, const char *option, struct vessel_fs_params *out, vessel_error **err)
{
  out->buf = xstrdup (option);
  out->joined = NULL;
  out->layers = false;
  out->p = &out->one;
  out->n = 1;
  char *eq = strchr (out->buf, '=');
  if (eq)
    *eq = '\0';
  out->one.key = out->buf;
  out->one.value = eq ? eq + 1 : NULL;
  if (eq && strlen (eq + 1) > VESSEL_FSCONFIG_MAX_VALUE && strcmp (type, "overlay") == 0
      && strcmp (out->buf, "lowerdir") == 0)
    {
      size_t layers = 1;
      for (const char *c = eq + 1; *c; c++)
        layers += *c == ':';
      out->p = xzalloc (layers * sizeof (*out->p));
      out->n = 0;
      out->layers = true;
      split_layers (eq + 1, out);
    }
  for (size_t i = 0; i < out->n; i++)
    {
      const char *key = out->p[i].key, *value = out->p[i].value;
      int ret = 0;
      if (strlen (key) > VESSEL_FSCONFIG_MAX_VALUE)
        ret = vessel_fail (err, EINVAL, "option `%.32s...`: %zu bytes, fsconfig takes at most %d", key,
                           strlen (key), VESSEL_FSCONFIG_MAX_VALUE);
      else if (value && strlen (value) > VESSEL_FSCONFIG_MAX_VALUE)
        ret = vessel_fail (err, EINVAL, "option `%s`: `%s` has %zu bytes, fsconfig takes at most %d", key, value,
                           strlen (value), VESSEL_FSCONFIG_MAX_VALUE);
      if (ret < 0)
        {
          vessel_fs_params_free (out);
          return ret;
        }
    }
  return 0;
}

void
vessel_fs_params_free (struct vessel_fs_params *params)
{
  if (params->p != &params->one)
    free (params->p);
  free (params->buf);
  free (params->joined);
  params->p = NULL;
  params->buf = params->joined = NULL;
  params->n = 0;
}

int
vessel_fs_params_join_fds (struct vessel_fs_params *params, const int *fds, vessel_error **err)
{
  char value[VESSEL_FSCONFIG_MAX_VALUE + 1];
  size_t len = 0;
  for (size_t i = 0; i < params->n; i++)
    {
      const char *sep = i == 0 ? "" : strcmp (params->p[i].key, "datadir+") == 0 ? "::" : ":";
      int n = snprintf (value + len, sizeof value - len, "%s/proc/self/fd/%d", sep, fds[i]);
      if (n < 0 || (size_t) n >= sizeof value - len)
        return vessel_fail (err, EINVAL, "option `lowerdir`: %zu layers do not fit in one fsconfig value, "
                                         "and this kernel takes no lowerdir+ (Linux 6.8)",
                            params->n);
      len += (size_t) n;
    }
  free (params->joined);
  params->joined = xstrdup (value);
  params->one.key = "lowerdir";
  params->one.value = params->joined;
  if (params->p != &params->one)
    free (params->p);
  params->p = &params->one;
  params->n = 1;
  return 0;
}
