#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "utils.h"

static int
set_error (vessel_error **err, int code, char *msg)
{
  if (code <= 0)
    code = EINVAL;
  if (err)
    {
      vessel_error_free (*err);
      vessel_error *e = xmalloc (sizeof (*e));
      e->code = code;
      e->msg = msg;
      *err = e;
    }
  else
    free (msg);
  return -code;
}

int
vessel_fail (vessel_error **err, int code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = xvasprintf (fmt, ap);
  va_end (ap);
  return set_error (err, code, msg);
}

int
vessel_fail_errno (vessel_error **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *what = xvasprintf (fmt, ap);
  va_end (ap);
  char *msg = xasprintf ("%s: %s", what, strerror (errnum));
  free (what);
  return set_error (err, errnum, msg);
}

int
vessel_error_wrap (vessel_error **err, int ret, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return ret;
  va_list ap;
  va_start (ap, fmt);
  char *context = xvasprintf (fmt, ap);
  va_end (ap);
  char *msg = xasprintf ("%s: %s", context, (*err)->msg);
  free (context);
  free ((*err)->msg);
  (*err)->msg = msg;
  return ret;
}

int
vessel_fail_take (vessel_error **err, int ret, char *msg)
{
  return set_error (err, -ret, msg ? msg : xstrdup ("unknown error"));
}

void
vessel_error_free (vessel_error *e)
{
  if (e == NULL)
    return;
  free (e->msg);
  free (e);
}

void
vessel_error_freep (vessel_error **e)
{
  vessel_error_free (*e);
  *e = NULL;
}
