/* The mount plan (mount_plan.c), without a kernel and without the
 * executor: for each shape of host (cgroup v1, v2, hybrid; root, a user
 * namespace, rootless; without a mount namespace, --no-pivot) the steps
 * and the mechanism of each.
 *
 * A plan is checked as one line, a word per step (see describe), so that
 * a test reads as the sequence the init will carry out.  Expected values
 * follow runc (libcontainer/rootfs_linux.go) unless a comment says
 * otherwise. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "libvessel/cgroup.h"
#include "libvessel/mounts.h"
#include "fixture.h"
#include "tap.h"

/* ---- host fixtures: cgroup hosts as vessel_cgroup_host_parse makes them
   (test-plans.c checks that), in the order of /proc/self/cgroup ---------- */

static struct vessel_cgroup_hierarchy v2_h[] = {
  { .mountpoint = "/sys/fs/cgroup", .controllers = "", .v2 = true },
};
static const struct vessel_cgroup_host v2 = { .mode = VESSEL_CGROUP_V2, .h = v2_h, .n = 1 };

static struct vessel_cgroup_hierarchy v1_h[] = {
  { .mountpoint = "/sys/fs/cgroup/memory", .controllers = "memory" },
  { .mountpoint = "/sys/fs/cgroup/cpu,cpuacct", .controllers = "cpu,cpuacct" },
  { .mountpoint = "/sys/fs/cgroup/systemd", .controllers = "name=systemd" },
};
static const struct vessel_cgroup_host v1 = { .mode = VESSEL_CGROUP_V1, .h = v1_h, .n = 3 };

static struct vessel_cgroup_hierarchy hybrid_h[] = {
  { .mountpoint = "/sys/fs/cgroup/memory", .controllers = "memory" },
  { .mountpoint = "/sys/fs/cgroup/systemd", .controllers = "name=systemd" },
  { .mountpoint = "/sys/fs/cgroup/unified", .controllers = "", .v2 = true },
};
static const struct vessel_cgroup_host hybrid = { .mode = VESSEL_CGROUP_HYBRID, .h = hybrid_h, .n = 3 };

#define CONFIG_HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"

/* ---- a plan as one line ------------------------------------------------------ */

static const char *const sync_names[] = { "?", "sync:cgroups", "sync:pivot", "sync:pivoted" };
static const char *const root_changes[] = { "pivot_root", "move+chroot", "chroot" };
static const char *const premakes[] = { "", "(premade)", "(idmapped)" };

static void
describe_step (FILE *f, const struct vessel_mount_step *s, const struct vessel_mount_step *prev)
{
  bool same_as_prev = prev && prev->kind == s->kind && prev->dev.in_dev_dir == s->dev.in_dev_dir
                      && prev->dev.bind == s->dev.bind;
  switch (s->kind)
    {
    case VESSEL_STEP_ROOTFS_BIND:
      fprintf (f, " rootfs-bind%s", (s->propagation & ~(unsigned long) MS_REC) == MS_SLAVE ? "(slave)" : "");
      break;
    case VESSEL_STEP_ROOTFS_OPEN:
      fprintf (f, " rootfs-open");
      break;
    case VESSEL_STEP_BIND:
      fprintf (f, " bind:%s%s", s->destination, premakes[s->premake]);
      break;
    case VESSEL_STEP_FS:
      fprintf (f, " %s:%s%s%s%s", s->type, s->destination, s->host_fallback ? "|bind:" : "",
               s->host_fallback ? s->host_fallback : "", s->context ? "(labelled)" : "");
      break;
    case VESSEL_STEP_CGROUP_TMPFS:
      fprintf (f, " cgroup-tmpfs:%s", s->destination);
      break;
    case VESSEL_STEP_CGROUP_HIERARCHY:
      fprintf (f, " cgroup-%s:%s", s->fresh ? "fs" : "bind", s->under_tmpfs ? s->name : s->destination);
      break;
    case VESSEL_STEP_CGROUP_READONLY:
      fprintf (f, " cgroup-tmpfs-ro");
      break;
    case VESSEL_STEP_DEV_DIR:
      fprintf (f, " dev-dir");
      break;
    case VESSEL_STEP_DEV_NODE:
      if (s->dev.in_dev_dir)
        fprintf (f, same_as_prev ? ",%s" : " %s:%s", same_as_prev ? s->destination : s->dev.bind ? "bind-node" : "mknod",
                 s->destination);
      else
        fprintf (f, " %s:%s", s->dev.bind ? "bind-node" : "mknod", s->destination);
      break;
    case VESSEL_STEP_DEV_LINK:
      fprintf (f, same_as_prev ? ",%s" : " links:%s", s->destination);
      break;
    case VESSEL_STEP_SYNC:
      fprintf (f, " %s", sync_names[s->sync]);
      break;
    case VESSEL_STEP_ROOT_CHANGE:
      fprintf (f, " %s", root_changes[s->root_change]);
      break;
    case VESSEL_STEP_READONLY_LATE:
      fprintf (f, " ro-late:%s", s->destination);
      break;
    case VESSEL_STEP_ROOT_PROPAGATION:
      fprintf (f, " propagation");
      break;
    case VESSEL_STEP_READONLY_PATH:
      fprintf (f, " ro:%s", s->destination);
      break;
    case VESSEL_STEP_MASK:
      fprintf (f, " mask:%s", s->destination);
      break;
    case VESSEL_STEP_ROOT_READONLY:
      fprintf (f, " root-ro");
      break;
    }
}

