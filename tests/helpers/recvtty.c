/* recvtty: the other end of --console-socket, for the tests.

     recvtty [-i INPUT [-a TEXT]] SOCKET

   Listens on the unix socket SOCKET, takes one connection and the
   terminal master fd it carries (SCM_RIGHTS, as runc's clients expect),
   writes INPUT to it if given (with -a: once TEXT came out of it), then
   copies what the container writes to
   stdout until every end of the pty is closed.  Stderr gets one line,
   "recvtty: got NAME, a ptmx", once the master arrived (NAME: the data
   sent with it), or the reason it failed.  Exit status 0, or 1. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

static int
fail (const char *what)
{
  fprintf (stderr, "recvtty: %s: %s\n", what, strerror (errno));
  return 1;
}

/* The fd of the first message on conn; its data into name. */
static int
receive_fd (int conn, char *name, size_t size)
{
  struct iovec iov = { .iov_base = name, .iov_len = size - 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  name[n] = '\0';
  struct cmsghdr *cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      errno = EPROTO;
      return -1;
    }
  int fd;
  memcpy (&fd, CMSG_DATA (cm), sizeof fd);
  return fd;
}

int
main (int argc, char **argv)
{
  const char *input = NULL, *after = NULL;
  int opt;
  while ((opt = getopt (argc, argv, "i:a:")) != -1)
    if (opt == 'i')
      input = optarg;
    else if (opt == 'a')
      after = optarg;
    else
      return 2;
  if (optind + 1 != argc)
    {
      fprintf (stderr, "usage: recvtty [-i INPUT [-a TEXT]] SOCKET\n");
      return 2;
    }
  int lfd = listen_on (argv[optind]);
  if (lfd < 0)
    return fail (argv[optind]);
  int conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return fail ("accept");
  char name[256];
  int master = receive_fd (conn, name, sizeof name);
  if (master < 0)
    return fail ("receive the terminal");
  struct stat st;
  if (fstat (master, &st) < 0)
    return fail ("fstat");
  if (!S_ISCHR (st.st_mode) || major (st.st_rdev) != 5 || minor (st.st_rdev) != 2)
    {
      fprintf (stderr, "recvtty: got %s, not a ptmx (%u:%u)\n", name, major (st.st_rdev), minor (st.st_rdev));
      return 1;
    }
  fprintf (stderr, "recvtty: got %s, a ptmx\n", name);
  close (conn);
  close (lfd);
  if (input && after == NULL && write (master, input, strlen (input)) < 0)
    return fail ("write the input");
  char buf[4096], seen[8192] = "";
  size_t seen_len = 0;
  for (;;)
    {
      ssize_t n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EIO)
        return 0; /* no pty end open any more */
      if (n <= 0)
        return n == 0 ? 0 : fail ("read the terminal");
      if (fwrite (buf, 1, (size_t) n, stdout) != (size_t) n || fflush (stdout) != 0)
        return fail ("write");
      if (input && after)
        {
          /* Everything so far (what fits), as one string to search. */
          size_t take = (size_t) n < sizeof seen - 1 - seen_len ? (size_t) n : sizeof seen - 1 - seen_len;
          memcpy (seen + seen_len, buf, take);
          seen_len += take;
          seen[seen_len] = '\0';
          if (strstr (seen, after))
            {
              if (write (master, input, strlen (input)) < 0)
                return fail ("write the input");
              input = NULL;
            }
        }
    }
}
