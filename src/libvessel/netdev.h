/* linux.netDevices (runtime-spec 1.3): interfaces of vessel's network
 * namespace moved into the container's, with rtnetlink. */
#ifndef VESSEL_NETDEV_H
#define VESSEL_NETDEV_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* Checks the names (as the kernel's dev_valid_name, `%d` allowed in a
   new name), that no two entries end with one name, and that the
   container has a network namespace to receive them. */
int vessel_netdev_validate (const struct oci_config *c, vessel_error **err);

/* The config field of the device that has host_name in vessel's
   namespace, as the parser names fields (jq syntax):
   "config.json: .linux.netDevices.eth0", or ...netDevices["veth-a"] for
   a name that is not an identifier.  Malloc'ed; for error messages. */
char *vessel_netdev_field (const char *host_name);

/* The name the device gets in the container, NULL when it keeps its own. */
const char *vessel_netdev_new_name (const struct oci_net_device *d);
/* The name it has in the container: its new one, or its own. */
const char *vessel_netdev_container_name (const struct oci_net_device *d);
/* A new name with a `%d`, which the kernel turns into a free number. */
bool vessel_netdev_is_template (const char *name);

/* From vessel, once the init is in its network namespace: each device
   moves there under its new name, gets back its permanent global
   addresses (moving drops them) and comes up.  A device that cannot move
   is an error; those already moved stay, and leave with the namespace
   (the spec forbids moving them back). */
int vessel_netdev_move_all (const struct oci_linux *lx, pid_t init, vessel_error **err);

#endif