/* "rootfs-bind rootfs-open proc:/proc ..."; the default nodes and links of
   /dev as one word each ("mknod:null,zero,...", "links:fd,stdin,..."). */
static char *
describe (const struct vessel_mount_plan *p)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  for (size_t i = 0; i < p->n; i++)
    describe_step (f, &p->steps[i], i > 0 ? &p->steps[i - 1] : NULL);
  fclose (f);
  if (len > 0)
    memmove (out, out + 1, len); /* the first space */
  return out;
}

#define DEV_MKNOD "dev-dir mknod:null,zero,full,random,urandom,tty links:fd,stdin,stdout,stderr,ptmx,core"
#define DEV_BOUND "dev-dir bind-node:null,zero,full,random,urandom,tty links:fd,stdin,stdout,stderr,ptmx,core"

/* The plan of config json on host as a line, or the error. */
static char *
plan_of (const char *json, const struct vessel_mount_host *host, struct vessel_mount_plan *p)
{
  struct oci_config *c = parse_config (json);
  vessel_error *err = NULL;
  struct vessel_mount_plan mine;
  if (p == NULL)
    p = &mine;
  char *line;
  if (vessel_mount_plan_build (c, "/bundles/b1", host, p, &err) < 0)
    {
      line = strdup (err->msg);
      vessel_error_free (err);
      oci_config_free (c);
      return line;
    }
  line = describe (p);
  if (p == &mine)
    vessel_mount_plan_free (p);
  /* p's strings are the config's: a test that keeps p keeps c */
  if (p == &mine)
    oci_config_free (c);
  return line;
}

static void
check_plan (const char *json, const struct vessel_mount_host *host, const char *want, const char *what)
{
  char *got = plan_of (json, host, NULL);
  is_str (got, want, "%s", what);
  free (got);
}

static const char standard_mounts[]
    = CONFIG_HEAD "\"mounts\":["
                  "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                  "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"mode=755\"]},"
                  "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]},"
                  "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]},"
                  "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/etc/hosts\"}],"
                  "\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/scsi\"],\"readonlyPaths\":[\"/proc/sys\"]}}";

/* ---- each host shape ----------------------------------------------------------- */

