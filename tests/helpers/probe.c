/* probe: run inside test containers (as /bin/probe), prints what the
   process sees as "key value" lines, for exact assertions where busybox
   would be vague or absent.

     probe caps            CapInh CapPrm CapEff CapBnd CapAmb (hex, as in /proc/self/status)
     probe ids             uid gid euid egid groups
     probe umask           umask (octal, 4 digits)
     probe nnp             nnp 0|1 (PR_GET_NO_NEW_PRIVS)
     probe rlimit NAME     NAME soft hard (NOFILE or RLIMIT_NOFILE; "unlimited")
     probe fds             fds N... (open fds, without the one listing them)
     probe cwd             cwd PATH
     probe ns              one line per /proc/self/ns entry: NAME INODE
     probe hostname        hostname NAME
     probe domainname      domainname NAME
     probe keyring         keyring DESCRIPTION (of the session keyring)
     probe add_key         add_key ok, or add_key ERRNO (E-name: ENOSYS, EPERM...),
                           after adding a user key to the process keyring
     probe sysctl NAME     NAME VALUE (net.ipv4.ip_forward or net/ipv4/ip_forward)
     probe clocks          monotonic S, boottime S (whole seconds)
     probe seals FILE      seals NAME... (F_GET_SEALS of FILE: seal shrink grow write)
     probe mount FILE      ro|rw: whether FILE's mount is read-only (fstatvfs)
     probe stdio FILE      writes to FILE what fds 0, 1 and 2 are (their
                           /proc/self/fd links), a line each
     probe syscall NR...   NR ok|ENAME per NR: the raw syscall NR, with every
                           argument 0, succeeded or failed with errno ENAME
                           (ENOSYS, EPERM, ... or the number)
     probe tty             stdin|stdout|stderr TTYNAME or "none" (one line each),
                           ctty yes|no (/dev/tty opens), leader yes|no (session
                           leader), size ROWS COLS, owner UID (of stdin)

   Exit status 0, or 1 with a message on stderr; 2 for a usage error. */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define KEYCTL_DESCRIBE 6
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_PROCESS_KEYRING -2

static int
fail (const char *what)
{
  fprintf (stderr, "probe: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
cmd_caps (void)
{
  FILE *f = fopen ("/proc/self/status", "re");
  if (f == NULL)
    return fail ("/proc/self/status");
  char line[256];
  int found = 0;
  while (fgets (line, sizeof line, f))
    {
      char name[16], value[64];
      if (strncmp (line, "Cap", 3) == 0 && sscanf (line, "%15[^:]: %63s", name, value) == 2)
        {
          printf ("%s %s\n", name, value);
          found++;
        }
    }
  fclose (f);
  return found ? 0 : 1;
}

static int
cmd_ids (void)
{
  printf ("uid %u\ngid %u\neuid %u\negid %u\ngroups", (unsigned) getuid (), (unsigned) getgid (),
          (unsigned) geteuid (), (unsigned) getegid ());
  gid_t groups[256];
  int n = getgroups (256, groups);
  if (n < 0)
    return fail ("getgroups");
  for (int i = 0; i < n; i++)
    printf (" %u", (unsigned) groups[i]);
  printf ("\n");
  return 0;
}

static int
cmd_umask (void)
{
  mode_t m = umask (0);
  umask (m);
  printf ("umask %04o\n", (unsigned) m);
  return 0;
}

static int
cmd_nnp (void)
{
  int v = prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (v < 0)
    return fail ("prctl PR_GET_NO_NEW_PRIVS");
  printf ("nnp %d\n", v);
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },         { "CORE", RLIMIT_CORE },     { "CPU", RLIMIT_CPU },
  { "DATA", RLIMIT_DATA },     { "FSIZE", RLIMIT_FSIZE },   { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK }, { "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
  { "NOFILE", RLIMIT_NOFILE }, { "NPROC", RLIMIT_NPROC },   { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO }, { "RTTIME", RLIMIT_RTTIME }, { "SIGPENDING", RLIMIT_SIGPENDING },
  { "STACK", RLIMIT_STACK },
};

static void
print_limit (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long) v);
}

static int
cmd_rlimit (const char *arg)
{
  const char *name = strncmp (arg, "RLIMIT_", 7) == 0 ? arg + 7 : arg;
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcmp (rlimits[i].name, name) == 0)
      {
        struct rlimit r;
        if (getrlimit ((__rlimit_resource_t) rlimits[i].resource, &r) < 0)
          return fail ("getrlimit");
        printf ("%s ", name);
        print_limit (r.rlim_cur);
        printf (" ");
        print_limit (r.rlim_max);
        printf ("\n");
        return 0;
      }
  fprintf (stderr, "probe: unknown rlimit `%s`\n", arg);
  return 2;
}

