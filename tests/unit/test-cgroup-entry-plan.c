/* The cgroup entry plan, without a kernel: how create's init and exec's
 * process get into the container's cgroups on v1, v2 and hybrid hosts,
 * rootless with and without a delegated subtree, with a user namespace,
 * with a fork into a new pid namespace, and with exec's --cgroup.
 *
 * Linked with cgroup_entry_plan.c alone (see Makefile.am): the planner
 * does no I/O, and a call into the executor would not link. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "libvessel/cgroup_entry_plan.h"
#include "libvessel/sync.h"
#include "tap.h"

static bool
same_str (const char *a, const char *b)
{
  return a && b ? strcmp (a, b) == 0 : a == b;
}

/* ---- create ---- */

static struct vessel_cgroup_hierarchy v1_cpu = { .controllers = "cpu,cpuacct" };
static struct vessel_cgroup_hierarchy v1_memory = { .controllers = "memory" };
static struct vessel_cgroup_hierarchy v1_pids = { .controllers = "pids" };
static struct vessel_cgroup_hierarchy v2 = { .controllers = "", .v2 = true };

/* The hows of the plan's entries, as "itself,last,clone,write": the plan at a glance. */
static const char *
hows (const struct vessel_cgroup_create_plan *p)
{
  static const char *const names[] = { "write", "clone", "itself", "last" };
  static char buf[128];
  buf[0] = '\0';
  for (size_t i = 0; i < p->host->n; i++)
    {
      struct vessel_cgroup_entry e = vessel_cgroup_create_entry (p, i);
      if (!same_str (e.dir, p->paths[i]) || e.dir_fd != -1 || e.sub != NULL || e.v2 != p->host->h[i].v2)
        return "a bad entry";
      strcat (buf, i ? "," : "");
      strcat (buf, names[e.how]);
    }
  return buf;
}

static void
plan_for (struct vessel_cgroup_host *host, bool fork_for_pid, bool new_user, struct vessel_cgroup_create_plan *p)
{
  static char *paths[] = { "/c/0", "/c/1", "/c/2", NULL };
  struct vessel_cgroup_create_facts f = { host, paths, fork_for_pid, new_user };
  vessel_cgroup_create_plan (&f, p);
}

static void
test_create_v1 (void)
{
  struct vessel_cgroup_hierarchy h[] = { v1_cpu, v1_memory, v1_pids };
  struct vessel_cgroup_host host = { .mode = VESSEL_CGROUP_V1, .h = h, .n = 3 };
  struct vessel_cgroup_create_plan p;
  plan_for (&host, false, false, &p);
  ok (p.why == VESSEL_CGROUP_WHY_SELF_JOIN && p.init_joins_itself, "create, v1: the init joins its cgroups itself");
  is_str (hows (&p), "itself,last,itself", "create, v1: by writes of its own, the memory cgroup last");
  ok (p.make_before_clone == VESSEL_CGROUP_V2_PART && !p.limits_before_clone
          && p.make_after_clone == VESSEL_CGROUP_V1_PART && p.clone_into == -1 && p.join_last == 1,
      "create, v1: the v1 directories and their limits while the init starts");
  ok (p.sync_after == SYNC_CGROUPS_MADE && !vessel_cgroup_create_waits_for_go (&p, false)
          && !vessel_cgroup_create_vessel_writes (&p, false),
      "create, v1: vessel writes no pid and says SYNC_CGROUPS_MADE; the init does not wait for SYNC_GO");

  struct vessel_cgroup_hierarchy no_memory[] = { v1_cpu, v1_pids };
  struct vessel_cgroup_host host2 = { .mode = VESSEL_CGROUP_V1, .h = no_memory, .n = 2 };
  plan_for (&host2, false, false, &p);
  ok (p.join_last == -1, "create, v1 without a memory hierarchy: none last");
  is_str (hows (&p), "itself,itself", "create, v1 without a memory hierarchy: every one by the init's write");

  plan_for (&host, true, false, &p);
  ok (p.why == VESSEL_CGROUP_WHY_PID_FORK && !p.init_joins_itself && p.join_last == -1,
      "create, v1, new pid namespace: vessel moves the init");
  is_str (hows (&p), "write,write,write", "create, v1, new pid namespace: every cgroup by a write of the pid");
  ok (p.make_before_clone == VESSEL_CGROUP_ALL_PARTS && p.limits_before_clone && p.make_after_clone == 0
          && p.sync_after == SYNC_GO && vessel_cgroup_create_waits_for_go (&p, false),
      "create, v1, new pid namespace: every directory and limit first, then SYNC_GO, which the init waits for");

  plan_for (&host, false, true, &p);
  ok (p.why == VESSEL_CGROUP_WHY_USER_NS && !p.init_joins_itself && vessel_cgroup_create_waits_for_go (&p, true),
      "create, v1, user namespace: vessel moves the init, which waits for SYNC_GO");
  is_str (hows (&p), "write,write,write", "create, v1, user namespace: every cgroup by a write of the pid");
}

