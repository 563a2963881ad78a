/* Mount options: config.json spellings to syscall flags. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "libvessel/fs_params.h"
#include "libvessel/mount_options.h"
#include "tap.h"

/* The fsconfig calls of one data option, as "key=value key flag ...", or
   the error's message. */
static char *
fs_params (const char *type, const char *option)
{
  struct vessel_fs_params p;
  vessel_error *err = NULL;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&out, &len);
  if (vessel_fs_params_of (type, option, &p, &err) < 0)
    {
      fputs (err->msg, f);
      vessel_error_free (err);
    }
  else
    {
      for (size_t i = 0; i < p.n; i++)
        fprintf (f, "%s%s%s%s", i ? " " : "", p.p[i].key, p.p[i].value ? "=" : "", p.p[i].value ? p.p[i].value : "");
      vessel_fs_params_free (&p);
    }
  fclose (f);
  return out;
}

/* A path of `len` bytes: "/" and then `c`s. */
static char *
long_path (char c, size_t len)
{
  char *p = malloc (len + 1);
  memset (p, c, len);
  p[0] = '/';
  p[len] = '\0';
  return p;
}

static void
test_fs_params (void)
{
  char *got;
  is_str (got = fs_params ("tmpfs", "mode=755"), "mode=755", "key=value: one string");
  free (got);
  is_str (got = fs_params ("overlay", "userxattr"), "userxattr", "a flag");
  free (got);
  is_str (got = fs_params ("overlay", "lowerdir=/a:/b"), "lowerdir=/a:/b", "a short lowerdir is passed as it is");
  free (got);
  /* podman's image mount: two layers, 280 bytes together. */
  char *a = long_path ('a', 140), *b = long_path ('b', 140), *c = long_path ('c', 200), *big = long_path ('d', 256);
  char opt[1024], want[1024];
  snprintf (opt, sizeof opt, "lowerdir=%s:%s", a, b);
  snprintf (want, sizeof want, "lowerdir+=%s lowerdir+=%s", a, b);
  is_str (got = fs_params ("overlay", opt), want, "a lowerdir too long for fsconfig: a lowerdir+ per layer");
  free (got);
  snprintf (opt, sizeof opt, "lowerdir=%s\\:x:%s::%s::/d2", a, b, c);
  snprintf (want, sizeof want, "lowerdir+=%s:x lowerdir+=%s datadir+=%s datadir+=/d2", a, b, c);
  is_str (got = fs_params ("overlay", opt), want, "escaped colons stay in their layer, unescaped; :: starts data layers");
  free (got);
  snprintf (opt, sizeof opt, "lowerdir=%s:%s", a, big);
  got = fs_params ("overlay", opt);
  ok (got && strstr (got, "option `lowerdir+`: `/ddd") && strstr (got, "` has 256 bytes, fsconfig takes at most 255"),
      "a layer too long for fsconfig is refused");
  free (got);
  snprintf (opt, sizeof opt, "upperdir=%s", big);
  got = fs_params ("overlay", opt);
  ok (got && strstr (got, "option `upperdir`: `/ddd") && strstr (got, "has 256 bytes"), "so is any other long value");
  free (got);
  snprintf (opt, sizeof opt, "lowerdir=%s", big);
  got = fs_params ("tmpfs", opt);
  ok (got && strstr (got, "option `lowerdir`: "), "lowerdir is split for overlay only");
  free (got);
  /* Before Linux 6.8: the layers by fd, in one lowerdir again. */
  struct vessel_fs_params p;
  vessel_error *err = NULL;
  snprintf (opt, sizeof opt, "lowerdir=%s:%s::%s", a, b, c);
  int fds[16] = { 7, 12, 300 };
  ok (vessel_fs_params_of ("overlay", opt, &p, &err) == 0 && p.layers && p.n == 3
          && vessel_fs_params_join_fds (&p, fds, &err) == 0 && p.n == 1,
      "the layers join by fd");
  is_str (p.n == 1 ? p.p[0].key : NULL, "lowerdir", "as lowerdir");
  is_str (p.n == 1 ? p.p[0].value : NULL, "/proc/self/fd/7:/proc/self/fd/12::/proc/self/fd/300",
          "named /proc/self/fd/N, :: before a data layer");
  vessel_fs_params_free (&p);
  /* 16 layers of 3-digit fds: 16 * 18 bytes, more than one value takes. */
  char many[4096] = "lowerdir=";
  for (int i = 0; i < 16; i++)
    {
      strcat (many, i ? ":" : "");
      strcat (many, a);
      fds[i] = 100 + i;
    }
  ok (vessel_fs_params_of ("overlay", many, &p, &err) == 0 && p.n == 16
          && vessel_fs_params_join_fds (&p, fds, &err) == -EINVAL && err
          && strstr (err->msg, "16 layers do not fit in one fsconfig value"),
      "too many layers for one value is refused");
  vessel_error_free (err);
  vessel_fs_params_free (&p);
  free (a);
  free (b);
  free (c);
  free (big);
}

