/* create: from config.json to an init that waits for start.  What can be
 * checked is checked first (container_prepare); then the state directory,
 * the cgroups and the init are made (spawn_init), vessel does what the
 * init asks for until it is set up (serve_init_until_ready, see sync.h),
 * and the init is recorded (record_and_release_init).  start and run go on
 * in container_start.c. */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_entry.h"
#include "cgroup_reuse.h"
#include "cgroup_resources.h"
#include "config.h"
#include "container.h"
#include "container_internal.h"
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "mounts.h"
#include "namespaces.h"
#include "netdev.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

static void
free_strv (char **v)
{
  free_strvp (&v);
}

void
container_free (struct container *c)
{
  vessel_bundle_free (&c->bundle);
  vessel_ns_plan_close (&c->ns);
  vessel_mount_plan_free (&c->mounts);
  vessel_cgroup_host_free (&c->cgroup_host);
  vessel_cgroup_plan_free (&c->resources);
  vessel_seccomp_clear (&c->seccomp);
  free_strv (c->cgroup_paths);
  c->cgroup_paths = NULL;
  closep (&c->rootfd);
  closep (&c->dirfd);
  closep (&c->sync.fd);
  closep (&c->console_fd);
  closep (&c->console_peer);
  oci_state_free (c->state);
  c->state = NULL;
}

/* Undoes a create that failed half-way: no process, cgroup or state may
   be left behind. */
void
container_abort (struct container *c)
{
  if (c->pid > 0)
    kill (c->pid, SIGKILL);
  if (c->child > 0 && c->child != c->pid)
    kill (c->child, SIGKILL);
  cleanup_strv char **made = c->cgroups_created ? vessel_cgroup_reuse_made (&c->cgroup_reuse, c->cgroup_paths) : NULL;
  /* An init frozen by the v1 freezer dies only once thawed (a directory
     that was there before, frozen, it never entered); frozen from above,
     it cannot, and is left rather than waited for forever. */
  const char *stuck = c->child > 0 ? vessel_cgroup_thaw_v1 (made) : NULL;
  if (stuck)
    vessel_warn ("cleaning up after a failed create: the init process %d stays in `%s`, frozen from a parent cgroup",
                 (int) c->pid, stuck);
  else if (c->child > 0)
    while (waitpid (c->child, NULL, 0) < 0 && errno == EINTR)
      ;
  if (made && !stuck)
    {
      vessel_error *err = NULL;
      if (vessel_cgroup_destroy (made, &err) < 0)
        vessel_warn ("cleaning up after a failed create: %s", err->msg);
      vessel_error_free (err);
    }
  if (c->dir_created)
    {
      vessel_error *err = NULL;
      if (vessel_container_dir_remove (c->rootfd, c->o->id, c->dirfd, &err) < 0)
        vessel_warn ("cleaning up after a failed create: %s", err->msg);
      vessel_error_free (err);
    }
}

static char **
strv_to_arena (struct oci_arena *a, char **v, size_t *n)
{
  size_t len = 0;
  while (v[len])
    len++;
  char **out = oci_arena_alloc (a, len * sizeof (char *));
  for (size_t i = 0; i < len; i++)
    out[i] = oci_arena_strdup (a, v[i]);
  *n = len;
  return out;
}

