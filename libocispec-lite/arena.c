/* A bump allocator: a parsed document is many small strings and structs
 * that all die together, so they come from a few large zeroed chunks and
 * are released with one call. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ocispec-internal.h"

#define ARENA_CHUNK 8192
#define ARENA_ALIGN (_Alignof (max_align_t))

struct arena_chunk
{
  struct arena_chunk *next;
  size_t used;
  size_t cap;
  _Alignas (max_align_t) unsigned char data[];
};

struct oci_arena
{
  struct arena_chunk *head;
};

void
ocl_out_of_memory (void)
{
  static const char msg[] = "out of memory\n";
  if (write (STDERR_FILENO, msg, sizeof msg - 1) < 0)
    {
      /* nothing more to say */
    }
  /* Not abort(): callers may run in a raw clone3 child, where glibc's
     idea of the current thread is the parent's and abort() would signal
     the parent. */
  signal (SIGABRT, SIG_DFL);
  kill (getpid (), SIGABRT);
  _exit (134);
}

void *
ocl_xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    ocl_out_of_memory ();
  return p;
}

static struct arena_chunk *
chunk_new (size_t cap)
{
  struct arena_chunk *c = calloc (1, sizeof (*c) + cap);
  if (c == NULL)
    ocl_out_of_memory ();
  c->cap = cap;
  return c;
}

struct oci_arena *
ocl_arena_new (void)
{
  struct oci_arena *a = ocl_xmalloc (sizeof (*a));
  a->head = chunk_new (ARENA_CHUNK);
  return a;
}

void
ocl_arena_free (struct oci_arena *arena)
{
  if (arena == NULL)
    return;
  struct arena_chunk *c = arena->head;
  while (c)
    {
      struct arena_chunk *next = c->next;
      free (c);
      c = next;
    }
  free (arena);
}

void *
oci_arena_alloc (struct oci_arena *arena, size_t size)
{
  size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
  if (need < size)
    ocl_out_of_memory ();
  if (need == 0)
    need = ARENA_ALIGN; /* an empty array still needs a distinct non-NULL pointer */

  struct arena_chunk *c = arena->head;
  if (c->cap - c->used >= need)
    {
      void *p = c->data + c->used;
      c->used += need;
      return p;
    }

  if (need > ARENA_CHUNK / 4)
    {
      /* A large block gets a chunk of its own, linked behind the head so
         that the head keeps serving small allocations. */
      if (need > SIZE_MAX - sizeof (*c))
        ocl_out_of_memory ();
      struct arena_chunk *big = chunk_new (need);
      big->used = need;
      big->next = c->next;
      c->next = big;
      return big->data;
    }

  struct arena_chunk *fresh = chunk_new (ARENA_CHUNK);
  fresh->next = c;
  arena->head = fresh;
  fresh->used = need;
  return fresh->data;
}

char *
oci_arena_strdup (struct oci_arena *arena, const char *s)
{
  size_t n = strlen (s) + 1;
  char *p = oci_arena_alloc (arena, n);
  memcpy (p, s, n);
  return p;
}
