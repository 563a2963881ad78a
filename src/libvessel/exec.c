#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup_entry.h"
#include "config.h"
#include "exec.h"
#include "foreground.h"
#include "lsm.h"
#include "namespaces.h"
#include "process.h"
#include "scheduling.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"
#include "utils.h"

#if VESSEL_ASAN
#include <sanitizer/lsan_interface.h>
#endif

struct exec
{
  const struct vessel_exec_opts *o;
  struct oci_state *state;
  struct oci_config *config;      /* the container's, as created */
  struct oci_config *process_doc; /* --process */
  struct oci_process *process;    /* what runs: in config or process_doc */
  char *where;                    /* how messages name the process */
  struct vessel_caps caps;
  struct vessel_seccomp seccomp; /* the container's filter, as create compiled it */
  int rootfd, dirfd;
  int pidfd;                /* the init; -1 without pidfds (before 5.3, valgrind) */
  struct vessel_join_plan join; /* the init's namespaces (fds without pidfds) */
  int root_fd;              /* the init's root directory */
  struct vessel_cgroup_entry *cgroups; /* one per cgroup directory of the container */
  size_t n_cgroups;
  int console_fd, console_peer;
  int sync_fd, child_end;
  pid_t pid;
};

static void
exec_init (struct exec *e, const struct vessel_exec_opts *o)
{
  *e = (struct exec) { .o = o, .rootfd = -1, .dirfd = -1, .pidfd = -1, .root_fd = -1,
                       .console_fd = -1, .console_peer = -1, .sync_fd = -1, .child_end = -1 };
  e->join.parent_user.fd = e->join.pid.fd = -1;
}

static void
exec_free (struct exec *e)
{
  oci_state_free (e->state);
  oci_config_free (e->config);
  oci_config_free (e->process_doc);
  free (e->where);
  vessel_seccomp_clear (&e->seccomp);
  closep (&e->rootfd);
  closep (&e->dirfd);
  closep (&e->pidfd);
  vessel_join_plan_close (&e->join);
  closep (&e->root_fd);
  vessel_cgroup_exec_entries_free (e->cgroups, e->n_cgroups);
  closep (&e->console_fd);
  closep (&e->console_peer);
  closep (&e->sync_fd);
  closep (&e->child_end);
}

/* ---- the container ---------------------------------------------------------------- */

/* The state (no lock: an exec may last as long as the container, and must
   not keep kill or delete waiting) and a status that can take a process. */
static int
open_container (struct exec *e, vessel_error **err)
{
  const char *id = e->o->id;
  int ret = vessel_id_validate (id, err);
  if (ret < 0)
    return ret;
  if ((ret = vessel_root_open (e->o->root, false, &e->rootfd, err)) < 0)
    return ret == -ENOENT ? vessel_fail (err, ENOENT, "container `%s` does not exist", id) : ret;
  if ((ret = vessel_container_dir_open (e->rootfd, id, false, &e->dirfd, err)) < 0
      || (ret = vessel_state_read (e->dirfd, id, &e->state, err)) < 0)
    return ret;
  int status = vessel_state_current_status (e->state);
  if (status == OCI_STATUS_STOPPED || status == OCI_STATUS_CREATING)
    return vessel_fail (err, ESRCH, "cannot exec in container `%s`: it is %s", id, oci_status_name (status));
  if (status == OCI_STATUS_PAUSED && !e->o->ignore_paused)
    return vessel_fail (err, EBUSY, "cannot exec in container `%s`: it is paused (resume it, or pass --ignore-paused)",
                        id);
  if ((ret = vessel_state_load_config (e->dirfd, id, &e->config, err)) < 0)
    return ret;
  /* The filter create compiled: an exec never runs libseccomp. */
  if (e->config->linux && e->config->linux->seccomp)
    return vessel_seccomp_load_saved (e->dirfd, &e->seccomp, err);
  return 0;
}

/* ---- the process ------------------------------------------------------------------ */

static char **
append_strings (struct oci_arena *a, char **v, size_t *len, char **more, size_t n)
{
  char **out = oci_arena_alloc (a, (*len + n + 1) * sizeof (char *));
  for (size_t i = 0; v && i < *len; i++)
    out[i] = v[i];
  for (size_t i = 0; i < n; i++)
    out[*len + i] = oci_arena_strdup (a, more[i]);
  *len += n;
  out[*len] = NULL;
  return out;
}