static void
state_init (struct container *c)
{
  struct oci_state *s = oci_state_new ();
  struct oci_arena *a = s->arena;
  const struct oci_config *cfg = c->bundle.config;
  s->oci_version = oci_arena_strdup (a, OCI_SPEC_VERSION_STRING);
  s->id = oci_arena_strdup (a, c->o->id);
  s->status = OCI_STATUS_CREATING;
  s->bundle = oci_arena_strdup (a, c->bundle.path);
  s->rootfs = oci_arena_strdup (a, c->bundle.rootfs);
  cleanup_free char *now = vessel_rfc3339_now ();
  s->created = oci_arena_strdup (a, now);
  s->owner = oci_arena_strdup (a, "");
  s->annotations_len = cfg->annotations_len;
  if (cfg->annotations)
    {
      s->annotations = oci_arena_alloc (a, cfg->annotations_len * sizeof (struct oci_kv));
      for (size_t i = 0; i < cfg->annotations_len; i++)
        s->annotations[i] = (struct oci_kv) { oci_arena_strdup (a, cfg->annotations[i].key),
                                              oci_arena_strdup (a, cfg->annotations[i].value) };
    }
  s->vessel = oci_arena_alloc (a, sizeof (*s->vessel));
  s->vessel->config_path = oci_arena_strdup (a, c->bundle.config_path);
  s->vessel->cgroup_manager = oci_arena_strdup (a, "cgroupfs");
  s->vessel->own_pid_ns = c->ns.create[OCI_NS_PID];
  s->vessel->poststart_hooks = cfg->hooks && cfg->hooks->poststart_len > 0;
  s->vessel->poststop_hooks = cfg->hooks && cfg->hooks->poststop_len > 0;
  if (c->cgroup_paths)
    s->vessel->cgroup_paths = strv_to_arena (a, c->cgroup_paths, &s->vessel->cgroup_paths_len);
  c->state = s;
}

/* Everything that needs no side effect: a bad config or id fails here,
   before a directory, cgroup or process exists. */
static int
container_prepare (struct container *c, bool foreground, vessel_error **err)
{
  const struct vessel_create_opts *o = c->o;
  int ret;
  if ((ret = vessel_id_validate (o->id, err)) < 0)
    return ret;
  if (o->systemd_cgroup)
    return vessel_fail (err, ENOTSUP, "the systemd cgroup driver is not supported yet: drop --systemd-cgroup to use cgroupfs");
  if ((ret = vessel_bundle_load (o->bundle ? o->bundle : ".", &c->bundle, err)) < 0)
    return ret;
  if (c->bundle.config->process)
    vessel_process_add_listen_env (c->bundle.config->process, c->bundle.config->arena, o->listen_fds);
  const struct oci_config *cfg = c->bundle.config;
  if (cfg->process
      && (ret = vessel_caps_from_config (cfg->process->capabilities, "config.json: .process.capabilities",
                                         &c->caps, err)) < 0)
    return ret;
  if (cfg->process
      && (ret = vessel_lsm_check (cfg->process->apparmor_profile, cfg->process->selinux_label,
                                  "config.json: .process", err)) < 0)
    return ret;
  const struct oci_seccomp *seccomp = cfg->linux ? cfg->linux->seccomp : NULL;
  if (seccomp && (ret = vessel_seccomp_compile (seccomp, &c->seccomp, err)) < 0)
    return ret;
  vessel_ns_plan_build (cfg, &c->ns);
  if ((ret = vessel_cgroup_host_detect (&c->cgroup_host, err)) < 0)
    return ret;
  c->cgroup_paths = vessel_cgroup_paths (&c->cgroup_host, cfg->linux ? cfg->linux->cgroups_path : NULL, o->id);
  /* Rootless: cgroups only where delegated; no device rules ever (the
     devices a user namespace can open are the caller's anyway, as runc
     and crun have it). */
  bool rootless = vessel_rootless ();
  bool rootless_cgroups = rootless && vessel_cgroup_host_rootless (&c->cgroup_host, &c->cgroup_paths);
  struct vessel_mount_host mount_host;
  vessel_mount_host_gather (&mount_host, cfg, &c->ns, &c->cgroup_host, o->no_pivot);
  if ((ret = vessel_mount_plan_build (cfg, c->bundle.path, &mount_host, &c->mounts, err)) < 0)
    return ret;
  const struct oci_resources *r = cfg->linux ? cfg->linux->resources : NULL;
  if (rootless && r && r->devices_len > 0)
    vessel_warn ("config.json: .linux.resources.devices: not applied without the host's privileges (the "
                 "container can open only the devices uid %u can)",
                 (unsigned) geteuid ());
  if ((ret = vessel_cgroup_plan_resources (r, cfg->linux, &c->cgroup_host,
                                           !rootless, VESSEL_RESOURCES_IN_CONFIG, &c->resources, err)) < 0)
    return rootless && !rootless_cgroups
               ? vessel_error_wrap (err, ret, "no cgroup for uid %u here (resource limits need a cgroup v2 subtree "
                                              "delegated to it)",
                                    (unsigned) geteuid ())
               : ret;
  /* Last: connecting is the first thing the caller's listener sees. */
  const struct oci_process *p = cfg->process;
  return vessel_terminal_prepare (p && p->terminal, o->console_socket, foreground, "config.json: .process.terminal",
                                  &c->console_fd, &c->console_peer, err);
}

