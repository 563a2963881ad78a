/* orphans CMD [ARG...]: runs CMD as a child subreaper, so that whatever
 * CMD's processes leave when they exit (a child they did not reap, or one
 * still running) comes to this program rather than to PID 1, which would
 * reap it unseen.  Once CMD has exited, each such process is named on
 * stderr ("orphan PID (COMM) state S"), killed and reaped, and the exit
 * status is 125; otherwise it is CMD's (128+N for a signal N). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The processes whose parent is this one: prints and kills them. */
static int
report_orphans (pid_t cmd)
{
  int found = 0;
  DIR *proc = opendir ("/proc");
  struct dirent *e;
  while (proc && (e = readdir (proc)) != NULL)
    {
      char path[300], buf[512], comm[64] = "?", state = '?';
      int ppid = 0;
      pid_t pid = (pid_t) atoi (e->d_name);
      if (pid <= 0 || pid == cmd)
        continue;
      snprintf (path, sizeof path, "/proc/%s/stat", e->d_name);
      FILE *f = fopen (path, "re");
      if (f == NULL)
        continue;
      size_t n = fread (buf, 1, sizeof buf - 1, f);
      fclose (f);
      buf[n] = '\0';
      /* pid (comm) state ppid: comm may hold spaces and parentheses */
      char *open = strchr (buf, '('), *close = strrchr (buf, ')');
      if (open == NULL || close == NULL || sscanf (close + 1, " %c %d", &state, &ppid) != 2)
        continue;
      if (ppid != getpid ())
        continue;
      snprintf (comm, sizeof comm, "%.*s", (int) (close - open - 1), open + 1);
      fprintf (stderr, "orphan %d (%s) state %c\n", (int) pid, comm, state);
      kill (pid, SIGKILL);
      found++;
    }
  if (proc)
    closedir (proc);
  return found;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: orphans CMD [ARG...]\n");
      return 2;
    }
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    {
      perror ("prctl PR_SET_CHILD_SUBREAPER");
      return 2;
    }
  pid_t cmd = fork ();
  if (cmd < 0)
    {
      perror ("fork");
      return 2;
    }
  if (cmd == 0)
    {
      execvp (argv[1], argv + 1);
      perror (argv[1]);
      _exit (127);
    }
  int status;
  while (waitpid (cmd, &status, 0) < 0)
    ;
  /* The kernel gives CMD's children to us before it reports CMD's exit. */
  /* Killing an orphan gives us its children in turn: until none is left
     (for 5 s at most). */
  int found = 0;
  for (int i = 0; i < 500; i++)
    {
      found += report_orphans (cmd);
      while (waitpid (-1, NULL, WNOHANG) > 0)
        ;
      if (waitpid (-1, NULL, WNOHANG) < 0 && errno == ECHILD)
        break;
      usleep (10000);
    }
  if (found)
    return 125;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}
