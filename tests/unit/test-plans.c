/* The pure planners, without a kernel: cgroup host detection and paths,
 * linux.resources as cgroup file writes on v1, v2 and hybrid hosts, the
 * device rules and their eBPF program (run here by a small interpreter and
 * compared with cgroup v1's rule semantics), and the namespace,
 * signal and config checks.
 *
 * Every expected value comes from the runtime-spec, runc or crun, or the
 * kernel's documented behaviour; the comment next to it says which.
 * "runc" below means runc 1.4 with github.com/opencontainers/cgroups
 * v0.0.6 (fs/, fs2/, devices/), and libcontainer/specconv/spec_linux.go;
 * "crun" means src/libcrun/cgroup-*.c and ebpf.c as of crun 1.23+. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>

#include "libvessel/cgroup.h"
#include "libvessel/cgroup_devices.h"
#include "libvessel/cgroup_resources.h"
#include "libvessel/config.h"
#include "libvessel/namespaces.h"
#include "libvessel/no_pivot.h"
#include "libvessel/seccomp_enosys.h"
#include "libvessel/signals.h"
#include "libvessel/state.h"
#include "fixture.h"
#include "tap.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ======================================================================
 * Host fixtures: /proc/self/mountinfo and /proc/self/cgroup as real hosts
 * show them (proc(5), cgroups(7)).
 * ====================================================================== */

/* Pure cgroup v2 (systemd's unified layout), in a login session. */
static const char v2_mountinfo[]
    = "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"
      "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
      "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
      "25 24 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:3 - securityfs securityfs rw\n"
      "26 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
      "rw,nsdelegate,memory_recursiveprot\n"
      "27 24 0:24 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:5 - bpf bpf rw,mode=700\n"
      "28 22 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:13 - tmpfs tmpfs rw,size=1624088k,mode=755\n";
static const char v2_self[] = "0::/user.slice/user-1000.slice/session-2.scope\n";
static const char v2_controllers[] = "cpuset cpu io memory hugetlb pids rdma misc";

/* Pure cgroup v1 (systemd's legacy layout): co-mounted cpu,cpuacct and
   net_cls,net_prio, the named name=systemd hierarchy.  The kernel still
   lists the (unmounted) cgroup2 hierarchy as "0::", and a v1 controller
   that is not mounted (misc). */
static const char v1_mountinfo[]
    = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
      "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup "
      "rw,xattr,name=systemd\n"
      "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "35 30 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup "
      "rw,net_cls,net_prio\n"
      "36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,memory\n"
      "37 30 0:33 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,pids\n"
      "38 30 0:34 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,devices\n"
      "39 30 0:35 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,freezer\n"
      "40 30 0:36 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:21 - cgroup cgroup rw,blkio\n"
      "41 30 0:37 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cgroup rw,cpuset\n"
      "42 30 0:38 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:23 - cgroup cgroup rw,hugetlb\n"
      "43 30 0:39 / /sys/fs/cgroup/rdma rw,nosuid,nodev,noexec,relatime shared:24 - cgroup cgroup rw,rdma\n";
static const char v1_self[] = "13:misc:/\n"
                              "12:rdma:/\n"
                              "11:hugetlb:/\n"
                              "10:cpuset:/\n"
                              "9:blkio:/user.slice\n"
                              "8:freezer:/\n"
                              "7:devices:/user.slice\n"
                              "6:pids:/user.slice/user-1000.slice/session-2.scope\n"
                              "5:memory:/user.slice/user-1000.slice/session-2.scope\n"
                              "4:net_cls,net_prio:/\n"
                              "3:cpu,cpuacct:/user.slice\n"
                              "2:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
                              "0::/user.slice/user-1000.slice/session-2.scope\n";

/* Hybrid (systemd's hybrid layout, as on this project's test machine):
   the v1 hierarchies plus cgroup2 at /sys/fs/cgroup/unified, where only
   the controllers no v1 hierarchy took are available (here hugetlb). */
static const char hybrid_mountinfo[]
    = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
      "30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 "
      "rw,nsdelegate\n"
      "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
      "rw,xattr,name=systemd\n"
      "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "35 30 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup "
      "rw,net_cls,net_prio\n"
      "36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,memory\n"
      "37 30 0:33 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,pids\n"
      "38 30 0:34 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,devices\n"
      "39 30 0:35 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,freezer\n"
      "40 30 0:36 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:21 - cgroup cgroup rw,blkio\n"
      "41 30 0:37 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cgroup rw,cpuset\n";
static const char hybrid_self[] = "10:cpuset:/\n"
                                  "9:blkio:/user.slice\n"
                                  "8:freezer:/\n"
                                  "7:devices:/user.slice\n"
                                  "6:pids:/user.slice/user-1000.slice/session-2.scope\n"
                                  "5:memory:/user.slice/user-1000.slice/session-2.scope\n"
                                  "4:net_cls,net_prio:/\n"
                                  "3:cpu,cpuacct:/user.slice\n"
                                  "2:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
                                  "0::/user.slice/user-1000.slice/session-2.scope\n";
static const char hybrid_controllers[] = "hugetlb";

/* Inside a Docker container on a v1 host, without a cgroup namespace: the
   mounts show only the container's subtree (mountinfo field 4 is
   /docker/<id>), while /proc/self/cgroup shows host paths. */
static const char nested_mountinfo[]
    = "700 650 0:51 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
      "718 700 0:55 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
      "719 718 0:56 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
      "720 719 0:27 /docker/0123abcd /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime master:10 - cgroup "
      "cgroup rw,xattr,name=systemd\n"
      "721 719 0:30 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime master:15 - "
      "cgroup cgroup rw,cpu,cpuacct\n"
      "722 719 0:32 /docker/0123abcd /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime master:17 - cgroup "
      "cgroup rw,memory\n"
      "723 719 0:34 /docker/0123abcd /sys/fs/cgroup/devices ro,nosuid,nodev,noexec,relatime master:19 - cgroup "
      "cgroup rw,devices\n"
      "724 719 0:33 /docker/0123abcd /sys/fs/cgroup/pids ro,nosuid,nodev,noexec,relatime master:18 - cgroup "
      "cgroup rw,pids\n";
static const char nested_self[] = "7:devices:/docker/0123abcd\n"
                                  "6:pids:/docker/0123abcd/inner\n"
                                  "5:memory:/docker/0123abcd\n"
                                  "3:cpu,cpuacct:/docker/0123abcd\n"
                                  "1:name=systemd:/docker/0123abcd\n"
                                  "0::/system.slice/containerd.service\n";

/* The same on a v2 host, without a cgroup namespace. */
static const char nested_v2_mountinfo[]
    = "800 780 0:60 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
      "801 800 0:61 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
      "802 801 0:23 /docker/89ab /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
static const char nested_v2_self[] = "0::/docker/89ab\n";

static void
host_from (struct vessel_cgroup_host *h, const char *mountinfo, const char *self, const char *controllers)
{
  vessel_error *err = NULL;
  if (vessel_cgroup_host_parse (mountinfo, self, h, &err) < 0)
    {
      printf ("# %s\n", err ? err->msg : "(no message)");
      vessel_error_free (err);
      bail_out ("a host fixture does not parse");
    }
  /* vessel_cgroup_host_detect reads the cgroup2 root's cgroup.controllers
     from the kernel; the pure parser leaves it to the caller. */
  if (controllers)
    {
      free (h->v2_controllers);
      h->v2_controllers = strdup (controllers);
    }
}

/* The hierarchy whose controllers are exactly `controllers` ("" for cgroup2). */
static int
hier (const struct vessel_cgroup_host *h, const char *controllers)
{
  for (size_t i = 0; i < h->n; i++)
    if (strcmp (h->h[i].controllers, controllers) == 0 && h->h[i].v2 == (*controllers == '\0'))
      return (int) i;
  return -1;
}

static bool
same_str (const char *a, const char *b)
{
  return a && b ? strcmp (a, b) == 0 : a == b;
}

/* One hierarchy of a parsed host, field by field. */
static void
expect_hierarchy (const struct vessel_cgroup_host *h, const char *controllers, const char *mountpoint,
                  const char *mount_root, const char *own, const char *what)
{
  int i = hier (h, controllers);
  bool good = i >= 0 && same_str (h->h[i].mountpoint, mountpoint) && same_str (h->h[i].mount_root, mount_root)
              && same_str (h->h[i].own, own);
  ok (good, "%s", what);
  if (!good && i < 0)
    printf ("#   no hierarchy `%s`\n", controllers);
  else if (!good)
    printf ("#   got:  %s (root %s, own %s)\n#   want: %s (root %s, own %s)\n", h->h[i].mountpoint,
            h->h[i].mount_root, h->h[i].own, mountpoint, mount_root, own);
}

/* The planned directory of the hierarchy `controllers`. */
static void
expect_path (const struct vessel_cgroup_host *h, char **paths, const char *controllers, const char *want,
             const char *what)
{
  int i = hier (h, controllers);
  is_str (i >= 0 ? paths[i] : NULL, want, "%s", what);
}

static size_t
strv_len (char **v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

static void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

/* ======================================================================
 * 1. Host parsing and cgroup paths
 * ====================================================================== */

static void
test_host_parsing (void)
{
  struct vessel_cgroup_host h;

  host_from (&h, v2_mountinfo, v2_self, v2_controllers);
  ok (h.mode == VESSEL_CGROUP_V2 && h.n == 1 && h.h[0].v2, "a host with only cgroup2 mounted is a v2 host with one hierarchy");
  expect_hierarchy (&h, "", "/sys/fs/cgroup", "/", "/user.slice/user-1000.slice/session-2.scope",
                    "v2 host: the cgroup2 mount, its root and our own cgroup from the 0:: line");
  vessel_cgroup_host_free (&h);

  host_from (&h, v1_mountinfo, v1_self, NULL);
  ok (h.mode == VESSEL_CGROUP_V1, "a host with only v1 hierarchies mounted is a v1 host, whatever the 0:: line says");
  ok (h.n == 11, "v1 host: one hierarchy per mounted v1 hierarchy, the unmounted misc and cgroup2 left out (got %zu)",
      h.n);
  expect_hierarchy (&h, "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct", "/", "/user.slice",
                    "v1 host: co-mounted cpu,cpuacct is one hierarchy");
  expect_hierarchy (&h, "net_cls,net_prio", "/sys/fs/cgroup/net_cls,net_prio", "/", "/",
                    "v1 host: co-mounted net_cls,net_prio is one hierarchy");
  expect_hierarchy (&h, "name=systemd", "/sys/fs/cgroup/systemd", "/", "/user.slice/user-1000.slice/session-2.scope",
                    "v1 host: the named name=systemd hierarchy is found by its name= mount option");
  expect_hierarchy (&h, "memory", "/sys/fs/cgroup/memory", "/", "/user.slice/user-1000.slice/session-2.scope",
                    "v1 host: memory and our own cgroup in it");
  expect_hierarchy (&h, "devices", "/sys/fs/cgroup/devices", "/", "/user.slice", "v1 host: devices");
  expect_hierarchy (&h, "hugetlb", "/sys/fs/cgroup/hugetlb", "/", "/", "v1 host: hugetlb");
  ok (hier (&h, "misc") < 0 && hier (&h, "") < 0, "v1 host: no hierarchy for what is not mounted");
  vessel_cgroup_host_free (&h);

  host_from (&h, hybrid_mountinfo, hybrid_self, hybrid_controllers);
  ok (h.mode == VESSEL_CGROUP_HYBRID && h.n == 10,
      "v1 hierarchies and a cgroup2 mount make a hybrid host with both (got mode %d, %zu hierarchies)", h.mode, h.n);
  expect_hierarchy (&h, "", "/sys/fs/cgroup/unified", "/", "/user.slice/user-1000.slice/session-2.scope",
                    "hybrid host: the cgroup2 hierarchy at /sys/fs/cgroup/unified");
  expect_hierarchy (&h, "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct", "/", "/user.slice",
                    "hybrid host: the v1 hierarchies too");
  vessel_cgroup_host_free (&h);

  host_from (&h, nested_mountinfo, nested_self, NULL);
  ok (h.mode == VESSEL_CGROUP_V1 && h.n == 5, "container-like host: the five mounted hierarchies (got %zu)", h.n);
  expect_hierarchy (&h, "memory", "/sys/fs/cgroup/memory", "/docker/0123abcd", "/docker/0123abcd",
                    "container-like host: the mount root is the container's subtree, not /");
  vessel_cgroup_host_free (&h);

  /* proc(5): mountinfo escapes space, tab, newline and backslash as octal. */
  host_from (&h, "26 24 0:23 / /run/my\\040cgroup rw,relatime shared:4 - cgroup2 cgroup2 rw\n", "0::/\n", "");
  is_str (h.n == 1 ? h.h[0].mountpoint : NULL, "/run/my cgroup", "an octal escape in a mountinfo path is decoded");
  vessel_cgroup_host_free (&h);

  vessel_error *err = NULL;
  int ret = vessel_cgroup_host_parse ("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n", "0::/\n", &h, &err);
  ok (ret < 0 && err != NULL, "a host without any cgroup mount is an error");
  vessel_error_free (err);
  if (ret == 0)
    vessel_cgroup_host_free (&h);
}

static void
test_paths_v1 (void)
{
  struct vessel_cgroup_host h;
  host_from (&h, v1_mountinfo, v1_self, NULL);

  /* runc fs/paths.go subsysPath: an absolute cgroupsPath is taken from the
     root of every hierarchy. */
  char **p = vessel_cgroup_paths (&h, "/machine/c1", "c1");
  ok (strv_len (p) == h.n, "v1: one path per hierarchy");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/machine/c1", "v1, absolute cgroupsPath: from the hierarchy's root");
  expect_path (&h, p, "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/machine/c1",
               "v1, absolute cgroupsPath: in the co-mounted cpu,cpuacct hierarchy");
  expect_path (&h, p, "name=systemd", "/sys/fs/cgroup/systemd/machine/c1", "v1, absolute cgroupsPath: name=systemd too");
  strv_free (p);

  /* runc fs/paths.go subsysPath -> GetOwnCgroupPath: a relative one under
     our own cgroup in each hierarchy (which differs between hierarchies). */
  p = vessel_cgroup_paths (&h, "vessel/c1", "c1");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/user.slice/user-1000.slice/session-2.scope/vessel/c1",
               "v1, relative cgroupsPath: under our own memory cgroup");
  expect_path (&h, p, "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/user.slice/vessel/c1",
               "v1, relative cgroupsPath: under our own cpu,cpuacct cgroup");
  expect_path (&h, p, "cpuset", "/sys/fs/cgroup/cpuset/vessel/c1",
               "v1, relative cgroupsPath: under the root where our own cgroup is /");
  strv_free (p);

  /* runc specconv.CreateCgroupConfig: no cgroupsPath means Name = the id,
     a relative path; "" is the same as absent. */
  p = vessel_cgroup_paths (&h, NULL, "c1");
  expect_path (&h, p, "devices", "/sys/fs/cgroup/devices/user.slice/c1", "v1, no cgroupsPath: the id under our own cgroup");
  strv_free (p);
  p = vessel_cgroup_paths (&h, "", "c1");
  expect_path (&h, p, "devices", "/sys/fs/cgroup/devices/user.slice/c1", "v1, empty cgroupsPath: the same as none");
  strv_free (p);

  /* runc internal/path.Inner cleans the path lexically (filepath.Clean). */
  p = vessel_cgroup_paths (&h, "/machine//c1/./", "c1");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/machine/c1",
               "v1: a cgroupsPath is cleaned lexically (// and . components) as runc does");
  strv_free (p);
  vessel_cgroup_host_free (&h);
}

