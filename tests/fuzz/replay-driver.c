/* Without libFuzzer (a gcc build), a fuzz target replays the files given
   on the command line, or every file in the directories given: the seed
   corpus becomes a regression test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_file (const char *path)
{
  FILE *f = fopen (path, "re");
  if (f == NULL)
    {
      perror (path);
      return 1;
    }
  char *buf = NULL;
  size_t size = 0;
  FILE *mem = open_memstream (&buf, &size);
  char chunk[65536];
  size_t n;
  while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, mem);
  fclose (f);
  fclose (mem);
  /* An exact-size copy, so that reading past the end shows up under ASan. */
  uint8_t *exact = malloc (size ? size : 1);
  memcpy (exact, buf, size);
  free (buf);
  LLVMFuzzerTestOneInput (exact, size);
  free (exact);
  return 0;
}

int
main (int argc, char **argv)
{
  int failures = 0, count = 0;
  for (int i = 1; i < argc; i++)
    {
      struct stat st;
      if (stat (argv[i], &st) == 0 && S_ISDIR (st.st_mode))
        {
          DIR *d = opendir (argv[i]);
          struct dirent *e;
          while (d && (e = readdir (d)))
            {
              if (e->d_name[0] == '.')
                continue;
              char path[4096];
              snprintf (path, sizeof path, "%s/%s", argv[i], e->d_name);
              failures += replay_file (path);
              count++;
            }
          if (d)
            closedir (d);
        }
      else
        {
          failures += replay_file (argv[i]);
          count++;
        }
    }
  printf ("replayed %d inputs\n", count);
  return failures ? 1 : 0;
}
