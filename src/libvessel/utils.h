/* Small helpers shared by every part of libvessel: cleanup attributes,
 * allocation that cannot fail, and whole-file I/O on directory fds. */
#ifndef VESSEL_UTILS_H
#define VESSEL_UTILS_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/* ---- cleanup attributes ------------------------------------------------ */

void freep (void *p);
void closep (int *fd);
void fclosep (FILE **f);
void closedirp (DIR **d);
void free_strvp (char ***v);

#define cleanup_free __attribute__ ((cleanup (freep)))
#define cleanup_close __attribute__ ((cleanup (closep)))
#define cleanup_fclose __attribute__ ((cleanup (fclosep)))
#define cleanup_dir __attribute__ ((cleanup (closedirp)))
#define cleanup_strv __attribute__ ((cleanup (free_strvp)))

/* Hands ownership on: returns the value and clears the variable. */
#define steal_pointer(pp)                                                      \
  __extension__ ({                                                             \
    __typeof__ (*(pp)) steal_tmp_ = *(pp);                                     \
    *(pp) = NULL;                                                              \
    steal_tmp_;                                                                \
  })

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

/* Built with AddressSanitizer (and so LeakSanitizer): gcc says so with
   __SANITIZE_ADDRESS__, clang with __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define VESSEL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VESSEL_ASAN 1
#endif
#endif
#ifndef VESSEL_ASAN
#define VESSEL_ASAN 0
#endif

/* ---- allocation: out of memory aborts ---------------------------------- */

/* abort() that is safe in the init (see utils.c). */
void vessel_abort (void) __attribute__ ((noreturn));

void *xmalloc (size_t size);
void *xzalloc (size_t size);
void *xrealloc (void *p, size_t size);
char *xstrdup (const char *s);
/* openat2 with O_CLOEXEC added (and mode 0644 with O_CREAT); resolve is
   RESOLVE_* from linux/openat2.h.  -1 with errno on failure. */
int vessel_openat2 (int dirfd, const char *path, int flags, uint64_t resolve);

char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));

/* ---- I/O ---------------------------------------------------------------- */

/* write(2)/read(2) until done, retrying EINTR; 0 or -errno. */
int write_all (int fd, const void *buf, size_t len);
/* Reads up to len bytes, stopping early only at EOF; the count or -errno. */
ssize_t read_all (int fd, void *buf, size_t len);

/* Writes data to an existing file `name` under dirfd (cgroup and proc
   files: no O_CREAT, no truncation games). */
int write_file_at (int dirfd, const char *name, const char *data, size_t len,
                   vessel_error **err);

/* vessel runs in a user namespace other than the host's (a rootless
   podman's, say). */
bool vessel_in_user_namespace (void);
/* Without the host's privileges: not root, or root of a user namespace
   other than the host's, which owns no cgroup or device.  Cached. */
bool vessel_rootless (void);

/* A field of the first line of a passwd(5) file for `uid`, malloc'd;
   NULL when there is none. */
enum
{
  VESSEL_PASSWD_NAME = 0,
  VESSEL_PASSWD_HOME = 5,
};
char *vessel_passwd_field (const char *file, uid_t uid, int field);

/* One read(2) of at most size-1 bytes of a file (a /proc file the kernel
   writes whole), NUL-terminated in buf: the length, or -1 with errno. */
ssize_t read_small_file_at (int dirfd, const char *path, char *buf, size_t size);

/* Runs the program argv[0], looked up in PATH, without a shell, with its
   stdout and stderr into one pipe, and waits for it: *out is what it
   said, NUL-terminated and malloc'ed, without trailing newlines; *status
   its wait status.  It inherits no descriptor of ours (all are
   close-on-exec).  -errno when it cannot be run (-ENOENT: not found), with
   the message filled. */
int vessel_spawn_output (char *const argv[], char **out, int *status, vessel_error **err);

/* Reads a whole small file into a NUL-terminated malloc'ed buffer. */
int read_file_at (int dirfd, const char *name, char **out, size_t *len,
                  vessel_error **err);

/* Creates or replaces `name` in dirfd atomically: a temporary file, fsync
   is not needed for tmpfs state, then rename over the old one, so a
   reader sees the old or the new content and never a torn file. */
int write_file_atomic_at (int dirfd, const char *name, const char *data,
                          size_t len, mode_t mode, vessel_error **err);

/* Connects a unix socket of `type` to path; a path too long for sun_path
   is reached through /proc/self/fd.  `what` names it in messages
   ("--console-socket").  Returns the fd. */
int vessel_unix_connect (const char *path, int type, const char *what, vessel_error **err);

/* Sends data with fd attached (SCM_RIGHTS) to the first byte; the rest
   of what a stream socket did not take follows.  0 or -errno. */
int vessel_send_with_fd (int sock, const void *data, size_t len, int fd);

/* ---- strings ------------------------------------------------------------ */

bool has_prefix (const char *s, const char *prefix);
bool has_suffix (const char *s, const char *suffix);
/* Parses a decimal int fully ("12" yes, "12x" no). */
int parse_int (const char *s, int *out);
int parse_uint64 (const char *s, uint64_t *out);

#endif