static void
test_paths_v2 (void)
{
  struct vessel_cgroup_host h;
  host_from (&h, v2_mountinfo, v2_self, v2_controllers);

  /* runc fs2/defaultpath.go: an absolute path joins the mountpoint. */
  char **p = vessel_cgroup_paths (&h, "/machine/c1", "c1");
  ok (strv_len (p) == 1, "v2: one path");
  is_str (p[0], "/sys/fs/cgroup/machine/c1", "v2, absolute cgroupsPath: from the root of the hierarchy");
  strv_free (p);

  /* runc fs2/defaultpath.go: a relative one goes under the PARENT of our
     own cgroup ("The current user scope most probably has tasks in it
     already, making it impossible to enable controllers for its
     sub-cgroup. A parent cgroup (with no tasks in it) is what we need."):
     cgroup v2's no-internal-processes rule (cgroup-v2.rst). */
  p = vessel_cgroup_paths (&h, "vessel/c1", "c1");
  is_str (p[0], "/sys/fs/cgroup/user.slice/user-1000.slice/vessel/c1",
          "v2, relative cgroupsPath: beside our own cgroup, under its parent, as runc does");
  strv_free (p);
  p = vessel_cgroup_paths (&h, NULL, "c1");
  is_str (p[0], "/sys/fs/cgroup/user.slice/user-1000.slice/c1",
          "v2, no cgroupsPath: the id beside our own cgroup, as runc does");
  strv_free (p);
  vessel_cgroup_host_free (&h);

  /* In the root cgroup, the parent is the root itself. */
  host_from (&h, v2_mountinfo, "0::/\n", v2_controllers);
  p = vessel_cgroup_paths (&h, NULL, "c1");
  is_str (p[0], "/sys/fs/cgroup/c1", "v2, no cgroupsPath, running in the root cgroup: /sys/fs/cgroup/<id>");
  strv_free (p);
  vessel_cgroup_host_free (&h);
}

static void
test_paths_hybrid (void)
{
  struct vessel_cgroup_host h;
  host_from (&h, hybrid_mountinfo, hybrid_self, hybrid_controllers);
  char **p = vessel_cgroup_paths (&h, "/machine/c1", "c1");
  expect_path (&h, p, "", "/sys/fs/cgroup/unified/machine/c1", "hybrid, absolute cgroupsPath: in the unified hierarchy");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/machine/c1", "hybrid, absolute cgroupsPath: in the v1 ones");
  strv_free (p);

  /* runc on hybrid hosts: the v1 hierarchies as on v1 (own cgroup), and
     the unified one at hybridMountpoint + path: GetOwnCgroupPath("")
     returns /sys/fs/cgroup/unified itself (v1_utils.go).  crun agrees:
     it puts every cgroupfs path below the hierarchy root
     (cgroup-cgroupfs.c make_cgroup_path). */
  p = vessel_cgroup_paths (&h, "vessel/c1", "c1");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/user.slice/user-1000.slice/session-2.scope/vessel/c1",
               "hybrid, relative cgroupsPath: the v1 hierarchies under our own cgroup");
  expect_path (&h, p, "", "/sys/fs/cgroup/unified/vessel/c1",
               "hybrid, relative cgroupsPath: the unified hierarchy from its root, as runc and crun do");
  strv_free (p);
  vessel_cgroup_host_free (&h);
}

static void
test_paths_nested (void)
{
  struct vessel_cgroup_host h;
  host_from (&h, nested_mountinfo, nested_self, NULL);
  /* runc v1_utils.go getCgroupPathHelper: "This is needed for nested
     containers, because in /proc/self/cgroup we see paths from host,
     which don't exist in container": own path relative to the mount root. */
  char **p = vessel_cgroup_paths (&h, "c1", "c1");
  expect_path (&h, p, "memory", "/sys/fs/cgroup/memory/c1",
               "nested v1: a relative path goes under our cgroup as the mount shows it, not the host's path");
  expect_path (&h, p, "pids", "/sys/fs/cgroup/pids/inner/c1",
               "nested v1: below the mount root, our own sub-cgroup is kept");
  strv_free (p);
  p = vessel_cgroup_paths (&h, "/abs/c1", "c1");
  expect_path (&h, p, "devices", "/sys/fs/cgroup/devices/abs/c1",
               "nested v1: an absolute path is taken from what the mount shows");
  strv_free (p);
  vessel_cgroup_host_free (&h);

  host_from (&h, nested_v2_mountinfo, nested_v2_self, "cpu memory pids");
  p = vessel_cgroup_paths (&h, "/abs/c1", "c1");
  is_str (p[0], "/sys/fs/cgroup/abs/c1", "nested v2: an absolute path is taken from what the mount shows");
  strv_free (p);
  /* Our own cgroup as the mount shows it is "/", whose parent is itself. */
  p = vessel_cgroup_paths (&h, NULL, "c1");
  is_str (p[0], "/sys/fs/cgroup/c1", "nested v2: the default path is inside the mounted subtree");
  strv_free (p);
  vessel_cgroup_host_free (&h);
}

static void
test_paths_match (void)
{
  /* This machine's layout: cpu and cpuacct mounted apart, so that
     /sys/fs/cgroup/cpu is a prefix of /sys/fs/cgroup/cpuacct. */
  static const char mi[] = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                           "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n";
  struct vessel_cgroup_host h;
  host_from (&h, mi, "2:cpuacct:/\n1:cpu:/\n", NULL);
  char *saved[] = { "/sys/fs/cgroup/cpuacct/x", "/sys/fs/cgroup/cpu/x", NULL };
  char **out = NULL;
  vessel_error *err = NULL;
  int ret = vessel_cgroup_paths_match (&h, saved, &out, &err);
  int cpu = hier (&h, "cpu"), cpuacct = hier (&h, "cpuacct");
  ok (ret == 0 && cpu >= 0 && cpuacct >= 0 && same_str (out[cpu], "/sys/fs/cgroup/cpu/x")
          && same_str (out[cpuacct], "/sys/fs/cgroup/cpuacct/x"),
      "saved cgroup paths are matched to hierarchies on a whole path component");
  strv_free (out);
  out = NULL;
  char *missing[] = { "/sys/fs/cgroup/cpu/x", NULL };
  ret = vessel_cgroup_paths_match (&h, missing, &out, &err);
  ok (ret < 0 && err && strstr (err->msg, "/sys/fs/cgroup/cpuacct"),
      "a hierarchy without a saved path is an error naming it");
  vessel_error_free (err);
  if (ret == 0)
    strv_free (out);
  vessel_cgroup_host_free (&h);
}

/* ======================================================================
 * 2. linux.resources -> cgroup writes
 * ====================================================================== */

static struct vessel_cgroup_host host_v1, host_v2, host_hybrid;

/* Plans `json` (a linux.resources object).  Returns the planner's result;
   on error *msg gets its message (malloc'ed) unless msg is NULL. */
static int
plan_resources (const struct vessel_cgroup_host *h, const char *json, bool devices, struct vessel_cgroup_plan *p,
                char **msg)
{
  struct oci_config *c = NULL;
  char *perr = NULL;
  memset (p, 0, sizeof (*p));
  if (msg)
    *msg = NULL;
  if (oci_resources_parse_data ("resources", json, strlen (json), &c, &perr) < 0)
    {
      printf ("# fixture does not parse: %s\n", perr);
      free (perr);
      return -1000;
    }
  vessel_error *err = NULL;
  int ret = vessel_cgroup_plan_resources (c->linux->resources, c->linux, h, devices, VESSEL_RESOURCES_IN_CONFIG, p, &err);
  if (ret < 0)
    {
      if (msg)
        *msg = strdup (err && err->msg ? err->msg : "(no message)");
      vessel_error_free (err);
    }
  oci_config_free (c);
  return ret;
}

/* The last write to `file`: what the file holds once the plan is applied. */
static const struct vessel_cgroup_write *
last_write (const struct vessel_cgroup_plan *p, const char *file)
{
  const struct vessel_cgroup_write *w = NULL;
  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->writes[i].file, file) == 0)
      w = &p->writes[i];
  return w;
}

static int
write_index (const struct vessel_cgroup_plan *p, const char *file)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->writes[i].file, file) == 0)
      return (int) i;
  return -1;
}

static size_t
count_writes (const struct vessel_cgroup_plan *p, const char *file)
{
  size_t n = 0;
  for (size_t i = 0; i < p->n; i++)
    n += strcmp (p->writes[i].file, file) == 0;
  return n;
}

/* s with newlines shown as \n, for TAP diagnostics (which are one line
   each); in a static buffer, so one call per printf. */
static const char *
oneline (const char *s, char *buf, size_t size)
{
  size_t o = 0;
  for (; s && *s && o + 3 < size; s++)
    if (*s == '\n')
      buf[o++] = '\\', buf[o++] = 'n';
    else
      buf[o++] = *s;
  buf[o] = '\0';
  return s ? buf : "(null)";
}

static void
dump_plan (const struct vessel_cgroup_plan *p)
{
  for (size_t i = 0; i < p->n; i++)
    {
      char v[256], f[256];
      printf ("#     [%zu] h%zu %s = \"%s\"%s%s%s%s%s\n", i, p->writes[i].hierarchy, p->writes[i].file,
              oneline (p->writes[i].value, v, sizeof v), p->writes[i].fallback_file ? " | " : "",
              p->writes[i].fallback_file ? p->writes[i].fallback_file : "",
              p->writes[i].fallback_file ? " = " : "",
              p->writes[i].fallback_file ? oneline (p->writes[i].fallback_value, f, sizeof f) : "",
              p->writes[i].optional ? " (optional)" : "");
    }
  for (size_t i = 0; i < p->n_warnings; i++)
    printf ("#     warning: %s\n", p->warnings[i]);
}

/* `file` ends up holding `value`, written in hierarchy `h`. */
static void
expect_write (const struct vessel_cgroup_plan *p, int h, const char *file, const char *value, const char *what)
{
  const struct vessel_cgroup_write *w = last_write (p, file);
  bool good = w && (int) w->hierarchy == h && strcmp (w->value, value) == 0;
  ok (good, "%s", what);
  if (!good)
    {
      printf ("#   want: h%d %s = \"%s\"\n#   plan:\n", h, file, value);
      dump_plan (p);
    }
}

static void
expect_no_write (const struct vessel_cgroup_plan *p, const char *file, const char *what)
{
  bool good = last_write (p, file) == NULL;
  ok (good, "%s", what);
  if (!good)
    dump_plan (p);
}

static bool
has_warning (const struct vessel_cgroup_plan *p, const char *needle)
{
  for (size_t i = 0; i < p->n_warnings; i++)
    if (strstr (p->warnings[i], needle))
      return true;
  return false;
}

/* The planner refuses `json` on host h, with a message containing `needle`. */
static void
expect_plan_error (const struct vessel_cgroup_host *h, const char *json, const char *needle, const char *what)
{
  struct vessel_cgroup_plan p;
  char *msg = NULL;
  int ret = plan_resources (h, json, false, &p, &msg);
  bool good = ret < 0 && ret != -1000 && msg && strstr (msg, needle);
  ok (good, "%s", what);
  if (!good)
    {
      printf ("#   got: %s (ret %d), want an error mentioning `%s`\n", msg ? msg : "(success)", ret, needle);
      if (ret == 0)
        dump_plan (&p);
    }
  free (msg);
  if (ret == 0)
    vessel_cgroup_plan_free (&p);
}

/* Plans json for the checks that follow; a failure to plan is a failed
   test of its own (and leaves an empty plan for those checks). */
static void
must_plan (const struct vessel_cgroup_host *h, const char *json, struct vessel_cgroup_plan *p)
{
  char *msg = NULL;
  int ret = plan_resources (h, json, false, p, &msg);
  if (ret != 0)
    {
      ok (false, "%s is planned", json);
      printf ("#   %s\n", msg ? msg : "(fixture)");
      memset (p, 0, sizeof (*p));
    }
  free (msg);
}

