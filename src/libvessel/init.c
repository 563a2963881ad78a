#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup_entry.h"
#include "hooks.h"
#include "init.h"
#include "lsm.h"
#include "process.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#define VESSEL "vessel" /* the peer, in messages */

static bool
has_create_hooks (const struct oci_hooks *h)
{
  return h && (h->prestart_len || h->create_runtime_len || h->create_container_len);
}

unsigned
vessel_init_sync_with (const struct vessel_init *in)
{
  const struct oci_linux *lx = in->config->linux;
  unsigned with = SYNC_WITH_CREATE;
  with |= vessel_init_waits_for_go (in) ? SYNC_WITH_GO : 0;
  with |= in->ns->new_user ? SYNC_WITH_MAPS : 0;
  with |= in->ns->fork_for_pid ? SYNC_WITH_PID_FORK : 0;
  with |= lx && lx->net_devices_len > 0 ? SYNC_WITH_NET_DEVICES : 0;
  with |= has_create_hooks (in->config->hooks) ? SYNC_WITH_HOOKS : 0;
  with |= in->cgroups->init_joins_itself ? SYNC_WITH_CGROUPS_MADE : 0;
  with |= in->exec_listen_fd < 0 ? SYNC_WITH_START : 0;
  with |= in->seccomp && in->seccomp->listener ? SYNC_WITH_LISTENER : 0;
  return with;
}

/* Tells vessel `type`. */
static int
tell_vessel (struct vessel_init *in, int type, vessel_error **err)
{
  return vessel_sync_send (in->sync_fd, VESSEL, type, NULL, err);
}

/* Asks vessel to do `type` for us, and waits until it has. */
static int
ask_vessel (struct vessel_init *in, int type, int done, vessel_error **err)
{
  int ret = tell_vessel (in, type, err);
  return ret < 0 ? ret : vessel_sync_expect (&in->vessel, done, NULL, err);
}

static int
become_undumpable (vessel_error **err)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_DUMPABLE");
  return 0;
}

/* Whether vessel, not root, writes the maps of our new user namespace. */
static bool
maps_by_unprivileged (const struct vessel_init *in)
{
  return in->ns->new_user && geteuid () != 0;
}

/* The slow path of vessel_ns_plan (see namespaces.h): join, then create,
   then, for a new pid namespace, fork so that the child is its pid 1. */
static int
enter_namespaces (struct vessel_init *in, vessel_error **err)
{
  const struct vessel_ns_plan *ns = in->ns;
  int ret;
  /* In a joined user namespace our host uid is usually not mapped: the
     join makes us root there. */
  if (ns->join.n_joins > 0 && (ret = vessel_join_namespaces (&in->ns->join, err)) < 0)
    return ret;
  if (ns->unshare_flags && unshare ((int) ns->unshare_flags) < 0)
    return vessel_fail_errno (err, errno, "create namespaces (unshare)");
  if (ns->new_user)
    {
      bool unprivileged = maps_by_unprivileged (in);
      if ((ret = ask_vessel (in, SYNC_NEED_MAPS, SYNC_MAPS_DONE, err)) < 0
          || (unprivileged && (ret = become_undumpable (err)) < 0) || (ret = vessel_ns_become_root (err)) < 0)
        return ret;
    }
  if (ns->fork_for_pid)
    {
      if (unshare (CLONE_NEWPID) < 0)
        return vessel_fail_errno (err, errno, "create a pid namespace");
      pid_t pid = fork ();
      if (pid < 0)
        return vessel_fail_errno (err, errno, "fork into the new pid namespace");
      if (pid > 0)
        _exit (0); /* vessel learns the new pid from the child's credentials */
      if ((ret = tell_vessel (in, SYNC_INIT_PID, err)) < 0)
        return ret;
    }
  return 0;
}

/* The init joins its v1 cgroups itself once vessel has made them (see
   cgroup_entry_plan.h), before pivot_root hides the host's cgroup
   filesystems: all but the memory one, whose `tasks` file it keeps open
   for later (enter_every_cgroup). */