/* The address of the socket `vessel start` connects to, in the container's
   state directory: reached through /proc/self/fd so that a long --root
   cannot overflow sun_path. */
struct sockaddr_un
container_exec_socket_address (int dirfd)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/" VESSEL_EXEC_SOCKET, dirfd);
  return addr;
}

/* The socket `vessel start` connects to. */
static int
exec_socket (int dirfd, vessel_error **err)
{
  cleanup_close int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "socket");
  struct sockaddr_un addr = container_exec_socket_address (dirfd);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    return vessel_fail_errno (err, errno, "bind the start socket");
  if (listen (fd, 1) < 0)
    return vessel_fail_errno (err, errno, "listen on the start socket");
  return steal_fd (&fd);
}

static char *
describe_exit (pid_t pid)
{
  int status;
  pid_t r;
  do
    r = waitpid (pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid && WIFSIGNALED (status))
    return xasprintf ("killed by signal %d", WTERMSIG (status));
  if (r == pid && WIFEXITED (status))
    return xasprintf ("exited with status %d", WEXITSTATUS (status));
  return xstrdup ("exited");
}

/* The state as the hooks of the create see it. */
static char *
hook_state (struct container *c, int status, size_t *len)
{
  c->state->pid = c->pid;
  return vessel_hook_state (c->state, status, len);
}

#define INIT_PROCESS "the init process" /* the peer, in messages */

/* Tells the init `type` (text may be NULL). */
static int
tell_init (struct container *c, int type, const char *text, vessel_error **err)
{
  return vessel_sync_send (c->sync.fd, INIT_PROCESS, type, text, err);
}

/* prestart and createRuntime, here, then the init's createContainer with
   the same state.  Their status is "created": runtime-spec defines it as
   the runtime environment being made (lifecycle step 2), which these
   hooks follow (steps 3 to 5), as crun and runtime-tools have it; runc
   says "creating". */
static int
create_hooks (struct container *c, vessel_error **err)
{
  const struct oci_hooks *h = c->bundle.config->hooks;
  size_t len;
  cleanup_free char *state = hook_state (c, OCI_STATUS_CREATED, &len);
  int ret;
  if ((ret = vessel_hooks_run (h->prestart, h->prestart_len, "prestart", state, len, false, err)) < 0
      || (ret = vessel_hooks_run (h->create_runtime, h->create_runtime_len, "createRuntime", state, len, false, err)) < 0)
    return ret;
  return tell_init (c, SYNC_HOOKS_DONE, state, err);
}

int
container_next_from_init (struct vessel_sync *s, char *const *cgroup_paths, struct vessel_sync_msg *m,
                          vessel_error **err)
{
  int ret;
  while ((ret = vessel_sync_next (s, m, err)) == -EAGAIN)
    if ((ret = vessel_cgroup_init_stalled (cgroup_paths, err)) < 0)
      return ret;
  return ret;
}

/* Does what the init asks for until it says it is set up (see sync.h):
   its id maps, its network devices, the create hooks. */