static void
test_cpu_v2 (void)
{
  const struct vessel_cgroup_host *h = &host_v2;
  int k = hier (h, "");
  struct vessel_cgroup_plan p;

  /* runc ConvertCPUSharesToCgroupV2Value (cgroups utils.go, since
     opencontainers/cgroups v0.0.3) and crun convert_shares_to_weight
     (cgroup-internal.h, since crun 1.23): a quadratic fit in log2(shares)
     that maps the minimum 2 -> 1, the default 1024 -> 100 (cpu.weight's
     default) and the maximum 262144 -> 10000.  The older linear formula
     1 + ((shares - 2) * 9999) / 262142 gives 39 for 1024, which both
     dropped for making a default container weigh less than its peers. */
  must_plan (h, "{\"cpu\":{\"shares\":1024}}", &p);
  expect_write (&p, k, "cpu.weight", "100", "v2: the default 1024 shares become the default cpu.weight 100");
  vessel_cgroup_plan_free (&p);
  must_plan (h, "{\"cpu\":{\"shares\":2}}", &p);
  expect_write (&p, k, "cpu.weight", "1", "v2: the minimum 2 shares become cpu.weight 1");
  vessel_cgroup_plan_free (&p);
  must_plan (h, "{\"cpu\":{\"shares\":262144}}", &p);
  expect_write (&p, k, "cpu.weight", "10000", "v2: the maximum 262144 shares become cpu.weight 10000");
  vessel_cgroup_plan_free (&p);

  /* runc fs2/cpu.go setCPU and crun write_cpu_resources: "$QUOTA $PERIOD". */
  must_plan (h, "{\"cpu\":{\"quota\":50000,\"period\":100000}}", &p);
  expect_write (&p, k, "cpu.max", "50000 100000", "v2: quota and period become cpu.max \"50000 100000\"");
  vessel_cgroup_plan_free (&p);
  must_plan (h, "{\"cpu\":{\"quota\":-1,\"period\":100000}}", &p);
  expect_write (&p, k, "cpu.max", "max 100000", "v2: quota -1 is no limit: cpu.max \"max 100000\"");
  vessel_cgroup_plan_free (&p);
  /* cgroup-v2.rst, cpu.max: writing $MAX alone changes the quota and keeps
     the period.  runc and crun write "50000 100000" here: the kernel's
     default period, which is what a new cgroup has anyway, and runc's
     update writes the period it stored at create. */
  must_plan (h, "{\"cpu\":{\"quota\":50000}}", &p);
  expect_write (&p, k, "cpu.max", "50000", "v2: a quota without a period keeps the period: cpu.max \"50000\"");
  vessel_cgroup_plan_free (&p);
  /* runc and crun: a period alone writes "max $PERIOD". */
  must_plan (h, "{\"cpu\":{\"period\":250000}}", &p);
  expect_write (&p, k, "cpu.max", "max 250000", "v2: a period alone becomes cpu.max \"max 250000\"");
  vessel_cgroup_plan_free (&p);
  /* runc (isCPUSet: CpuQuota != 0) and crun (if (cpu->quota)): quota 0 is
     "not set"; writing "max" would lift an existing limit on update. */
  must_plan (h, "{\"cpu\":{\"quota\":0}}", &p);
  expect_no_write (&p, "cpu.max", "v2: quota 0 alone is unset, as in runc and crun: cpu.max is not written");
  vessel_cgroup_plan_free (&p);

  must_plan (h, "{\"cpu\":{\"burst\":10000,\"idle\":1,\"cpus\":\"0-1\",\"mems\":\"0\"}}", &p);
  expect_write (&p, k, "cpu.max.burst", "10000", "v2: burst becomes cpu.max.burst");
  expect_write (&p, k, "cpu.idle", "1", "v2: idle becomes cpu.idle");
  expect_write (&p, k, "cpuset.cpus", "0-1", "v2: cpus becomes cpuset.cpus in the cgroup2 hierarchy");
  expect_write (&p, k, "cpuset.mems", "0", "v2: mems becomes cpuset.mems");
  vessel_cgroup_plan_free (&p);

  /* crun write_cpu_resources: "realtime runtime not supported on cgroupv2". */
  expect_plan_error (h, "{\"cpu\":{\"realtimeRuntime\":950000}}", "realtime",
                     "v2: realtimeRuntime is an error (no RT bandwidth on cgroup v2), naming the field");
  expect_plan_error (h, "{\"cpu\":{\"realtimePeriod\":1000000}}", "realtime",
                     "v2: realtimePeriod is an error too");

  /* runtime-spec: the runtime MUST error for a controller that is not
     present; runc/crun fail writing the missing cpuset files. */
  struct vessel_cgroup_host small;
  host_from (&small, v2_mountinfo, v2_self, "cpu io memory pids");
  expect_plan_error (&small, "{\"cpu\":{\"cpus\":\"0\"}}", "cpus",
                     "v2 without the cpuset controller: cpus is an error naming the field");
  vessel_cgroup_host_free (&small);
}

static void
test_cpu_v1 (void)
{
  const struct vessel_cgroup_host *h = &host_v1;
  int cpu = hier (h, "cpu,cpuacct"), cpuset = hier (h, "cpuset");
  struct vessel_cgroup_plan p;
  /* runc fs/cpu.go Set and SetRtSched; crun write_cpu_resources (v1). */
  must_plan (h,
             "{\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":1000,"
             "\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"idle\":0,\"cpus\":\"1\",\"mems\":\"0\"}}",
             &p);
  expect_write (&p, cpu, "cpu.shares", "512", "v1: shares are written as they are, in the cpu,cpuacct hierarchy");
  expect_write (&p, cpu, "cpu.cfs_quota_us", "50000", "v1: quota becomes cpu.cfs_quota_us");
  expect_write (&p, cpu, "cpu.cfs_period_us", "100000", "v1: period becomes cpu.cfs_period_us");
  expect_write (&p, cpu, "cpu.cfs_burst_us", "1000", "v1: burst becomes cpu.cfs_burst_us");
  expect_write (&p, cpu, "cpu.rt_period_us", "1000000", "v1: realtimePeriod becomes cpu.rt_period_us");
  expect_write (&p, cpu, "cpu.rt_runtime_us", "950000", "v1: realtimeRuntime becomes cpu.rt_runtime_us");
  expect_write (&p, cpu, "cpu.idle", "0", "v1: idle becomes cpu.idle");
  expect_write (&p, cpuset, "cpuset.cpus", "1", "v1: cpus goes to the cpuset hierarchy");
  expect_write (&p, cpuset, "cpuset.mems", "0", "v1: mems goes to the cpuset hierarchy");
  /* runc fs/cpu.go: cpu.cfs_burst_us is skipped when the kernel has no such
     file ("If CPU burst knob is not available (e.g. older kernel), ignore
     it"; it came with Linux 5.14). */
  const struct vessel_cgroup_write *w = last_write (&p, "cpu.cfs_burst_us");
  ok (w && (w->optional || w->fallback_file), "v1: cpu.cfs_burst_us may be missing from older kernels, as in runc");
  vessel_cgroup_plan_free (&p);

  must_plan (h, "{\"cpu\":{\"quota\":-1}}", &p);
  expect_write (&p, cpu, "cpu.cfs_quota_us", "-1", "v1: quota -1 is written as -1 (no limit)");
  vessel_cgroup_plan_free (&p);
}

/* cgroup v1's cpu controller refuses (EINVAL) a cpu.cfs_quota_us or
   cpu.cfs_period_us that would make quota/period above the parent's
   (kernel/sched/core.c tg_cfs_schedulable_down; -1 is no quota).  Applies
   the plan's cpu writes in order to a cgroup at (*quota, *period) under a
   parent at quota/period `parent`, as vessel_cgroup_apply would: a refused
   `again_later` write is skipped and makes its `only_after_refusal` retry
   happen; any other refusal stops.  *writes counts the writes made. */
static bool
v1_cpu_apply (const struct vessel_cgroup_plan *p, const int64_t parent[2], int64_t *quota, int64_t *period,
              int *writes)
{
  const char *refused = NULL;
  *writes = 0;
  for (size_t i = 0; i < p->n; i++)
    {
      const struct vessel_cgroup_write *w = &p->writes[i];
      bool is_quota = strcmp (w->file, "cpu.cfs_quota_us") == 0;
      if (!is_quota && strcmp (w->file, "cpu.cfs_period_us") != 0)
        continue;
      if (w->only_after_refusal && (refused == NULL || strcmp (refused, w->file) != 0))
        continue;
      (*writes)++;
      int64_t v = strtoll (w->value, NULL, 10), q = is_quota ? v : *quota, t = is_quota ? *period : v;
      if (q != -1 && q * parent[1] > parent[0] * t)
        {
          if (w->again_later)
            {
              refused = w->file;
              continue;
            }
          printf ("#   write %s = %s refused (EINVAL): quota %" PRId64 ", period %" PRId64 "\n", w->file, w->value,
                  *quota, *period);
          return false;
        }
      *(is_quota ? quota : period) = v;
    }
  return true;
}

static void
expect_v1_cpu_transition (int64_t quota, int64_t period, const char *json, int64_t want_quota, int64_t want_period,
                          int want_writes, const char *what)
{
  static const int64_t parent[2] = { 50000, 100000 }; /* 50 % */
  struct vessel_cgroup_plan p;
  if (plan_resources (&host_v1, json, false, &p, NULL) != 0)
    {
      ok (false, "%s (does not plan)", what);
      return;
    }
  int writes = 0;
  bool applied = v1_cpu_apply (&p, parent, &quota, &period, &writes);
  bool good = applied && quota == want_quota && period == want_period && writes == want_writes;
  ok (good, "%s", what);
  if (!good)
    {
      printf ("#   quota %" PRId64 ", period %" PRId64 ", %d writes\n", quota, period, writes);
      dump_plan (&p);
    }
  vessel_cgroup_plan_free (&p);
}

static void
test_cpu_v1_order (void)
{
  /* runc fs/cpu.go: the period is written first and, refused with a quota
     to come, written again after the quota. */
  expect_v1_cpu_transition (50000, 100000, "{\"cpu\":{\"quota\":5000,\"period\":10000}}", 5000, 10000, 3,
                            "v1 under a 50 % parent: 50000/100000 -> 5000/10000, the period refused, then after the quota");
  expect_v1_cpu_transition (5000, 10000, "{\"cpu\":{\"quota\":50000,\"period\":100000}}", 50000, 100000, 2,
                            "v1 under a 50 % parent: 5000/10000 -> 50000/100000, the period first, no retry");
  expect_v1_cpu_transition (-1, 100000, "{\"cpu\":{\"quota\":20000,\"period\":40000}}", 20000, 40000, 2,
                            "v1 under a 50 % parent: no quota -> 20000/40000 in two writes");
  expect_v1_cpu_transition (50000, 100000, "{\"cpu\":{\"period\":200000}}", 50000, 200000, 1,
                            "v1: a period alone is written once");
}

/* cgroup v1's memory controller refuses (EINVAL) a memory limit above the
   memory+swap limit and a memory+swap limit below the memory limit, at
   every write (mm/memcontrol-v1.c mem_cgroup_resize_max, "limits_invariant";
   -1 is unlimited).  Applies the plan's memory writes in order to a cgroup
   at (*limit, *memsw), as vessel_cgroup_apply would: an optional write, or
   one that comes again later, that the kernel refuses with EINVAL is
   skipped; any other refusal stops. */
static bool
v1_memory_apply (const struct vessel_cgroup_plan *p, int64_t *limit, int64_t *memsw)
{
  for (size_t i = 0; i < p->n; i++)
    {
      const struct vessel_cgroup_write *w = &p->writes[i];
      bool is_limit = strcmp (w->file, "memory.limit_in_bytes") == 0;
      bool is_memsw = strcmp (w->file, "memory.memsw.limit_in_bytes") == 0;
      if (!is_limit && !is_memsw)
        continue;
      int64_t v = strtoll (w->value, NULL, 10);
      if (v == -1)
        v = INT64_MAX;
      bool refused = is_limit ? v > *memsw : v < *limit;
      if (refused && (w->optional || w->again_later))
        continue;
      if (refused)
        {
          printf ("#   write %s = %s refused (EINVAL): limit %" PRId64 ", memsw %" PRId64 "\n", w->file, w->value,
                  *limit, *memsw);
          return false;
        }
      *(is_limit ? limit : memsw) = v;
    }
  return true;
}

static void
expect_v1_memory_transition (int64_t limit, int64_t memsw, const char *json, int64_t want_limit, int64_t want_memsw,
                             const char *what)
{
  struct vessel_cgroup_plan p;
  if (plan_resources (&host_v1, json, false, &p, NULL) != 0)
    {
      ok (false, "%s (does not plan)", what);
      return;
    }
  bool applied = v1_memory_apply (&p, &limit, &memsw);
  bool good = applied && limit == want_limit && memsw == want_memsw;
  ok (good, "%s", what);
  if (!good)
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);
}

static void
test_memory_v1 (void)
{
  const struct vessel_cgroup_host *h = &host_v1;
  int mem = hier (h, "memory");
  struct vessel_cgroup_plan p;
  /* runc fs/memory.go Set; crun write_memory_resources (v1). */
  must_plan (h,
             "{\"memory\":{\"limit\":536870912,\"reservation\":268435456,\"swap\":1073741824,"
             "\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":true}}",
             &p);
  expect_write (&p, mem, "memory.limit_in_bytes", "536870912", "v1: limit becomes memory.limit_in_bytes");
  expect_write (&p, mem, "memory.soft_limit_in_bytes", "268435456",
                "v1: reservation becomes memory.soft_limit_in_bytes");
  expect_write (&p, mem, "memory.memsw.limit_in_bytes", "1073741824",
                "v1: swap (memory+swap) becomes memory.memsw.limit_in_bytes as it is");
  expect_write (&p, mem, "memory.swappiness", "60", "v1: swappiness becomes memory.swappiness");
  expect_write (&p, mem, "memory.oom_control", "1", "v1: disableOOMKiller becomes memory.oom_control 1");
  expect_write (&p, mem, "memory.use_hierarchy", "1", "v1: useHierarchy becomes memory.use_hierarchy");
  vessel_cgroup_plan_free (&p);

  /* runc CreateCgroupConfig: "Kernel memory settings are ignored and will
     be removed" (a warning); Linux 6.x has no memory.kmem.limit_in_bytes. */
  must_plan (h, "{\"memory\":{\"kernel\":1048576}}", &p);
  ok (p.n == 0 && has_warning (&p, "kernel"), "v1: memory.kernel is left out with a warning, as runc does");
  if (p.n != 0 || !has_warning (&p, "kernel"))
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);

  /* runc and crun: 0 means "not set" for the limit. */
  must_plan (h, "{\"memory\":{\"limit\":0}}", &p);
  expect_no_write (&p, "memory.limit_in_bytes", "v1: limit 0 is unset: nothing is written");
  vessel_cgroup_plan_free (&p);

  /* runc fs/memory.go setMemoryAndSwap: "If the memory update is set to -1
     and the swap is not explicitly set, we should also set swap to -1, it
     means unlimited memory" (when memsw exists: swap accounting may be off). */
  must_plan (h, "{\"memory\":{\"limit\":-1}}", &p);
  const struct vessel_cgroup_write *w = last_write (&p, "memory.memsw.limit_in_bytes");
  ok (w && strcmp (w->value, "-1") == 0 && w->optional && (int) w->hierarchy == mem,
      "v1: limit -1 without swap lifts the memory+swap limit too, where there is one (runc)");
  if (!(w && strcmp (w->value, "-1") == 0 && w->optional))
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);

  /* The order of the two writes must suit the kernel's invariant in both
     directions: runc writes swap first when raising (or to -1), crun
     retries the limit after swap on EINVAL. */
  expect_v1_memory_transition (INT64_C (1073741824), INT64_C (2147483648),
                               "{\"memory\":{\"limit\":268435456,\"swap\":536870912}}", INT64_C (268435456),
                               INT64_C (536870912), "v1: lowering memory and memory+swap succeeds on the kernel");
  expect_v1_memory_transition (INT64_C (1073741824), INT64_C (2147483648),
                               "{\"memory\":{\"limit\":3221225472,\"swap\":4294967296}}", INT64_C (3221225472),
                               INT64_C (4294967296),
                               "v1: raising memory and memory+swap above the old memory+swap succeeds on the kernel");
  expect_v1_memory_transition (INT64_C (268435456), INT64_C (536870912), "{\"memory\":{\"limit\":1073741824,\"swap\":-1}}",
                               INT64_C (1073741824), INT64_MAX,
                               "v1: raising memory above the old memory+swap while lifting swap succeeds on the kernel");
}

