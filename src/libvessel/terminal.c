#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "terminal.h"
#include "utils.h"

/* What go-runc and conmon accept: one fd, with a name as the data. */
#define MASTER_NAME "/dev/ptmx"

int
vessel_console_socket_connect (const char *path, vessel_error **err)
{
  return vessel_unix_connect (path, SOCK_STREAM, "--console-socket", err);
}

int
vessel_terminal_prepare (bool terminal, const char *socket_path, bool foreground, const char *setting,
                         int *console_fd, int *console_peer, vessel_error **err)
{
  if (!terminal)
    return socket_path ? vessel_fail (err, EINVAL, "--console-socket given, but %s is false", setting) : 0;
  if (foreground)
    {
      if (socket_path)
        return vessel_fail (err, EINVAL, "--console-socket is only for a process that vessel does not wait for (--detach)");
      int sv[2];
      if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return vessel_fail_errno (err, errno, "socketpair");
      *console_peer = sv[0];
      *console_fd = sv[1];
      return 0;
    }
  if (socket_path == NULL)
    return vessel_fail (err, EINVAL, "%s is true: pass --console-socket to receive the terminal", setting);
  *console_fd = vessel_console_socket_connect (socket_path, err);
  return *console_fd < 0 ? *console_fd : 0;
}

/* ---- in the init ---------------------------------------------------------------- */

/* The container's ptmx (its /dev/ptmx, normally a symlink to pts/ptmx):
   a magic link or anything but the ptmx device is refused. */
static int
open_ptmx (vessel_error **err)
{
  cleanup_close int fd = vessel_openat2 (AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY,
                                       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd < 0)
    return vessel_fail_errno (err, errno,
                              "open /dev/ptmx in the container (a devpts mount at /dev/pts is needed)");
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (5, 2))
    return vessel_fail (err, EPERM, "the container's /dev/ptmx is not the ptmx device");
  return steal_fd (&fd);
}

/* An empty regular file at the container's /dev/console to bind the pty
   over (what is there is replaced unless it is a file or a device). */