static void
test_host_shapes (void)
{
  struct vessel_mount_host host = { .cgroup = &v2, .mount_ns = true, .cgroup_ns = true };

  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc tmpfs:/dev sysfs:/sys sync:cgroups cgroup-fs:/sys/fs/cgroup "
              "bind:/etc/hosts " DEV_MKNOD " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore "
              "mask:/proc/scsi",
              "v2, as root, with a cgroup namespace: the cgroup2 hierarchy is a new filesystem on "
              "/sys/fs/cgroup once the init is in its cgroups; /dev gets its nodes with mknod");

  host.cgroup_ns = false;
  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc tmpfs:/dev sysfs:/sys sync:cgroups cgroup-bind:/sys/fs/cgroup "
              "bind:/etc/hosts " DEV_MKNOD " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore "
              "mask:/proc/scsi",
              "v2 without a cgroup namespace: the container's cgroup directory is bound");

  host.cgroup = &v1;
  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc tmpfs:/dev sysfs:/sys cgroup-tmpfs:/sys/fs/cgroup sync:cgroups "
              "cgroup-bind:memory cgroup-bind:cpu,cpuacct cgroup-bind:systemd cgroup-tmpfs-ro bind:/etc/hosts " DEV_MKNOD
              " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore mask:/proc/scsi",
              "v1: a tmpfs with a directory per hierarchy, named as on the host (in the order of the host's hierarchies), made read-only once they are in");

  host.cgroup = &hybrid;
  host.cgroup_ns = true;
  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc tmpfs:/dev sysfs:/sys cgroup-tmpfs:/sys/fs/cgroup sync:cgroups "
              "cgroup-fs:memory cgroup-fs:systemd cgroup-fs:unified cgroup-tmpfs-ro bind:/etc/hosts " DEV_MKNOD
              " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore mask:/proc/scsi",
              "hybrid with a cgroup namespace: the v1 hierarchies and the unified one, each a new filesystem");

  host = (struct vessel_mount_host){ .cgroup = &v2, .mount_ns = true, .cgroup_ns = true, .userns = true };
  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc|bind:/proc tmpfs:/dev sysfs:/sys|bind:/sys sync:cgroups "
              "cgroup-fs:/sys/fs/cgroup bind:/etc/hosts(premade) " DEV_BOUND
              " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore mask:/proc/scsi",
              "a user namespace, as root: proc and sysfs fall back to the host's trees (crun), device nodes "
              "are bound from the host, vessel makes the binds its init could not reach");

  host = (struct vessel_mount_host){ .mount_ns = true, .userns = true, .rootless = true };
  check_plan (standard_mounts, &host,
              "rootfs-bind rootfs-open proc:/proc|bind:/proc tmpfs:/dev sysfs:/sys|bind:/sys bind:/etc/hosts " DEV_BOUND
              " sync:pivot pivot_root sync:pivoted ro:/proc/sys mask:/proc/kcore mask:/proc/scsi",
              "rootless without delegated cgroups: no /sys/fs/cgroup, binds made by the init itself");

  host = (struct vessel_mount_host){ .cgroup = &v2, .userns = true, .rootless = true };
  check_plan (standard_mounts, &host,
              "rootfs-open proc:/proc|bind:/proc tmpfs:/dev sysfs:/sys|bind:/sys sync:cgroups "
              "cgroup-bind:/sys/fs/cgroup bind:/etc/hosts " DEV_BOUND
              " sync:pivot chroot sync:pivoted ro:/proc/sys mask:/proc/kcore mask:/proc/scsi",
              "rootless with a delegated v2 subtree and no mount namespace: the rootfs is not bound, chroot");

  host = (struct vessel_mount_host){ .cgroup = &v1, .mount_ns = true, .no_pivot = true };
  check_plan (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/dev\",\"type\":\"bind\",\"source\":\"/dev\","
                          "\"options\":[\"rbind\"]}],\"linux\":{\"rootfsPropagation\":\"rslave\"}}",
              &host, "rootfs-bind(slave) rootfs-open bind:/dev sync:pivot move+chroot sync:pivoted propagation",
              "--no-pivot: MS_MOVE and chroot; a bound /dev gets no nodes (needsSetupDev); a slave rootfs stays "
              "a slave and gets its propagation after the root changed");

  host = (struct vessel_mount_host){ .mount_ns = true, .joins_mount_ns = true, .userns = true };
  check_plan (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/a\"},"
                          "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/b\",\"options\":[\"idmap\"]},"
                          "{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"/c\",\"options\":[\"rbind\",\"rrw\"]}],"
                          "\"linux\":{\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229},"
                          "{\"path\":\"/dev/p\",\"type\":\"p\"}]}}",
              &host,
              "rootfs-bind rootfs-open bind:/a bind:/b(idmapped) bind:/c " DEV_BOUND
              " bind-node:/dev/fuse mknod:/dev/p sync:pivot pivot_root sync:pivoted",
              "a joined mount namespace: binds are the init's (its paths), but an id-mapped one is vessel's; "
              "a FIFO of linux.devices is made even in a user namespace, a character device is bound");

  host = (struct vessel_mount_host){ .mount_ns = true, .userns = true };
  check_plan (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"/c\","
                          "\"options\":[\"rbind\",\"rrw\"]}]}",
              &host, "rootfs-bind rootfs-open bind:/c " DEV_BOUND " sync:pivot pivot_root sync:pivoted",
              "a user namespace: a bind whose recursive options clear a locked flag is left to the init");
}

/* ---- what each config mount becomes ------------------------------------------------ */