static void
test_memory_v2 (void)
{
  const struct vessel_cgroup_host *h = &host_v2;
  int k = hier (h, "");
  struct vessel_cgroup_plan p;
  /* runc fs2/memory.go setMemory + ConvertMemorySwapToCgroupV2Value;
     crun write_memory / write_memory_swap (v2). */
  must_plan (h, "{\"memory\":{\"limit\":536870912,\"reservation\":268435456,\"swap\":1073741824}}", &p);
  expect_write (&p, k, "memory.max", "536870912", "v2: limit becomes memory.max");
  expect_write (&p, k, "memory.low", "268435456", "v2: reservation becomes memory.low");
  expect_write (&p, k, "memory.swap.max", "536870912", "v2: memory.swap.max is swap minus the limit");
  vessel_cgroup_plan_free (&p);

  must_plan (h, "{\"memory\":{\"limit\":-1,\"reservation\":-1}}", &p);
  expect_write (&p, k, "memory.max", "max", "v2: limit -1 becomes memory.max \"max\"");
  expect_write (&p, k, "memory.low", "max", "v2: reservation -1 becomes memory.low \"max\" (runc numToStr)");
  /* ConvertMemorySwapToCgroupV2Value: "For compatibility with cgroup1
     controller, set swap to unlimited in case the memory is set to
     unlimited and the swap is not explicitly set". */
  const struct vessel_cgroup_write *w = last_write (&p, "memory.swap.max");
  ok (w && strcmp (w->value, "max") == 0,
      "v2: limit -1 without swap sets memory.swap.max to max as well, as runc does");
  if (!(w && strcmp (w->value, "max") == 0))
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);

  /* ConvertMemorySwapToCgroupV2Value: "Unlimited memory, so treat swap as is". */
  char *msg = NULL;
  int ret = plan_resources (h, "{\"memory\":{\"limit\":-1,\"swap\":1073741824}}", false, &p, &msg);
  if (ret == 0)
    {
      expect_write (&p, k, "memory.swap.max", "1073741824",
                    "v2: with unlimited memory, swap is taken as it is (runc), not an error");
      vessel_cgroup_plan_free (&p);
    }
  else
    {
      ok (false, "v2: with unlimited memory, swap is taken as it is (runc), not an error");
      printf ("#   got: %s\n", msg ? msg : "(fixture)");
    }
  free (msg);

  must_plan (h, "{\"memory\":{\"limit\":536870912,\"swap\":536870912}}", &p);
  w = last_write (&p, "memory.swap.max");
  ok (w && strcmp (w->value, "0") == 0, "v2: swap equal to the limit means no swap: memory.swap.max \"0\"");
  /* runc: "If swap is not enabled, silently ignore setting to max or
     disabling it"; crun ignores ENOENT for every swap write. */
  ok (w && w->optional, "v2: memory.swap.max \"0\" is skipped where swap accounting is off (runc, crun)");
  vessel_cgroup_plan_free (&p);

  must_plan (h, "{\"memory\":{\"limit\":536870912,\"swap\":-1}}", &p);
  w = last_write (&p, "memory.swap.max");
  ok (w && strcmp (w->value, "max") == 0 && w->optional,
      "v2: swap -1 becomes memory.swap.max \"max\", skipped where swap accounting is off");
  vessel_cgroup_plan_free (&p);

  must_plan (h, "{\"memory\":{\"limit\":536870912,\"swap\":0}}", &p);
  expect_no_write (&p, "memory.swap.max", "v2: swap 0 is unset, as in runc");
  vessel_cgroup_plan_free (&p);

  /* runc "memory+swap limit should be >= memory limit"; crun "cannot set
     memory+swap limit less than the memory limit". */
  expect_plan_error (h, "{\"memory\":{\"limit\":536870912,\"swap\":268435456}}", "memory.swap",
                     "v2: swap below the limit is an error naming memory.swap");
  /* runc "unable to set swap limit without memory limit"; crun "cannot set
     swap limit without the memory limit". */
  expect_plan_error (h, "{\"memory\":{\"swap\":268435456}}", "memory.swap",
                     "v2: swap without a limit is an error naming memory.swap");
  /* -1 is "no limit"; any other negative size is refused, naming it (v2
     would take it as max, v1 answer EINVAL). */
  expect_plan_error (h, "{\"memory\":{\"limit\":-5}}", "memory.limit: -5 is not a size",
                     "a negative memory limit other than -1 is refused");
  expect_plan_error (h, "{\"memory\":{\"limit\":1048576,\"reservation\":-2}}", "memory.reservation: -2",
                     "a negative reservation other than -1 is refused");

  /* Settings cgroup v2 lacks: runc ignores them, crun refuses them. */
  must_plan (h, "{\"memory\":{\"kernel\":1048576,\"kernelTCP\":1048576,\"swappiness\":10,\"disableOOMKiller\":true}}",
             &p);
  ok (p.n == 0, "v2: kernel, kernelTCP, swappiness and disableOOMKiller write nothing");
  ok (has_warning (&p, "kernelTCP"), "v2: kernelTCP is left out with a warning");
  ok (has_warning (&p, "memory.kernel "), "v2: kernel is left out with a warning");
  ok (has_warning (&p, "swappiness"), "v2: swappiness is left out with a warning");
  ok (has_warning (&p, "disableOOMKiller"), "v2: disableOOMKiller is left out with a warning");
  vessel_cgroup_plan_free (&p);

  /* cgroup v2 is always hierarchical (cgroup-v2.rst); runc ignores it. */
  must_plan (h, "{\"memory\":{\"useHierarchy\":true}}", &p);
  ok (p.n == 0, "v2: useHierarchy writes nothing (cgroup v2 is always hierarchical)");
  vessel_cgroup_plan_free (&p);
}

static void
test_pids (void)
{
  struct vessel_cgroup_plan p;
  const struct
  {
    const struct vessel_cgroup_host *h;
    const char *ctl, *name;
  } hosts[] = { { &host_v1, "pids", "v1" }, { &host_v2, "", "v2" }, { &host_hybrid, "pids", "hybrid" } };
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
    {
      int k = hier (hosts[i].h, hosts[i].ctl);
      char what[160];
      must_plan (hosts[i].h, "{\"pids\":{\"limit\":100}}", &p);
      snprintf (what, sizeof what, "%s: pids.limit 100 becomes pids.max 100", hosts[i].name);
      expect_write (&p, k, "pids.max", "100", what);
      vessel_cgroup_plan_free (&p);
      /* runtime-spec config-linux.md: "-1 indicating no limit (max)". */
      must_plan (hosts[i].h, "{\"pids\":{\"limit\":-1}}", &p);
      snprintf (what, sizeof what, "%s: pids.limit -1 becomes pids.max \"max\"", hosts[i].name);
      expect_write (&p, k, "pids.max", "max", what);
      vessel_cgroup_plan_free (&p);
    }
  /* runtime-spec 1.3 config-linux.md: "0 is a valid limit value for the pids
     cgroup controller from the kernel's perspective and SHOULD be treated
     as such by runtimes" (runc 1.4 writes it as "1" for the systemd
     driver's sake; "max" is what it must not become). */
  must_plan (&host_v2, "{\"pids\":{\"limit\":0}}", &p);
  expect_write (&p, hier (&host_v2, ""), "pids.max", "0", "pids.limit 0 is a limit of 0 tasks (runtime-spec 1.3), not max");
  vessel_cgroup_plan_free (&p);
}

/* cgroup v2's io.max: one device per write, "MAJ:MIN key=value...", each
   write changing only the keys it names (cgroup-v2.rst, io.max;
   block/blk-throttle.c tg_set_limit).  Replays the plan's io.max writes and
   prints the resulting file's lines in `out`, sorted as given by `order`. */
static bool
io_max_replay (const struct vessel_cgroup_plan *p, char *out, size_t size)
{
  struct
  {
    char dev[24];
    char val[4][24];
  } devs[8];
  static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
  size_t n = 0;
  for (size_t i = 0; i < p->n; i++)
    {
      if (strcmp (p->writes[i].file, "io.max") != 0)
        continue;
      char line[256];
      snprintf (line, sizeof line, "%s", p->writes[i].value);
      size_t len = strlen (line);
      if (len && line[len - 1] == '\n')
        line[--len] = '\0';
      if (strchr (line, '\n'))
        {
          char v[256];
          printf ("#   io.max write with more than one line: %s\n", oneline (p->writes[i].value, v, sizeof v));
          return false;
        }
      char *save = NULL, *tok = strtok_r (line, " ", &save);
      if (tok == NULL)
        return false;
      size_t d = 0;
      while (d < n && strcmp (devs[d].dev, tok) != 0)
        d++;
      if (d == n)
        {
          if (n == 8)
            return false;
          memset (&devs[n], 0, sizeof devs[n]);
          snprintf (devs[n].dev, sizeof devs[n].dev, "%s", tok);
          for (size_t k = 0; k < 4; k++)
            snprintf (devs[n].val[k], sizeof devs[n].val[k], "max");
          n++;
        }
      while ((tok = strtok_r (NULL, " ", &save)) != NULL)
        {
          char *eq = strchr (tok, '=');
          size_t k = 0;
          while (eq && k < 4 && (strlen (keys[k]) != (size_t) (eq - tok) || strncmp (tok, keys[k], strlen (keys[k])) != 0))
            k++;
          if (eq == NULL || k == 4)
            {
              printf ("#   io.max: unknown key in `%s`\n", tok);
              return false;
            }
          snprintf (devs[d].val[k], sizeof devs[d].val[k], "%s", eq + 1);
        }
    }
  size_t used = 0;
  out[0] = '\0';
  for (size_t d = 0; d < n; d++)
    used += (size_t) snprintf (out + used, used < size ? size - used : 0, "%s%s rbps=%s wbps=%s riops=%s wiops=%s",
                               d ? "; " : "", devs[d].dev, devs[d].val[0], devs[d].val[1], devs[d].val[2],
                               devs[d].val[3]);
  return true;
}

static void
test_block_io (void)
{
  struct vessel_cgroup_plan p;
  static const char json[]
      = "{\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
        "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600,\"leafWeight\":200}],"
        "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
        "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2097152}],"
        "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100}],"
        "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":50}]}}";

  /* v1: runc fs/blkio.go (detectWeightFilenames: blkio.weight, else BFQ's
     blkio.bfq.weight); crun write_blkio_resources (write_cgroup_file_or_alias). */
  int b = hier (&host_v1, "blkio");
  must_plan (&host_v1, json, &p);
  const struct vessel_cgroup_write *w = last_write (&p, "blkio.weight");
  ok (w && (int) w->hierarchy == b && strcmp (w->value, "500") == 0 && same_str (w->fallback_file, "blkio.bfq.weight")
          && same_str (w->fallback_value, "500"),
      "v1: weight becomes blkio.weight, or BFQ's blkio.bfq.weight without CFQ");
  expect_write (&p, b, "blkio.leaf_weight", "300", "v1: leafWeight becomes blkio.leaf_weight");
  w = last_write (&p, "blkio.weight_device");
  ok (w && strcmp (w->value, "8:0 600") == 0 && same_str (w->fallback_file, "blkio.bfq.weight_device")
          && same_str (w->fallback_value, "8:0 600"),
      "v1: weightDevice becomes blkio.weight_device \"8:0 600\", or blkio.bfq.weight_device");
  expect_write (&p, b, "blkio.leaf_weight_device", "8:0 200", "v1: a device's leafWeight becomes blkio.leaf_weight_device");
  expect_write (&p, b, "blkio.throttle.read_bps_device", "8:0 1048576", "v1: throttleReadBpsDevice");
  expect_write (&p, b, "blkio.throttle.write_bps_device", "8:0 2097152", "v1: throttleWriteBpsDevice");
  expect_write (&p, b, "blkio.throttle.read_iops_device", "8:16 100", "v1: throttleReadIOPSDevice");
  expect_write (&p, b, "blkio.throttle.write_iops_device", "8:0 50", "v1: throttleWriteIOPSDevice");
  vessel_cgroup_plan_free (&p);

  /* v2: runc fs2/io.go setIo and crun write_blkio_resources: BFQ's
     io.bfq.weight takes blkio's [10, 1000] scale as it is; without BFQ,
     io.weight gets 1 + (w - 10) * 9999 / 990 (cgroups
     ConvertBlkIOToIOWeightValue; crun "convert linearly from [10-1000] to
     [1-10000]").  io.weight takes "N" or "default N" (cgroup-v2.rst). */
  int k = hier (&host_v2, "");
  must_plan (&host_v2, json, &p);
  w = NULL;
  for (size_t i = 0; i < p.n; i++)
    if (strcmp (p.writes[i].file, "io.bfq.weight") == 0 && strchr (p.writes[i].value, ':') == NULL)
      w = &p.writes[i];
  ok (w && (int) w->hierarchy == k && strcmp (w->value, "500") == 0 && same_str (w->fallback_file, "io.weight")
          && (same_str (w->fallback_value, "4950") || same_str (w->fallback_value, "default 4950")),
      "v2: weight 500 becomes io.bfq.weight 500, or io.weight 4950 without BFQ");
  if (!w)
    dump_plan (&p);
  w = NULL;
  for (size_t i = 0; i < p.n; i++)
    if (strcmp (p.writes[i].file, "io.bfq.weight") == 0 && strchr (p.writes[i].value, ':'))
      w = &p.writes[i];
  is_str (w ? w->value : NULL, "8:0 600", "v2: weightDevice becomes an io.bfq.weight device line (runc, crun)");
  /* runc and crun ignore leafWeight on v2 (crun refuses it). */
  ok (has_warning (&p, "leafWeight"), "v2: leafWeight is left out with a warning");
  ok (last_write (&p, "blkio.leaf_weight") == NULL && last_write (&p, "blkio.leaf_weight_device") == NULL,
      "v2: no blkio.* file is written");
  char io[512];
  bool replayed = io_max_replay (&p, io, sizeof io);
  ok (replayed
          && strcmp (io, "8:0 rbps=1048576 wbps=2097152 riops=max wiops=50; 8:16 rbps=max wbps=max riops=100 wiops=max")
                 == 0,
      "v2: the four throttle lists end up in io.max, one device per write, each key for its device");
  if (replayed)
    printf ("#   io.max: %s\n", io);
  else
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);

  must_plan (&host_v2, "{\"blockIO\":{\"weight\":10}}", &p);
  w = last_write (&p, "io.bfq.weight");
  ok (w && (same_str (w->fallback_value, "1") || same_str (w->fallback_value, "default 1")),
      "v2: the lowest blkio weight 10 becomes io.weight 1");
  vessel_cgroup_plan_free (&p);
  must_plan (&host_v2, "{\"blockIO\":{\"weight\":1000}}", &p);
  w = last_write (&p, "io.bfq.weight");
  ok (w && (same_str (w->fallback_value, "10000") || same_str (w->fallback_value, "default 10000")),
      "v2: the highest blkio weight 1000 becomes io.weight 10000");
  vessel_cgroup_plan_free (&p);
}