/* --env NAME=VALUE: replaces the config's NAME, or is added. */
static void
set_env (struct oci_arena *a, struct oci_process *p, char **vars, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      size_t name_len = (size_t) (strchr (vars[i], '=') - vars[i]) + 1; /* with the '=' */
      size_t j = 0;
      while (j < p->env_len && strncmp (p->env[j], vars[i], name_len) != 0)
        j++;
      if (j == p->env_len)
        p->env = append_strings (a, p->env, &p->env_len, &vars[i], 1);
      else
        p->env[j] = oci_arena_strdup (a, vars[i]);
    }
}

/* --process FILE: the process as written, as runc takes it; what it leaves
   out of capabilities and rlimits comes from the container's process. */
static int
process_from_file (struct exec *e, vessel_error **err)
{
  const char *file = e->o->process_file;
  char *msg = NULL, *text = NULL;
  size_t len = 0;
  int ret = oci_read_document (file, file, true, &text, &len, &msg);
  if (ret == 0)
    ret = oci_process_parse_data (file, text, len, &e->process_doc, &msg);
  free (text);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  e->process = e->process_doc->process;
  e->where = xasprintf ("%s: ", file);
  const struct oci_process *own = e->config->process;
  if (own && e->process->capabilities == NULL)
    e->process->capabilities = own->capabilities;
  if (own && e->process->rlimits_len == 0)
    {
      e->process->rlimits = own->rlimits;
      e->process->rlimits_len = own->rlimits_len;
    }
  return 0;
}

/* The container's process with the command line and the flags, as runc
   builds it. */