static int
serve_init_until_ready (struct container *c, vessel_error **err)
{
  for (;;)
    {
      cleanup_sync_msg struct vessel_sync_msg m = VESSEL_SYNC_MSG_INIT;
      int ret = container_next_from_init (&c->sync, c->cgroup_paths, &m, err);
      if (ret < 0 && m.type == SYNC_END)
        {
          vessel_error_freep (err);
          cleanup_free char *how = describe_exit (c->child);
          return vessel_fail (err, EIO, "the init process %s before it was ready", how);
        }
      if (ret < 0)
        return ret;
      switch (m.type)
        {
        case SYNC_NEED_MAPS:
          if ((ret = vessel_ns_write_id_maps (c->child, c->bundle.config->linux, err)) < 0
              || (ret = tell_init (c, SYNC_MAPS_DONE, NULL, err)) < 0)
            return ret;
          break;
        case SYNC_INIT_PID:
          if (m.pid <= 0)
            return vessel_fail (err, EPROTO, "the init process did not say its pid");
          c->pid = m.pid;
          break;
        case SYNC_NET_DEVICES:
          if ((ret = vessel_netdev_move_all (c->bundle.config->linux, c->pid, err)) < 0
              || (ret = tell_init (c, SYNC_NET_DEVICES_DONE, NULL, err)) < 0)
            return ret;
          break;
        case SYNC_CREATE_HOOKS:
          if ((ret = create_hooks (c, err)) < 0)
            return ret;
          break;
        default: /* SYNC_READY: nothing else gets through vessel_sync_next */
          return 0;
        }
    }
}

/* An init that ran ahead and is gone by the time we moved it or told it
   its cgroups exist: what it reported says why, rather than the
   cgroup.procs write's ESRCH or the socket's EPIPE. */
static int
init_gone (struct container *c, int ret, vessel_error **err)
{
  vessel_error *why = NULL;
  int code = serve_init_until_ready (c, &why);
  if (code >= 0)
    return ret; /* it said it was ready: then why was it gone? */
  if (err)
    {
      vessel_error_free (*err);
      *err = why;
    }
  else
    vessel_error_free (why);
  return code;
}

/* The container's cgroup directories in the hierarchies `which` names. */
static int
make_cgroup_dirs (struct container *c, int which, int *v2_fd, vessel_error **err)
{
  c->cgroups_created = true; /* even half-made: container_abort removes what exists */
  bool counted = c->cgroup_reuse.procs >= 0;
  int ret = vessel_cgroup_create (&c->cgroup_host, c->cgroup_paths, which, v2_fd, &c->cgroup_reuse, err);
  if (ret == 0 && !counted)
    vessel_cgroup_reuse_warn (&c->cgroup_reuse, c->cgroup_paths, c->o->root, c->o->id);
  return ret;
}

/* Their limits. */
static int
limit_cgroups (struct container *c, vessel_error **err)
{
  int ret = vessel_cgroup_enable_controllers (&c->cgroup_host, c->cgroup_paths, &c->resources, err);
  if (ret < 0)
    return ret;
  return vessel_cgroup_apply (&c->cgroup_host, c->cgroup_paths, &c->resources, err);
}

/* How the init gets into its cgroups (see cgroup_entry_plan.h).  With
   cgroup v1 hierarchies, an init that does not fork into a new pid
   namespace and is root in our user namespace starts first: it makes its
   namespaces (the network one alone takes a good half millisecond) and
   sets itself up while we make the v1 directories and their limits, and
   then moves itself into them.  Otherwise the cgroups come first.  Either
   way the limits are in place before it can exec. */
static void
plan_cgroup_entry (struct container *c)
{
  struct vessel_cgroup_create_facts f = { .host = &c->cgroup_host, .paths = c->cgroup_paths,
                                          .fork_for_pid = c->ns.fork_for_pid, .new_user = c->ns.new_user };
  vessel_cgroup_create_plan (&f, &c->cgroup_entry);
  if (c->cgroup_entry.init_joins_itself)
    vessel_ns_plan_unshare_in_init (&c->ns);
}

/* Before the clone: the directories (the cgroup2 one's fd in *v2_fd, to
   clone into) and, unless the init starts first, their limits. */
