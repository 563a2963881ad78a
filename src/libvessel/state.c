#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_ops.h"
#include "state.h"
#include "utils.h"

int
vessel_id_validate (const char *id, vessel_error **err)
{
  size_t len = strlen (id);
  if (len == 0)
    return vessel_fail (err, EINVAL, "container id must not be empty");
  if (len > 1024)
    return vessel_fail (err, EINVAL, "invalid container id: longer than 1024 bytes");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return vessel_fail (err, EINVAL, "invalid container id `%s`", id);
  for (const char *p = id; *p; p++)
    {
      char c = *p;
      bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '_' || c == '+' || c == '-' || c == '.';
      if (!good)
        {
          /* Quoted for the message, without what would garble a terminal. */
          char shown[68];
          size_t n = 0;
          for (const char *q = id; *q && n < 64; q++)
            {
              shown[n] = '?';
              if (*q >= 0x20 && *q < 0x7f)
                shown[n] = *q;
              n++;
            }
          strcpy (shown + n, len > 64 ? "..." : "");
          return vessel_fail (err, EINVAL,
                              "invalid container id `%s`: only letters, digits and `_+-.` are allowed",
                              shown);
        }
    }
  return 0;
}

static int
mkdir_p (const char *path, mode_t mode)
{
  if (mkdir (path, mode) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return -errno;
  cleanup_free char *copy = xstrdup (path);
  char *parent = dirname (copy);
  if (strcmp (parent, path) == 0)
    return -ENOENT;
  int ret = mkdir_p (parent, 0755);
  if (ret < 0)
    return ret;
  if (mkdir (path, mode) < 0 && errno != EEXIST)
    return -errno;
  return 0;
}

int
vessel_root_open (const char *root, bool create, int *rootfd, vessel_error **err)
{
  if (create)
    {
      int ret = mkdir_p (root, 0700);
      if (ret < 0)
        return vessel_fail_errno (err, -ret, "create state directory `%s`", root);
    }
  int fd = open (root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "open state directory `%s`", root);
  *rootfd = fd;
  return 0;
}

/* Takes the container's lock, then makes sure the directory was not
   removed by whoever held it before us. */
int
vessel_container_dir_lock (int dirfd, const char *id, vessel_error **err)
{
  while (flock (dirfd, LOCK_EX) < 0)
    if (errno != EINTR)
      return vessel_fail_errno (err, errno, "lock container `%s`", id);
  struct stat st;
  if (fstat (dirfd, &st) < 0)
    return vessel_fail_errno (err, errno, "stat container `%s`", id);
  if (st.st_nlink == 0)
    return vessel_fail (err, ENOENT, "container `%s` does not exist", id);
  return 0;
}

int
vessel_container_dir_create (int rootfd, const char *id, int *dirfd,
                             vessel_error **err)
{
  if (mkdirat (rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return vessel_fail (err, EEXIST, "container `%s` already exists", id);
      return vessel_fail_errno (err, errno, "create the state directory of `%s`", id);
    }
  cleanup_close int fd = openat (rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int e = errno;
      unlinkat (rootfd, id, AT_REMOVEDIR);
      return vessel_fail_errno (err, e, "open the state directory of `%s`", id);
    }
  int ret = vessel_container_dir_lock (fd, id, err);
  if (ret < 0)
    return ret;
  *dirfd = steal_fd (&fd);
  return 0;
}

int
vessel_container_dir_open (int rootfd, const char *id, bool lock, int *dirfd,
                           vessel_error **err)
{
  cleanup_close int fd = openat (rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
        return vessel_fail (err, ENOENT, "container `%s` does not exist", id);
      return vessel_fail_errno (err, errno, "open the state directory of `%s`", id);
    }
  if (lock)
    {
      int ret = vessel_container_dir_lock (fd, id, err);
      if (ret < 0)
        return ret;
    }
  *dirfd = steal_fd (&fd);
  return 0;
}

int
vessel_container_dir_remove (int rootfd, const char *id, int dirfd,
                             vessel_error **err)
{
  int fd = dup (dirfd);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "dup");
  cleanup_dir DIR *dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return vessel_fail_errno (err, errno, "read the state directory of `%s`", id);
    }
  struct dirent *e;
  while ((e = readdir (dir)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (unlinkat (dirfd, e->d_name, 0) < 0 && errno != ENOENT)
        return vessel_fail_errno (err, errno, "remove `%s` from the state of `%s`", e->d_name, id);
    }
  if (unlinkat (rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return vessel_fail_errno (err, errno, "remove the state directory of `%s`", id);
  return 0;
}

int
vessel_state_read (int dirfd, const char *id, struct oci_state **out,
                   vessel_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  int ret = read_file_at (dirfd, VESSEL_STATE_FILE, &text, &len, err);
  if (ret < 0)
    {
      if (ret == -ENOENT)
        return vessel_fail (err, ENOENT, "container `%s` has no state (its creation did not finish)", id);
      return vessel_error_wrap (err, ret, "container `%s`", id);
    }
  char *msg = NULL;
  ret = oci_state_parse_data (VESSEL_STATE_FILE, text, len, out, &msg);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  if ((*out)->vessel == NULL)
    {
      oci_state_free (*out);
      *out = NULL;
      return vessel_fail (err, EINVAL, "container `%s`: state.json was not written by vessel", id);
    }
  return 0;
}

int
vessel_state_write (int dirfd, const struct oci_state *state, vessel_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  char *msg = NULL;
  int ret = oci_state_generate (state, 0, &text, &len, &msg);
  if (ret < 0)
    return vessel_fail_take (err, ret, msg);
  return write_file_atomic_at (dirfd, VESSEL_STATE_FILE, text, len, 0600, err);
}

int
vessel_state_save_config (int dirfd, const char *text, size_t len, vessel_error **err)
{
  /* A fresh directory, locked: no reader, no old copy to replace. */
  cleanup_close int fd = openat (dirfd, VESSEL_CONFIG_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return vessel_fail_errno (err, errno, "create `%s` in the state directory", VESSEL_CONFIG_FILE);
  int ret = write_all (fd, text, len);
  return ret < 0 ? vessel_fail_errno (err, -ret, "write `%s` in the state directory", VESSEL_CONFIG_FILE) : 0;
}

int
vessel_state_load_config (int dirfd, const char *id, struct oci_config **out, vessel_error **err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  int ret = read_file_at (dirfd, VESSEL_CONFIG_FILE, &text, &len, err);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "container `%s`", id);
  char *msg = NULL;
  ret = oci_config_parse_data (VESSEL_CONFIG_FILE, text, len, out, &msg);
  return ret < 0 ? vessel_fail_take (err, ret, msg) : 0;
}

int
vessel_process_start_time (pid_t pid, uint64_t *start_time)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? -ESRCH : -errno;
  ssize_t n = read_all (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return n < 0 ? (int) n : -ESRCH;
  buf[n] = '\0';

  /* comm (field 2) may hold spaces and parentheses: fields after it
     start after the last ')'. */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -EINVAL;
  p += 2;
  if (*p == 'Z' || *p == 'X')
    return -ESRCH;
  /* p is at field 3 (state); the start time is field 22. */
  for (int field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -EINVAL;
      p++;
    }
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull (p, &end, 10);
  if (errno || end == p)
    return -EINVAL;
  *start_time = v;
  return 0;
}

bool
vessel_state_init_alive (const struct oci_state *state)
{
  if (state->pid <= 0)
    return false;
  uint64_t start = 0;
  if (vessel_process_start_time ((pid_t) state->pid, &start) < 0)
    return false;
  return start == state->vessel->init_start_time;
}

int
vessel_state_init_pidfd (const struct oci_state *state)
{
  if (state->pid <= 0)
    return -ESRCH;
  int fd = (int) syscall (SYS_pidfd_open, (pid_t) state->pid, 0);
  if (fd < 0)
    return errno == ESRCH ? -ESRCH : -errno;
  if (!vessel_state_init_alive (state))
    {
      close (fd);
      return -ESRCH;
    }
  return fd;
}

int
vessel_state_current_status (const struct oci_state *state)
{
  if (state->status == OCI_STATUS_CREATING)
    return vessel_state_init_alive (state) ? OCI_STATUS_CREATING : OCI_STATUS_STOPPED;
  if (!vessel_state_init_alive (state))
    return OCI_STATUS_STOPPED;
  if (vessel_cgroup_is_frozen (state->vessel->cgroup_paths))
    return OCI_STATUS_PAUSED;
  if (!state->vessel->started)
    return OCI_STATUS_CREATED;
  return OCI_STATUS_RUNNING;
}

void
vessel_state_freep (struct oci_state **state)
{
  oci_state_free (*state);
}

/* The proleptic Gregorian date of a day count from 1970-01-01 (Howard
   Hinnant's civil_from_days).  Not gmtime_r: glibc's reads and parses
   /etc/localtime on first use, even for UTC. */
static void
civil_from_days (int64_t days, int64_t *year, int *month, int *day)
{
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;                                 /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                                   /* [0, 11], from March */
  *day = (int) (doy - (153 * mp + 2) / 5 + 1);
  *month = (int) (mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

void
vessel_rfc3339_format (char *buf, size_t size, const struct timespec *ts)
{
  int64_t secs = ts->tv_sec;
  int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400;
  int64_t rest = secs - days * 86400;
  int64_t year;
  int month, day;
  civil_from_days (days, &year, &month, &day);
  snprintf (buf, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%09ldZ", year, month, day, (int) (rest / 3600),
            (int) (rest / 60 % 60), (int) (rest % 60), ts->tv_nsec);
}

char *
vessel_rfc3339_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  char buf[VESSEL_RFC3339_MAX];
  vessel_rfc3339_format (buf, sizeof buf, &ts);
  return xstrdup (buf);
}

int
vessel_write_pid_file (const char *path, pid_t pid, vessel_error **err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_free char *copy2 = xstrdup (path);
  const char *dir = dirname (copy);
  const char *name = basename (copy2);
  cleanup_close int dirfd = open (dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (dirfd < 0)
    return vessel_fail_errno (err, errno, "open the directory of the pid file `%s`", path);
  char text[32];
  int len = snprintf (text, sizeof text, "%d", (int) pid);
  int ret = write_file_atomic_at (dirfd, name, text, (size_t) len, 0644, err);
  if (ret < 0)
    return vessel_error_wrap (err, ret, "pid file `%s`", path);
  return 0;
}
