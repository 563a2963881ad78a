/* A minimal TAP producer for the unit tests (automake's tap-driver reads it). */
#ifndef VESSEL_TAP_H
#define VESSEL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static inline bool __attribute__ ((format (printf, 4, 5)))
tap_ok (bool cond, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  printf ("%sok %d - ", cond ? "" : "not ", ++tap_count);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  if (!cond)
    {
      printf ("#   failed at %s:%d\n", file, line);
      tap_failures++;
    }
  fflush (stdout);
  return cond;
}

#define ok(cond, ...) tap_ok ((cond), __FILE__, __LINE__, __VA_ARGS__)

/* ok() for strings, showing both on failure. */
#define is_str(got, want, ...)                                                 \
  do                                                                           \
    {                                                                          \
      const char *got_ = (got), *want_ = (want);                               \
      bool same_ = got_ && want_ ? strcmp (got_, want_) == 0 : got_ == want_;                 \
      ok (same_, __VA_ARGS__);                                                 \
      if (!same_)                                                              \
        printf ("#   got:  %s\n#   want: %s\n", got_ ? got_ : "(null)",         \
                want_ ? want_ : "(null)");                                     \
    }                                                                          \
  while (0)

static inline int
tap_done (void)
{
  printf ("1..%d\n", tap_count);
  return tap_failures ? 1 : 0;
}

#endif
