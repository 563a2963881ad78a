/* Keeping the vessel binary out of the container's reach (CVE-2019-5736).
 *
 * The init is a clone of vessel: until it execs the container's program,
 * /proc/<init>/exe is the vessel binary.  Two things guard it:
 *
 *  1. The init is non-dumpable (PR_SET_DUMPABLE 0, see init.c), so no
 *     process in the container can open /proc/<init>/exe, ptrace it or
 *     read its memory.
 *  2. What the init is exec'ing can still refer to it: a container image
 *     whose program is a script starting with "#!/proc/self/exe" makes the
 *     kernel resolve the interpreter in the init itself, and the container
 *     then runs vessel's own image, loading the image's shared libraries,
 *     which could open /proc/self/exe for writing once vessel exits.  So
 *     vessel never runs from a file the container could write: before it
 *     creates a container process it re-executes itself through a
 *     read-only bind mount of its binary, detached (no path leads to it,
 *     and only a mount in the caller's namespace could be made writable
 *     again), unless it already runs from a read-only mount or a sealed
 *     memfd.  Nothing is copied: the kernel maps the same pages.  Where
 *     the mount API is missing or refused, the fallback is a sealed memfd
 *     copy (F_SEAL_WRITE | SHRINK | GROW | SEAL).
 */
#ifndef VESSEL_EXE_SEAL_H
#define VESSEL_EXE_SEAL_H

#include "error.h"

/* Returns 0 when the running binary is already safe; otherwise execs the
   read-only image (or sealed copy) with argv and returns only on failure. */
int vessel_exe_ensure_sealed (char **argv, vessel_error **err);

#endif