static void
process_from_flags (struct exec *e)
{
  const struct vessel_exec_opts *o = e->o;
  struct oci_arena *a = e->config->arena;
  struct oci_process *p = e->config->process;
  if (p == NULL)
    {
      p = e->config->process = oci_arena_alloc (a, sizeof (*p));
      memset (p, 0, sizeof (*p));
      p->cwd = oci_arena_strdup (a, "/");
    }
  p->args_len = 0;
  p->args = append_strings (a, NULL, &p->args_len, o->args, o->args_len);
  set_env (a, p, o->env, o->env_len);
  p->terminal = o->tty;
  if (o->cwd)
    p->cwd = oci_arena_strdup (a, o->cwd);
  if (o->has_uid)
    p->user.uid = o->uid;
  if (o->has_gid)
    p->user.gid = o->gid;
  if (o->additional_gids_len)
    {
      size_t n = p->user.additional_gids_len;
      uint32_t *gids = oci_arena_alloc (a, (n + o->additional_gids_len) * sizeof (uint32_t));
      if (n)
        memcpy (gids, p->user.additional_gids, n * sizeof (uint32_t));
      memcpy (gids + n, o->additional_gids, o->additional_gids_len * sizeof (uint32_t));
      p->user.additional_gids = gids;
      p->user.additional_gids_len = n + o->additional_gids_len;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    p->apparmor_profile = oci_arena_strdup (a, o->apparmor);
  if (o->process_label)
    p->selinux_label = oci_arena_strdup (a, o->process_label);
  e->process = p;
  e->where = xstrdup ("exec: .process");
}

/* --cap NAME: into the bounding, effective and permitted sets, and the
   ambient one when the process has inheritable capabilities (as runc). */
static int
add_caps (struct exec *e, vessel_error **err)
{
  const struct oci_capabilities *pc = e->process->capabilities;
  for (size_t i = 0; i < e->o->caps_len; i++)
    {
      cap_value_t cap;
      if (vessel_cap_from_name (e->o->caps[i], &cap) < 0)
        return vessel_fail (err, EINVAL, "--cap: unknown capability `%s`", e->o->caps[i]);
      uint64_t bit = UINT64_C (1) << cap;
      e->caps.bounding |= bit;
      e->caps.effective |= bit;
      e->caps.permitted |= bit;
      if (pc && pc->inheritable)
        e->caps.ambient |= bit;
    }
  return 0;
}

static int
build_process (struct exec *e, vessel_error **err)
{
  int ret;
  if (e->o->process_file)
    {
      if ((ret = process_from_file (e, err)) < 0)
        return ret;
    }
  else if (e->o->args_len == 0)
    return vessel_fail (err, EINVAL, "exec: the command to run is missing (or pass --process)");
  else
    process_from_flags (e);
  vessel_process_add_listen_env (e->process, e->process_doc ? e->process_doc->arena : e->config->arena,
                                 e->o->listen_fds);
  if ((ret = vessel_process_validate (e->process, e->where, err)) < 0)
    return ret;
  cleanup_free char *caps_where = xasprintf ("%s.capabilities", e->where);
  if ((ret = vessel_caps_from_config (e->process->capabilities, caps_where, &e->caps, err)) < 0)
    return ret;
  if (e->o->process_file == NULL && (ret = add_caps (e, err)) < 0)
    return ret;
  return vessel_lsm_check (e->process->apparmor_profile, e->process->selinux_label, e->where, err);
}

/* ---- namespaces and root ---------------------------------------------------------- */

static bool
same_namespace (pid_t pid, const char *name)
{
  char path[64];
  struct stat a, b;
  snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, name);
  cleanup_free char *self = xasprintf ("/proc/self/ns/%s", name);
  return stat (path, &a) == 0 && stat (self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* What the join plan is made from, each fact read only when the plan
   looks at it. */
static void
gather_join_facts (const struct exec *e, struct vessel_exec_join_facts *f)
{
  const struct oci_linux *lx = e->config->linux;
  *f = (struct vessel_exec_join_facts) { .container = e->o->id, .linux = lx, .has_pidfd = e->pidfd >= 0,
                                         .root = true };
  bool user = false, pid = false;
  for (size_t i = 0; lx && i < lx->namespaces_len; i++)
    {
      const struct oci_namespace *ns = &lx->namespaces[i];
      pid |= ns->type == OCI_NS_PID;
      if (ns->type == OCI_NS_USER && ns->path != NULL)
        f->init_userns_is_ours = same_namespace ((pid_t) e->state->pid, "user");
      user |= ns->type == OCI_NS_USER && (ns->path == NULL || !f->init_userns_is_ours);
    }
  if (user && pid)
    f->root = geteuid () == 0;
}

/* The join plan, and what it needs opened: the init's root and, without
   a pidfd to join through, the init's namespaces. */
static int
plan_join_and_open_init (struct exec *e, vessel_error **err)
{
  struct vessel_exec_join_facts facts;
  gather_join_facts (e, &facts);
  vessel_join_plan_for_exec (&facts, &e->join);
  e->join.pidfd = e->pidfd;

  pid_t pid = (pid_t) e->state->pid;
  char path[64];
  snprintf (path, sizeof path, "/proc/%d/root", (int) pid);
  if ((e->root_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    return vessel_fail_errno (err, errno, "container `%s`: open the root of its init", e->o->id);
  if (e->join.by_pidfd)
    return 0;
  struct vessel_ns_join *open_them[OCI_NS_COUNT + 2];
  size_t n = 0;
  if (e->join.user_by_parent)
    open_them[n++] = &e->join.parent_user;
  if (e->join.join_pid)
    open_them[n++] = &e->join.pid;
  for (size_t i = 0; i < e->join.n_joins; i++)
    open_them[n++] = &e->join.joins[i];
  for (size_t i = 0; i < n; i++)
    {
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, vessel_ns_kinds[open_them[i]->type].proc_name);
      if ((open_them[i]->fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        return vessel_fail_errno (err, errno, "container `%s`: open `%s`", e->o->id, path);
    }
  return 0;
}

/* The init is pinned by its pidfd; without one, what /proc/<pid> showed
   above must still have been the init (not a reused pid). */
static int
check_init_still_there (struct exec *e, vessel_error **err)
{
  bool alive = e->pidfd >= 0 ? syscall (SYS_pidfd_send_signal, e->pidfd, 0, NULL, 0) == 0
                             : vessel_state_init_alive (e->state);
  return alive ? 0 : vessel_fail (err, ESRCH, "cannot exec in container `%s`: it is stopped", e->o->id);
}

/* Child: the init's namespaces (see the join plan), then its root. */
static int
join_container (struct exec *e, vessel_error **err)
{
  int ret = vessel_join_namespaces (&e->join, err);
  if (ret < 0)
    return ret;
  /* The init's root, not the mount namespace's: they differ after
     --no-pivot and without a mount namespace. */
  if (fchdir (e->root_fd) < 0 || chroot (".") < 0)
    return vessel_fail_errno (err, errno, "enter the root of container `%s`", e->o->id);
  return 0;
}

/* The cgroups to enter, planned and opened (see cgroup_entry.h). */
static int
open_cgroups (struct exec *e, vessel_error **err)
{
  const struct oci_state_internal *in = e->state->vessel;
  return vessel_cgroup_exec_prepare (in->cgroup_paths, in->cgroup_paths_len, e->o->cgroups, e->o->cgroups_len,
                                     &e->cgroups, &e->n_cgroups, err);
}

/* ---- the child ---------------------------------------------------------------------- */

static int
child_run (struct exec *e, vessel_error **err)
{
  vessel_process_reset_signals ();
  /* A clone of vessel in the container's namespaces: nothing there may
     ptrace it or open its /proc/<pid>/exe (see exe_seal.h). */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return vessel_fail_errno (err, errno, "prctl PR_SET_DUMPABLE");
  int keep[OCI_NS_COUNT + 6] = { e->child_end, e->console_fd, e->pidfd, e->root_fd };
  size_t n_keep = 4;
  n_keep += vessel_join_plan_fds (&e->join, keep + n_keep, ARRAY_SIZE (keep) - n_keep);
  int preserve = e->o->listen_fds + e->o->preserve_fds;
  vessel_close_fds_except (3 + preserve, keep, n_keep);

  int ret;
  struct vessel_sync vessel = vessel_sync_open (e->child_end, SYNC_PROCESS, "vessel", SYNC_WITH_GO, SYNC_END);
  if ((ret = vessel_sync_expect (&vessel, SYNC_GO, NULL, err)) < 0)
    return ret;
  const struct oci_process *own = e->config->process;
  if (own && (ret = vessel_process_oom_score_adj (own, err)) < 0)
    return ret;
  /* Through our /proc, before the container's can stand in for it. */
  if ((ret = vessel_lsm_set_exec (e->process->apparmor_profile, e->process->selinux_label, e->where, err)) < 0)
    return ret;
  if ((ret = join_container (e, err)) < 0)
    return ret;
  const struct oci_process *p = e->process;
  if (e->console_fd >= 0 && (ret = vessel_terminal_setup (e->console_fd, p->console_size, false, e->where, err)) < 0)
    return ret;
  if ((ret = vessel_process_stdio_owner (p, err)) < 0)
    return ret;
  cleanup_free char *program = NULL;
  if ((ret = vessel_process_find_program (p, &program, err)) < 0)
    return ret;
  struct vessel_exec_plan x = { .process = p, .where = e->where, .path = program, .caps = &e->caps,
                                .preserve_fds = preserve, .linux = e->config->linux,
                                .seccomp = e->seccomp.prog ? &e->seccomp : NULL, .report_fd = e->child_end,
                                .exec_affinity = true };
  return vessel_process_exec (&x, err);
}

__attribute__ ((noreturn)) static void
child_main (struct exec *e)
{
  vessel_error *err = NULL;
  child_run (e, &err);
  vessel_sync_send_error (e->child_end, err, "exec failed");
  _exit (127);
}

/* ---- the parent --------------------------------------------------------------------- */

static void
kill_child (struct exec *e)
{
  kill (e->pid, SIGKILL);
  while (waitpid (e->pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static int
spawn (struct exec *e, vessel_error **err)
{
  int sv[2];
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return vessel_fail_errno (err, errno, "socketpair");
  e->sync_fd = sv[0];
  e->child_end = sv[1];

  /* setns(CLONE_NEWPID) moves only our future children: the clone below
     is born in the container's pid namespace.  vessel makes no other
     child after it, so nothing needs to move back -- except under
     LeakSanitizer, whose check at exit clones a tracer that must see
     vessel's threads from vessel's own pid namespace. */
  cleanup_close int own_pid_ns = -1;
#if VESSEL_ASAN
  /* Without the host's privileges (rootless, or root of a rootless
     podman's user namespace) there is no way back: check now. */
  if (e->join.join_pid && vessel_rootless ())
    __lsan_do_leak_check ();
  else if (e->join.join_pid)
    own_pid_ns = open ("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
#endif
  int ret = vessel_join_parent (&e->join, err);
  if (ret < 0)
    return ret;

  /* Inherited by the child until it is in the container's cgroups. */
  if ((ret = vessel_affinity_initial (e->process, e->where, err)) < 0)
    return ret;
  fflush (NULL); /* nothing buffered may be written twice */
  bool into_cgroup2;
  e->pid = vessel_clone_into_cgroup (0, vessel_cgroup_entry_clone_fd (e->cgroups, e->n_cgroups), &into_cgroup2);
  if (e->pid == 0)
    child_main (e);
  if (e->pid < 0)
    return vessel_fail_errno (err, errno, "clone the exec process");
  if (own_pid_ns >= 0)
    (void) setns (own_pid_ns, CLONE_NEWPID);
  closep (&e->child_end);
  closep (&e->console_fd);
  ret = vessel_cgroup_exec_enter (e->cgroups, e->n_cgroups, e->pid, into_cgroup2, err);
  if (ret == 0)
    ret = vessel_sync_send (e->sync_fd, "the exec process", SYNC_GO, NULL, err);
  if (ret < 0)
    kill_child (e);
  return ret;
}

/* The child's seccomp listener, to the profile's listenerPath. */
static int
forward_listener (void *arg, int listener_fd, vessel_error **err)
{
  const struct exec *e = arg;
  return vessel_seccomp_send_listener (e->config->linux->seccomp, e->state, OCI_STATUS_RUNNING, e->pid, listener_fd,
                                       err);
}

/* Until execve: the terminal's master first when we serve it, then the
   end of the sync socket (or why it failed). */
static int
wait_exec (struct exec *e, struct vessel_tty_proxy *tty, vessel_error **err)
{
  struct vessel_listener_handler h = { forward_listener, e };
  const struct vessel_listener_handler *listener = e->seccomp.listener ? &h : NULL;
  int ret = 0;
  if (e->console_peer >= 0)
    {
      int master = -1;
      ret = vessel_terminal_recv_master (e->console_peer, &master, err);
      if (ret == 0)
        ret = vessel_tty_proxy_begin (tty, master, err);
      else
        {
          /* The process may have failed before it had a terminal: its
             own message says why. */
          vessel_error *why = NULL;
          if (vessel_sync_wait_exec (e->sync_fd, "the process", listener, &why) < 0)
            {
              vessel_error_freep (err);
              *err = why;
            }
          else
            vessel_error_free (why);
        }
    }
  if (ret == 0)
    ret = vessel_sync_wait_exec (e->sync_fd, "the process", listener, err);
  if (ret < 0)
    kill_child (e);
  return ret;
}

static int
exec_prepare (struct exec *e, bool foreground, vessel_error **err)
{
  int ret;
  if ((ret = open_container (e, err)) < 0 || (ret = build_process (e, err)) < 0)
    return ret;
  cleanup_free char *setting = e->o->process_file ? xasprintf ("%s.terminal", e->where) : xstrdup ("--tty");
  if ((ret = vessel_terminal_prepare (e->process->terminal, e->o->console_socket, foreground, setting,
                                      &e->console_fd, &e->console_peer, err)) < 0)
    return ret;
  e->pidfd = vessel_state_init_pidfd (e->state);
  if (e->pidfd == -ESRCH)
    return vessel_fail (err, ESRCH, "cannot exec in container `%s`: it is stopped", e->o->id);
  if (e->pidfd < 0 && e->pidfd != -ENOSYS)
    return vessel_fail_errno (err, -e->pidfd, "container `%s`: pidfd_open", e->o->id);
  if ((ret = plan_join_and_open_init (e, err)) < 0 || (ret = open_cgroups (e, err)) < 0)
    return ret;
  return check_init_still_there (e, err);
}

int
vessel_container_exec (const struct vessel_exec_opts *o, int *exit_status, vessel_error **err)
{
  struct exec e;
  exec_init (&e, o);
  struct vessel_tty_proxy tty = { .master = -1 };
  struct vessel_foreground fg = VESSEL_FOREGROUND_INIT;
  *exit_status = 0;
  int ret = exec_prepare (&e, !o->detach, err);
  if (ret == 0 && !o->detach)
    ret = vessel_foreground_begin (&fg, err);
  if (ret == 0)
    ret = spawn (&e, err);
  if (ret == 0)
    ret = wait_exec (&e, &tty, err);
  if (ret == 0 && o->pid_file && (ret = vessel_write_pid_file (o->pid_file, e.pid, err)) < 0)
    kill_child (&e);
  if (ret == 0 && !o->detach)
    ret = vessel_foreground_wait (&fg, e.pid, &tty, exit_status, err);
  vessel_tty_proxy_end (&tty);
  vessel_foreground_end (&fg);
  exec_free (&e);
  return ret;
}