static void
test_hugetlb (void)
{
  struct vessel_cgroup_plan p;
  static const char json[] = "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1073741824},"
                             "{\"pageSize\":\"1GB\",\"limit\":0}]}";
  /* runc fs/hugetlb.go, crun write_hugetlb_resources: v1 limit_in_bytes. */
  must_plan (&host_v1, json, &p);
  expect_write (&p, hier (&host_v1, "hugetlb"), "hugetlb.2MB.limit_in_bytes", "1073741824",
                "v1: a 2MB limit becomes hugetlb.2MB.limit_in_bytes");
  expect_write (&p, hier (&host_v1, "hugetlb"), "hugetlb.1GB.limit_in_bytes", "0", "v1: each page size has its own file");
  vessel_cgroup_plan_free (&p);

  /* runc fs2/hugetlb.go: .max, then .rsvd.max, skipped when the kernel has
     no reservation accounting (before 5.7).  runtime-spec: "reservation
     limits are superior to page fault limits". */
  must_plan (&host_v2, json, &p);
  int k = hier (&host_v2, "");
  expect_write (&p, k, "hugetlb.2MB.max", "1073741824", "v2: a 2MB limit becomes hugetlb.2MB.max");
  const struct vessel_cgroup_write *w = last_write (&p, "hugetlb.2MB.rsvd.max");
  ok (w && strcmp (w->value, "1073741824") == 0 && w->optional,
      "v2: and hugetlb.2MB.rsvd.max, skipped on kernels without reservations");
  vessel_cgroup_plan_free (&p);

  /* On a hybrid host whose hugetlb controller is only on the cgroup2 mount
     (as on this project's machine), the limit is set there. */
  must_plan (&host_hybrid, json, &p);
  expect_write (&p, hier (&host_hybrid, ""), "hugetlb.2MB.max", "1073741824",
                "hybrid: hugetlb only on the unified mount gets cgroup2's hugetlb.2MB.max there");
  expect_no_write (&p, "hugetlb.2MB.limit_in_bytes", "hybrid: and no v1 file");
  vessel_cgroup_plan_free (&p);

  /* runtime-spec: pageSize has the format <size><unit-prefix>B (64KB, 2MB,
     1GB); it names a file, so nothing else may get through. */
  expect_plan_error (&host_v2, "{\"hugepageLimits\":[{\"pageSize\":\"2M\",\"limit\":1}]}", "pageSize",
                     "a pageSize without the B is an error naming pageSize");
  expect_plan_error (&host_v2, "{\"hugepageLimits\":[{\"pageSize\":\"../../x/2MB\",\"limit\":1}]}", "pageSize",
                     "a pageSize with a path in it is an error");
  expect_plan_error (&host_v2, "{\"hugepageLimits\":[{\"pageSize\":\"\",\"limit\":1}]}", "pageSize",
                     "an empty pageSize is an error");
}

static void
test_network_rdma (void)
{
  struct vessel_cgroup_plan p;
  static const char net[] = "{\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5},"
                            "{\"name\":\"lo\",\"priority\":2}]}}";
  /* runc fs/net_cls.go, fs/net_prio.go (one "IFACE PRIO" per write). */
  must_plan (&host_v1, net, &p);
  int k = hier (&host_v1, "net_cls,net_prio");
  expect_write (&p, k, "net_cls.classid", "1048577", "v1: classID becomes net_cls.classid");
  bool good = count_writes (&p, "net_prio.ifpriomap") == 2 && write_index (&p, "net_prio.ifpriomap") >= 0
              && strcmp (p.writes[write_index (&p, "net_prio.ifpriomap")].value, "eth0 5") == 0
              && strcmp (last_write (&p, "net_prio.ifpriomap")->value, "lo 2") == 0;
  ok (good, "v1: each priority is one net_prio.ifpriomap line");
  if (!good)
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);
  /* cgroup v2 has no net_cls/net_prio (runc fs2 ignores them). */
  must_plan (&host_v2, net, &p);
  ok (p.n == 0 && has_warning (&p, "classID") && has_warning (&p, "priorities"),
      "v2: network settings write nothing and say so");
  vessel_cgroup_plan_free (&p);

  /* runc fscommon/rdma.go createCmdString; cgroup-v1/rdma.rst. */
  static const char rdma[] = "{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000},"
                             "\"mlx4_0\":{\"hcaObjects\":1000}}}";
  must_plan (&host_v1, rdma, &p);
  good = count_writes (&p, "rdma.max") == 2;
  for (size_t i = 0; i < p.n; i++)
    if (strcmp (p.writes[i].file, "rdma.max") == 0)
      good = good && (int) p.writes[i].hierarchy == hier (&host_v1, "rdma")
             && (strcmp (p.writes[i].value, "mlx5_1 hca_handle=3 hca_object=10000") == 0
                 || strcmp (p.writes[i].value, "mlx4_0 hca_object=1000") == 0);
  ok (good, "v1: each rdma device becomes one rdma.max line with the limits it has");
  if (!good)
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);
  must_plan (&host_v2, rdma, &p);
  ok (count_writes (&p, "rdma.max") == 2 && (int) last_write (&p, "rdma.max")->hierarchy == hier (&host_v2, ""),
      "v2: rdma.max in the cgroup2 hierarchy");
  vessel_cgroup_plan_free (&p);
}

static void
test_unified (void)
{
  struct vessel_cgroup_plan p;
  int k = hier (&host_v2, "");
  must_plan (&host_v2, "{\"unified\":{\"memory.high\":\"1073741824\",\"cgroup.max.descendants\":\"10\"}}", &p);
  expect_write (&p, k, "memory.high", "1073741824", "unified: a file of an available controller is written as given");
  expect_write (&p, k, "cgroup.max.descendants", "10", "unified: a cgroup core file may be set");
  vessel_cgroup_plan_free (&p);

  /* runc cgroups.WriteFileByLine and crun write_unified_resources write a
     value line by line: the kernel takes one io.max device per write.  The
     value is runtime-spec's own example. */
  must_plan (&host_v2, "{\"unified\":{\"io.max\":\"259:0 rbps=2097152 wiops=120\\n253:0 rbps=2097152 wiops=120\"}}", &p);
  char io[512];
  bool replayed = io_max_replay (&p, io, sizeof io);
  ok (replayed
          && strcmp (io, "259:0 rbps=2097152 wbps=max riops=max wiops=120; 253:0 rbps=2097152 wbps=max riops=max "
                         "wiops=120")
                 == 0,
      "unified: a value of several lines is written one line at a time (runc, crun)");
  if (!replayed)
    dump_plan (&p);
  vessel_cgroup_plan_free (&p);

  /* runc fs2.Set calls setUnified last, so unified wins over the fields. */
  must_plan (&host_v2, "{\"memory\":{\"limit\":536870912},\"unified\":{\"memory.max\":\"1073741824\"}}", &p);
  expect_write (&p, k, "memory.max", "1073741824", "unified: written after the fields, it overrides memory.limit");
  vessel_cgroup_plan_free (&p);

  /* runc "unified resource %q must be a file name (no slashes)"; crun
     "key `%s` must be a file name without any slash". */
  expect_plan_error (&host_v2, "{\"unified\":{\"../memory.max\":\"1\"}}", "../memory.max",
                     "unified: a key with .. and / is refused, naming it");
  expect_plan_error (&host_v2, "{\"unified\":{\"memory/memory.max\":\"1\"}}", "memory/memory.max",
                     "unified: a key with a / is refused");
  expect_plan_error (&host_v2, "{\"unified\":{\"..\":\"1\"}}", "..", "unified: .. alone is refused");
  expect_plan_error (&host_v2, "{\"unified\":{\"cgroup.procs\":\"1\"}}", "cgroup.procs",
                     "unified: cgroup.procs is refused (it would move a process)");
  /* runtime-spec: "The runtime MUST generate an error when the
     configuration refers to a cgroup controller that is not present". */
  expect_plan_error (&host_v2, "{\"unified\":{\"foo.bar\":\"1\"}}", "foo.bar",
                     "unified: a controller the host does not have is an error");
  /* runc ErrV1NoUnified, crun: "cannot use unified on cgroup v1". */
  expect_plan_error (&host_v1, "{\"unified\":{\"memory.high\":\"1\"}}", "memory.high",
                     "unified on a host without cgroup2 is an error");
  expect_plan_error (&host_hybrid, "{\"unified\":{\"memory.high\":\"1\"}}", "memory.high",
                     "unified on a hybrid host, for a controller the cgroup2 mount does not have, is an error");
}

/* ======================================================================
 * Device rules: the list, the eBPF program, and cgroup v1's semantics
 * ====================================================================== */

/* A tiny interpreter for the instructions a device program may use: LDX W
   from the context, ALU/ALU64 MOV, AND, RSH (K and X), JMP/JMP32 JEQ, JNE
   (K and X), JA and EXIT.  The context is struct bpf_cgroup_dev_ctx
   (include/uapi/linux/bpf.h): access_type = type | access << 16, major,
   minor.  Anything the verifier would refuse (reading an unset register,
   a load not from the context, a backward jump, running off the end,
   returning other than 0 or 1) is reported instead of guessed at.
   Returns 1 (allow), 0 (deny) or -1. */
static int
bpf_run (const struct bpf_insn *prog, size_t n, int type, uint32_t major, uint32_t minor, int access,
         const char **why)
{
  uint64_t r[11] = { 0 };
  bool set[11] = { false }, is_ctx[11] = { false };
  uint32_t ctx[3] = { (uint32_t) type | ((uint32_t) access << 16), major, minor };
  set[1] = is_ctx[1] = true;
  size_t pc = 0;
  for (size_t steps = 0; steps < 1000000; steps++)
    {
      if (pc >= n)
        return *why = "runs off the end of the program", -1;
      const struct bpf_insn *in = &prog[pc];
      unsigned cls = BPF_CLASS (in->code), d = in->dst_reg, s = in->src_reg;
      if (d > 10 || s > 10)
        return *why = "bad register", -1;
      switch (cls)
        {
        case BPF_LDX:
          if (BPF_MODE (in->code) != BPF_MEM || BPF_SIZE (in->code) != BPF_W)
            return *why = "a load other than LDX W", -1;
          if (!is_ctx[s] || in->off < 0 || in->off > 8 || in->off % 4 || d == 10)
            return *why = "a load that is not a field of bpf_cgroup_dev_ctx", -1;
          r[d] = ctx[in->off / 4];
          set[d] = true;
          is_ctx[d] = false;
          pc++;
          break;
        case BPF_ALU:
        case BPF_ALU64:
          {
            uint64_t operand, v;
            if (d == 10)
              return *why = "writes the frame pointer", -1;
            if (BPF_SRC (in->code) == BPF_X)
              {
                if (!set[s] || is_ctx[s])
                  return *why = "reads an unset register", -1;
                operand = r[s];
              }
            else
              operand = cls == BPF_ALU64 ? (uint64_t) (int64_t) in->imm : (uint64_t) (uint32_t) in->imm;
            switch (BPF_OP (in->code))
              {
              case BPF_MOV:
                v = operand;
                break;
              case BPF_AND:
                if (!set[d] || is_ctx[d])
                  return *why = "reads an unset register", -1;
                v = r[d] & operand;
                break;
              case BPF_RSH:
                if (!set[d] || is_ctx[d])
                  return *why = "reads an unset register", -1;
                v = cls == BPF_ALU64 ? r[d] >> (operand & 63) : (uint64_t) ((uint32_t) r[d] >> (operand & 31));
                break;
              default:
                return *why = "an ALU operation the interpreter does not know", -1;
              }
            r[d] = cls == BPF_ALU ? (uint32_t) v : v;
            set[d] = true;
            is_ctx[d] = false;
            pc++;
            break;
          }
        case BPF_JMP:
        case BPF_JMP32:
          {
            unsigned op = BPF_OP (in->code);
            bool taken;
            if (op == BPF_EXIT && cls == BPF_JMP)
              {
                if (!set[0] || is_ctx[0])
                  return *why = "exits with r0 unset", -1;
                if (r[0] > 1)
                  return *why = "returns neither 0 nor 1", -1;
                return (int) r[0];
              }
            if (op == BPF_JA && cls == BPF_JMP)
              taken = true;
            else if (op == BPF_JEQ || op == BPF_JNE)
              {
                if (!set[d] || is_ctx[d])
                  return *why = "compares an unset register", -1;
                uint64_t a = r[d], bv;
                if (BPF_SRC (in->code) == BPF_X)
                  {
                    if (!set[s] || is_ctx[s])
                      return *why = "compares an unset register", -1;
                    bv = r[s];
                  }
                else
                  bv = (uint64_t) (int64_t) in->imm;
                if (cls == BPF_JMP32)
                  a = (uint32_t) a, bv = (uint32_t) bv;
                taken = op == BPF_JEQ ? a == bv : a != bv;
              }
            else
              return *why = "a jump the interpreter does not know", -1;
            if (taken && in->off < 0)
              return *why = "a backward jump", -1;
            pc += 1 + (taken ? (size_t) in->off : 0);
            break;
          }
        default:
          return *why = "an instruction class the interpreter does not know", -1;
        }
    }
  return *why = "does not terminate", -1;
}

static int
access_bits (const char *a)
{
  int bits = 0;
  for (; *a; a++)
    bits |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : *a == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return bits;
}