static int
join_cgroups_itself (struct vessel_init *in, vessel_error **err)
{
  int ret;
  if (!vessel_sync_noticed (&in->vessel, SYNC_CGROUPS_MADE)
      && (ret = vessel_sync_expect (&in->vessel, SYNC_CGROUPS_MADE, NULL, err)) < 0)
    return ret;
  return vessel_cgroup_create_join_self (in->cgroups, &in->memory_tasks_fd, err);
}

bool
vessel_init_waits_for_go (const struct vessel_init *in)
{
  return vessel_cgroup_create_waits_for_go (in->cgroups, in->cloned_into_cgroup);
}

/* Called where the init needs its cgroups to exist: before the
   container's cgroup directories are bound into its /sys/fs/cgroup and
   before pivot_root.  An init that joins them itself (see
   vessel_init.cgroups) waits for vessel to make them. */
static int
wait_for_cgroups (struct vessel_init *in, vessel_error **err)
{
  int ret;
  if (in->cgroups_stage >= VESSEL_CGROUPS_MADE)
    return 0;
  if (in->cgroups->init_joins_itself && (ret = join_cgroups_itself (in, err)) < 0)
    return ret;
  in->cgroups_stage = VESSEL_CGROUPS_MADE;
  return 0;
}

/* Called where the init must be in every one of its cgroups: before its
   cgroup namespace is made (whose root is the cgroup it is in at that
   moment), a cgroup filesystem is mounted in it, a hook runs or the init
   says it is ready.  What it allocates before it is in the memory cgroup
   is charged to vessel's, not the container's. */
static int
enter_every_cgroup (struct vessel_init *in, vessel_error **err)
{
  int ret;
  if (in->cgroups_stage >= VESSEL_CGROUPS_ENTERED)
    return 0;
  if ((ret = wait_for_cgroups (in, err)) < 0 || (ret = vessel_cgroup_create_join_last (&in->memory_tasks_fd, err)) < 0)
    return ret;
  in->cgroups_stage = VESSEL_CGROUPS_ENTERED;
  if (in->ns->unshare_cgroup && unshare (CLONE_NEWCGROUP) < 0)
    return vessel_fail_errno (err, errno, "create a cgroup namespace");
  return 0;
}

static int
await_cgroups_for_mount (struct vessel_init *in, vessel_error **err)
{
  return in->rootfs.plan->host.cgroup_ns ? enter_every_cgroup (in, err) : wait_for_cgroups (in, err);
}

/* The host's /dev/null, for maskedPaths: checked here, before anything in
   the container exists, so that a planted file or symlink at the
   container's /dev/null can never be what masks (CVE-2025-31133). */
