/* The one error idiom of libvessel: a function that can fail returns a
 * negative errno-style code and fills an error object whose message names
 * what failed ("open `/run/vessel/x/state.json`: No such file or
 * directory").  Callers add context with vessel_error_wrap and pass it up;
 * only the CLI prints it. */
#ifndef VESSEL_ERROR_H
#define VESSEL_ERROR_H

#include <errno.h>

typedef struct vessel_error
{
  int code; /* a positive errno value */
  char *msg;
} vessel_error;

/* Sets *err to `fmt` and returns -code. */
int vessel_fail (vessel_error **err, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Sets *err to "`fmt`: strerror(errnum)" and returns -errnum.  Pass errno
   directly: it is read before anything can change it. */
int vessel_fail_errno (vessel_error **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefixes the message in *err with "`fmt`: " and returns ret unchanged. */
int vessel_error_wrap (vessel_error **err, int ret, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Takes over a message from libocispec-lite. */
int vessel_fail_take (vessel_error **err, int ret, char *msg);

void vessel_error_free (vessel_error *e);
void vessel_error_freep (vessel_error **e);
#define cleanup_error __attribute__ ((cleanup (vessel_error_freep)))

#endif
