/* Hooks (config.json's hooks): programs the runtime runs at the moments
 * of the lifecycle runtime.md gives, each with the container's state on
 * its stdin.
 *
 *   prestart, createRuntime  vessel, when the init is set up but has not
 *                            pivoted yet (runtime namespace)
 *   createContainer          the init, at the same point (container
 *                            namespaces, paths resolved on the host)
 *   startContainer           the init, at start, right before execve (in
 *                            the container, with the process's user,
 *                            capabilities, no_new_privs and seccomp filter)
 *   poststart                vessel, once the process runs, before start
 *                            returns; a failure stops the container
 *   poststop                 vessel, once delete has removed the
 *                            container; a failure is only a warning */
#ifndef VESSEL_HOOKS_H
#define VESSEL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ocispec.h"

/* runtime-spec's State as hooks read it, compact, the bytes runc writes:
   ociVersion, id, status, pid, bundle, annotations.  malloc'ed. */
char *vessel_hook_state (const struct oci_state *s, int status, size_t *len);

/* Runs hooks[0..n) in order, each with `state` on stdin, its args and env,
   killed after its timeout; stops at the first that fails, unless
   keep_going (poststop): then a failure is logged as a warning and the
   rest run.  `phase` names them in messages ("createRuntime"). */
int vessel_hooks_run (const struct oci_hook *hooks, size_t n, const char *phase, const char *state,
                      size_t len, bool keep_going, vessel_error **err);

#endif
