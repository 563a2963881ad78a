/* start and run: the init told to exec the container's process, and
 * run's wait for it in the foreground. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "container_internal.h"
#include "foreground.h"
#include "hooks.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

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
forward_listener (const struct listener_target *t, int listener_fd, vessel_error **err)
{
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

/* Tells the init to exec (from here on, it is the container's process);
   returns once it did (its end of the socket, close-on-exec, closes: see
   sync.h), its seccomp listener, if any, passed on on the way. */
static int
signal_start (struct vessel_sync *s, const struct listener_target *target, char *const *cgroup_paths,
              vessel_error **err)
{
  s->peer = "the container process";
  int ret = vessel_sync_send (s->fd, s->peer, SYNC_START, NULL, err);
  cleanup_sync_msg struct vessel_sync_msg m = VESSEL_SYNC_MSG_INIT;
  while (ret == 0 && (ret = container_next_from_init (s, cgroup_paths, &m, err)) == 0 && m.type == SYNC_SECCOMP_FD)
    ret = forward_listener (target, steal_fd (&m.fd), err);
  return ret;
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
      container_signal_init (state, SIGKILL, &pidfd);
      vessel_error_wrap (err, ret, "container `%s` stopped", state->id);
    }
  return ret;
}

static int
not_created (const char *id, int status, vessel_error **err)
{
  return vessel_fail (err, EINVAL, "cannot start container `%s`: it is %s, not created", id, oci_status_name (status));
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
  struct sockaddr_un addr = container_exec_socket_address (dirfd);
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
  /* Create's conversation with the init, picked up after its end. */
  struct vessel_sync init = vessel_sync_open (fd, SYNC_VESSEL, "the container process",
                                              SYNC_WITH_START | SYNC_WITH_LISTENER, SYNC_COMMITTED);
  struct listener_target target = { .state = state, .dirfd = dirfd };
  if ((ret = vessel_sync_wake_to_check (fd, err)) == 0)
    ret = signal_start (&init, &target, state->vessel->cgroup_paths, err);
  unlinkat (dirfd, VESSEL_EXEC_SOCKET, 0);
  if (ret < 0)
    {
      /* Not left half-started (its listener undelivered, say). */
      cleanup_close int pidfd = -1;
      container_signal_init (state, SIGKILL, &pidfd);
      return ret;
    }
  if (!state->vessel->poststart_hooks)
    return ret;
  struct oci_config *config = container_config_for_hooks (dirfd, id, true);
  if (config && config->hooks)
    ret = poststart_hooks (state, config->hooks, err);
  oci_config_free (config);
  return ret;
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
  if (ret < 0 || (ret = container_remove (c->rootfd, c->dirfd, c->o->id, c->cgroup_paths, err)) < 0)
    return ret;
  container_poststop_hooks (c->state, c->bundle.config->hooks);
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
  if ((ret = signal_start (&c.sync, &target, c.cgroup_paths, err)) < 0
      || (hooks && hooks->poststart_len && (ret = poststart_hooks (c.state, hooks, err)) < 0))
    {
      container_abort (&c);
      container_poststop_hooks (c.state, hooks);
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