static int
cmd_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return fail ("/proc/self/fd");
  /* Collected first, printed sorted: readdir's order is the kernel's. */
  int fds[1024], n = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL && n < 1024)
    {
      if (e->d_name[0] == '.')
        continue;
      int fd = atoi (e->d_name);
      if (fd != dirfd (d))
        fds[n++] = fd;
    }
  closedir (d);
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--)
      {
        int t = fds[j];
        fds[j] = fds[j - 1];
        fds[j - 1] = t;
      }
  printf ("fds");
  for (int i = 0; i < n; i++)
    printf (" %d", fds[i]);
  printf ("\n");
  return 0;
}

static int
cmd_cwd (void)
{
  char buf[4096];
  if (getcwd (buf, sizeof buf) == NULL)
    return fail ("getcwd");
  printf ("cwd %s\n", buf);
  return 0;
}

static int
cmd_ns (void)
{
  DIR *d = opendir ("/proc/self/ns");
  if (d == NULL)
    return fail ("/proc/self/ns");
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (e->d_name[0] == '.')
        continue;
      struct stat st;
      if (fstatat (dirfd (d), e->d_name, &st, 0) < 0)
        {
          closedir (d);
          return fail (e->d_name);
        }
      printf ("%s %llu\n", e->d_name, (unsigned long long) st.st_ino);
    }
  closedir (d);
  return 0;
}

static int
cmd_uname (int domain)
{
  struct utsname u;
  if (uname (&u) < 0)
    return fail ("uname");
  if (domain)
    printf ("domainname %s\n", u.domainname);
  else
    printf ("hostname %s\n", u.nodename);
  return 0;
}

static int
cmd_keyring (void)
{
  char buf[512];
  long n = syscall (SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, buf, sizeof buf - 1, 0);
  if (n < 0)
    return fail ("keyctl KEYCTL_DESCRIBE");
  buf[(size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1] = '\0';
  /* type;uid;gid;perm;description */
  const char *desc = strrchr (buf, ';');
  printf ("keyring %s\n", desc ? desc + 1 : buf);
  return 0;
}

/* A syscall that seccomp profiles tend to leave out (podman's answers
   ENOSYS), while the kernel lets any process make it. */
static int
cmd_add_key (void)
{
  long id = syscall (SYS_add_key, "user", "vessel-probe", "x", (size_t) 1, KEY_SPEC_PROCESS_KEYRING);
  if (id >= 0)
    printf ("add_key ok\n");
  else
    printf ("add_key %s\n", errno == ENOSYS ? "ENOSYS" : errno == EPERM ? "EPERM" : strerror (errno));
  return 0;
}

static int
cmd_sysctl (const char *name)
{
  char path[512];
  int n = snprintf (path, sizeof path, "/proc/sys/%s", name);
  if (n < 0 || (size_t) n >= sizeof path)
    return 2;
  if (strchr (name, '/') == NULL)
    for (char *p = path + strlen ("/proc/sys/"); *p; p++)
      if (*p == '.')
        *p = '/';
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return fail (path);
  char value[4096];
  size_t len = fread (value, 1, sizeof value - 1, f);
  fclose (f);
  value[len] = '\0';
  while (len > 0 && value[len - 1] == '\n')
    value[--len] = '\0';
  printf ("%s %s\n", name, value);
  return 0;
}

static int
cmd_clocks (void)
{
  struct timespec m, b;
  if (clock_gettime (CLOCK_MONOTONIC, &m) < 0 || clock_gettime (CLOCK_BOOTTIME, &b) < 0)
    return fail ("clock_gettime");
  printf ("monotonic %lld\nboottime %lld\n", (long long) m.tv_sec, (long long) b.tv_sec);
  return 0;
}

static int
cmd_mount (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail (path);
  struct statvfs sv;
  int ret = fstatvfs (fd, &sv);
  close (fd);
  if (ret < 0)
    return fail ("fstatvfs");
  printf ("%s\n", (sv.f_flag & ST_RDONLY) ? "ro" : "rw");
  return 0;
}

static int
cmd_seals (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail (path);
  int seals = fcntl (fd, F_GET_SEALS);
  close (fd);
  if (seals < 0)
    return fail ("fcntl F_GET_SEALS");
  printf ("seals");
  if (seals & F_SEAL_SEAL)
    printf (" seal");
  if (seals & F_SEAL_SHRINK)
    printf (" shrink");
  if (seals & F_SEAL_GROW)
    printf (" grow");
  if (seals & F_SEAL_WRITE)
    printf (" write");
  printf ("\n");
  return 0;
}

static int
cmd_stdio (const char *file)
{
  FILE *f = fopen (file, "we");
  if (f == NULL)
    return fail (file);
  for (int fd = 0; fd < 3; fd++)
    {
      char link[32], target[4096];
      snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t n = readlink (link, target, sizeof target - 1);
      fprintf (f, "%s\n", n < 0 ? "closed" : (target[n] = '\0', target));
    }
  return fclose (f) == 0 ? 0 : fail (file);
}

static int
cmd_tty (void)
{
  static const char *const names[] = { "stdin", "stdout", "stderr" };
  for (int fd = 0; fd < 3; fd++)
    {
      const char *name = ttyname (fd);
      printf ("%s %s\n", names[fd], name ? name : "none");
    }
  int tty = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  printf ("ctty %s\n", tty >= 0 ? "yes" : "no");
  if (tty >= 0)
    close (tty);
  printf ("leader %s\n", getsid (0) == getpid () ? "yes" : "no");
  struct winsize ws;
  if (ioctl (0, TIOCGWINSZ, &ws) == 0)
    printf ("size %u %u\n", ws.ws_row, ws.ws_col);
  struct stat st;
  if (fstat (0, &st) == 0)
    printf ("owner %u\n", (unsigned) st.st_uid);
  return 0;
}

static const char *
errno_name (int e)
{
  static const struct
  {
    int e;
    const char *name;
  } names[] = { { ENOSYS, "ENOSYS" }, { EPERM, "EPERM" },   { EACCES, "EACCES" }, { EOPNOTSUPP, "EOPNOTSUPP" },
                { EFAULT, "EFAULT" }, { EINVAL, "EINVAL" }, { EBADF, "EBADF" },   { ENOENT, "ENOENT" } };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].e == e)
      return names[i].name;
  static char number[16];
  snprintf (number, sizeof number, "%d", e);
  return number;
}