static void
test_create_v2 (void)
{
  struct vessel_cgroup_hierarchy h[] = { v2 };
  struct vessel_cgroup_host host = { .mode = VESSEL_CGROUP_V2, .h = h, .n = 1 };
  struct vessel_cgroup_create_plan p;
  plan_for (&host, false, false, &p);
  ok (p.why == VESSEL_CGROUP_WHY_V2 && !p.init_joins_itself && p.clone_into == 0,
      "create, v2: the clone enters the cgroup");
  is_str (hows (&p), "clone", "create, v2: CLONE_INTO_CGROUP");
  ok (p.make_before_clone == VESSEL_CGROUP_ALL_PARTS && p.limits_before_clone && p.make_after_clone == 0,
      "create, v2: the directory and its limits before the clone");
  ok (!vessel_cgroup_create_waits_for_go (&p, true) && !vessel_cgroup_create_vessel_writes (&p, true),
      "create, v2: an init cloned into its cgroup goes on at once");
  ok (vessel_cgroup_create_waits_for_go (&p, false) && vessel_cgroup_create_vessel_writes (&p, false),
      "create, v2: a kernel without CLONE_INTO_CGROUP: vessel writes the pid, then SYNC_GO");
  plan_for (&host, true, true, &p);
  ok (p.why == VESSEL_CGROUP_WHY_V2 && vessel_cgroup_create_waits_for_go (&p, true)
          && !vessel_cgroup_create_vessel_writes (&p, true),
      "create, v2, new pid namespace: the init waits for SYNC_GO, though vessel has nothing to write");
  is_str (hows (&p), "clone", "create, v2, user namespace: CLONE_INTO_CGROUP all the same");
}

static void
test_create_hybrid (void)
{
  struct vessel_cgroup_hierarchy h[] = { v1_memory, v2, v1_pids };
  struct vessel_cgroup_host host = { .mode = VESSEL_CGROUP_HYBRID, .h = h, .n = 3 };
  struct vessel_cgroup_create_plan p;
  plan_for (&host, false, false, &p);
  ok (p.why == VESSEL_CGROUP_WHY_SELF_JOIN && p.clone_into == 1,
      "create, hybrid: the init starts first, in the unified cgroup");
  is_str (hows (&p), "last,clone,itself",
          "create, hybrid: the unified one at clone time, the v1 ones by the init, memory last");
  ok (!vessel_cgroup_create_vessel_writes (&p, true) && vessel_cgroup_create_vessel_writes (&p, false)
          && !vessel_cgroup_create_waits_for_go (&p, false),
      "create, hybrid: without CLONE_INTO_CGROUP vessel writes the unified one, then SYNC_CGROUPS_MADE, no SYNC_GO");

  plan_for (&host, false, true, &p);
  ok (p.why == VESSEL_CGROUP_WHY_USER_NS && !p.init_joins_itself && p.sync_after == SYNC_GO,
      "create, hybrid, user namespace: vessel moves the init, then SYNC_GO");
  is_str (hows (&p), "write,clone,write",
          "create, hybrid, user namespace: the unified one at clone time, the v1 ones by writes");
  ok (vessel_cgroup_create_waits_for_go (&p, true), "create, hybrid, user namespace: the init waits for SYNC_GO");
}

