/* The commands on a container once it exists: state, kill, delete and
 * list, and what start and run share with them. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_ops.h"
#include "container.h"
#include "container_internal.h"
#include "hooks.h"
#include "log.h"
#include "proctree.h"
#include "state.h"
#include "utils.h"

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

int
container_signal_init (const struct oci_state *state, int signo, int *pidfd)
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

void
container_poststop_hooks (const struct oci_state *state, const struct oci_hooks *h)
{
  if (h == NULL || h->poststop_len == 0)
    return;
  size_t len;
  cleanup_free char *text = vessel_hook_state (state, OCI_STATUS_STOPPED, &len);
  vessel_error *err = NULL;
  vessel_hooks_run (h->poststop, h->poststop_len, "poststop", text, len, true, &err);
  vessel_error_free (err);
}

struct oci_config *
container_config_for_hooks (int dirfd, const char *id, bool needed)
{
  struct oci_config *config = NULL;
  vessel_error *err = NULL;
  if (needed && vessel_state_load_config (dirfd, id, &config, &err) < 0)
    vessel_warn ("hooks of container `%s`: %s", id, err->msg);
  vessel_error_free (err);
  return config;
}

int
container_remove (int rootfd, int dirfd, const char *id, char **cgroup_paths, vessel_error **err)
{
  int ret = 0;
  if (cgroup_paths && (ret = vessel_cgroup_destroy (cgroup_paths, err)) < 0)
    return ret;
  return vessel_container_dir_remove (rootfd, id, dirfd, err);
}

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
      ret = container_signal_init (state, signo, &pidfd);
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
  ret = container_signal_init (state, SIGKILL, &pidfd);
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
                       oci_status_name (status));
  else if ((status != OCI_STATUS_PAUSED || (ret = kill_paused (state, err)) == 0)
           && (ret = kill_and_wait (state, id, err)) == 0)
    {
      cleanup_strv char **paths = xzalloc ((state->vessel->cgroup_paths_len + 1) * sizeof (char *));
      for (size_t i = 0; i < state->vessel->cgroup_paths_len; i++)
        paths[i] = xstrdup (state->vessel->cgroup_paths[i]);
      /* Read before the state directory, and its copy of the config, go. */
      struct oci_config *config = container_config_for_hooks (dirfd, id, state->vessel->poststop_hooks);
      ret = container_remove (rootfd, dirfd, id, paths, err);
      if (ret == 0 && config)
        container_poststop_hooks (state, config->hooks);
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