static int
cgroups_before_clone (struct container *c, int *v2_fd, vessel_error **err)
{
  const struct vessel_cgroup_create_plan *cg = &c->cgroup_entry;
  int ret = make_cgroup_dirs (c, cg->make_before_clone, v2_fd, err);
  return ret < 0 || !cg->limits_before_clone ? ret : limit_cgroups (c, err);
}

/* After the clone: the rest of the directories and their limits, the
   init moved into what it was not cloned into and does not join itself,
   and word that it may go on (SYNC_CGROUPS_MADE or SYNC_GO).  An init
   that started first may be gone by then: init_gone says why. */
static int
cgroups_after_clone (struct container *c, const struct vessel_init *init, int *v2_fd, vessel_error **err)
{
  const struct vessel_cgroup_create_plan *cg = &c->cgroup_entry;
  bool itself = cg->init_joins_itself;
  if (!itself && !vessel_init_waits_for_go (init))
    return 0;
  int ret;
  if ((cg->make_after_clone && (ret = make_cgroup_dirs (c, cg->make_after_clone, v2_fd, err)) < 0)
      || (!cg->limits_before_clone && (ret = limit_cgroups (c, err)) < 0))
    return ret;
  if ((ret = vessel_cgroup_create_enter (cg, c->pid, init->cloned_into_cgroup, err)) < 0)
    return itself && ret == -ESRCH ? init_gone (c, ret, err) : ret;
  if ((ret = tell_init (c, cg->sync_after, NULL, err)) < 0)
    return itself ? init_gone (c, ret, err) : ret;
  return 0;
}