static int
cmd_syscall (int n, char **numbers)
{
  for (int i = 0; i < n; i++)
    {
      char *end;
      long nr = strtol (numbers[i], &end, 0);
      if (*end != '\0' || end == numbers[i])
        return 2;
      errno = 0;
      long r = syscall (nr, 0L, 0L, 0L, 0L, 0L, 0L);
      printf ("%s %s\n", numbers[i], r == -1 ? errno_name (errno) : "ok");
    }
  return 0;
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";
  const char *arg = argc > 2 ? argv[2] : NULL;
  int ret = 2;
  if (strcmp (cmd, "caps") == 0)
    ret = cmd_caps ();
  else if (strcmp (cmd, "ids") == 0)
    ret = cmd_ids ();
  else if (strcmp (cmd, "umask") == 0)
    ret = cmd_umask ();
  else if (strcmp (cmd, "nnp") == 0)
    ret = cmd_nnp ();
  else if (strcmp (cmd, "rlimit") == 0 && arg)
    ret = cmd_rlimit (arg);
  else if (strcmp (cmd, "fds") == 0)
    ret = cmd_fds ();
  else if (strcmp (cmd, "cwd") == 0)
    ret = cmd_cwd ();
  else if (strcmp (cmd, "ns") == 0)
    ret = cmd_ns ();
  else if (strcmp (cmd, "hostname") == 0)
    ret = cmd_uname (0);
  else if (strcmp (cmd, "domainname") == 0)
    ret = cmd_uname (1);
  else if (strcmp (cmd, "keyring") == 0)
    ret = cmd_keyring ();
  else if (strcmp (cmd, "add_key") == 0)
    ret = cmd_add_key ();
  else if (strcmp (cmd, "sysctl") == 0 && arg)
    ret = cmd_sysctl (arg);
  else if (strcmp (cmd, "clocks") == 0)
    ret = cmd_clocks ();
  else if (strcmp (cmd, "mount") == 0 && arg)
    ret = cmd_mount (arg);
  else if (strcmp (cmd, "seals") == 0 && arg)
    ret = cmd_seals (arg);
  else if (strcmp (cmd, "stdio") == 0 && arg)
    ret = cmd_stdio (arg);
  else if (strcmp (cmd, "tty") == 0)
    ret = cmd_tty ();
  else if (strcmp (cmd, "syscall") == 0 && arg)
    ret = cmd_syscall (argc - 2, argv + 2);
  else
    fprintf (stderr, "usage: probe caps|ids|umask|nnp|fds|cwd|ns|hostname|domainname|keyring|add_key|clocks|tty\n"
                     "       probe rlimit NAME | probe sysctl NAME | probe seals FILE | probe mount FILE | probe stdio FILE\n"
                     "       probe syscall NR...\n");
  if (fflush (stdout) != 0)
    return fail ("write");
  return ret;
}
