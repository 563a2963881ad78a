/* Shared by the unit tests that build plans from config.json fixtures. */
#ifndef VESSEL_TEST_FIXTURE_H
#define VESSEL_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

static void __attribute__ ((noreturn))
bail_out (const char *why)
{
  printf ("Bail out! %s\n", why);
  exit (1);
}

/* A fixture that does not parse is the test's own bug: stop there. */
static struct oci_config *
parse_config (const char *json)
{
  struct oci_config *c = NULL;
  char *err = NULL;
  if (oci_config_parse_data ("config.json", json, strlen (json), &c, &err) < 0)
    {
      printf ("# fixture does not parse: %s\n", err);
      free (err);
      bail_out ("a config fixture does not parse");
    }
  return c;
}

#endif