/* Our end of the sync socket in c->sync.fd, the init's in *child_end. */
static int
open_sync_socket (struct container *c, int *child_end, vessel_error **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return vessel_fail_errno (err, errno, "socketpair");
  c->sync.fd = sv[0];
  *child_end = sv[1];
  int one = 1;
  if (setsockopt (c->sync.fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return vessel_fail_errno (err, errno, "setsockopt SO_PASSCRED");
  return vessel_sync_wake_to_check (c->sync.fd, err);
}

/* What the init carries out, all decided here. */
static struct vessel_init
init_plan (struct container *c, int sync_fd, int exec_listen_fd)
{
  const struct oci_config *cfg = c->bundle.config;
  return (struct vessel_init) {
    .config = cfg,
    .id = c->o->id,
    .ns = &c->ns,
    .rootfs = {
      .plan = &c->mounts,
      .rootfs = c->bundle.rootfs,
      .cgroup_host = &c->cgroup_host,
      .cgroup_paths = c->cgroup_paths,
      .dev_null_fd = -1,
    },
    .caps = c->caps,
    .seccomp = c->seccomp.prog ? &c->seccomp : NULL,
    .sync_fd = sync_fd,
    .exec_listen_fd = exec_listen_fd,
    .console_fd = c->console_fd,
    .preserve_fds = c->o->listen_fds + c->o->preserve_fds,
    .new_keyring = !c->o->no_new_keyring,
    .cgroups = &c->cgroup_entry,
    .memory_tasks_fd = -1,
    .parent = getpid (),
  };
}

/* The init cloned, in its cgroups, and set up: it waits for start. */
static int
spawn_init (struct container *c, bool run_mode, vessel_error **err)
{
  const struct oci_config *cfg = c->bundle.config;
  cleanup_close int listen_fd = -1, v2_fd = -1, child_end = -1;
  int ret;
  plan_cgroup_entry (c);
  if ((ret = cgroups_before_clone (c, &v2_fd, err)) < 0)
    return ret;
  if (!run_mode && (listen_fd = exec_socket (c->dirfd, err)) < 0)
    return listen_fd;
  /* In vessel's own namespaces, before any is joined for the clone. */
  if ((ret = vessel_mount_plan_premake (&c->mounts, cfg, err)) < 0 || (ret = open_sync_socket (c, &child_end, err)) < 0)
    return ret;
  struct vessel_ns_saved saved;
  if ((ret = vessel_ns_parent_prepare (&c->ns, cfg, &saved, err)) < 0)
    {
      vessel_ns_parent_restore (&saved);
      return ret;
    }
  struct vessel_init init = init_plan (c, child_end, listen_fd);
  fflush (NULL); /* nothing buffered may be written twice */
  pid_t pid = vessel_clone_into_cgroup (c->ns.clone_flags, v2_fd, &init.cloned_into_cgroup);
  if (pid == 0)
    vessel_init_main (&init);
  int clone_errno = errno;
  vessel_ns_parent_restore (&saved);
  if (pid < 0)
    return vessel_fail_errno (err, clone_errno, "clone the init process");
  c->child = c->pid = pid;
  vessel_mount_plan_close_premade (&c->mounts);
  closep (&child_end);
  closep (&c->console_fd); /* the init's now */
  c->sync = vessel_sync_open (c->sync.fd, SYNC_VESSEL, INIT_PROCESS, vessel_init_sync_with (&init), SYNC_END);
  if ((ret = cgroups_after_clone (c, &init, &v2_fd, err)) < 0)
    return ret;
  return serve_init_until_ready (c, err);
}

/* Records the init in the state (its pid, its start time, and pid_file),
   and frees it from our lifetime (SYNC_COMMIT).  `run` starts it next,
   and records it as running at once rather than writing the state twice. */
static int
record_and_release_init (struct container *c, bool run_mode, vessel_error **err)
{
  uint64_t start_time = 0;
  int ret = vessel_process_start_time (c->pid, &start_time);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "read the start time of the init process %d", (int) c->pid);
  c->state->pid = c->pid;
  c->state->status = run_mode ? OCI_STATUS_RUNNING : OCI_STATUS_CREATED;
  c->state->vessel->started = run_mode;
  c->state->vessel->init_start_time = start_time;
  if ((ret = vessel_state_write (c->dirfd, c->state, err)) < 0)
    return ret;
  if (c->o->pid_file && (ret = vessel_write_pid_file (c->o->pid_file, c->pid, err)) < 0)
    return ret;
  const struct oci_hooks *h = c->bundle.config->hooks;
  size_t len;
  cleanup_free char *hooks_state = h && h->start_container_len ? hook_state (c, OCI_STATUS_CREATED, &len) : NULL;
  if ((ret = tell_init (c, SYNC_COMMIT, hooks_state, err)) < 0)
    return ret;
  /* SYNC_COMMITTED: the protocol lets nothing else through. */
  cleanup_sync_msg struct vessel_sync_msg committed = VESSEL_SYNC_MSG_INIT;
  return container_next_from_init (&c->sync, c->cgroup_paths, &committed, err);
}

int
container_create (struct container *c, bool run_mode, bool foreground, vessel_error **err)
{
  int ret;
  if ((ret = container_prepare (c, foreground, err)) < 0)
    return ret;
  if ((ret = vessel_root_open (c->o->root, true, &c->rootfd, err)) < 0)
    return ret;
  if ((ret = vessel_container_dir_create (c->rootfd, c->o->id, &c->dirfd, err)) < 0)
    return ret;
  c->dir_created = true;
  /* Written before anything else exists, so that a create killed at any
     point leaves a state that `delete` can clean up from. */
  state_init (c);
  if ((ret = vessel_state_write (c->dirfd, c->state, err)) < 0
      || (ret = vessel_state_save_config (c->dirfd, c->bundle.config_text, c->bundle.config_len, err)) < 0
      || (c->seccomp.prog && (ret = vessel_seccomp_save (c->dirfd, &c->seccomp, err)) < 0)
      || (ret = spawn_init (c, run_mode, err)) < 0 || (ret = record_and_release_init (c, run_mode, err)) < 0)
    {
      container_abort (c);
      return ret;
    }
  return 0;
}

int
vessel_container_create (const struct vessel_create_opts *o, vessel_error **err)
{
  struct container c = CONTAINER_INIT (o);
  int ret = container_create (&c, false, false, err);
  container_free (&c);
  return ret;
}