/* cgroup v1's devices controller (security/device_cgroup.c,
   Documentation/admin-guide/cgroup-v1/devices.rst): a default behaviour
   and a list of exceptions.  "a" resets both; an allow rule adds an
   exception in deny mode (merging the access of an identical entry) and
   removes the identical exception in allow mode; deny the other way round.
   Only an exception with exactly the same type, major and minor is ever
   removed. */
struct v1_devices
{
  bool allow_all;
  struct
  {
    char type;
    int64_t major, minor;
    int access;
  } ex[64];
  size_t n;
};

static void
v1_devices_write (struct v1_devices *s, const struct vessel_device_rule *rule)
{
  if (rule->type == 'a')
    {
      s->allow_all = rule->allow;
      s->n = 0;
      return;
    }
  int acc = access_bits (rule->access);
  size_t i = 0;
  while (i < s->n && !(s->ex[i].type == rule->type && s->ex[i].major == rule->major && s->ex[i].minor == rule->minor))
    i++;
  if (rule->allow != s->allow_all)
    {
      if (i == s->n && s->n < 64)
        s->ex[s->n++] = (typeof (s->ex[0])) { rule->type, rule->major, rule->minor, 0 };
      if (i < s->n)
        s->ex[i].access |= acc;
    }
  else if (i < s->n && (s->ex[i].access &= ~acc) == 0)
    s->ex[i] = s->ex[--s->n];
}

/* devcgroup_legacy_check_permission: in deny mode, one exception must
   grant all of the access (match_exception); in allow mode, any exception
   that shares part of it refuses (match_exception_partial). */
static bool
v1_devices_allows (const struct v1_devices *s, char type, int64_t major, int64_t minor, int access)
{
  for (size_t i = 0; i < s->n; i++)
    {
      if (s->ex[i].type != type || (s->ex[i].major != -1 && s->ex[i].major != major)
          || (s->ex[i].minor != -1 && s->ex[i].minor != minor))
        continue;
      if (s->allow_all && (access & s->ex[i].access))
        return false;
      if (!s->allow_all && (access & ~s->ex[i].access) == 0)
        return true;
    }
  return s->allow_all;
}

struct devices_under_test
{
  struct vessel_cgroup_plan plan;
  struct bpf_insn *prog;
  size_t n_insns;
  struct v1_devices v1;
  bool ok;
  char *msg; /* why it was not planned */
};

/* Plans the devices of a config ({"linux": {...}}) on the v2 host, compiles
   the program and runs the same rules through the v1 model. */
static void
devices_from (const char *config_json, struct devices_under_test *t)
{
  memset (t, 0, sizeof (*t));
  char **msg = &t->msg;
  struct oci_config *c = NULL;
  char *perr = NULL;
  if (oci_config_parse_data ("config.json", config_json, strlen (config_json), &c, &perr) < 0)
    {
      printf ("# fixture does not parse: %s\n", perr);
      free (perr);
      *msg = strdup ("(fixture)");
      return;
    }
  vessel_error *err = NULL;
  int ret = vessel_cgroup_plan_resources (c->linux ? c->linux->resources : NULL, c->linux, &host_v2, true, VESSEL_RESOURCES_IN_CONFIG, &t->plan,
                                          &err);
  oci_config_free (c);
  if (ret < 0)
    {
      *msg = strdup (err && err->msg ? err->msg : "(no message)");
      vessel_error_free (err);
      return;
    }
  t->prog = vessel_device_rules_bpf (t->plan.devices, t->plan.n_devices, &t->n_insns);
  for (size_t i = 0; i < t->plan.n_devices; i++)
    v1_devices_write (&t->v1, &t->plan.devices[i]);
  t->ok = true;
}

static void
devices_free (struct devices_under_test *t)
{
  if (t->ok)
    vessel_cgroup_plan_free (&t->plan);
  free (t->prog);
  free (t->msg);
}

static int
bpf_type (char type)
{
  return type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

/* The eBPF program's answer for one access ("rw", "m"...). */
static void
expect_device (const struct devices_under_test *t, char type, uint32_t major, uint32_t minor, const char *access,
               bool allowed, const char *what)
{
  const char *why = NULL;
  int got = t->ok ? bpf_run (t->prog, t->n_insns, bpf_type (type), major, minor, access_bits (access), &why) : -1;
  ok (got == (allowed ? 1 : 0), "%s", what);
  if (got < 0)
    printf ("#   the program %s\n", why ? why : "was not built");
  else if (got != (allowed ? 1 : 0))
    printf ("#   %c %u:%u %s: got %s, want %s\n", type, major, minor, access, got ? "allowed" : "denied",
            allowed ? "allowed" : "denied");
}

/* Every probe is decided the same by the eBPF program and by cgroup v1
   with the same rule list: runc builds its v2 program from an emulation of
   v1 (devices/devicefilter.go: "using the emulator gives us a guarantee
   that the behaviour of devices filtering is the same as cgroupv1"). */
static size_t
count_v1_mismatches (const struct devices_under_test *t)
{
  static const uint32_t numbers[][2] = { { 1, 1 },   { 1, 3 },   { 1, 5 },  { 1, 7 },  { 1, 8 },   { 1, 9 },
                                         { 4, 0 },   { 4, 1 },   { 4, 63 }, { 5, 0 },  { 5, 1 },   { 5, 2 },
                                         { 8, 0 },   { 8, 1 },   { 8, 16 }, { 10, 200 }, { 10, 229 }, { 136, 0 },
                                         { 136, 7 }, { 259, 0 } };
  static const char *const accesses[] = { "m", "r", "w", "rw", "rwm" };
  size_t mismatches = 0, probes = 0;
  for (size_t i = 0; t->ok && i < sizeof numbers / sizeof numbers[0]; i++)
    for (int ti = 0; ti < 2; ti++)
      for (size_t a = 0; a < sizeof accesses / sizeof accesses[0]; a++)
        {
          char type = ti ? 'b' : 'c';
          const char *why = NULL;
          int v2 = bpf_run (t->prog, t->n_insns, bpf_type (type), numbers[i][0], numbers[i][1],
                            access_bits (accesses[a]), &why);
          bool v1 = v1_devices_allows (&t->v1, type, numbers[i][0], numbers[i][1], access_bits (accesses[a]));
          probes++;
          if (v2 != (v1 ? 1 : 0) && mismatches++ < 6)
            printf ("#   %c %u:%u %s: cgroup v1 %s, the eBPF program %s\n", type, numbers[i][0], numbers[i][1],
                    accesses[a], v1 ? "allows" : "denies", v2 < 0 ? why : v2 ? "allows" : "denies");
        }
  if (mismatches)
    printf ("#   %zu of %zu probes differ\n", mismatches, probes);
  return probes > 0 ? mismatches : SIZE_MAX;
}

static void
expect_same_as_v1 (const struct devices_under_test *t, const char *what)
{
  ok (t->ok && count_v1_mismatches (t) == 0, "%s", what);
}

#define CONFIG_HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"

static bool
rule_is (const struct vessel_device_rule *r, bool allow, char type, int64_t major, int64_t minor, const char *access)
{
  return r->allow == allow && r->type == type && r->major == major && r->minor == minor
         && access_bits (r->access) == access_bits (access) && strlen (r->access) == strlen (access);
}

static void
test_device_rules (void)
{
  struct devices_under_test t;

  /* ---- no rules in the config: runc's defaults on a deny-all base ---- */
  devices_from (CONFIG_HEAD "\"linux\":{}}", &t);
  ok (t.ok && t.plan.devices_v2 && t.plan.devices_hierarchy == hier (&host_v2, ""),
      "v2 host: the device rules become an eBPF program on the cgroup2 hierarchy");
  ok (t.ok && t.plan.n_devices > 0 && rule_is (&t.plan.devices[0], false, 'a', -1, -1, "rwm"),
      "the rules start by denying everything");
  /* runc specconv.AllowedDevices, appended after the config's rules. */
  static const struct vessel_device_rule runc_defaults[] = {
    { true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },  { true, 'c', 1, 3, "rwm" }, { true, 'c', 1, 8, "rwm" },
    { true, 'c', 1, 7, "rwm" },  { true, 'c', 5, 0, "rwm" },  { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 9, "rwm" },
    { true, 'c', 136, -1, "rwm" }, { true, 'c', 5, 2, "rwm" }, { true, 'c', 10, 200, "rwm" },
  };
  size_t found = 0;
  for (size_t i = 0; i < sizeof runc_defaults / sizeof runc_defaults[0]; i++)
    for (size_t j = 0; t.ok && j < t.plan.n_devices; j++)
      if (rule_is (&t.plan.devices[j], true, runc_defaults[i].type, runc_defaults[i].major, runc_defaults[i].minor,
                   runc_defaults[i].access))
        {
          found++;
          break;
        }
  ok (found == sizeof runc_defaults / sizeof runc_defaults[0] && t.plan.n_devices == 12,
      "then runc's eleven default rules, and nothing else (%zu found, %zu rules)", found, t.ok ? t.plan.n_devices : 0);
  expect_device (&t, 'c', 1, 3, "rw", true, "default: /dev/null may be read and written");
  expect_device (&t, 'c', 1, 9, "r", true, "default: /dev/urandom may be read");
  expect_device (&t, 'c', 136, 4, "rw", true, "default: any /dev/pts entry may be used");
  expect_device (&t, 'c', 5, 2, "rw", true, "default: /dev/ptmx may be used");
  expect_device (&t, 'c', 10, 200, "rw", true, "default: /dev/net/tun may be used (runc keeps it)");
  expect_device (&t, 'c', 1, 1, "r", false, "default: /dev/mem (c 1:1) may not be read");
  expect_device (&t, 'c', 1, 1, "w", false, "default: nor written");
  expect_device (&t, 'b', 8, 0, "rw", false, "default: a disk (b 8:0) may not be opened");
  expect_device (&t, 'c', 1, 1, "m", true, "default: mknod of any character device is allowed (runc)");
  expect_device (&t, 'b', 8, 0, "m", true, "default: mknod of any block device is allowed (runc)");
  expect_same_as_v1 (&t, "default: the program decides as cgroup v1 does with the same rules");
  devices_free (&t);

  /* ---- runtime-spec's example list ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":false,\"access\":\"rwm\"},"
                            "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rw\"},"
                            "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"r\"}]}}}",
                &t);
  bool order = t.ok && t.plan.n_devices == 14 && rule_is (&t.plan.devices[0], false, 'a', -1, -1, "rwm")
               && rule_is (&t.plan.devices[1], true, 'c', 10, 229, "rw")
               && rule_is (&t.plan.devices[2], true, 'b', 8, 0, "r")
               && rule_is (&t.plan.devices[3], true, 'c', -1, -1, "m");
  ok (order, "the config's rules come in their order (runtime-spec: \"MUST apply entries in the listed order\"), "
             "after one deny-all and before runc's defaults");
  expect_device (&t, 'c', 10, 229, "rw", true, "spec example: /dev/fuse (c 10:229) may be read and written");
  expect_device (&t, 'c', 10, 229, "r", true, "spec example: an access within the allowed one is allowed");
  expect_device (&t, 'b', 8, 0, "r", true, "spec example: b 8:0 may be read");
  expect_device (&t, 'b', 8, 0, "w", false, "spec example: b 8:0 may not be written (only \"r\" is allowed)");
  expect_device (&t, 'b', 8, 0, "rw", false, "spec example: nor opened read-write");
  expect_device (&t, 'b', 8, 1, "r", false, "spec example: b 8:1 may not be read");
  expect_same_as_v1 (&t, "spec example: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- wildcards ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"type\":\"c\",\"major\":4,\"access\":\"rw\"},"
                            "{\"allow\":true,\"type\":\"b\",\"minor\":0,\"access\":\"r\"}]}}}",
                &t);
  expect_device (&t, 'c', 4, 0, "rw", true, "wildcard minor: c 4:* covers c 4:0");
  expect_device (&t, 'c', 4, 63, "rw", true, "wildcard minor: and c 4:63");
  expect_device (&t, 'b', 4, 0, "rw", false, "wildcard minor: but not the block device 4:0");
  expect_device (&t, 'b', 259, 0, "r", true, "wildcard major: b *:0 covers b 259:0");
  expect_device (&t, 'b', 8, 1, "r", false, "wildcard major: but not b 8:1");
  expect_same_as_v1 (&t, "wildcards: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- a later deny takes part of an allow back (v1: the exception
     loses that access) ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"rw\"},"
                            "{\"allow\":false,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"w\"}]}}}",
                &t);
  expect_device (&t, 'c', 4, 1, "r", true, "allow rw then deny w: reading is still allowed");
  expect_device (&t, 'c', 4, 1, "w", false, "allow rw then deny w: writing is denied");
  expect_device (&t, 'c', 4, 1, "rw", false, "allow rw then deny w: opening read-write is denied");
  expect_same_as_v1 (&t, "allow then deny: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- the config cannot take runc's defaults away (they come after) ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}}}",
                &t);
  expect_device (&t, 'c', 1, 3, "rw", true,
                 "a config rule denying /dev/null does not win over runc's defaults, which come later");
  expect_same_as_v1 (&t, "denied default: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- access given in two rules for the same device (v1 merges them:
     dev_exception_add; runc's emulator too) ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"r\"},"
                            "{\"allow\":true,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"w\"}]}}}",
                &t);
  expect_device (&t, 'c', 4, 1, "rw", true,
                 "r and w allowed by two rules for the same device: opening it read-write is allowed, as on v1");
  expect_same_as_v1 (&t, "split access: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- privileged: allow everything, then deny one device ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"access\":\"rwm\"}]}}}",
                &t);
  expect_device (&t, 'b', 8, 0, "rw", true, "allow-all: a disk may be opened");
  expect_device (&t, 'c', 1, 1, "rw", true, "allow-all: /dev/mem may be opened");
  expect_same_as_v1 (&t, "allow-all: the program decides as cgroup v1 does");
  devices_free (&t);
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"access\":\"rwm\"},"
                            "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":1,\"access\":\"rwm\"}]}}}",
                &t);
  expect_device (&t, 'c', 1, 1, "r", false, "allow-all then deny c 1:1: /dev/mem may not be read");
  expect_device (&t, 'c', 1, 2, "r", true, "allow-all then deny c 1:1: other devices may");
  /* v1: in allow mode runc's default "c *:* m" only removes an identical
     exception, so the deny of c 1:1 keeps covering mknod; runc's emulator
     gives the same program. */
  expect_device (&t, 'c', 1, 1, "m", false, "allow-all then deny c 1:1: mknod of it stays denied, as on v1");
  expect_same_as_v1 (&t, "allow-all then deny: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- linux.devices: the devices the config creates ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"devices\":["
                            "{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229},"
                            "{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0},"
                            "{\"path\":\"/dev/ttyX\",\"type\":\"u\",\"major\":4,\"minor\":64},"
                            "{\"path\":\"/dev/fifo\",\"type\":\"p\"}]}}",
                &t);
  order = t.ok && t.plan.n_devices == 12 && rule_is (&t.plan.devices[0], false, 'a', -1, -1, "rwm");
  ok (order, "linux.devices get no rule of their own (runc): deny-all and runc's defaults only");
  expect_device (&t, 'b', 8, 0, "rw", false, "a block device of linux.devices is denied when no rule allows it");
  expect_device (&t, 'c', 10, 229, "rw", false, "a character device of linux.devices too");
  expect_same_as_v1 (&t, "linux.devices: the program decides as cgroup v1 does");
  devices_free (&t);
  devices_from (CONFIG_HEAD "\"linux\":{\"devices\":["
                            "{\"path\":\"/dev/kmsg\",\"type\":\"c\",\"major\":1,\"minor\":11}],"
                            "\"resources\":{\"devices\":["
                            "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":11,\"access\":\"rw\"}]}}}",
                &t);
  expect_device (&t, 'c', 1, 11, "rw", true, "a device of linux.devices that a config rule allows may be opened");
  devices_free (&t);
  /* runc drops a default whose path linux.devices names: the config's
     rules decide for it. */
  devices_from (CONFIG_HEAD "\"linux\":{\"devices\":["
                            "{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]}}",
                &t);
  order = t.ok && t.plan.n_devices == 11;
  ok (order, "a default device that linux.devices creates loses its default rule, as with runc");
  expect_device (&t, 'c', 1, 3, "rw", false, "then the config's rules decide for it");
  expect_device (&t, 'c', 1, 5, "rw", true, "the other defaults stay");
  expect_same_as_v1 (&t, "linux.devices over a default: the program decides as cgroup v1 does");
  devices_free (&t);

  /* ---- a deny inside an allowed wildcard: v1 cannot express it (it only
     removes identical exceptions, so it silently keeps allowing c 4:1);
     runc's emulator refuses it: "cannot punch hole in existing wildcard
     rule" (devices_emulator.go rmRule) ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":["
                            "{\"allow\":true,\"type\":\"c\",\"major\":4,\"access\":\"rwm\"},"
                            "{\"allow\":false,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"rwm\"}]}}}",
                &t);
  ok (!t.ok && t.msg != NULL, "a deny punching a hole in an allowed wildcard is refused, as runc does");
  if (t.ok)
    count_v1_mismatches (&t);
  devices_free (&t);

  /* ---- bad rules (runtime-spec: type a, c or b; access of r, w, m) ---- */
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"p\",\"access\":\"r\"}]}}}",
                &t);
  ok (!t.ok && t.msg && strstr (t.msg, "devices[0].type"), "a device rule of type p is an error naming the field");
  devices_free (&t);
  devices_from (CONFIG_HEAD "\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"c\",\"access\":\"rx\"}]}}}",
                &t);
  ok (!t.ok && t.msg && strstr (t.msg, "devices[0].access"),
      "an access letter other than r, w, m is an error naming the field");
  devices_free (&t);

  /* ---- where the rules go on other hosts ---- */
  struct vessel_cgroup_plan p;
  plan_resources (&host_v1, "{}", true, &p, NULL);
  ok (!p.devices_v2 && p.devices_hierarchy == hier (&host_v1, "devices") && p.n_devices == 12,
      "v1 host: the same rules are written to the devices hierarchy");
  vessel_cgroup_plan_free (&p);
  plan_resources (&host_hybrid, "{}", true, &p, NULL);
  ok (!p.devices_v2 && p.devices_hierarchy == hier (&host_hybrid, "devices"),
      "hybrid host: the v1 devices hierarchy is used, as runc does");
  vessel_cgroup_plan_free (&p);
  plan_resources (&host_v2, "{\"memory\":{\"limit\":1}}", false, &p, NULL);
  ok (p.n_devices == 0, "without `devices` (an update without device rules) no rules are planned");
  vessel_cgroup_plan_free (&p);

  /* runc fs/paths.go initPaths: "The non-presence of the devices subsystem
     is considered fatal for security reasons." */
  static const char no_devices_mi[] = "36 30 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
  struct vessel_cgroup_host nodev;
  host_from (&nodev, no_devices_mi, "5:memory:/\n", NULL);
  char *why = NULL;
  int ret = plan_resources (&nodev, "{}", true, &p, &why);
  ok (ret < 0, "a v1 host without a devices hierarchy is an error rather than a container without device rules");
  if (ret == 0)
    {
      printf ("#   planned without error: devices_hierarchy %d, %zu rules\n", p.devices_hierarchy, p.n_devices);
      vessel_cgroup_plan_free (&p);
    }
  free (why);
  vessel_cgroup_host_free (&nodev);
}

