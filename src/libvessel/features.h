/* The runtime-spec features document and the --version features line,
 * both derived from the tables the runtime itself uses. */
#ifndef VESSEL_FEATURES_H
#define VESSEL_FEATURES_H

#include "error.h"
#include "ocispec.h"

int vessel_features_build (struct oci_features **out, vessel_error **err);

/* "+CAP +SECCOMP ...": what this build can do, for `vessel --version`. */
char *vessel_compiled_features (void);

#endif