static struct vessel_mount_options
parse (const char *const *opts, size_t n)
{
  struct vessel_mount_options o;
  vessel_error *err = NULL;
  int ret = vessel_mount_options_parse ((char *const *) opts, n, ".mounts[0].options", &o, &err);
  if (ret < 0)
    {
      printf ("# %s\n", err->msg);
      vessel_error_free (err);
      memset (&o, 0xff, sizeof (o));
      o.data = NULL;
    }
  return o;
}

int
main (void)
{
  test_fs_params ();
  {
    const char *opts[] = { "nosuid", "noexec", "nodev", "ro" };
    struct vessel_mount_options o = parse (opts, 4);
    ok (o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY) && o.data_len == 0,
        "flags accumulate, no data");
  }
  {
    const char *opts[] = { "ro", "rw" };
    struct vessel_mount_options o = parse (opts, 2);
    ok (o.flags == 0 && (o.clear & MS_RDONLY), "a later option clears an earlier one");
  }
  {
    const char *opts[] = { "nosuid", "mode=755", "size=65536k", "strictatime" };
    struct vessel_mount_options o = parse (opts, 4);
    ok (o.flags == (MS_NOSUID | MS_STRICTATIME) && o.data_len == 2 && strcmp (o.data[0], "mode=755") == 0
            && strcmp (o.data[1], "size=65536k") == 0,
        "unknown options become filesystem data, in order");
    vessel_mount_options_clear (&o);
  }
  {
    const char *opts[] = { "rbind", "rslave" };
    struct vessel_mount_options o = parse (opts, 2);
    ok (o.flags == (MS_BIND | MS_REC) && o.propagation == (MS_SLAVE | MS_REC), "rbind and rslave");
  }
  {
    const char *opts[] = { "bind", "private" };
    struct vessel_mount_options o = parse (opts, 2);
    ok (o.flags == MS_BIND && o.propagation == MS_PRIVATE, "bind and private");
  }
  {
    const char *opts[] = { "rro", "rnosuid", "rnoexec" };
    struct vessel_mount_options o = parse (opts, 3);
    ok (o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) && o.attr_clr == 0
            && o.flags == 0,
        "recursive attributes go to mount_setattr, not to flags");
  }
  {
    const char *opts[] = { "rnoatime" };
    struct vessel_mount_options o = parse (opts, 1);
    ok (o.attr_set == MOUNT_ATTR_NOATIME && o.attr_clr == MOUNT_ATTR__ATIME,
        "an access-time attribute clears the whole atime field");
  }
  {
    const char *opts[] = { "rro", "rrw" };
    struct vessel_mount_options o = parse (opts, 2);
    ok (o.attr_set == 0 && o.attr_clr == MOUNT_ATTR_RDONLY, "rrw undoes rro");
  }
  {
    const char *opts[] = { "tmpcopyup", "idmap" };
    struct vessel_mount_options o = parse (opts, 2);
    ok (o.extra == (VESSEL_MOUNT_TMPCOPYUP | VESSEL_MOUNT_IDMAP), "vessel's own options");
  }
  {
    const char *opts[] = { "context=\"system_u:object_r:container_file_t:s0:c1,c2\"" };
    struct vessel_mount_options o = parse (opts, 1);
    ok (o.data_len == 1 && strchr (o.data[0], ',') != NULL, "an option value may hold commas");
    vessel_mount_options_clear (&o);
  }
  {
    const char *opts[] = { "nosuid", "" };
    struct vessel_mount_options o;
    vessel_error *err = NULL;
    int ret = vessel_mount_options_parse ((char *const *) opts, 2, ".mounts[3].options", &o, &err);
    ok (ret == -EINVAL && err && strcmp (err->msg, ".mounts[3].options[1]: empty option") == 0,
        "an empty option is refused");
    vessel_error_free (err);
  }
  {
    const char *names[128];
    size_t n = vessel_mount_option_names (names, 128);
    bool has_rro = false, has_tmpcopyup = false;
    for (size_t i = 0; i < n && i < 128; i++)
      {
        has_rro |= strcmp (names[i], "rro") == 0;
        has_tmpcopyup |= strcmp (names[i], "tmpcopyup") == 0;
      }
    ok (n > 50 && n <= 128 && has_rro && has_tmpcopyup, "the option table lists its names (%zu)", n);
  }
  return tap_done ();
}