/* ======================================================================
 * 3. Other plans: namespaces, mounts, signals, config checks
 * ====================================================================== */

static void
test_namespaces (void)
{
  struct vessel_ns_plan p;
  struct oci_config *c = parse_config (
      CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
                  "{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}]}}");
  vessel_ns_plan_build (c, &p);
  ok (p.clone_flags == (unsigned long) (CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS)
          && p.join.n_joins == 0 && p.unshare_flags == 0 && !p.fork_for_pid,
      "new namespaces (vessel spec's set) are all created by clone");
  /* The init unshares its cgroup namespace once it is in its cgroup, so
     that the namespace's root is the container's cgroup (runc does the
     same, cgroup_namespaces(7)). */
  ok (p.unshare_cgroup && !(p.clone_flags & CLONE_NEWCGROUP), "the cgroup namespace is made after the cgroup is joined");
  oci_config_free (c);

  c = parse_config (CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"pid\",\"path\":\"/proc/42/ns/pid\"},"
                                "{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"},{\"type\":\"mount\"}]}}");
  vessel_ns_plan_build (c, &p);
  ok (p.wanted[OCI_NS_NETWORK] && !p.create[OCI_NS_NETWORK] && p.join.n_joins == 1 && p.join.joins[0].type == OCI_NS_NETWORK
          && same_str (p.join.joins[0].path, "/var/run/netns/n1") && !(p.clone_flags & CLONE_NEWNET),
      "a namespace with a path is joined, not created");
  /* setns(2): joining a pid namespace only affects children, so it is done
     before the init is cloned. */
  ok (same_str (p.join.pid.path, "/proc/42/ns/pid") && !(p.clone_flags & CLONE_NEWPID) && p.clone_flags == CLONE_NEWNS,
      "a pid namespace with a path is entered by the parent, for the clone to land in it");
  oci_config_free (c);

  c = parse_config (CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"},{\"type\":\"pid\"}],"
                                "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                                "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}");
  vessel_ns_plan_build (c, &p);
  ok (p.new_user && (p.clone_flags & CLONE_NEWUSER) && (p.clone_flags & CLONE_NEWPID),
      "a new user namespace with nothing joined is created by the same clone (the kernel makes it first)");
  oci_config_free (c);

  /* user_namespaces(7): a joined network namespace belongs to the host's
     user namespace: it must be joined before a new user namespace is
     made, so creation moves to unshare in the init, and a new pid
     namespace then needs one more fork. */
  c = parse_config (CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"},{\"type\":\"pid\"},"
                                "{\"type\":\"network\",\"path\":\"/var/run/netns/n1\"}],"
                                "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                                "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}");
  vessel_ns_plan_build (c, &p);
  ok (!(p.clone_flags & (CLONE_NEWUSER | CLONE_NEWPID)) && (p.unshare_flags & CLONE_NEWUSER)
          && (p.unshare_flags & CLONE_NEWNS) && p.fork_for_pid && p.join.n_joins == 1,
      "a new user namespace plus a joined one: join first, then unshare, and fork into the new pid namespace");
  oci_config_free (c);

  c = parse_config (CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/7/ns/user\"},"
                                "{\"type\":\"ipc\",\"path\":\"/proc/7/ns/ipc\"},{\"type\":\"mount\"}]}}");
  vessel_ns_plan_build (c, &p);
  ok (!p.new_user && p.join.n_joins == 2 && (p.unshare_flags & CLONE_NEWNS) && p.clone_flags == 0
          && (p.join.joins[0].type == OCI_NS_USER || p.join.joins[1].type == OCI_NS_USER),
      "a joined user namespace: everything is joined or unshared by the init");
  oci_config_free (c);

  /* time_namespaces(7): offsets can only be written before a process is in
     the namespace; clone(CLONE_NEWTIME) would put the init there first. */
  c = parse_config (CONFIG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"time\"}],"
                                "\"timeOffsets\":{\"monotonic\":{\"secs\":10,\"nanosecs\":0}}}}");
  vessel_ns_plan_build (c, &p);
  ok (p.new_time && !(p.clone_flags & CLONE_NEWTIME), "a new time namespace is made by the parent, not by clone");
  oci_config_free (c);
}

/* Runs the classic BPF of an ENOSYS stub for (nr, arch), as the kernel
   would, the stub's end standing for libseccomp's program: returns the
   stub's return value, or FILTER when the program would be reached. */
#define FILTER 0xf11e5u
static uint32_t
run_stub (const struct sock_filter *p, int len, uint32_t nr, uint32_t arch)
{
  uint32_t a = 0;
  for (int pc = 0; pc < len; pc++)
    {
      const struct sock_filter *i = &p[pc];
      switch (i->code)
        {
        case BPF_LD | BPF_W | BPF_ABS:
          a = i->k == 0 ? nr : i->k == 4 ? arch : 0xdeadbeef;
          break;
        case BPF_JMP | BPF_JA:
          pc += (int) i->k;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          pc += a == i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JGT | BPF_K:
          pc += a > i->k ? i->jt : i->jf;
          break;
        case BPF_JMP | BPF_JSET | BPF_K:
          pc += (a & i->k) ? i->jt : i->jf;
          break;
        case BPF_RET | BPF_K:
          return i->k;
        default:
          return 0xbad;
        }
    }
  return FILTER;
}

static void
test_seccomp_enosys_stub (void)
{
  const uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS, x32 = 0x40000000;
  struct sock_filter p[256];
  /* The profile names up to 434 on x86_64, 440 on i386; not x32. */
  struct vessel_enosys_arch two[] = { { AUDIT_ARCH_X86_64, 434, 0 }, { AUDIT_ARCH_I386, 440, 0 } };
  int len = vessel_seccomp_enosys_stub (two, 2, p, 256);
  ok (len > 0, "a stub for x86_64 and i386");
  ok (run_stub (p, len, 435, AUDIT_ARCH_X86_64) == enosys && run_stub (p, len, 1000, AUDIT_ARCH_X86_64) == enosys,
      "x86_64: above the profile's largest number, ENOSYS");
  ok (run_stub (p, len, 434, AUDIT_ARCH_X86_64) == FILTER && run_stub (p, len, 0, AUDIT_ARCH_X86_64) == FILTER,
      "x86_64: up to the largest, the profile decides");
  ok (run_stub (p, len, 440, AUDIT_ARCH_I386) == FILTER && run_stub (p, len, 441, AUDIT_ARCH_I386) == enosys,
      "i386 against its own largest number");
  ok (run_stub (p, len, x32 | 1000, AUDIT_ARCH_X86_64) == FILTER,
      "x32's numbers without x32 in the profile: the profile's bad-architecture action decides");
  ok (run_stub (p, len, 5000, AUDIT_ARCH_AARCH64) == FILTER, "an architecture the profile lacks: the profile decides");
  /* x32 too: each ABI of AUDIT_ARCH_X86_64 against its own largest */
  struct vessel_enosys_arch both[] = { { AUDIT_ARCH_X86_64, 434, x32 | 547 } };
  len = vessel_seccomp_enosys_stub (both, 1, p, 256);
  ok (run_stub (p, len, x32 | 547, AUDIT_ARCH_X86_64) == FILTER
          && run_stub (p, len, x32 | 548, AUDIT_ARCH_X86_64) == enosys
          && run_stub (p, len, 435, AUDIT_ARCH_X86_64) == enosys && run_stub (p, len, 434, AUDIT_ARCH_X86_64) == FILTER,
      "x86_64 and x32: each ABI against its own largest number");
  struct vessel_enosys_arch only_x32[] = { { AUDIT_ARCH_X86_64, 0, x32 | 547 } };
  len = vessel_seccomp_enosys_stub (only_x32, 1, p, 256);
  ok (run_stub (p, len, 1000, AUDIT_ARCH_X86_64) == FILTER
          && run_stub (p, len, x32 | 1000, AUDIT_ARCH_X86_64) == enosys,
      "x32 alone: x86_64's numbers go to the profile");
  /* s390x: setup(0) stands for a number the kernel did not know */
  struct vessel_enosys_arch s390x[] = { { AUDIT_ARCH_S390X, 400, 0 } };
  len = vessel_seccomp_enosys_stub (s390x, 1, p, 256);
  ok (run_stub (p, len, 0, AUDIT_ARCH_S390X) == enosys && run_stub (p, len, 1, AUDIT_ARCH_S390X) == FILTER
          && run_stub (p, len, 401, AUDIT_ARCH_S390X) == enosys,
      "s390x: 0 (setup) and numbers above the largest get ENOSYS");
  struct vessel_enosys_arch none[] = { { AUDIT_ARCH_X86_64, 0, 0 } };
  ok (vessel_seccomp_enosys_stub (none, 1, p, 256) == 0, "a profile that names no syscall gets no stub");
  ok (vessel_seccomp_enosys_stub (two, 2, p, 5) == -E2BIG, "a stub that does not fit is refused");
}

static void
test_signals (void)
{
  /* kill(1) and runc's parseSignal (kill.go): a number, or a name with
     or without SIG, in any case; crun (signals.c) also takes RTMIN+n and
     RTMAX-n. */
  ok (vessel_signal_parse ("KILL") == SIGKILL, "KILL");
  ok (vessel_signal_parse ("SIGTERM") == SIGTERM, "SIGTERM");
  ok (vessel_signal_parse ("sigusr1") == SIGUSR1, "names are case-insensitive");
  ok (vessel_signal_parse ("9") == 9, "a number");
  ok (vessel_signal_parse ("RTMIN") == SIGRTMIN, "RTMIN");
  ok (vessel_signal_parse ("SIGRTMIN+3") == SIGRTMIN + 3, "SIGRTMIN+3");
  ok (vessel_signal_parse ("RTMAX-1") == SIGRTMAX - 1, "RTMAX-1");
  ok (vessel_signal_parse ("RTMIN-1") < 0, "RTMIN-1 is below the real-time range");
  ok (vessel_signal_parse ("RTMAX+1") < 0, "RTMAX+1 is above it");
  ok (vessel_signal_parse ("SIGFOO") < 0, "an unknown name is refused");
  ok (vessel_signal_parse ("") < 0, "an empty name is refused");
  ok (vessel_signal_parse ("9x") < 0, "trailing garbage is refused");
  ok (vessel_signal_parse ("0") == 0, "0, the probe, as kill(2) and runc take it");
  ok (vessel_signal_parse ("65") < 0 && vessel_signal_parse ("-9") < 0, "numbers outside 0..64 are refused");
}

