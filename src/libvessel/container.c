#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cgroup_ops.h"
#include "cgroup_reuse.h"
#include "cgroup_resources.h"
#include "config.h"
#include "container.h"
#include "foreground.h"
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "lsm.h"
#include "mounts.h"
#include "namespaces.h"
#include "netdev.h"
#include "process.h"
#include "proctree.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

/* Everything create decides and holds, from the first check to the
   moment the init waits for start. */
struct container
{
  const struct vessel_create_opts *o;
  struct vessel_bundle bundle;
  struct vessel_ns_plan ns;
  struct vessel_mount_plan mounts;
  struct vessel_cgroup_host cgroup_host;
  char **cgroup_paths;
  struct vessel_cgroup_reuse cgroup_reuse; /* what of them existed before */
  struct vessel_cgroup_plan resources;
  struct vessel_caps caps;
  struct vessel_seccomp seccomp; /* compiled linux.seccomp (prog NULL without) */
  int rootfd;
  int dirfd;   /* the container's state directory, locked */
  int sync_fd; /* our end of the socketpair with the init */
  int console_fd;   /* process.terminal: the init sends the pty's master here */
  int console_peer; /* run in the foreground: where we receive it */
  pid_t child; /* what clone3 made */
  pid_t pid;   /* the init: the child, or its child in a new pid namespace */
  struct oci_state *state;
  bool dir_created;
  bool cgroups_created;
};

#define CONTAINER_INIT(opts)                                                                 \
  {                                                                                          \
    .o = (opts), .rootfd = -1, .dirfd = -1, .sync_fd = -1, .console_fd = -1, .console_peer = -1, \
    .resources.devices_hierarchy = -1, .cgroup_reuse = VESSEL_CGROUP_REUSE_INIT              \
  }

static void
free_strv (char **v)
{
  free_strvp (&v);
}

static void
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
  closep (&c->sync_fd);
  closep (&c->console_fd);
  closep (&c->console_peer);
  oci_state_free (c->state);
  c->state = NULL;
}

/* Undoes a create that failed half-way: no process, cgroup or state may
   be left behind. */
static void
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
static struct sockaddr_un
exec_socket_address (int dirfd)
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
  struct sockaddr_un addr = exec_socket_address (dirfd);
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
  if ((ret = vessel_sync_send (c->sync_fd, SYNC_HOOKS_DONE, 0, state, 0)) < 0)
    return vessel_fail_errno (err, -ret, "write to the init process");
  return 0;
}

static int
reply (struct container *c, int type, vessel_error **err)
{
  int ret = vessel_sync_send (c->sync_fd, type, 0, NULL, 0);
  return ret < 0 ? vessel_fail_errno (err, -ret, "write to the init process") : 0;
}

