#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

#include "utils.h"

void
freep (void *p)
{
  free (*(void **) p);
}

void
closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
  *fd = -1;
}

void
fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

void
closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

void
free_strvp (char ***v)
{
  if (*v == NULL)
    return;
  for (char **p = *v; *p; p++)
    free (*p);
  free (*v);
}

void
vessel_abort (void)
{
  /* Not abort(): in the init, a raw clone3 child, glibc still believes it
     is the parent's thread, and abort() would signal the parent. */
  signal (SIGABRT, SIG_DFL);
  kill (getpid (), SIGABRT);
  _exit (134);
}

static void __attribute__ ((noreturn)) out_of_memory (void)
{
  static const char msg[] = "vessel: out of memory\n";
  /* Nothing may allocate here: write(2) directly. */
  if (write (STDERR_FILENO, msg, sizeof msg - 1) < 0)
    vessel_abort ();
  vessel_abort ();
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    out_of_memory ();
  return p;
}

void *
xzalloc (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    out_of_memory ();
  return p;
}

void *
xrealloc (void *p, size_t size)
{
  void *q = realloc (p, size ? size : 1);
  if (q == NULL)
    out_of_memory ();
  return q;
}

char *
xstrdup (const char *s)
{
  char *p = strdup (s);
  if (p == NULL)
    out_of_memory ();
  return p;
}

