#include <config.h>

#include <string.h>

#include "default_spec.h"
#include "utils.h"

/* The same defaults as `runc spec`, so that bundles move between runtimes. */
static const char default_config[] =
  "{"
  "\"ociVersion\":\"" OCI_SPEC_VERSION "\","
  "\"process\":{"
    "\"terminal\":true,"
    "\"user\":{\"uid\":0,\"gid\":0},"
    "\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\","
    "\"capabilities\":{"
      "\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]"
    "},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":true"
  "},"
  "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
  "\"hostname\":\"vessel\","
  "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
      "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
      "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
      "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
      "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
      "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
      "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}"
  "],"
  "\"linux\":{"
    "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
      "{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
      "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
      "\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\",\"/sys/devices/virtual/powercap\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]"
  "}"
  "}";

static void
make_rootless (struct oci_config *c, uid_t uid, gid_t gid)
{
  struct oci_arena *a = c->arena;
  struct oci_linux *lx = c->linux;

  /* No network namespace (an unprivileged user could not configure it
     anyway); a user namespace instead. */
  size_t n = 0;
  struct oci_namespace *ns = oci_arena_alloc (a, (lx->namespaces_len + 1) * sizeof (*ns));
  for (size_t i = 0; i < lx->namespaces_len; i++)
    if (lx->namespaces[i].type != OCI_NS_NETWORK)
      ns[n++] = lx->namespaces[i];
  ns[n++] = (struct oci_namespace) { .type = OCI_NS_USER };
  lx->namespaces = ns;
  lx->namespaces_len = n;

  lx->uid_mappings = oci_arena_alloc (a, sizeof (*lx->uid_mappings));
  lx->uid_mappings[0] = (struct oci_id_mapping) { .container_id = 0, .host_id = uid, .size = 1 };
  lx->uid_mappings_len = 1;
  lx->gid_mappings = oci_arena_alloc (a, sizeof (*lx->gid_mappings));
  lx->gid_mappings[0] = (struct oci_id_mapping) { .container_id = 0, .host_id = gid, .size = 1 };
  lx->gid_mappings_len = 1;
  lx->resources = NULL;

  for (size_t i = 0; i < c->mounts_len; i++)
    {
      struct oci_mount *m = &c->mounts[i];
      if (strcmp (m->destination, "/sys") == 0)
        {
          /* sysfs needs a network namespace of our own: bind the host's. */
          static char *sys_options[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
          m->type = oci_arena_strdup (a, "none");
          m->source = oci_arena_strdup (a, "/sys");
          m->options = oci_arena_alloc (a, sizeof (sys_options));
          for (size_t j = 0; j < ARRAY_SIZE (sys_options); j++)
            m->options[j] = oci_arena_strdup (a, sys_options[j]);
          m->options_len = ARRAY_SIZE (sys_options);
        }
      else if (strcmp (m->destination, "/dev/pts") == 0)
        {
          /* gid 5 (tty) is not mapped in a single-id user namespace. */
          size_t k = 0;
          for (size_t j = 0; j < m->options_len; j++)
            if (strcmp (m->options[j], "gid=5") != 0)
              m->options[k++] = m->options[j];
          m->options_len = k;
        }
    }
}

int
vessel_default_spec (bool rootless, uid_t uid, gid_t gid,
                     struct oci_config **out, vessel_error **err)
{
  char *msg = NULL;
  int ret = oci_config_parse_data ("default config", default_config,
                                   sizeof (default_config) - 1, out, &msg);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  if (rootless)
    make_rootless (*out, uid, gid);
  return 0;
}
