/* The join plan, without a kernel: which namespaces create and exec
 * join, in which order and by whom (the cgroup entry is
 * test-cgroup-entry-plan.c's).
 *
 * Linked with join_plan.c alone (see Makefile.am): the planner does no
 * I/O, and a call into the executor or the rest of the library would not
 * link.  Expected orders come from setns(2) and user_namespaces(7): a
 * process may join a namespace only with CAP_SYS_ADMIN over the user
 * namespace that owns it. */
#include <config.h>

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "libvessel/join_plan.h"
#include "tap.h"

static bool
same_str (const char *a, const char *b)
{
  return a && b ? strcmp (a, b) == 0 : a == b;
}

/* The types of plan->joins, as "user,network": the order at a glance. */
static const char *
join_order (const struct vessel_join_plan *p)
{
  static char buf[128];
  buf[0] = '\0';
  for (size_t i = 0; i < p->n_joins; i++)
    {
      if (i)
        strcat (buf, ",");
      strcat (buf, vessel_ns_kinds[p->joins[i].type].name);
    }
  return buf;
}

#define NS(t, p) ((struct oci_namespace) { (t), (char *) (p) })

static void
test_create (void)
{
  struct vessel_join_plan p;
  struct oci_namespace created[] = { NS (OCI_NS_PID, NULL), NS (OCI_NS_MOUNT, NULL), NS (OCI_NS_NETWORK, NULL) };
  struct oci_linux lx = { .namespaces = created, .namespaces_len = 3 };
  struct oci_config c = { .linux = &lx };
  vessel_join_plan_for_create (&c, &p);
  ok (p.n_joins == 0 && !p.join_pid && !p.user_by_parent && !p.become_root && !p.by_pidfd && p.container == NULL,
      "create, every namespace new: nothing to join");

  struct oci_config bare = { 0 };
  vessel_join_plan_for_create (&bare, &p);
  ok (p.n_joins == 0 && !p.join_pid, "create without linux: nothing to join");

  struct oci_namespace paths[] = { NS (OCI_NS_IPC, "/proc/7/ns/ipc"), NS (OCI_NS_PID, "/proc/7/ns/pid"),
                                   NS (OCI_NS_MOUNT, NULL), NS (OCI_NS_NETWORK, "/run/netns/n1") };
  lx = (struct oci_linux) { .namespaces = paths, .namespaces_len = 4 };
  vessel_join_plan_for_create (&c, &p);
  is_str (join_order (&p), "ipc,network", "create: the namespaces with a path, in the config's order");
  ok (same_str (p.joins[0].path, "/proc/7/ns/ipc") && same_str (p.joins[1].path, "/run/netns/n1")
          && p.joins[0].fd == -1 && p.joins[1].fd == -1,
      "create: each join keeps its path, not opened yet");
  /* setns(2): a pid namespace applies to the caller's children. */
  ok (p.join_pid && same_str (p.pid.path, "/proc/7/ns/pid") && p.pid.fd == -1,
      "create: a pid namespace with a path is joined by vessel, for the init to be born in it");
  ok (!p.joins[0].retry_after_user && !p.joins[1].retry_after_user && !p.become_root,
      "create without a user namespace to join: no retry, no change of uid");

  struct oci_namespace with_user[] = { NS (OCI_NS_USER, "/proc/7/ns/user"), NS (OCI_NS_NETWORK, "/run/netns/n1"),
                                       NS (OCI_NS_UTS, "/proc/7/ns/uts"), NS (OCI_NS_MOUNT, NULL) };
  lx = (struct oci_linux) { .namespaces = with_user, .namespaces_len = 4 };
  vessel_join_plan_for_create (&c, &p);
  /* Those owned by the host's user namespace need the host's privileges,
     gone once in the joined one; those it owns refuse us before. */
  is_str (join_order (&p), "network,uts,user", "create: a joined user namespace comes last");
  ok (p.joins[0].retry_after_user && p.joins[1].retry_after_user && !p.joins[2].retry_after_user,
      "create: a namespace refused before the user namespace is joined again after it");
  ok (same_str (p.joins[2].path, "/proc/7/ns/user") && p.become_root,
      "create: in a joined user namespace the init becomes root");
}

static struct vessel_exec_join_facts
exec_facts (struct oci_linux *lx)
{
  return (struct vessel_exec_join_facts) { .container = "c1", .linux = lx, .has_pidfd = true, .root = true };
}