static int
console_target (vessel_error **err)
{
  cleanup_close int dev = vessel_openat2 (AT_FDCWD, "/dev", O_PATH | O_DIRECTORY,
                                        RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  if (dev < 0)
    return vessel_fail_errno (err, errno, "open /dev in the container");
  for (int attempt = 0; attempt < 2; attempt++)
    {
      if (mknodat (dev, "console", S_IFREG | 0600, 0) < 0 && errno != EEXIST)
        return vessel_fail_errno (err, errno, "create /dev/console");
      cleanup_close int fd = openat (dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;
      if (fd < 0 || fstat (fd, &st) < 0)
        return vessel_fail_errno (err, errno, "open /dev/console");
      if (S_ISREG (st.st_mode) || S_ISCHR (st.st_mode))
        return steal_fd (&fd);
      if (attempt == 0 && unlinkat (dev, "console", 0) < 0)
        return vessel_fail_errno (err, errno, "replace /dev/console");
    }
  return vessel_fail (err, EEXIST, "/dev/console keeps coming back as something else");
}

/* A bind of the pty over /dev/console, taken from the fd itself, so no
   path in the container is looked up for the source. */
static int
bind_console (int pty, vessel_error **err)
{
  cleanup_close int target = console_target (err);
  if (target < 0)
    return target;
  cleanup_close int tree = open_tree (pty, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return vessel_fail_errno (err, errno, "bind the pty");
  if (move_mount (tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return vessel_fail_errno (err, errno, "bind the pty over /dev/console");
  return 0;
}

/* The pty becomes stdin, stdout, stderr and, in a session of its own, the
   controlling terminal. */
static int
take_pty (int pty, vessel_error **err)
{
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (pty, fd) < 0)
      return vessel_fail_errno (err, errno, "dup2 the pty to fd %d", fd);
  if (setsid () < 0)
    return vessel_fail_errno (err, errno, "setsid");
  if (ioctl (0, TIOCSCTTY, 0) < 0)
    return vessel_fail_errno (err, errno, "make the pty the controlling terminal");
  return 0;
}

static int
send_master (int sock, int master, vessel_error **err)
{
  static const char name[] = MASTER_NAME;
  int ret = vessel_send_with_fd (sock, name, sizeof name - 1, master);
  return ret < 0 ? vessel_fail_errno (err, -ret, "send the terminal to the console socket") : 0;
}

/* A new pty from the container's devpts: its master and its peer. */
static int
open_pty (int *master, int *pty, vessel_error **err)
{
  *master = open_ptmx (err);
  if (*master < 0)
    return *master;
  int unlock = 0;
  if (ioctl (*master, TIOCSPTLCK, &unlock) < 0)
    return vessel_fail_errno (err, errno, "unlock the pty");
  /* The peer straight from the master: no /dev/pts/N path to race on. */
  *pty = ioctl (*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*pty < 0)
    return vessel_fail_errno (err, errno, "open the pty");
  return 0;
}

int
vessel_terminal_setup (int console_fd, const struct oci_box *size, bool console, const char *where,
                       vessel_error **err)
{
  cleanup_close int master = -1, pty = -1;
  int ret = open_pty (&master, &pty, err);
  if (ret == 0 && size)
    {
      struct winsize ws = { .ws_row = (unsigned short) size->height, .ws_col = (unsigned short) size->width };
      if (ioctl (pty, TIOCSWINSZ, &ws) < 0)
        return vessel_fail_errno (err, errno, "%s.consoleSize: set the terminal size", where);
    }
  if (ret == 0 && console)
    ret = bind_console (pty, err);
  if (ret == 0)
    ret = take_pty (pty, err);
  if (ret == 0)
    ret = send_master (console_fd, master, err);
  return ret < 0 ? vessel_error_wrap (err, ret, "%s.terminal", where) : 0;
}

int
vessel_terminal_recv_master (int sock, int *master, vessel_error **err)
{
  char data[256];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n;
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return vessel_fail_errno (err, errno, "receive the terminal from the init");
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS
      || cm->cmsg_len != CMSG_LEN (sizeof (int)))
    return vessel_fail (err, EPROTO, "the init sent no terminal");
  memcpy (master, CMSG_DATA (cm), sizeof (int));
  return 0;
}

/* ---- run in the foreground ----------------------------------------------------- */

int
vessel_tty_proxy_begin (struct vessel_tty_proxy *t, int master, vessel_error **err)
{
  *t = (struct vessel_tty_proxy) { .master = master, .stdin_open = true, .stdout_open = true };
  /* The master is ours alone: non-blocking, so that a process that does
     not read its input never stops us from reaping it.  (stdin and stdout
     are shared with our caller and stay as they are.) */
  int flags = fcntl (master, F_GETFL);
  if (flags < 0 || fcntl (master, F_SETFL, flags | O_NONBLOCK) < 0)
    return vessel_fail_errno (err, errno, "fcntl the terminal");
  if (tcgetattr (STDIN_FILENO, &t->saved) == 0)
    {
      struct termios raw = t->saved;
      cfmakeraw (&raw);
      if (tcsetattr (STDIN_FILENO, TCSANOW, &raw) < 0)
        return vessel_fail_errno (err, errno, "put the terminal in raw mode");
      t->raw = true;
      vessel_tty_proxy_resize (t);
    }
  return 0;
}

void
vessel_tty_proxy_resize (struct vessel_tty_proxy *t)
{
  struct winsize ws;
  if (t->raw && ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (t->master, TIOCSWINSZ, &ws);
}

size_t
vessel_tty_proxy_pollfds (const struct vessel_tty_proxy *t, struct pollfd *fds, size_t n)
{
  if (t->master < 0)
    return n;
  fds[n++] = (struct pollfd) { .fd = t->master, .events = (short) (POLLIN | (t->pending_len ? POLLOUT : 0)) };
  if (t->stdin_open && t->pending_len == 0)
    fds[n++] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
  return n;
}

static void
write_out (struct vessel_tty_proxy *t, const char *buf, size_t len)
{
  while (t->stdout_open && len > 0)
    {
      ssize_t w = write (STDOUT_FILENO, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        t->stdout_open = false; /* nobody reads: the rest is dropped */
      else
        {
          buf += w;
          len -= (size_t) w;
        }
    }
}

/* Master to stdout; false when nothing more will come for now. */
static bool
copy_out (struct vessel_tty_proxy *t)
{
  char buf[8192];
  ssize_t n = read (t->master, buf, sizeof buf);
  if (n < 0 && errno == EINTR)
    return true;
  if (n <= 0)
    {
      /* EIO: no pty end is open any more (the process is gone, or it
         closed its terminal); polling on would spin on POLLHUP. */
      if (n == 0 || errno != EAGAIN)
        closep (&t->master);
      return false;
    }
  write_out (t, buf, (size_t) n);
  return true;
}

/* Pending stdin to the master, as much as it takes. */
static void
flush_in (struct vessel_tty_proxy *t)
{
  while (t->pending_len > 0)
    {
      ssize_t w = write (t->master, t->pending + t->pending_off, t->pending_len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        return;
      if (w <= 0)
        {
          t->pending_len = 0;
          t->stdin_open = false;
          return;
        }
      t->pending_off += (size_t) w;
      t->pending_len -= (size_t) w;
    }
  t->pending_off = 0;
}

static void
read_in (struct vessel_tty_proxy *t)
{
  ssize_t n = read (STDIN_FILENO, t->pending, sizeof t->pending);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      /* As runc: the end of our input is not passed on (a terminal has no
         end of file; the process sees one only if it gets a ^D). */
      t->stdin_open = false;
      return;
    }
  t->pending_off = 0;
  t->pending_len = (size_t) n;
  flush_in (t);
}

void
vessel_tty_proxy_io (struct vessel_tty_proxy *t, const struct pollfd *fds, size_t first, size_t n)
{
  for (size_t i = first; i < n && t->master >= 0; i++)
    {
      if (fds[i].revents == 0)
        continue;
      if (fds[i].fd == STDIN_FILENO)
        read_in (t);
      else
        {
          if (fds[i].revents & POLLOUT)
            flush_in (t);
          if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
            copy_out (t);
        }
    }
}

void
vessel_tty_proxy_end (struct vessel_tty_proxy *t)
{
  while (t->master >= 0 && copy_out (t))
    ;
  closep (&t->master);
  if (t->raw)
    tcsetattr (STDIN_FILENO, TCSADRAIN, &t->saved);
  t->raw = false;
}