/* The conversation with the init until it is set up (see sync.h). */
static int
handshake (struct container *c, vessel_error **err)
{
  for (;;)
    {
      int type, value;
      pid_t sender = 0;
      cleanup_free char *text = NULL;
      int ret = vessel_sync_recv (c->sync_fd, &type, &value, &text, &sender);
      if (ret == -EAGAIN)
        {
          if ((ret = vessel_cgroup_init_stalled (c->cgroup_paths, err)) < 0)
            return ret;
          continue;
        }
      if (ret < 0)
        return vessel_fail_errno (err, -ret, "read from the init process");
      switch (type)
        {
        case SYNC_NEED_MAPS:
          if ((ret = vessel_ns_write_id_maps (c->child, c->bundle.config->linux, err)) < 0
              || (ret = reply (c, SYNC_MAPS_DONE, err)) < 0)
            return ret;
          break;
        case SYNC_NET_DEVICES:
          if ((ret = vessel_netdev_move_all (c->bundle.config->linux, c->pid, err)) < 0
              || (ret = reply (c, SYNC_NET_DEVICES_DONE, err)) < 0)
            return ret;
          break;
        case SYNC_CREATE_HOOKS:
          if ((ret = create_hooks (c, err)) < 0)
            return ret;
          break;
        case SYNC_INIT_PID:
          if (sender <= 0)
            return vessel_fail (err, EPROTO, "the init process did not say its pid");
          c->pid = sender;
          break;
        case SYNC_READY:
          return 0;
        case SYNC_ERROR:
          return vessel_fail (err, value > 0 ? value : EIO, "%s", text ? text : "the init process failed");
        case 0:
          {
            cleanup_free char *how = describe_exit (c->child);
            return vessel_fail (err, EIO, "the init process %s before it was ready", how);
          }
        default:
          return vessel_fail (err, EPROTO, "unexpected message %d from the init process", type);
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
  int code = handshake (c, &why);
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

/* Moves the init into what it was not cloned into, with cgroup.procs
   writes, and lets it go on (SYNC_GO, see vessel_init.join_cgroups_itself). */
static int
move_init (struct container *c, const struct vessel_init *init, vessel_error **err)
{
  if (!vessel_init_waits_for_go (init))
    return 0;
  int ret = vessel_cgroup_enter (&c->cgroup_host, c->cgroup_paths, c->pid, !init->cloned_into_cgroup, err);
  return ret < 0 ? ret : reply (c, SYNC_GO, err);
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

/* For an init that joins its v1 cgroups itself (see spawn_init): the
   rest of the directories and the limits, then word that they exist.
   Only a cgroup2 directory it could not be cloned into is ours to move
   it into. */
static int
cgroups_for_self_join (struct container *c, const struct vessel_init *init, int *v2_fd, vessel_error **err)
{
  int ret;
  if ((ret = make_cgroup_dirs (c, VESSEL_CGROUP_V1_PART, v2_fd, err)) < 0 || (ret = limit_cgroups (c, err)) < 0)
    return ret;
  for (size_t i = 0; i < c->cgroup_host.n && !init->cloned_into_cgroup; i++)
    if (c->cgroup_host.h[i].v2 && (ret = vessel_cgroup_enter_one (c->cgroup_paths, i, c->pid, err)) < 0)
      return ret == -ESRCH ? init_gone (c, ret, err) : ret;
  if ((ret = reply (c, SYNC_CGROUPS_MADE, err)) < 0)
    return init_gone (c, ret, err);
  return 0;
}

static int
spawn_init (struct container *c, bool run_mode, vessel_error **err)
{
  const struct oci_config *cfg = c->bundle.config;
  cleanup_close int listen_fd = -1, v2_fd = -1, child_end = -1;
  int ret;

  /* With cgroup v1 hierarchies, an init that does not fork into a new
     pid namespace (which must come after its cgroups) and is root in our
     user namespace starts first, cloned into its cgroup2 directory if
     there is one: it makes its namespaces (the network one alone takes a
     good half millisecond) and sets itself up while we make the v1
     directories and their limits, and then moves itself into them
     (vessel_cgroup_join_self), which spares the RCU grace period a
     cgroup.procs write of ours may wait for.  Otherwise the cgroups come
     first, and we move the init into what it was not cloned into before
     it goes on.  Either way the limits are in place before it can exec. */
  bool self_join = c->cgroup_host.mode != VESSEL_CGROUP_V2 && c->cgroup_host.n > 0 && !c->ns.fork_for_pid
                   && !c->ns.new_user;
  if (self_join)
    {
      vessel_ns_plan_unshare_in_init (&c->ns);
      if ((ret = make_cgroup_dirs (c, VESSEL_CGROUP_V2_PART, &v2_fd, err)) < 0)
        return ret;
    }
  else if ((ret = make_cgroup_dirs (c, VESSEL_CGROUP_ALL_PARTS, &v2_fd, err)) < 0 || (ret = limit_cgroups (c, err)) < 0)
    return ret;
  if (!run_mode && (listen_fd = exec_socket (c->dirfd, err)) < 0)
    return listen_fd;
  /* In vessel's own namespaces, before any is joined for the clone. */
  if ((ret = vessel_mount_plan_premake (&c->mounts, cfg, err)) < 0)
    return ret;

  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return vessel_fail_errno (err, errno, "socketpair");
  c->sync_fd = sv[0];
  child_end = sv[1];
  int one = 1;
  if (setsockopt (c->sync_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return vessel_fail_errno (err, errno, "setsockopt SO_PASSCRED");
  if ((ret = vessel_sync_wake_to_check (c->sync_fd, err)) < 0)
    return ret;

  struct vessel_ns_saved saved;
  if ((ret = vessel_ns_parent_prepare (&c->ns, cfg, &saved, err)) < 0)
    {
      vessel_ns_parent_restore (&saved);
      return ret;
    }

  struct vessel_init init = {
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
    .sync_fd = child_end,
    .exec_listen_fd = listen_fd,
    .console_fd = c->console_fd,
    .preserve_fds = c->o->listen_fds + c->o->preserve_fds,
    .new_keyring = !c->o->no_new_keyring,
    .memory_tasks_fd = -1,
    .parent = getpid (),
  };

  init.join_cgroups_itself = self_join;
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

  if ((ret = self_join ? cgroups_for_self_join (c, &init, &v2_fd, err) : move_init (c, &init, err)) < 0)
    return ret;
  return handshake (c, err);
}

/* Records the init in the state and frees it from our lifetime.  `run`
   starts it next, and records it as running at once rather than writing
   the state twice. */
static int
commit (struct container *c, bool run_mode, vessel_error **err)
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
  if ((ret = vessel_sync_send (c->sync_fd, SYNC_COMMIT, 0, hooks_state, 0)) < 0)
    return vessel_fail_errno (err, -ret, "write to the init process");
  while ((ret = vessel_sync_expect (c->sync_fd, SYNC_COMMITTED, NULL, err)) == -EAGAIN)
    if ((ret = vessel_cgroup_init_stalled (c->cgroup_paths, err)) < 0)
      return ret;
  return ret;
}

static int
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
      || (ret = spawn_init (c, run_mode, err)) < 0 || (ret = commit (c, run_mode, err)) < 0)
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

/* ---- start -------------------------------------------------------------------- */

static const char *
status_name (int status)
{
  return oci_status_name (status);
}

struct oci_state *
vessel_container_open (const char *root, const char *id, int *rootfd, int *dirfd, int *ret,
                vessel_error **err)
{
  struct oci_state *state = NULL;
  if ((*ret = vessel_id_validate (id, err)) < 0)
    return NULL;
  if ((*ret = vessel_root_open (root, false, rootfd, err)) < 0)
    {
      if (*ret == -ENOENT)
        *ret = vessel_fail (err, ENOENT, "container `%s` does not exist", id);
      return NULL;
    }
  if ((*ret = vessel_container_dir_open (*rootfd, id, true, dirfd, err)) < 0)
    return NULL;
  if ((*ret = vessel_state_read (*dirfd, id, &state, err)) < 0)
    return NULL;
  return state;
}

/* Where the init's seccomp listener goes: the profile's listenerPath,
   with the state of the container as it was created.  `start` reads the
   profile from the saved config only when a listener comes. */
struct listener_target
{
  const struct oci_state *state;
  const struct oci_seccomp *seccomp; /* NULL: in the state directory */
  int dirfd;
};

static int
forward_listener (void *arg, int listener_fd, vessel_error **err)
{
  const struct listener_target *t = arg;
  cleanup_close int fd = listener_fd;
  struct oci_config *config = NULL;
  const struct oci_seccomp *seccomp = t->seccomp;
  int ret = 0;
  if (seccomp == NULL && (ret = vessel_state_load_config (t->dirfd, t->state->id, &config, err)) == 0)
    seccomp = config->linux ? config->linux->seccomp : NULL;
  if (ret == 0 && seccomp == NULL)
    ret = vessel_fail (err, EPROTO, "the init sent a seccomp listener, but the config has no seccomp profile");
  if (ret == 0)
    ret = vessel_seccomp_send_listener (seccomp, t->state, OCI_STATUS_CREATED, (pid_t) t->state->pid,
                                        steal_fd (&fd), err);
  oci_config_free (config);
  return ret;
}

/* Tells the init to exec; returns once it did (see vessel_sync_wait_exec).
   fd wakes up for vessel_cgroup_init_stalled (vessel_sync_wake_to_check). */
static int
signal_start (int fd, struct listener_target *target, char *const *cgroup_paths, vessel_error **err)
{
  int ret = vessel_sync_send (fd, SYNC_START, 0, NULL, 0);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "start the container process");
  struct vessel_listener_handler h = { forward_listener, target };
  while ((ret = vessel_sync_wait_exec (fd, "the container process", &h, err)) == -EAGAIN)
    if ((ret = vessel_cgroup_init_stalled (cgroup_paths, err)) < 0)
      return ret;
  return ret;
}

/* Sends signo to the init; -ESRCH when it is gone.  *pidfd keeps the
   pidfd for a caller that waits (-1 without pidfds). */
static int
signal_init (const struct oci_state *state, int signo, int *pidfd)
{
  *pidfd = vessel_state_init_pidfd (state);
  if (*pidfd >= 0)
    return syscall (SYS_pidfd_send_signal, *pidfd, signo, NULL, 0) < 0 ? -errno : 0;
  if (*pidfd != -ENOSYS)
    return *pidfd;
  /* No pidfds: a smaller window between the check and the kill. */
  if (!vessel_state_init_alive (state))
    return -ESRCH;
  return kill ((pid_t) state->pid, signo) < 0 ? -errno : 0;
}

/* poststart, once the process runs: a failure stops the container
   (runtime-spec 1.3) and is the error of start or run. */
static int
poststart_hooks (const struct oci_state *state, const struct oci_hooks *h, vessel_error **err)
{
  size_t len;
  cleanup_free char *text = vessel_hook_state (state, OCI_STATUS_RUNNING, &len);
  int ret = vessel_hooks_run (h->poststart, h->poststart_len, "poststart", text, len, false, err);
  if (ret < 0)
    {
      cleanup_close int pidfd = -1;
      signal_init (state, SIGKILL, &pidfd);
      vessel_error_wrap (err, ret, "container `%s` stopped", state->id);
    }
  return ret;
}

/* poststop, once the container is gone: failures are warnings. */
static void
poststop_hooks (const struct oci_state *state, const struct oci_hooks *h)
{
  if (h == NULL || h->poststop_len == 0)
    return;
  size_t len;
  cleanup_free char *text = vessel_hook_state (state, OCI_STATUS_STOPPED, &len);
  vessel_error *err = NULL;
  vessel_hooks_run (h->poststop, h->poststop_len, "poststop", text, len, true, &err);
  vessel_error_free (err);
}

/* The container's saved config when `needed` (it has hooks for what comes);
   NULL otherwise or when it cannot be read (said as a warning). */
static struct oci_config *
config_for_hooks (int dirfd, const char *id, bool needed)
{
  struct oci_config *config = NULL;
  vessel_error *err = NULL;
  if (needed && vessel_state_load_config (dirfd, id, &config, &err) < 0)
    vessel_warn ("hooks of container `%s`: %s", id, err->msg);
  vessel_error_free (err);
  return config;
}

static int
not_created (const char *id, int status, vessel_error **err)
{
  return vessel_fail (err, EINVAL, "cannot start container `%s`: it is %s, not created", id, status_name (status));
}

int
vessel_container_start (const char *root, const char *id, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret;
  cleanup_state struct oci_state *state = vessel_container_open (root, id, &rootfd, &dirfd, &ret, err);
  if (state == NULL)
    return ret;
  int status = vessel_state_current_status (state);
  /* The socket outlives a start only when that start was killed: one
     killed before it told the init left "running" with an init that
     still listens, and this start finishes the job. */
  bool unfinished = status == OCI_STATUS_RUNNING && faccessat (dirfd, VESSEL_EXEC_SOCKET, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  if (status != OCI_STATUS_CREATED && !unfinished)
    return not_created (id, status, err);

  /* Marked before the exec, so the state never calls created a process
     that already runs the container's program. */
  state->vessel->started = true;
  state->status = OCI_STATUS_RUNNING;
  if (!unfinished && (ret = vessel_state_write (dirfd, state, err)) < 0)
    return ret;

  cleanup_close int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "socket");
  struct sockaddr_un addr = exec_socket_address (dirfd);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      /* Nobody listens: the killed start had told the init, which runs
         the container's program now. */
      if (unfinished && errno == ECONNREFUSED)
        {
          unlinkat (dirfd, VESSEL_EXEC_SOCKET, 0);
          return not_created (id, status, err);
        }
      return vessel_fail_errno (err, errno, "container `%s`: connect to its init", id);
    }
  struct listener_target target = { .state = state, .dirfd = dirfd };
  if ((ret = vessel_sync_wake_to_check (fd, err)) == 0)
    ret = signal_start (fd, &target, state->vessel->cgroup_paths, err);
  unlinkat (dirfd, VESSEL_EXEC_SOCKET, 0);
  if (ret < 0)
    {
      /* Not left half-started (its listener undelivered, say). */
      cleanup_close int pidfd = -1;
      signal_init (state, SIGKILL, &pidfd);
      return ret;
    }
  if (!state->vessel->poststart_hooks)
    return ret;
  struct oci_config *config = config_for_hooks (dirfd, id, true);
  if (config && config->hooks)
    ret = poststart_hooks (state, config->hooks, err);
  oci_config_free (config);
  return ret;
}

/* ---- run ------------------------------------------------------------------------ */

static int
remove_container (int rootfd, int dirfd, const char *id, char **cgroup_paths, vessel_error **err)
{
  int ret = 0;
  if (cgroup_paths && (ret = vessel_cgroup_destroy (cgroup_paths, err)) < 0)
    return ret;
  return vessel_container_dir_remove (rootfd, id, dirfd, err);
}

/* Once the process exited: the container removed, unless a delete
   (--force) did it meanwhile, poststop hooks and all. */
static int
remove_after_run (struct container *c, vessel_error **err)
{
  int ret = vessel_container_dir_lock (c->dirfd, c->o->id, err);
  if (ret == -ENOENT)
    {
      vessel_error_freep (err);
      return 0;
    }
  if (ret < 0 || (ret = remove_container (c->rootfd, c->dirfd, c->o->id, c->cgroup_paths, err)) < 0)
    return ret;
  poststop_hooks (c->state, c->bundle.config->hooks);
  return 0;
}

int
vessel_container_run (const struct vessel_create_opts *o, const struct vessel_run_opts *r,
                      int *exit_status, vessel_error **err)
{
  struct container c = CONTAINER_INIT (o);
  struct vessel_tty_proxy tty = { .master = -1 };
  struct vessel_foreground fg = VESSEL_FOREGROUND_INIT;
  int ret;
  *exit_status = 0;

  if (!r->detach)
    {
      /* The init may be our grandchild (a pid namespace that needed one
         more fork), and orphans of a container without its own pid
         namespace come to us too. */
      if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return vessel_fail_errno (err, errno, "prctl PR_SET_CHILD_SUBREAPER");
      if ((ret = vessel_foreground_begin (&fg, err)) < 0)
        goto out;
    }

  if ((ret = container_create (&c, true, !r->detach, err)) < 0)
    goto out;
  /* The terminal is ours to serve before the process can use it. */
  if (c.console_peer >= 0)
    {
      int master = -1;
      if ((ret = vessel_terminal_recv_master (c.console_peer, &master, err)) < 0
          || (ret = vessel_tty_proxy_begin (&tty, master, err)) < 0)
        {
          container_abort (&c);
          goto out;
        }
    }
  const struct oci_hooks *hooks = c.bundle.config->hooks;
  const struct oci_linux *lx = c.bundle.config->linux;
  struct listener_target target = { .state = c.state, .seccomp = lx ? lx->seccomp : NULL };
  if ((ret = signal_start (c.sync_fd, &target, c.cgroup_paths, err)) < 0
      || (hooks && hooks->poststart_len && (ret = poststart_hooks (c.state, hooks, err)) < 0))
    {
      container_abort (&c);
      poststop_hooks (c.state, hooks);
      goto out;
    }
  if (r->detach)
    goto out;

  /* The lock serialises commands, not the container's life: kill,
     pause and delete must get through while we wait. */
  flock (c.dirfd, LOCK_UN);
  ret = vessel_foreground_wait (&fg, c.pid, &tty, exit_status, err);
  if (ret == 0 && !r->keep)
    ret = remove_after_run (&c, err);

out:
  vessel_tty_proxy_end (&tty); /* the rest of the output; our terminal restored */
  vessel_foreground_end (&fg);
  container_free (&c);
  return ret;
}

/* ---- state, kill, delete, list ----------------------------------------------------- */

int
vessel_container_state (const char *root, const char *id, struct oci_state **out, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret = vessel_id_validate (id, err);
  if (ret < 0)
    return ret;
  if ((ret = vessel_root_open (root, false, &rootfd, err)) < 0)
    return ret == -ENOENT ? vessel_fail (err, ENOENT, "container `%s` does not exist", id) : ret;
  /* No lock: state.json is replaced atomically, and a reader must not
     wait behind a long operation on the container. */
  if ((ret = vessel_container_dir_open (rootfd, id, false, &dirfd, err)) < 0)
    return ret;
  if ((ret = vessel_state_read (dirfd, id, out, err)) < 0)
    return ret;
  (*out)->status = vessel_state_current_status (*out);
  if ((*out)->status == OCI_STATUS_STOPPED)
    (*out)->pid = 0;
  return 0;
}


/* Without a cgroup, the processes are found in /proc: the init's tree
   only while the init lives. */
static int
signal_found_in_proc (const struct oci_state *state, int signo, vessel_error **err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  int ret = vessel_proctree_pids ((pid_t) state->pid, &pids, &n, err);
  for (size_t i = 0; ret == 0 && i < n; i++)
    (void) kill (pids[i], signo);
  return ret;
}

static int
signal_every_process (const struct oci_state *state, int signo, vessel_error **err)
{
  return vessel_state_has_cgroup (state) ? vessel_cgroup_signal_all (state->vessel->cgroup_paths, signo, err)
                                         : signal_found_in_proc (state, signo, err);
}

int
vessel_container_kill (const char *root, const char *id, int signo, bool all, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret;
  struct oci_state *state = vessel_container_open (root, id, &rootfd, &dirfd, &ret, err);
  if (state == NULL)
    return ret;
  int status = vessel_state_current_status (state);
  /* "container not running" is the text containerd's shim maps to "not
     found".  --all still reaches what is left in the cgroup of a stopped
     container: containerd kills the rest of a host-pid container so once
     its init has exited.  Without a cgroup nothing is left to find. */
  if (all && status == OCI_STATUS_STOPPED)
    ret = vessel_state_has_cgroup (state) ? vessel_cgroup_signal_all (state->vessel->cgroup_paths, signo, err) : 0;
  else if (status == OCI_STATUS_STOPPED)
    ret = vessel_fail (err, ESRCH, "container `%s`: container not running", id);
  else if (all)
    ret = signal_every_process (state, signo, err);
  else
    {
      cleanup_close int pidfd = -1;
      ret = signal_init (state, signo, &pidfd);
      if (ret == -ESRCH)
        ret = vessel_fail (err, ESRCH, "container `%s`: container not running", id);
      else if (ret < 0)
        ret = vessel_fail_errno (err, -ret, "send signal %d to container `%s`", signo, id);
    }
  oci_state_free (state);
  return ret;
}

/* Kills the init and waits until it is gone. */
static int
kill_and_wait (const struct oci_state *state, const char *id, vessel_error **err)
{
  cleanup_close int pidfd = -1;
  /* The rest of a container without a cgroup first, while its processes
     are still the init's descendants. */
  int ret = vessel_state_has_cgroup (state) ? 0 : signal_found_in_proc (state, SIGKILL, err);
  if (ret < 0)
    return ret;
  ret = signal_init (state, SIGKILL, &pidfd);
  if (ret == -ESRCH)
    return 0;
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "kill container `%s`", id);
  for (int waited = 0; waited < 10000; waited += 10)
    {
      if (pidfd >= 0)
        {
          struct pollfd p = { .fd = pidfd, .events = POLLIN };
          int r = poll (&p, 1, 10000);
          if (r > 0)
            return 0;
          if (r < 0 && errno == EINTR)
            continue;
          break;
        }
      /* Without pidfds there is no exit notification for a process that
         is not our child. */
      if (!vessel_state_init_alive (state))
        return 0;
      struct timespec ts = { 0, 10L * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  return vessel_fail (err, ETIMEDOUT, "container `%s` did not die within 10 s of SIGKILL", id);
}

/* Frozen processes die of SIGKILL only once thawed (v1), and must not run
   anything else meanwhile: kill them all, then thaw. */
static int
kill_paused (const struct oci_state *state, vessel_error **err)
{
  int ret = vessel_cgroup_signal_all (state->vessel->cgroup_paths, SIGKILL, err);
  return ret < 0 ? ret : vessel_cgroup_freeze (state->vessel->cgroup_paths, false, err);
}

int
vessel_container_delete (const char *root, const char *id, bool force, vessel_error **err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  int ret = vessel_id_validate (id, err);
  if (ret < 0)
    return ret;
  if ((ret = vessel_root_open (root, false, &rootfd, err)) == 0)
    ret = vessel_container_dir_open (rootfd, id, true, &dirfd, err);
  if (ret == -ENOENT && force)
    {
      /* As runc: forcing the removal of what is already gone succeeds
         (shims clean up after containers that may never have existed). */
      vessel_error_freep (err);
      return 0;
    }
  if (ret < 0)
    return ret == -ENOENT ? vessel_fail (err, ENOENT, "container `%s` does not exist", id) : ret;
  struct oci_state *state = NULL;
  ret = vessel_state_read (dirfd, id, &state, err);
  if (ret == -ENOENT && force)
    {
      /* A create that died before writing anything: only the directory. */
      vessel_error_freep (err);
      return vessel_container_dir_remove (rootfd, id, dirfd, err);
    }
  if (ret < 0 || state == NULL)
    return ret < 0 ? ret : vessel_fail (err, EIO, "container `%s`: no state", id);

  int status = vessel_state_current_status (state);
  if (status != OCI_STATUS_STOPPED && !force)
    ret = vessel_fail (err, EBUSY, "container `%s` is %s: stop it first, or delete it with --force", id,
                       status_name (status));
  else if ((status != OCI_STATUS_PAUSED || (ret = kill_paused (state, err)) == 0)
           && (ret = kill_and_wait (state, id, err)) == 0)
    {
      cleanup_strv char **paths = xzalloc ((state->vessel->cgroup_paths_len + 1) * sizeof (char *));
      for (size_t i = 0; i < state->vessel->cgroup_paths_len; i++)
        paths[i] = xstrdup (state->vessel->cgroup_paths[i]);
      /* Read before the state directory, and its copy of the config, go. */
      struct oci_config *config = config_for_hooks (dirfd, id, state->vessel->poststop_hooks);
      ret = remove_container (rootfd, dirfd, id, paths, err);
      if (ret == 0 && config)
        poststop_hooks (state, config->hooks);
      oci_config_free (config);
    }
  oci_state_free (state);
  return ret;
}

/* As runc: the owner is whoever owns the state directory, by name. */
static void
set_owner (struct oci_state *state, int dirfd)
{
  struct stat st;
  if (fstat (dirfd, &st) < 0)
    return;
  cleanup_free char *name = vessel_passwd_field ("/etc/passwd", st.st_uid, VESSEL_PASSWD_NAME);
  if (name == NULL)
    name = xasprintf ("#%u", (unsigned) st.st_uid);
  state->owner = oci_arena_strdup (state->arena, name);
}

static int
compare_ids (const void *a, const void *b)
{
  return strcmp ((*(struct oci_state *const *) a)->id, (*(struct oci_state *const *) b)->id);
}

int
vessel_container_list (const char *root, struct oci_state ***out, size_t *n, vessel_error **err)
{
  *out = NULL;
  *n = 0;
  cleanup_close int rootfd = -1;
  int ret = vessel_root_open (root, false, &rootfd, err);
  if (ret == -ENOENT)
    {
      vessel_error_freep (err);
      return 0;
    }
  if (ret < 0)
    return ret;
  int fd = dup (rootfd);
  cleanup_dir DIR *dir = fd < 0 ? NULL : fdopendir (fd);
  if (dir == NULL)
    return vessel_fail_errno (err, errno, "read the state directory `%s`", root);
  struct dirent *e;
  while ((e = readdir (dir)) != NULL)
    {
      if (e->d_name[0] == '.' || vessel_id_validate (e->d_name, NULL) < 0)
        continue;
      cleanup_close int dirfd = -1;
      struct oci_state *state = NULL;
      if (vessel_container_dir_open (rootfd, e->d_name, false, &dirfd, NULL) < 0
          || vessel_state_read (dirfd, e->d_name, &state, NULL) < 0)
        continue; /* removed meanwhile, or a create that never finished */
      state->status = vessel_state_current_status (state);
      if (state->status == OCI_STATUS_STOPPED)
        state->pid = 0;
      set_owner (state, dirfd);
      *out = xrealloc (*out, (*n + 1) * sizeof (struct oci_state *));
      (*out)[(*n)++] = state;
    }
  /* by id, in readdir's stead, as runc lists them */
  if (*n > 1)
    qsort (*out, *n, sizeof (struct oci_state *), compare_ids);
  return 0;
}