static void
test_exec (void)
{
  struct vessel_join_plan p;
  /* vessel spec's set: no user namespace. */
  struct oci_namespace spec[] = { NS (OCI_NS_PID, NULL), NS (OCI_NS_NETWORK, NULL), NS (OCI_NS_IPC, NULL),
                                  NS (OCI_NS_UTS, NULL), NS (OCI_NS_MOUNT, NULL), NS (OCI_NS_CGROUP, NULL) };
  struct oci_linux lx = { .namespaces = spec, .namespaces_len = 6 };
  struct vessel_exec_join_facts f = exec_facts (&lx);
  vessel_join_plan_for_exec (&f, &p);
  is_str (join_order (&p), "mount,network,uts,ipc,cgroup", "exec: the init's namespaces but pid, in kind order");
  ok (p.join_pid && !p.user_by_parent && !p.become_root && same_str (p.container, "c1"),
      "exec: vessel joins the pid namespace for its child; no user namespace, no change of uid");
  ok (p.by_pidfd && p.pidfd == -1
          && p.pidfd_flags == (unsigned long) (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP),
      "exec with a pidfd: one setns with every flag but CLONE_NEWPID (the pidfd is the executor's)");

  f.has_pidfd = false;
  vessel_join_plan_for_exec (&f, &p);
  ok (!p.by_pidfd && p.n_joins == 5 && p.joins[0].fd == -1, "exec without a pidfd: one by one, through fds");

  /* Without a pid namespace of its own the container shares ours. */
  struct oci_namespace no_pid[] = { NS (OCI_NS_MOUNT, NULL), NS (OCI_NS_NETWORK, "/run/netns/n1") };
  lx = (struct oci_linux) { .namespaces = no_pid, .namespaces_len = 2 };
  f = exec_facts (&lx);
  vessel_join_plan_for_exec (&f, &p);
  ok (!p.join_pid && p.n_joins == 2 && !p.joins[1].retry_after_user,
      "exec into a container without its own pid namespace: no pid namespace to join");
  is_str (join_order (&p), "mount,network", "exec: a namespace joined by path at create is the init's too");

  struct oci_namespace userns[] = { NS (OCI_NS_PID, NULL), NS (OCI_NS_MOUNT, NULL), NS (OCI_NS_USER, NULL),
                                    NS (OCI_NS_NETWORK, NULL) };
  lx = (struct oci_linux) { .namespaces = userns, .namespaces_len = 4 };
  f = exec_facts (&lx);
  vessel_join_plan_for_exec (&f, &p);
  /* The container's namespaces belong to its user namespace. */
  is_str (join_order (&p), "user,mount,network", "exec, root, user namespace: the user namespace first");
  ok (!p.user_by_parent && p.join_pid && p.become_root && (p.pidfd_flags & CLONE_NEWUSER),
      "exec, root: the child joins the user namespace and becomes root there");

  f.root = false;
  vessel_join_plan_for_exec (&f, &p);
  /* setns(2): CAP_SYS_ADMIN over the pid namespace's owner, which an
     unprivileged caller has only inside it. */
  ok (p.user_by_parent && p.parent_user.type == OCI_NS_USER && p.parent_user.fd == -1 && p.join_pid,
      "exec, unprivileged, user and pid namespaces: vessel joins the user namespace before the pid one");
  is_str (join_order (&p), "mount,network", "exec, unprivileged: the child does not join the user namespace again");
  ok (p.become_root && !(p.pidfd_flags & CLONE_NEWUSER), "exec, unprivileged: the child still becomes root");

  struct oci_namespace user_no_pid[] = { NS (OCI_NS_USER, NULL), NS (OCI_NS_MOUNT, NULL) };
  lx = (struct oci_linux) { .namespaces = user_no_pid, .namespaces_len = 2 };
  f = exec_facts (&lx);
  f.root = false;
  vessel_join_plan_for_exec (&f, &p);
  ok (!p.user_by_parent && !p.join_pid, "exec, unprivileged, no pid namespace: the child joins the user namespace");
  is_str (join_order (&p), "user,mount", "exec, unprivileged, no pid namespace: user first");

  /* rootless podman: the container joins the user namespace vessel runs in. */
  struct oci_namespace own_user[] = { NS (OCI_NS_USER, "/proc/9/ns/user"), NS (OCI_NS_PID, NULL),
                                      NS (OCI_NS_MOUNT, NULL) };
  lx = (struct oci_linux) { .namespaces = own_user, .namespaces_len = 3 };
  f = exec_facts (&lx);
  f.init_userns_is_ours = true;
  f.root = false;
  vessel_join_plan_for_exec (&f, &p);
  ok (p.n_joins == 1 && p.joins[0].type == OCI_NS_MOUNT && !p.user_by_parent && !p.become_root,
      "exec: a user namespace that is ours already is not joined again (EINVAL)");
  f.init_userns_is_ours = false;
  f.root = true;
  vessel_join_plan_for_exec (&f, &p);
  is_str (join_order (&p), "user,mount", "exec: a user namespace joined by path at create, not ours, is joined");
}

int
main (void)
{
  test_create ();
  test_exec ();
  return tap_done ();
}
