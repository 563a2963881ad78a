/* Shared by the fuzz targets that take their input as one C string. */
#ifndef VESSEL_FUZZ_INPUT_H
#define VESSEL_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* data[0..size) as a malloc'ed, NUL-terminated string (NULL if out of
   memory); an embedded NUL ends it early, as it would in a real caller. */
static inline char *
fuzz_input_string (const uint8_t *data, size_t size)
{
  char *text = malloc (size + 1);
  if (text == NULL)
    return NULL;
  memcpy (text, data, size);
  text[size] = '\0';
  return text;
}

#endif