static void
test_config_mounts (void)
{
  struct vessel_mount_host host = { .mount_ns = true, .selinux = true };
  const char *json
      = CONFIG_HEAD "\"mounts\":["
                    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                    "{\"destination\":\"/data\",\"type\":\"none\",\"source\":\"data\",\"options\":[\"rbind\",\"ro\"]},"
                    "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/etc/hosts\",\"options\":[\"nosuid\"]},"
                    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"ro\"]},"
                    "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"ro\"]},"
                    "{\"destination\":\"/t2\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
                    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
                    "\"linux\":{\"rootfsPropagation\":\"shared\",\"mountLabel\":\"system_u:object_r:x:s0\"}}";
  struct oci_config *c = parse_config (json);
  vessel_error *err = NULL;
  struct vessel_mount_plan p;
  int ret = vessel_mount_plan_build (c, "/bundles/b1", &host, &p, &err);
  ok (ret == 0, "the plan is made");
  if (ret < 0)
    {
      vessel_error_free (err);
      oci_config_free (c);
      return;
    }
  char *line = describe (&p);
  is_str (line,
          "rootfs-bind rootfs-open proc:/proc bind:/data bind:/etc/hosts tmpfs:/dev(labelled) tmpfs:/t(labelled) "
          "tmpfs:/t2(labelled) " DEV_MKNOD " sync:pivot pivot_root sync:pivoted ro-late:/dev ro-late:/t propagation "
          "root-ro",
          "a read-only /dev or tmpfs is made read-only after pivot_root (mountPropagate/finalizeRootfs); "
          "mountLabel on the filesystems the container owns, not proc");
  free (line);
  const struct vessel_mount_step *s = p.steps;
  /* runtime-spec config.md: bind sources are "either absolute or relative
     to the bundle". */
  ok (s[3].kind == VESSEL_STEP_BIND && strcmp (s[3].source, "/bundles/b1/data") == 0 && s[3].recursive
          && (s[3].o.flags & MS_RDONLY),
      "an rbind with a relative source binds the bundle's path recursively, read-only");
  ok (s[4].kind == VESSEL_STEP_BIND && strcmp (s[4].source, "/etc/hosts") == 0 && !s[4].recursive
          && (s[4].o.flags & MS_NOSUID) && !(s[4].o.flags & MS_BIND),
      "type bind without a bind option is a (non-recursive) bind mount, as in runc");
  ok (s[5].readonly_late && !(s[5].o.flags & MS_RDONLY) && s[6].readonly_late && !s[7].readonly_late,
      "the read-only tmpfs mounts are mounted writable");
  ok (s[2].kind == VESSEL_STEP_FS && s[2].ordinary_dir && !s[2].host_fallback && s[2].context == NULL,
      "proc: only on an ordinary directory (CVE-2019-19921), no fallback outside a user namespace");
  ok (p.root_propagation == MS_SHARED, "rootfsPropagation shared is MS_SHARED alone");
  vessel_mount_plan_free (&p);
  oci_config_free (c);

  host.selinux = false;
  check_plan (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
                          "\"linux\":{\"mountLabel\":\"system_u:object_r:x:s0\"}}",
              &host, "rootfs-bind rootfs-open tmpfs:/t " DEV_MKNOD " sync:pivot pivot_root sync:pivoted",
              "without SELinux mountLabel means nothing, as with runc");

  check_plan (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                          "\"options\":[\"rro\",\"bogus-r\"]},{\"destination\":\"/u\",\"type\":\"tmpfs\",\"options\":[\"\"]}]}",
              &host, "config.json: .mounts[1].options[0]: empty option",
              "an option the plan cannot take is refused with its index");
}

/* The options of a cgroup mount go to each hierarchy ("ro" too: runc
   mounts each read-only), and to the tmpfs that holds them. */
static void
test_cgroup_options (void)
{
  struct vessel_mount_host host = { .cgroup = &v1, .mount_ns = true };
  struct oci_config *c = parse_config (CONFIG_HEAD "\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\","
                                                   "\"source\":\"cgroup\",\"options\":[\"ro\",\"nosuid\",\"x=1\"]}]}");
  vessel_error *err = NULL;
  struct vessel_mount_plan p;
  int ret = vessel_mount_plan_build (c, "/b", &host, &p, &err);
  ok (ret == 0 && p.n > 7, "the plan is made");
  if (ret == 0 && p.n > 7)
    {
      const struct vessel_mount_step *s = p.steps;
      ok (s[2].kind == VESSEL_STEP_CGROUP_TMPFS && s[3].kind == VESSEL_STEP_SYNC && s[4].kind == VESSEL_STEP_CGROUP_HIERARCHY,
          "v1: the tmpfs, the sync point, the hierarchies");
      bool each = true;
      for (size_t i = 4; i < 7; i++)
        each = each && s[i].kind == VESSEL_STEP_CGROUP_HIERARCHY && (s[i].o.flags & (MS_RDONLY | MS_NOSUID)) == (MS_RDONLY | MS_NOSUID)
               && s[i].o.data_len == 0 && s[i].hierarchy == i - 4 && s[i].index == 0;
      ok (each, "each hierarchy is read-only and nosuid, without the config's filesystem data");
      ok (s[7].kind == VESSEL_STEP_CGROUP_READONLY, "the tmpfs is made read-only after the hierarchies");
      vessel_mount_plan_free (&p);
    }
  else
    vessel_error_free (err);
  oci_config_free (c);
}

int
main (void)
{
  test_host_shapes ();
  test_config_mounts ();
  test_cgroup_options ();
  return tap_done ();
}