static int
validate (const char *json, char **msg)
{
  struct oci_config *c = parse_config (json);
  vessel_error *err = NULL;
  int ret = vessel_config_validate (c, &err);
  *msg = ret < 0 && err ? strdup (err->msg) : NULL;
  vessel_error_free (err);
  oci_config_free (c);
  return ret;
}

static void
expect_valid (const char *linux_json, bool valid, const char *needle, const char *what)
{
  char json[1024], *msg = NULL;
  snprintf (json, sizeof json,
            CONFIG_HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},\"linux\":%s}",
            linux_json);
  int ret = validate (json, &msg);
  bool good = valid ? ret == 0 : ret < 0 && msg && (!needle || strstr (msg, needle));
  ok (good, "%s", what);
  if (!good)
    printf ("#   got: %s\n", msg ? msg : "(valid)");
  free (msg);
}

static void
test_config_checks (void)
{
  /* The planner joins cgroupsPath under a hierarchy as given: the config
     check keeps it from leaving the hierarchy (runc cleans it lexically
     instead, internal/path.Inner). */
  expect_valid ("{\"cgroupsPath\":\"../../escape\"}", false, "cgroupsPath", "cgroupsPath ../../escape is refused");
  expect_valid ("{\"cgroupsPath\":\"/machine/../../escape\"}", false, "cgroupsPath",
                "an absolute cgroupsPath with .. is refused");
  expect_valid ("{\"cgroupsPath\":\"a/..\"}", false, "cgroupsPath", "a trailing .. is refused");
  expect_valid ("{\"cgroupsPath\":\"/\"}", false, "cgroupsPath", "cgroupsPath / (the hierarchy's root) is refused");
  expect_valid ("{\"cgroupsPath\":\"/machine/..c1/c1..\"}", true, NULL, "dots inside a name are fine");
  expect_valid ("{\"cgroupsPath\":\"vessel/c1\"}", true, NULL, "a relative cgroupsPath is fine");

  /* runc libcontainer/configs/validate/validator.go (sysctl): namespaced
     sysctls need their namespace, the others would change the host. */
  expect_valid ("{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}", true, NULL,
                "a net.* sysctl with a network namespace is fine");
  expect_valid ("{\"namespaces\":[{\"type\":\"mount\"}],\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}", false,
                "net.ipv4.ip_forward", "a net.* sysctl without a network namespace is refused");
  expect_valid ("{\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.shmmax\":\"4096\","
                "\"fs.mqueue.queues_max\":\"64\"}}",
                true, NULL, "kernel.shm* and fs.mqueue.* with an ipc namespace are fine");
  expect_valid ("{\"namespaces\":[{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"network\"}],"
                "\"sysctl\":{\"vm.swappiness\":\"10\"}}",
                false, "vm.swappiness", "a sysctl of no namespace (vm.swappiness) is refused");
  /* Id maps the kernel would refuse with a bare EINVAL (kernel/user_namespace.c:
     map_write, mappings_overlap). */
#define USERNS "{\"namespaces\":[{\"type\":\"user\"}],"
#define GIDS "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}"
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536},"
                "{\"containerID\":65536,\"hostID\":0,\"size\":1}]," GIDS,
                true, NULL, "two disjoint uid ranges are fine");
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":4294967295}]," GIDS,
                false, ".linux.uidMappings[0]: 4294967295 ids from container id 0 (host id 4294967295) run past",
                "a range past the last id is refused");
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":1}]," GIDS,
                false, "run past", "host id 4294967295 (-1) is refused");
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":0}]," GIDS,
                false, ".linux.uidMappings[0].size: an empty range", "an empty range is refused");
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536},"
                "{\"containerID\":1000,\"hostID\":300000,\"size\":10}]," GIDS,
                false, ".linux.uidMappings[1]: overlaps range 0 (container ids)", "overlapping container ids are refused");
  expect_valid (USERNS "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":10}],"
                "\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":10},"
                "{\"containerID\":10,\"hostID\":100005,\"size\":10}]}",
                false, ".linux.gidMappings[1]: overlaps range 0 (host ids)", "overlapping host ids are refused");
#undef USERNS
#undef GIDS
  ok (vessel_sysctl_namespace ("kernel.hostname") == OCI_NS_UTS && vessel_sysctl_namespace ("kernel.domainname") == OCI_NS_UTS
          && vessel_sysctl_namespace ("kernel.msgmax") == OCI_NS_IPC && vessel_sysctl_namespace ("kernel.pid_max") < 0,
      "sysctl namespaces: kernel.hostname/domainname uts, kernel.msg* ipc, kernel.pid_max none");
  /* podman writes linux.devices[].fileMode as st_mode, with the node's
     type (8630 = S_IFCHR | 0666); runc keeps the permission bits. */
#define DEV(type, mode) "{\"devices\":[{\"path\":\"/dev/null\",\"type\":\"" type "\",\"major\":1,\"minor\":3," \
                        "\"fileMode\":" mode "}]}"
  expect_valid (DEV ("c", "438"), true, NULL, "fileMode 0666 is fine");
  expect_valid (DEV ("c", "8630"), true, NULL, "fileMode S_IFCHR|0666 (podman's) of a c device is fine");
  expect_valid (DEV ("u", "8630"), true, NULL, "S_IFCHR of a u device is fine");
  expect_valid (DEV ("b", "25008"), true, NULL, "S_IFBLK|0660 of a b device is fine");
  expect_valid (DEV ("p", "4516"), true, NULL, "S_IFIFO|0644 of a p device is fine");
  expect_valid (DEV ("c", "3583"), true, NULL, "fileMode 06777 (setuid, setgid, sticky) is fine");
  expect_valid (DEV ("b", "8630"), false,
                "config.json: .linux.devices[0].fileMode: 8630 has the file type bits 020000, not those of type `b` (060000)",
                "S_IFCHR on a b device is refused, naming the field");
  expect_valid (DEV ("c", "25008"), false, ".linux.devices[0].fileMode: 25008 has the file type bits 060000",
                "S_IFBLK on a c device is refused");
  expect_valid (DEV ("c", "4516"), false, ".linux.devices[0].fileMode", "S_IFIFO on a c device is refused");
  expect_valid (DEV ("p", "33188"), false, ".linux.devices[0].fileMode: 33188 has the file type bits 0100000",
                "S_IFREG on a p device is refused");
  expect_valid (DEV ("c", "16877"), false, ".linux.devices[0].fileMode", "S_IFDIR on a c device is refused");
#undef DEV
}

/* The process of exec --process: parsed on its own, checked with the
   caller's name for it. */
static void
expect_process (const char *json, const char *want, const char *what)
{
  struct oci_config *c = NULL;
  char *perr = NULL;
  vessel_error *err = NULL;
  const char *got = NULL;
  if (oci_process_parse_data ("process.json", json, strlen (json), &c, &perr) < 0)
    got = perr;
  else if (vessel_process_validate (c->process, "process.json: ", &err) < 0)
    got = err->msg;
  is_str (got, want, "%s", what);
  free (perr);
  vessel_error_free (err);
  oci_config_free (c);
}

static void
test_process_document (void)
{
  expect_process ("{\"args\":[\"sh\",\"-c\",\"true\"],\"cwd\":\"/\",\"env\":[\"A=1\"],\"user\":{\"uid\":5},"
                  "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}}",
                  NULL, "a process document on its own is parsed and valid");
  expect_process ("{\"args\":[\"sh\"]}", "process.json: .cwd: missing required field", "cwd is required");
  expect_process ("{\"args\":\"sh\",\"cwd\":\"/\"}", "process.json: .args: expected array, got string",
                  "a wrong type names the field");
  expect_process ("[]", "process.json: expected object, got array", "not an object");
  expect_process ("{\"args\":[],\"cwd\":\"/\"}", "process.json: .args: at least the program to run is needed",
                  "empty args are refused with the caller's name");
  expect_process ("{\"args\":[\"sh\"],\"cwd\":\"tmp\"}", "process.json: .cwd: `tmp` is not an absolute path",
                  "a relative cwd is refused");
  expect_process ("{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"JUSTNAME\"]}",
                  "process.json: .env[0]: `JUSTNAME` is not NAME=VALUE", "env entries need NAME=VALUE");
  expect_process ("{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"effective\":[\"CAP_NOPE\"]}}",
                  "process.json: .capabilities.effective[0]: unknown capability `CAP_NOPE`",
                  "unknown capabilities are named with the caller's path");
}

/* vessel_rfc3339_format against glibc's gmtime_r + strftime, across
   leap years, centuries, the epoch and before it. */
static void
test_rfc3339 (void)
{
  static const int64_t secs[] = { 0, -1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800, 4107542400 /* 2100-03-01 */,
                                  4102444799, 1795046152, -86401, -2208988800 /* 1900-01-01 */, 253402300799 /* 9999-12-31 */ };
  int bad = 0;
  char got[VESSEL_RFC3339_MAX], want[VESSEL_RFC3339_MAX];
  for (size_t i = 0; i < sizeof secs / sizeof secs[0] + 2000; i++)
    {
      /* The fixed cases, then a day's worth of steps through 1970..2400. */
      int64_t t = i < sizeof secs / sizeof secs[0] ? secs[i] : (int64_t) (i - 13) * 6311003 + 12345;
      struct timespec ts = { .tv_sec = (time_t) t, .tv_nsec = 5 };
      struct tm tm;
      gmtime_r (&ts.tv_sec, &tm);
      size_t n = strftime (want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf (want + n, sizeof want - n, ".%09ldZ", ts.tv_nsec);
      vessel_rfc3339_format (got, sizeof got, &ts);
      if (strcmp (got, want) != 0 && bad++ < 3)
        printf ("# %lld: got %s, want %s\n", (long long) t, got, want);
    }
  ok (bad == 0, "RFC 3339 times are gmtime_r's, with nanoseconds");
}

/* --no-pivot: which of the host's mounts go before the rootfs is moved. */
static void
test_no_pivot (void)
{
  static const char mountinfo[] =
      "20 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "21 20 0:20 / /proc rw,nosuid shared:2 - proc proc rw\n"
      "22 21 0:21 / /proc/sys/fs/binfmt_misc rw shared:3 - autofs systemd-1 rw\n"
      "23 20 0:22 / /sys rw,nosuid shared:4 - sysfs sysfs rw\n"
      "24 20 0:23 / /tmp rw shared:5 - tmpfs tmpfs rw\n"
      "25 24 0:24 / /tmp/b/rootfs/mnt rw shared:6 - tmpfs tmpfs rw\n"
      "26 24 8:1 /tmp/b/rootfs /tmp/b/rootfs rw master:5 - tmpfs tmpfs rw\n"
      "27 26 0:25 / /tmp/b/rootfs/proc rw - proc proc rw\n"
      "28 26 0:24 / /tmp/b/rootfs/mnt rw - tmpfs tmpfs rw\n"
      "29 20 0:26 /sub /srv/with\\040space rw - sysfs sysfs rw\n"
      "30 24 0:27 / /tmp/other rw - tmpfs tmpfs rw\n";
  struct vessel_host_mounts h;
  vessel_error *err = NULL;
  int ret = vessel_no_pivot_plan (mountinfo, 26, &h, &err);
  ok (ret == 0 && h.n == 5, "five of the host's mounts go: /tmp/other, /srv/with space, /sys, binfmt_misc, /proc");
  if (ret == 0 && h.n == 5)
    {
      ok (h.m[0].id == 30 && h.m[1].id == 29 && h.m[2].id == 23 && h.m[3].id == 22 && h.m[4].id == 21,
          "last first: a mount goes before its parent (binfmt_misc before /proc)");
      ok (same_str (h.m[1].path, "/srv/with space"), "mount points are unescaped");
      ok (h.m[2].full_procfs && h.m[4].full_procfs && !h.m[1].full_procfs && !h.m[3].full_procfs,
          "a proc or sysfs showing its root is a full one; a sysfs subtree or an autofs is not");
    }
  /* Kept: / and /tmp (the rootfs lies on them), the rootfs and its own
     mounts, and the mount at a path inside it that the rootfs covers. */
  vessel_host_mounts_free (&h);
  ret = vessel_no_pivot_plan (mountinfo, 99, &h, &err);
  ok (ret < 0 && err && strstr (err->msg, "the rootfs mount (99) is not there"), "a rootfs mount not in the text fails");
  vessel_error_freep (&err);
  vessel_host_mounts_free (&h);
  ret = vessel_no_pivot_plan ("20 1 8:1 / / rw\n", 20, &h, &err);
  ok (ret < 0 && err && strstr (err->msg, "cannot parse line 1"), "a line without its separator fails");
  vessel_error_freep (&err);
  vessel_host_mounts_free (&h);
}

int
main (void)
{
  test_host_parsing ();
  test_paths_v1 ();
  test_paths_v2 ();
  test_paths_hybrid ();
  test_paths_nested ();
  test_paths_match ();

  host_from (&host_v1, v1_mountinfo, v1_self, NULL);
  host_from (&host_v2, v2_mountinfo, v2_self, v2_controllers);
  host_from (&host_hybrid, hybrid_mountinfo, hybrid_self, hybrid_controllers);
  test_cpu_v2 ();
  test_cpu_v1 ();
  test_cpu_v1_order ();
  test_memory_v1 ();
  test_memory_v2 ();
  test_pids ();
  test_block_io ();
  test_hugetlb ();
  test_network_rdma ();
  test_unified ();
  test_device_rules ();
  vessel_cgroup_host_free (&host_v1);
  vessel_cgroup_host_free (&host_v2);
  vessel_cgroup_host_free (&host_hybrid);

  test_namespaces ();
  test_no_pivot ();
  test_signals ();
  test_seccomp_enosys_stub ();
  test_config_checks ();
  test_process_document ();
  test_rfc3339 ();
  return tap_done ();
}