static int
open_dev_null (vessel_error **err)
{
  cleanup_close int fd = open ("/dev/null", O_PATH | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open /dev/null");
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return vessel_fail (err, EPERM, "/dev/null is not the null device");
  /* A detached bind of it: after pivot_root the host's mount is out of
     reach, and open_tree only clones mounts of the caller's namespace. */
  int tree = open_tree (fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return vessel_fail_errno (err, errno, "bind /dev/null");
  return tree;
}

/* The start signal: from `vessel start` over the exec socket, or from
   `vessel run` over the sync socket.  Returns the fd to report a failed
   execve on. */
static int
wait_for_start (struct vessel_init *in, vessel_error **err)
{
  if (in->exec_listen_fd < 0)
    {
      int ret = vessel_sync_expect (&in->vessel, SYNC_START, NULL, err);
      return ret < 0 ? ret : in->sync_fd;
    }
  int conn;
  do
    conn = accept4 (in->exec_listen_fd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0)
    return vessel_fail_errno (err, errno, "wait for start");
  closep (&in->exec_listen_fd);
  /* Create's conversation, picked up by `vessel start`. */
  struct vessel_sync start = vessel_sync_open (conn, SYNC_PROCESS, VESSEL, SYNC_WITH_START, SYNC_COMMITTED);
  int ret = vessel_sync_expect (&start, SYNC_START, NULL, err);
  if (ret < 0)
    {
      close (conn);
      return ret;
    }
  return conn;
}

/* Right before pivot_root, while the host's cgroup filesystems are in
   view: the cgroups, then the create hooks (vessel runs prestart and
   createRuntime, then the init createContainer, in the container's
   namespaces with the host's root), which see the init in all of them. */
static int
before_pivot (struct vessel_init *in, vessel_error **err)
{
  const struct oci_hooks *h = in->config->hooks;
  if (!has_create_hooks (h))
    return wait_for_cgroups (in, err);
  int ret = enter_every_cgroup (in, err);
  cleanup_free char *state = NULL;
  if (ret < 0 || (ret = tell_vessel (in, SYNC_CREATE_HOOKS, err)) < 0
      || (ret = vessel_sync_expect (&in->vessel, SYNC_HOOKS_DONE, &state, err)) < 0)
    return ret;
  /* runc runs createContainer in the container's root, not the bundle. */
  if (h->create_container_len && chdir (in->rootfs.rootfs) < 0)
    return vessel_fail_errno (err, errno, "chdir to the rootfs `%s`", in->rootfs.rootfs);
  return vessel_hooks_run (h->create_container, h->create_container_len, "createContainer", state,
                           state ? strlen (state) : 0, false, err);
}

/* Every fd but those the init uses, and the fds to preserve, closed: the
   container must not get vessel's lock on the state directory, its log,
   or anything else of vessel's. */
static void
close_fds_but_ours (struct vessel_init *in)
{
  size_t max_keep = 3 + in->ns->join.n_joins + in->rootfs.plan->n;
  cleanup_free int *keep = xzalloc (max_keep * sizeof *keep);
  size_t n_keep = 0;
  keep[n_keep++] = in->sync_fd;
  keep[n_keep++] = in->exec_listen_fd;
  keep[n_keep++] = in->console_fd;
  for (size_t i = 0; i < in->ns->join.n_joins; i++)
    keep[n_keep++] = in->ns->join.joins[i].fd;
  n_keep += vessel_mount_plan_fds (in->rootfs.plan, keep + n_keep, max_keep - n_keep);
  vessel_close_fds_except (3 + in->preserve_fds, keep, n_keep);
}

/* Set up: says so, and once vessel has recorded it (SYNC_COMMIT, with the
   state for startContainer in *start_state), outlives vessel. */
static int
report_ready (struct vessel_init *in, char **start_state, vessel_error **err)
{
  int ret;
  if ((ret = tell_vessel (in, SYNC_READY, err)) < 0
      || (ret = vessel_sync_expect (&in->vessel, SYNC_COMMIT, start_state, err)) < 0)
    return ret;
  if (prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_PDEATHSIG");
  return tell_vessel (in, SYNC_COMMITTED, err);
}

/* Once started: the container's process, through vessel_process_exec. */
static int
exec_process (struct vessel_init *in, const char *program, int report_fd, const char *start_state,
              vessel_error **err)
{
  const struct oci_process *p = in->config->process;
  if (p == NULL)
    return vessel_fail (err, EINVAL, "config.json: .process: absent, so there is no process to start");
  const struct oci_hooks *h = in->config->hooks;
  struct vessel_exec_plan x = { .process = p, .where = "config.json: .process", .path = program,
                                .caps = &in->caps, .preserve_fds = in->preserve_fds, .linux = in->config->linux,
                                .seccomp = in->seccomp, .report_fd = report_fd,
                                .start_hooks = h ? h->start_container : NULL,
                                .start_hooks_len = h ? h->start_container_len : 0, .start_state = start_state };
  return vessel_process_exec (&x, err);
}

static int
init_run (struct vessel_init *in, int *report_fd, vessel_error **err)
{
  int ret;
  vessel_process_reset_signals (); /* execve resets handled signals, not ignored ones */
  in->vessel = vessel_sync_open (in->sync_fd, SYNC_PROCESS, VESSEL, vessel_init_sync_with (in), SYNC_END);

  /* Until vessel has recorded it (SYNC_COMMIT), the init lives only as
     long as vessel: a create that dies half-way leaves no process.  If
     vessel is already gone, the sync socket says so at the next read. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_PDEATHSIG");

  /* The init is still the vessel binary.  Non-dumpable, nothing in the
     container may ptrace it, read its memory or open /proc/<pid>/exe
     (CVE-2019-5736); execve makes the container's process dumpable.  An
     unprivileged vessel must first write our id maps through /proc/<pid>,
     which a non-dumpable process keeps to root (see enter_namespaces). */
  if (!maps_by_unprivileged (in) && (ret = become_undumpable (err)) < 0)
    return ret;
  umask (0);
  close_fds_but_ours (in);

  if (vessel_init_waits_for_go (in) && (ret = vessel_sync_expect (&in->vessel, SYNC_GO, NULL, err)) < 0)
    return ret;
  if ((ret = enter_namespaces (in, err)) < 0)
    return ret;
  vessel_ns_plan_close (in->ns);
  if (in->ns->create[OCI_NS_NETWORK] && (ret = vessel_ns_loopback_up (err)) < 0)
    return ret;
  /* Before the sysctls, which may name the devices. */
  const struct oci_linux *lx = in->config->linux;
  if (lx && lx->net_devices_len > 0 && (ret = ask_vessel (in, SYNC_NET_DEVICES, SYNC_NET_DEVICES_DONE, err)) < 0)
    return ret;

  if ((ret = vessel_process_set_kernel_settings (in->config, in->id, in->new_keyring, err)) < 0)
    return ret;
  /* Through the host's /proc, before the container's can stand in for it. */
  const struct oci_process *p = in->config->process;
  if (p && (ret = vessel_lsm_set_exec (p->apparmor_profile, p->selinux_label, "config.json: .process", err)) < 0)
    return ret;
  if (lx && lx->masked_paths_len > 0 && (in->rootfs.dev_null_fd = open_dev_null (err)) < 0)
    return in->rootfs.dev_null_fd;
  /* The mount plan up to the new root, with the init's part at its sync
     points: the cgroups before one is mounted, the create hooks before
     the root changes. */
  while ((ret = vessel_mount_run (&in->rootfs, err)) > 0 && ret != VESSEL_MOUNT_AT_PIVOTED)
    if ((ret = ret == VESSEL_MOUNT_AT_CGROUPS ? await_cgroups_for_mount (in, err) : before_pivot (in, err)) < 0)
      return ret;
  if (ret < 0)
    return ret;
  /* The terminal comes from the container's devpts, and /dev/console is
     bound before /dev or the root can become read-only (not without a
     mount namespace: the bind would outlive the container on the host). */
  if (p && in->console_fd >= 0)
    {
      if ((ret = vessel_terminal_setup (in->console_fd, p->console_size, in->rootfs.plan->host.mount_ns,
                                        "config.json: .process", err)) < 0)
        return ret;
      closep (&in->console_fd);
    }
  if ((ret = vessel_mount_run (&in->rootfs, err)) < 0)
    return ret;
  closep (&in->rootfs.dev_null_fd);
  cleanup_free char *program = NULL, *start_state = NULL;
  if (p
      && ((ret = vessel_process_stdio_owner (p, err)) < 0 || (ret = vessel_process_find_program (p, &program, err)) < 0))
    return ret;
  if ((ret = enter_every_cgroup (in, err)) < 0 || (ret = report_ready (in, &start_state, err)) < 0)
    return ret;
  int conn = wait_for_start (in, err);
  if (conn < 0)
    return conn;
  *report_fd = conn;
  return exec_process (in, program, conn, start_state, err);
}

void
vessel_init_main (struct vessel_init *in)
{
  vessel_error *err = NULL;
  int report_fd = in->sync_fd;
  init_run (in, &report_fd, &err);
  /* Only failures get here. */
  vessel_sync_send_error (report_fd, err, "the init process failed");
  _exit (1);
}