static void
test_create_rootless (void)
{
  /* What vessel_cgroup_host_rootless leaves: nothing, or a delegated v2 subtree. */
  struct vessel_cgroup_host none = { 0 };
  struct vessel_cgroup_create_plan p;
  plan_for (&none, false, true, &p);
  ok (p.why == VESSEL_CGROUP_WHY_NONE && !p.init_joins_itself && p.clone_into == -1
          && !vessel_cgroup_create_waits_for_go (&p, false) && !vessel_cgroup_create_vessel_writes (&p, false),
      "create, rootless without delegation: no cgroup to enter, no SYNC_GO");
  plan_for (&none, true, true, &p);
  ok (vessel_cgroup_create_waits_for_go (&p, false), "create, rootless, new pid namespace: SYNC_GO for the fork alone");

  struct vessel_cgroup_hierarchy h[] = { v2 };
  struct vessel_cgroup_host delegated = { .mode = VESSEL_CGROUP_V2, .h = h, .n = 1 };
  plan_for (&delegated, false, true, &p);
  is_str (hows (&p), "clone", "create, rootless with a delegated subtree: CLONE_INTO_CGROUP");
  ok (p.why == VESSEL_CGROUP_WHY_V2 && !vessel_cgroup_create_waits_for_go (&p, true),
      "create, rootless with a delegated subtree: no SYNC_GO once cloned into it");
}

/* ---- exec ---- */

static void
test_cgroups_v2 (void)
{
  struct vessel_cgroup_dir_facts dirs[] = { { "/sys/fs/cgroup/c1", 5, true, NULL } };
  struct vessel_cgroup_entry e[1];
  vessel_cgroup_entry_plan (dirs, 1, NULL, 0, e);
  ok (e[0].how == VESSEL_CGROUP_ENTER_BY_CLONE && e[0].v2 && e[0].dir_fd == 5 && e[0].sub == NULL
          && same_str (e[0].dir, "/sys/fs/cgroup/c1"),
      "v2: the one cgroup is entered by CLONE_INTO_CGROUP");

  char *sub[] = { "sub" };
  vessel_cgroup_entry_plan (dirs, 1, sub, 1, e);
  ok (same_str (e[0].sub, "sub") && e[0].how == VESSEL_CGROUP_ENTER_BY_CLONE,
      "v2, --cgroup sub: the sub-cgroup, at clone time");
  char *colon_sub[] = { ":sub" };
  vessel_cgroup_entry_plan (dirs, 1, colon_sub, 1, e);
  ok (same_str (e[0].sub, "sub"), "v2, --cgroup :sub: the same as sub");
  char *v1_only[] = { "cpu:sub" };
  vessel_cgroup_entry_plan (dirs, 1, v1_only, 1, e);
  ok (e[0].sub == NULL, "v2, --cgroup cpu:sub: names v1 controllers, not the cgroup2 one");
}

