/* libocispec-lite internals: the descriptor tables that describe each C
 * struct of ocispec.h field by field, and the generic walkers over them. */
#ifndef OCISPEC_INTERNAL_H
#define OCISPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ocispec.h"

enum ocl_kind
{
  OCL_STRING,
  OCL_BOOL,
  OCL_INT32,
  OCL_INT64,
  OCL_UINT16,
  OCL_UINT32,
  OCL_UINT64,
  OCL_ENUM,   /* stored as int: the index in the field's ocl_enum */
  OCL_OBJECT, /* described by an ocl_type */
  OCL_STRMAP, /* a JSON object of strings, stored as struct oci_kv[] */
};

enum ocl_flag
{
  OCL_REQUIRED = 1 << 0,
  OCL_ARRAY = 1 << 1,     /* T * at offset, size_t count at aux */
  OCL_HAS = 1 << 2,       /* scalar whose presence is a bool at aux */
  OCL_POINTER = 1 << 3,   /* object: T * at offset, NULL when absent */
  OCL_MAP = 1 << 4,       /* object: a JSON object of objects, stored as an
                             array; each element keeps its key at the
                             type's key_offset */
  OCL_OMITEMPTY = 1 << 5, /* scalar: not written when zero or false */
};

/* An inclusive range; a negative value is checked against min, a
   non-negative one against max. */
struct ocl_range
{
  int64_t min;
  uint64_t max;
};

struct ocl_enum
{
  const char *const *names;
  size_t count;
};

struct ocl_field
{
  const char *key;
  uint8_t kind;
  uint8_t flags;
  uint16_t offset;
  uint16_t aux;
  const void *ref; /* struct ocl_type * or struct ocl_enum * */
  const struct ocl_range *range; /* NULL: the kind's own range */
};

struct ocl_type
{
  const char *name;
  size_t size;
  const struct ocl_field *fields;
  size_t n_fields;
  uint16_t key_offset; /* for OCL_MAP elements: where the key is stored */
};

/* Parses NUL-terminated `text` (len bytes before the NUL) as an object of
   `type` into a zeroed `dst` allocated in `arena`. */
int ocl_parse (const struct ocl_type *type, const char *name, const char *text,
               size_t len, struct oci_arena *arena, void *dst, char **err);

/* The largest document oci_read_document reads. */
#define OCL_MAX_DOCUMENT (16u << 20)

/* Writes `src` as JSON.  `skip` is a field left out wherever it appears
   (the state's private part), or NULL. */
int ocl_generate (const struct ocl_type *type, const void *src, unsigned flags,
                  const struct ocl_field *skip, char **out, size_t *len,
                  char **err);

/* The root descriptors, for tests that walk the whole model. */
const struct ocl_type *ocl_config_type (void);
const struct ocl_type *ocl_state_type (void);

struct oci_arena *ocl_arena_new (void);
void ocl_arena_free (struct oci_arena *arena);

/* Ends the process on exhausted memory or a broken invariant. */
void ocl_out_of_memory (void) __attribute__ ((noreturn));

/* asprintf that aborts on failure. */
char *ocl_strdup_printf (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));
void *ocl_xmalloc (size_t size);

#endif