char *
xvasprintf (const char *fmt, va_list ap)
{
  char *s = NULL;
  if (vasprintf (&s, fmt, ap) < 0)
    out_of_memory ();
  return s;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = xvasprintf (fmt, ap);
  va_end (ap);
  return s;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -errno;
      if (w == 0)
        return -EIO;
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t got = 0;
  while (got < len)
    {
      ssize_t r = read (fd, p + got, len - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -errno;
      if (r == 0)
        break;
      got += (size_t) r;
    }
  return (ssize_t) got;
}

int
write_file_at (int dirfd, const char *name, const char *data, size_t len,
               vessel_error **err)
{
  cleanup_close int fd = openat (dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s`", name);
  int ret = write_all (fd, data, len);
  if (ret < 0)
    return vessel_fail_errno (err, -ret, "write `%s`", name);
  return 0;
}

int
read_file_at (int dirfd, const char *name, char **out, size_t *len,
              vessel_error **err)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open `%s`", name);

  size_t cap = 4096, used = 0;
  cleanup_free char *buf = xmalloc (cap + 1);
  for (;;)
    {
      if (used == cap)
        {
          cap *= 2;
          buf = xrealloc (buf, cap + 1);
        }
      ssize_t r = read (fd, buf + used, cap - used);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return vessel_fail_errno (err, errno, "read `%s`", name);
      if (r == 0)
        break;
      used += (size_t) r;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

int
write_file_atomic_at (int dirfd, const char *name, const char *data,
                      size_t len, mode_t mode, vessel_error **err)
{
  cleanup_free char *tmp = xasprintf (".%s.tmp", name);
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "create `%s`", tmp);
  int ret = write_all (fd, data, len);
  if (ret < 0)
    {
      unlinkat (dirfd, tmp, 0);
      return vessel_fail_errno (err, -ret, "write `%s`", tmp);
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return vessel_fail_errno (err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
vessel_unix_connect (const char *path, int type, const char *what, vessel_error **err)
{
  cleanup_close int fd = socket (AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "%s: socket", what);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int pathfd = -1;
  if (strlen (path) < sizeof addr.sun_path)
    memcpy (addr.sun_path, path, strlen (path) + 1);
  else
    {
      /* Too long for sun_path: through the magic link of an O_PATH fd. */
      if ((pathfd = open (path, O_PATH | O_CLOEXEC)) < 0)
        return vessel_fail_errno (err, errno, "%s: open `%s`", what, path);
      snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d", pathfd);
    }
  int r;
  do
    r = connect (fd, (struct sockaddr *) &addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return vessel_fail_errno (err, errno, "%s: connect to `%s`", what, path);
  return steal_fd (&fd);
}

int
vessel_send_with_fd (int sock, const void *data, size_t len, int fd)
{
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  memset (&u, 0, sizeof u);
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  /* A stream socket may take less: the rest goes without the fd. */
  for (size_t done = (size_t) n; done < len;)
    {
      n = send (sock, (const char *) data + done, len - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n < 0 ? -errno : -EIO;
      done += (size_t) n;
    }
  return 0;
}

bool
has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

bool
has_suffix (const char *s, const char *suffix)
{
  size_t ls = strlen (s), lx = strlen (suffix);
  return ls >= lx && strcmp (s + ls - lx, suffix) == 0;
}

int
parse_int (const char *s, int *out)
{
  if (s == NULL || *s == '\0')
    return -EINVAL;
  char *end = NULL;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || *end || v < INT_MIN || v > INT_MAX)
    return -EINVAL;
  *out = (int) v;
  return 0;
}

int
parse_uint64 (const char *s, uint64_t *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return -EINVAL;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || *end)
    return -EINVAL;
  *out = v;
  return 0;
}

int
vessel_openat2 (int dirfd, const char *path, int flags, uint64_t resolve)
{
  struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC), .resolve = resolve };
  if (how.flags & O_CREAT)
    how.mode = 0644;
  /* With RESOLVE_IN_ROOT or RESOLVE_BENEATH, the kernel gives up with
     EAGAIN when a rename or a mount anywhere on the host races a ".."
     step of the lookup (another container starting is enough): not a
     verdict on the path, so look it up again. */
  int fd, tries = 0;
  do
    fd = (int) syscall (SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN && ++tries < 128);
  return fd;
}

char *
vessel_passwd_field (const char *file, uid_t uid, int field)
{
  cleanup_fclose FILE *f = fopen (file, "re");
  char line[1024];
  while (f && fgets (line, sizeof line, f))
    {
      /* name:password:uid:gid:gecos:home:shell */
      line[strcspn (line, "\n")] = '\0';
      char *fields[7];
      size_t n = 0;
      for (char *p = line; n < 7 && p; n++)
        {
          fields[n] = p;
          if ((p = strchr (p, ':')) != NULL)
            *p++ = '\0';
        }
      if (n <= (size_t) field || n < 3)
        continue;
      char *end;
      unsigned long id = strtoul (fields[2], &end, 10);
      if (*end == '\0' && end != fields[2] && id == uid)
        return xstrdup (fields[field]);
    }
  return NULL;
}

ssize_t
read_small_file_at (int dirfd, const char *path, char *buf, size_t size)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read (fd, buf, size - 1);
  if (n >= 0)
    buf[n] = '\0';
  return n;
}

bool
vessel_in_user_namespace (void)
{
  /* The initial user namespace maps every id to itself. */
  char buf[64];
  ssize_t n = read_small_file_at (AT_FDCWD, "/proc/self/uid_map", buf, sizeof buf);
  if (n <= 0)
    return false;
  unsigned long inside, outside, count;
  return sscanf (buf, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 || outside != 0
         || count != 4294967295UL || strchr (buf, '\n') != buf + n - 1;
}

bool
vessel_rootless (void)
{
  static int cached = -1;
  if (cached < 0)
    cached = geteuid () != 0 || vessel_in_user_namespace ();
  return cached;
}

/* Reads fd to its end into a growing NUL-terminated buffer. */
static char *
read_to_end (int fd)
{
  size_t len = 0, size = 512;
  char *buf = xmalloc (size);
  ssize_t r;
  while ((r = read (fd, buf + len, size - 1 - len)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0 && (len += (size_t) r) == size - 1)
      buf = xrealloc (buf, size *= 2);
  while (len > 0 && buf[len - 1] == '\n')
    len--;
  buf[len] = '\0';
  return buf;
}

int
vessel_spawn_output (char *const argv[], char **out, int *status, vessel_error **err)
{
  int ends[2];
  if (pipe2 (ends, O_CLOEXEC) < 0)
    return vessel_fail_errno (err, errno, "pipe for %s", argv[0]);
  cleanup_close int read_end = ends[0], write_end = ends[1];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2 (&fa, write_end, STDERR_FILENO);
  pid_t child;
  extern char **environ;
  int rc = posix_spawnp (&child, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  closep (&write_end);
  if (rc != 0)
    return vessel_fail_errno (err, rc, "run %s", argv[0]);
  *out = read_to_end (read_end);
  while (waitpid (child, status, 0) < 0)
    if (errno != EINTR)
      {
        free (*out);
        *out = NULL;
        return vessel_fail_errno (err, errno, "wait for %s", argv[0]);
      }
  return 0;
}