static void
test_cgroups_v1 (void)
{
  struct vessel_cgroup_dir_facts dirs[] = {
    { "/sys/fs/cgroup/cpu,cpuacct/c1", 3, false, "cpu,cpuacct" },
    { "/sys/fs/cgroup/memory/c1", 4, false, "memory" },
    { "/sys/fs/cgroup/systemd/c1", 6, false, "name=systemd" },
  };
  struct vessel_cgroup_entry e[3];
  vessel_cgroup_entry_plan (dirs, 3, NULL, 0, e);
  ok (e[0].how == VESSEL_CGROUP_ENTER_BY_WRITE && e[1].how == VESSEL_CGROUP_ENTER_BY_WRITE
          && e[2].how == VESSEL_CGROUP_ENTER_BY_WRITE && !e[0].sub && !e[1].sub && !e[2].sub,
      "v1: every hierarchy by a write of the pid (CLONE_INTO_CGROUP is cgroup2's)");

  char *cpu[] = { "cpu:work" };
  vessel_cgroup_entry_plan (dirs, 3, cpu, 1, e);
  ok (same_str (e[0].sub, "work") && !e[1].sub && !e[2].sub,
      "v1, --cgroup cpu:work: only the hierarchy with the cpu controller");
  char *both[] = { "cpuacct,cpu:work" };
  vessel_cgroup_entry_plan (dirs, 3, both, 1, e);
  ok (same_str (e[0].sub, "work") && !e[1].sub, "v1, --cgroup cpuacct,cpu:work: every listed controller, any order");
  char *missing[] = { "cpu,memory:work" };
  vessel_cgroup_entry_plan (dirs, 3, missing, 1, e);
  ok (!e[0].sub && !e[1].sub, "v1, --cgroup cpu,memory:work: no hierarchy has both");
  char *partial[] = { "cpuac:work" };
  vessel_cgroup_entry_plan (dirs, 3, partial, 1, e);
  ok (!e[0].sub, "v1: a controller name matches whole, not as a prefix");

  /* runc: "SUB" for all, a "CONTROLLERS:SUB" overrides it where it applies. */
  char *mixed[] = { "all", "memory:mem" };
  vessel_cgroup_entry_plan (dirs, 3, mixed, 2, e);
  ok (same_str (e[0].sub, "all") && same_str (e[1].sub, "mem") && same_str (e[2].sub, "all"),
      "v1, --cgroup all --cgroup memory:mem: memory gets its own, the others the default");

  dirs[1].controllers = NULL;
  vessel_cgroup_entry_plan (dirs, 3, mixed, 2, e);
  ok (same_str (e[1].sub, "all"), "v1: a directory outside the known hierarchies takes only the default");
}

static void
test_cgroups_hybrid (void)
{
  struct vessel_cgroup_dir_facts dirs[] = {
    { "/sys/fs/cgroup/memory/c1", 3, false, "memory" },
    { "/sys/fs/cgroup/unified/c1", 4, true, NULL },
    { "/sys/fs/cgroup/pids/c1", 5, false, "pids" },
  };
  struct vessel_cgroup_entry e[3];
  vessel_cgroup_entry_plan (dirs, 3, NULL, 0, e);
  ok (e[0].how == VESSEL_CGROUP_ENTER_BY_WRITE && e[1].how == VESSEL_CGROUP_ENTER_BY_CLONE
          && e[2].how == VESSEL_CGROUP_ENTER_BY_WRITE,
      "hybrid: the unified hierarchy at clone time, the v1 ones by a write");
  char *args[] = { "pids:p", "x" };
  vessel_cgroup_entry_plan (dirs, 3, args, 2, e);
  ok (same_str (e[0].sub, "x") && same_str (e[1].sub, "x") && same_str (e[2].sub, "p"),
      "hybrid, --cgroup pids:p --cgroup x: pids gets p, the rest (unified too) x");

  struct vessel_cgroup_dir_facts two_v2[] = { { "/a", 7, true, NULL }, { "/b", 8, true, NULL } };
  vessel_cgroup_entry_plan (two_v2, 2, NULL, 0, e);
  ok (e[0].how == VESSEL_CGROUP_ENTER_BY_CLONE && e[1].how == VESSEL_CGROUP_ENTER_BY_WRITE,
      "only one cgroup2 directory can be given to clone3");

  ok (vessel_cgroup_arg_names_controllers ("cpu:x") && !vessel_cgroup_arg_names_controllers (":x")
          && !vessel_cgroup_arg_names_controllers ("x"),
      "--cgroup names controllers only as CONTROLLERS:SUB");
}

static void
test_clone_fd (void)
{
  struct vessel_cgroup_entry e[] = { { "/a", NULL, 3, false, VESSEL_CGROUP_ENTER_BY_WRITE },
                                     { "/b", NULL, 4, true, VESSEL_CGROUP_ENTER_BY_CLONE } };
  ok (vessel_cgroup_entry_clone_fd (e, 2) == 4 && vessel_cgroup_entry_clone_fd (e, 1) == -1,
      "exec: the fd to clone into is the BY_CLONE entry's, -1 without one");
}

int
main (void)
{
  test_create_v1 ();
  test_create_v2 ();
  test_create_hybrid ();
  test_create_rootless ();
  test_cgroups_v2 ();
  test_cgroups_v1 ();
  test_cgroups_hybrid ();
  test_clone_fd ();
  return tap_done ();
}
