/* cgroups on the three kinds of host: pure v2 (unified), v1 (one
 * hierarchy per controller), and hybrid (v1 hierarchies plus a cgroup2
 * mount, usually /sys/fs/cgroup/unified).  Like runc, a hybrid host gets
 * both: the v1 hierarchies and the unified one.
 *
 * Parsing the layout and computing paths is pure (cgroup_host.c, linked
 * by the unit tests); reading /proc and making and removing cgroups is
 * cgroup.c's, entering them cgroup_entry.c's. */
#ifndef VESSEL_CGROUP_H
#define VESSEL_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* A mountinfo field with its \ooo escapes undone, malloc'ed. */
char *unescape_mount_field (const char *s);

/* Pure: whether every controller of `list` ("cpu,cpuacct") is among the
   comma-separated `options`. */
bool vessel_cgroup_options_have_all (const char *options, const char *list);
/* Pure: a/b with one '/' between components and no "." ones, malloc'ed. */
char *vessel_cgroup_path_join (const char *a, const char *b);

enum vessel_cgroup_mode
{
  VESSEL_CGROUP_V1,
  VESSEL_CGROUP_V2,
  VESSEL_CGROUP_HYBRID,
};

struct vessel_cgroup_hierarchy
{
  char *mountpoint;  /* "/sys/fs/cgroup/cpu,cpuacct" */
  char *mount_root;  /* the part of the hierarchy the mount shows, usually "/" */
  char *controllers; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
  bool v2;
  char *own;         /* our own cgroup in the hierarchy (/proc/self/cgroup) */
};

struct vessel_cgroup_host
{
  int mode; /* enum vessel_cgroup_mode */
  struct vessel_cgroup_hierarchy *h;
  size_t n;
  char *v2_controllers; /* the cgroup2 root's cgroup.controllers ("cpu io memory") */
};

/* Reads /proc/self/mountinfo and /proc/self/cgroup. */
int vessel_cgroup_host_detect (struct vessel_cgroup_host *host, vessel_error **err);
/* The same from given texts: pure, for unit tests. */
int vessel_cgroup_host_parse (const char *mountinfo, const char *self_cgroup,
                              struct vessel_cgroup_host *host, vessel_error **err);
/* For a caller other than root: keeps the host and the container's cgroup
   paths where they are a cgroup v2 subtree delegated to the caller (it
   may make directories there and move processes in), and returns true;
   otherwise (cgroup v1 or hybrid, or nothing delegated) leaves no
   hierarchy and no path, and returns false: the container's processes
   stay in the caller's cgroups. */
bool vessel_cgroup_host_rootless (struct vessel_cgroup_host *host, char ***paths);

void vessel_cgroup_host_free (struct vessel_cgroup_host *host);

/* Pure: the container's cgroup directory in each hierarchy, in the order
   of host->h, NULL-terminated.  An absolute cgroupsPath is taken from the
   root of each hierarchy; a relative one, and the default (the container
   id), nest under our own cgroup, as runc does. */
char **vessel_cgroup_paths (const struct vessel_cgroup_host *host, const char *cgroups_path,
                            const char *id);

/* The container's saved cgroup directories (its state) in the order of
   host->h, NULL-terminated; an error when a hierarchy has none (the host's
   cgroups changed since create). */
int vessel_cgroup_paths_match (const struct vessel_cgroup_host *host, char **saved, char ***out,
                               vessel_error **err);

/* Which hierarchies vessel_cgroup_create makes directories in. */
enum
{
  VESSEL_CGROUP_V1_PART = 1,
  VESSEL_CGROUP_V2_PART = 2,
  VESSEL_CGROUP_ALL_PARTS = 3,
};

/* Creates the directories in the hierarchies `which` names (cpuset.cpus
   and cpuset.mems copied from the parent on v1, where a new cpuset starts
   empty).  *v2_fd (-1 before) gets an fd of the directory in the cgroup2
   hierarchy, for CLONE_INTO_CGROUP.  A directory that existed is checked
   (vessel_cgroup_reuse_check: a frozen one is refused) and noted in *reuse. */
struct vessel_cgroup_reuse;
int vessel_cgroup_create (const struct vessel_cgroup_host *host, char **paths, int which, int *v2_fd,
                          struct vessel_cgroup_reuse *reuse, vessel_error **err);

/* Sends signo to every process in the cgroups. */
int vessel_cgroup_signal_all (char **paths, int signo, vessel_error **err);

/* Kills what is left, waits for the cgroups to empty, removes them. */
int vessel_cgroup_destroy (char **paths, vessel_error **err);

#endif
