/* Pure: linux.netDevices checked before anything exists, and the names
 * the devices get (see netdev.h); netdev.c moves them. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "netdev.h"
#include "utils.h"

#define C "config.json: "

/* ---- names ------------------------------------------------------------- */

/* The kernel's dev_valid_name; a new name may carry one `%d`, which the
   kernel turns into the first free number. */
static bool
valid_ifname (const char *name, bool template)
{
  size_t len = strlen (name);
  if (len == 0 || len >= IFNAMSIZ || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return false;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || isspace ((unsigned char) *p))
      return false;
  const char *pct = strchr (name, '%');
  return pct == NULL || (template && pct[1] == 'd' && strchr (pct + 1, '%') == NULL);
}

const char *
vessel_netdev_new_name (const struct oci_net_device *d)
{
  return d->name && *d->name ? d->name : NULL;
}

const char *
vessel_netdev_container_name (const struct oci_net_device *d)
{
  return vessel_netdev_new_name (d) ? vessel_netdev_new_name (d) : d->host_name;
}

bool
vessel_netdev_is_template (const char *name)
{
  return strchr (name, '%') != NULL;
}

static bool
is_identifier (const char *s)
{
  if (!(isalpha ((unsigned char) *s) || *s == '_'))
    return false;
  for (s++; *s; s++)
    if (!(isalnum ((unsigned char) *s) || *s == '_'))
      return false;
  return true;
}

char *
vessel_netdev_field (const char *host_name)
{
  return is_identifier (host_name) ? xasprintf (C ".linux.netDevices.%s", host_name)
                                   : xasprintf (C ".linux.netDevices[\"%s\"]", host_name);
}

/* EINVAL, with the device's field and then fmt. */
static int
device_fail (vessel_error **err, const char *host_name, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
static int
device_fail (vessel_error **err, const char *host_name, const char *fmt, ...)
{
  cleanup_free char *field = vessel_netdev_field (host_name);
  va_list ap;
  va_start (ap, fmt);
  cleanup_free char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  return vessel_fail (err, EINVAL, "%s%s", field, msg);
}

int
vessel_netdev_validate (const struct oci_config *c, vessel_error **err)
{
  const struct oci_linux *lx = c->linux;
  if (lx == NULL || lx->net_devices_len == 0)
    return 0;
  if (vessel_config_namespace (c, OCI_NS_NETWORK) == NULL)
    return vessel_fail (err, EINVAL, C ".linux.netDevices: the container has no network namespace to move them to");
  for (size_t i = 0; i < lx->net_devices_len; i++)
    {
      const struct oci_net_device *d = &lx->net_devices[i];
      if (!valid_ifname (d->host_name, false))
        return device_fail (err, d->host_name, ": not a network interface name");
      if (vessel_netdev_new_name (d) && !valid_ifname (d->name, true))
        return device_fail (err, d->host_name,
                            ".name: `%s` is not a network interface name (1 to %d characters, no `/`, `:` or "
                            "space, at most one `%%d`)",
                            d->name, IFNAMSIZ - 1);
      const char *name = vessel_netdev_container_name (d);
      for (size_t j = 0; j < i && !vessel_netdev_is_template (name); j++)
        if (strcmp (vessel_netdev_container_name (&lx->net_devices[j]), name) == 0)
          return device_fail (err, d->host_name, ": `%s` is also the name given to `%s`", name,
                              lx->net_devices[j].host_name);
    }
  return 0;
}
