/* For the test helpers that stand at the other end of a socket vessel
   connects to (recvtty, seccomp-agent). */
#ifndef VESSEL_TEST_LISTEN_H
#define VESSEL_TEST_LISTEN_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* A unix stream socket listening at path: bound under a temporary name,
   then renamed, so that whoever sees the socket at `path` can connect at
   once.  -1 with errno on failure. */
static inline int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) + 5 >= sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  snprintf (addr.sun_path, sizeof addr.sun_path, "%s.tmp", path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 1) < 0
      || rename (addr.sun_path, path) < 0)
    return -1;
  return fd;
}

#endif
