/* The generic walkers: JSON text -> yajl tree -> C struct, and C struct ->
 * yajl_gen -> JSON text, both driven by the descriptor tables. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ocispec-internal.h"

/* Deeper than anything in the spec by far; it keeps yajl_tree_free's
   recursion (and ours) off the end of the stack on hostile input. */
#define MAX_DEPTH 64
/* How much of a bad value or key an error message quotes. */
#define QUOTE_MAX 64

char *
ocl_strdup_printf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  va_start (ap, fmt);
  int r = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (r < 0)
    {
      fputs ("out of memory\n", stderr);
      ocl_out_of_memory ();
    }
  return s;
}

/* ---- messages ----------------------------------------------------------- */

/* A JSON path as a chain of stack frames: built for free on the way down,
   rendered only when something is wrong. */
struct path_seg
{
  const struct path_seg *up;
  const char *key; /* NULL: an array index */
  size_t index;
};

/* Appends s to out, escaping what would garble a terminal, at most max
   bytes of s. */
static void
put_escaped (FILE *out, const char *s, size_t max)
{
  size_t n = 0;
  for (; *s && n < max; s++, n++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        fprintf (out, "\\x%02x", c);
      else
        fputc (c, out);
    }
  if (*s)
    fputs ("...", out);
}

static bool
is_identifier (const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
    return false;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
          || (*s >= '0' && *s <= '9') || *s == '_'))
      return false;
  return true;
}

/* jq syntax: .linux.sysctl["net.ipv4.ip_forward"], .mounts[2].source */
static void
put_path (FILE *out, const struct path_seg *p)
{
  if (p == NULL)
    return;
  put_path (out, p->up);
  if (p->key == NULL)
    fprintf (out, "[%zu]", p->index);
  else if (is_identifier (p->key) && strlen (p->key) <= QUOTE_MAX)
    fprintf (out, ".%s", p->key);
  else
    {
      fputs ("[\"", out);
      put_escaped (out, p->key, QUOTE_MAX);
      fputs ("\"]", out);
    }
}

struct parse_ctx
{
  struct oci_arena *arena;
  const char *name;
  char *err;
};

static int __attribute__ ((format (printf, 3, 4)))
fail_at (struct parse_ctx *ctx, const struct path_seg *path, const char *fmt,
         ...)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  if (out == NULL)
    ocl_out_of_memory ();
  fprintf (out, "%s: ", ctx->name);
  if (path)
    {
      put_path (out, path);
      fputs (": ", out);
    }
  va_list ap;
  va_start (ap, fmt);
  vfprintf (out, fmt, ap);
  va_end (ap);
  if (fclose (out) != 0)
    ocl_out_of_memory ();
  free (ctx->err);
  ctx->err = buf;
  return -EINVAL;
}

static const char *
json_type_name (yajl_val v)
{
  if (YAJL_IS_STRING (v))
    return "string";
  if (YAJL_IS_NUMBER (v))
    return "number";
  if (YAJL_IS_OBJECT (v))
    return "object";
  if (YAJL_IS_ARRAY (v))
    return "array";
  if (YAJL_IS_TRUE (v) || YAJL_IS_FALSE (v))
    return "boolean";
  return "null";
}

static int
type_error (struct parse_ctx *ctx, const struct path_seg *path,
            const char *expected, yajl_val v)
{
  return fail_at (ctx, path, "expected %s, got %s", expected,
                  json_type_name (v));
}

/* A bad value quoted for a message: escaped and truncated. */
static char *
quote (const char *s)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  if (out == NULL)
    ocl_out_of_memory ();
  fputc ('"', out);
  put_escaped (out, s, QUOTE_MAX);
  fputc ('"', out);
  if (fclose (out) != 0)
    ocl_out_of_memory ();
  return buf;
}

/* ---- scalars ------------------------------------------------------------ */

static const struct ocl_range kind_ranges[] = {
  [OCL_INT32] = { INT32_MIN, INT32_MAX },
  [OCL_INT64] = { INT64_MIN, INT64_MAX },
  [OCL_UINT16] = { 0, UINT16_MAX },
  [OCL_UINT32] = { 0, UINT32_MAX },
  [OCL_UINT64] = { 0, UINT64_MAX },
};

static size_t
kind_size (const struct ocl_field *f)
{
  switch (f->kind)
    {
    case OCL_STRING:
      return sizeof (char *);
    case OCL_BOOL:
      return sizeof (bool);
    case OCL_INT32:
    case OCL_UINT32:
      return sizeof (uint32_t);
    case OCL_INT64:
    case OCL_UINT64:
      return sizeof (uint64_t);
    case OCL_UINT16:
      return sizeof (uint16_t);
    case OCL_ENUM:
      return sizeof (int);
    case OCL_STRMAP:
      return sizeof (struct oci_kv);
    case OCL_OBJECT:
      return ((const struct ocl_type *) f->ref)->size;
    default:
      ocl_out_of_memory ();
    }
}

static int
parse_integer (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
               void *slot, const struct path_seg *path)
{
  if (!YAJL_IS_NUMBER (v))
    return type_error (ctx, path, "integer", v);

  const char *raw = v->u.number.r;
  char shown[40];
  snprintf (shown, sizeof shown, "%.32s%s", raw, strlen (raw) > 32 ? "..." : "");
  if (strpbrk (raw, ".eE"))
    return fail_at (ctx, path, "expected integer, got number %s", shown);

  const struct ocl_range *range = f->range ? f->range : &kind_ranges[f->kind];
  bool negative = raw[0] == '-';
  int64_t s = 0;
  uint64_t u = 0;
  char *end = NULL;
  errno = 0;
  if (negative)
    s = strtoll (raw, &end, 10);
  else
    u = strtoull (raw, &end, 10);
  bool in_range = errno == 0 && end && *end == '\0'
                  && (negative ? s >= range->min
                               : u <= range->max && (range->min <= 0 || u >= (uint64_t) range->min));
  if (!in_range)
    return fail_at (ctx, path, "value %s is out of range [%" PRId64 ", %" PRIu64 "]",
                    shown, range->min, range->max);

  switch (f->kind)
    {
    case OCL_INT32:
      *(int32_t *) slot = (int32_t) (negative ? s : (int64_t) u);
      break;
    case OCL_INT64:
      *(int64_t *) slot = negative ? s : (int64_t) u;
      break;
    case OCL_UINT16:
      *(uint16_t *) slot = (uint16_t) u;
      break;
    case OCL_UINT32:
      *(uint32_t *) slot = (uint32_t) u;
      break;
    case OCL_UINT64:
      *(uint64_t *) slot = u;
      break;
    default:
      ocl_out_of_memory ();
    }
  return 0;
}

static int
parse_enum (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
            int *slot, const struct path_seg *path)
{
  if (!YAJL_IS_STRING (v))
    return type_error (ctx, path, "string", v);
  const struct ocl_enum *e = f->ref;
  for (size_t i = 0; i < e->count; i++)
    if (strcmp (e->names[i], v->u.string) == 0)
      {
        *slot = (int) i;
        return 0;
      }

  char *list = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&list, &size);
  if (out == NULL)
    ocl_out_of_memory ();
  for (size_t i = 0; i < e->count; i++)
    fprintf (out, "%s%s", i ? ", " : "", e->names[i]);
  if (fclose (out) != 0)
    ocl_out_of_memory ();
  char *q = quote (v->u.string);
  int ret = fail_at (ctx, path, "unknown value %s (expected one of: %s)", q, list);
  free (q);
  free (list);
  return ret;
}

static int parse_object (struct parse_ctx *ctx, const struct ocl_type *type,
                         yajl_val v, unsigned char *dst,
                         const struct path_seg *path);

/* One value of field f (an array element or the field itself) into slot. */
static int
parse_value (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
             void *slot, const struct path_seg *path)
{
  switch (f->kind)
    {
    case OCL_STRING:
      if (!YAJL_IS_STRING (v))
        return type_error (ctx, path, "string", v);
      *(char **) slot = oci_arena_strdup (ctx->arena, v->u.string);
      return 0;
    case OCL_BOOL:
      if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
        return type_error (ctx, path, "boolean", v);
      *(bool *) slot = YAJL_IS_TRUE (v);
      return 0;
    case OCL_INT32:
    case OCL_INT64:
    case OCL_UINT16:
    case OCL_UINT32:
    case OCL_UINT64:
      return parse_integer (ctx, f, v, slot, path);
    case OCL_ENUM:
      return parse_enum (ctx, f, v, slot, path);
    case OCL_OBJECT:
      return parse_object (ctx, f->ref, v, slot, path);
    default:
      ocl_out_of_memory ();
    }
}

/* ---- containers --------------------------------------------------------- */

static int
parse_array (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
             unsigned char *dst, const struct path_seg *path)
{
  if (!YAJL_IS_ARRAY (v))
    return type_error (ctx, path, "array", v);
  size_t n = v->u.array.len;
  size_t elem = kind_size (f);
  if (n >= SIZE_MAX / elem)
    return fail_at (ctx, path, "array too large");
  /* One zeroed element more: string arrays are also NULL-terminated, as
     execve wants its argv and envp. */
  unsigned char *items = oci_arena_alloc (ctx->arena, (n + 1) * elem);
  for (size_t i = 0; i < n; i++)
    {
      struct path_seg seg = { path, NULL, i };
      int ret = parse_value (ctx, f, v->u.array.values[i], items + i * elem, &seg);
      if (ret < 0)
        return ret;
    }
  *(void **) (dst + f->offset) = items;
  *(size_t *) (dst + f->aux) = n;
  return 0;
}

/* A JSON object whose values are strings (OCL_STRMAP) or objects of one
   type (OCL_OBJECT with OCL_MAP), stored as an array in document order. */
static int
parse_map (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
           unsigned char *dst, const struct path_seg *path)
{
  if (!YAJL_IS_OBJECT (v))
    return type_error (ctx, path, "object", v);
  size_t n = v->u.object.len;
  size_t elem = kind_size (f);
  unsigned char *items = oci_arena_alloc (ctx->arena, n * elem);
  for (size_t i = 0; i < n; i++)
    {
      const char *key = v->u.object.keys[i];
      yajl_val value = v->u.object.values[i];
      struct path_seg seg = { path, key, 0 };
      unsigned char *item = items + i * elem;
      if (f->kind == OCL_STRMAP)
        {
          if (!YAJL_IS_STRING (value))
            return type_error (ctx, &seg, "string", value);
          struct oci_kv *kv = (struct oci_kv *) item;
          kv->key = oci_arena_strdup (ctx->arena, key);
          kv->value = oci_arena_strdup (ctx->arena, value->u.string);
        }
      else
        {
          const struct ocl_type *type = f->ref;
          int ret = parse_object (ctx, type, value, item, &seg);
          if (ret < 0)
            return ret;
          *(char **) (item + type->key_offset) = oci_arena_strdup (ctx->arena, key);
        }
    }
  *(void **) (dst + f->offset) = items;
  *(size_t *) (dst + f->aux) = n;
  return 0;
}

static int
parse_field (struct parse_ctx *ctx, const struct ocl_field *f, yajl_val v,
             unsigned char *dst, const struct path_seg *path)
{
  if (f->flags & OCL_ARRAY)
    return parse_array (ctx, f, v, dst, path);
  if (f->kind == OCL_STRMAP || (f->flags & OCL_MAP))
    return parse_map (ctx, f, v, dst, path);
  if (f->kind == OCL_OBJECT && (f->flags & OCL_POINTER))
    {
      const struct ocl_type *type = f->ref;
      unsigned char *obj = oci_arena_alloc (ctx->arena, type->size);
      int ret = parse_object (ctx, type, v, obj, path);
      if (ret < 0)
        return ret;
      *(void **) (dst + f->offset) = obj;
      return 0;
    }

  int ret = parse_value (ctx, f, v, dst + f->offset, path);
  if (ret == 0 && (f->flags & OCL_HAS))
    *(bool *) (dst + f->aux) = true;
  return ret;
}

static const struct ocl_field *
find_field (const struct ocl_type *type, const char *key)
{
  for (size_t i = 0; i < type->n_fields; i++)
    if (strcmp (type->fields[i].key, key) == 0)
      return &type->fields[i];
  return NULL;
}

static int
parse_object (struct parse_ctx *ctx, const struct ocl_type *type, yajl_val v,
              unsigned char *dst, const struct path_seg *path)
{
  if (!YAJL_IS_OBJECT (v))
    return type_error (ctx, path, "object", v);

  uint64_t seen = 0;
  for (size_t i = 0; i < v->u.object.len; i++)
    {
      const char *key = v->u.object.keys[i];
      const struct ocl_field *f = find_field (type, key);
      yajl_val value = v->u.object.values[i];
      /* Unknown keys are ignored for forward compatibility; null is
         treated as absent, as Go's decoder does. */
      if (f == NULL || YAJL_IS_NULL (value))
        continue;
      struct path_seg seg = { path, f->key, 0 };
      int ret = parse_field (ctx, f, value, dst, &seg);
      if (ret < 0)
        return ret;
      seen |= UINT64_C (1) << (f - type->fields);
    }

  for (size_t i = 0; i < type->n_fields; i++)
    if ((type->fields[i].flags & OCL_REQUIRED) && !(seen & (UINT64_C (1) << i)))
      {
        struct path_seg seg = { path, type->fields[i].key, 0 };
        return fail_at (ctx, &seg, "missing required field");
      }
  return 0;
}

/* Rejects what yajl's tree would accept but we must not: nesting deep
   enough to exhaust the stack in recursive walkers, and "\u0000" escapes,
   which would silently cut a string short in a NUL-terminated tree. */
static int
prescan (struct parse_ctx *ctx, const char *text, size_t len)
{
  const char *nul = memchr (text, '\0', len);
  if (nul)
    return fail_at (ctx, NULL, "NUL byte at offset %zu", (size_t) (nul - text));

  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '"')
            in_string = false;
          else if (c == '\\' && i + 1 < len)
            {
              if (text[i + 1] == 'u' && len - i >= 6 && memcmp (text + i + 2, "0000", 4) == 0)
                return fail_at (ctx, NULL, "string with a \\u0000 escape at offset %zu", i);
              i++;
            }
          continue;
        }
      if (c == '"')
        in_string = true;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_DEPTH)
            return fail_at (ctx, NULL, "nested deeper than %d levels at offset %zu",
                            MAX_DEPTH, i);
        }
      else if (c == '}' || c == ']')
        depth--;
    }
  return 0;
}

int
ocl_parse (const struct ocl_type *type, const char *name, const char *text,
           size_t len, struct oci_arena *arena, void *dst, char **err)
{
  struct parse_ctx ctx = { arena, name, NULL };
  int ret = prescan (&ctx, text, len);
  if (ret < 0)
    {
      *err = ctx.err;
      return ret;
    }

  char errbuf[256];
  errbuf[0] = '\0';
  yajl_val tree = yajl_tree_parse (text, errbuf, sizeof errbuf);
  if (tree == NULL)
    {
      /* yajl's message continues with a picture of the input on later
         lines; the first line says what is wrong. */
      errbuf[strcspn (errbuf, "\n")] = '\0';
      *err = ocl_strdup_printf ("%s: invalid JSON: %s", name,
                                errbuf[0] ? errbuf : "parse error");
      return -EINVAL;
    }

  ret = parse_object (&ctx, type, tree, dst, NULL);
  yajl_tree_free (tree);
  if (ret < 0)
    *err = ctx.err;
  return ret;
}

int
oci_read_document (const char *path, const char *name, bool pipe_ok, char **text,
                   size_t *len, char **err)
{
  /* O_NONBLOCK: what is neither a file nor a pipe (a device, a fifo when
     pipes are not taken) is refused without waiting for it to open. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int e = errno;
      *err = ocl_strdup_printf ("open `%s`: %s", path, strerror (e));
      return -e;
    }

  struct stat st;
  int ret = 0;
  char *buf = NULL;
  if (fstat (fd, &st) < 0)
    {
      ret = -errno;
      *err = ocl_strdup_printf ("stat `%s`: %s", path, strerror (-ret));
      goto out;
    }
  if (pipe_ok && S_ISFIFO (st.st_mode))
    {
      /* Opened again, as cat would: a named pipe's writer may come later
         (an open without it would read as empty), an anonymous one's is
         there, and reads then wait for what it writes. */
      char self[64];
      snprintf (self, sizeof self, "/proc/self/fd/%d", fd);
      int again = open (self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (again < 0)
        {
          ret = -errno;
          *err = ocl_strdup_printf ("open `%s`: %s", path, strerror (-ret));
          goto out;
        }
      close (fd);
      fd = again;
    }
  else if (!S_ISREG (st.st_mode))
    {
      ret = -EINVAL;
      *err = ocl_strdup_printf ("%s: `%s` is not a regular file%s", name, path, pipe_ok ? " or a pipe" : "");
      goto out;
    }
  if ((uint64_t) st.st_size > OCL_MAX_DOCUMENT)
    {
      ret = -EFBIG;
      *err = ocl_strdup_printf ("%s: larger than %u MiB", name, OCL_MAX_DOCUMENT >> 20);
      goto out;
    }

  /* st_size is a hint: read until EOF, within the limit. */
  size_t cap = (size_t) st.st_size + 1, used = 0;
  buf = ocl_xmalloc (cap + 1);
  for (;;)
    {
      if (used == cap)
        {
          if (cap > OCL_MAX_DOCUMENT)
            {
              ret = -EFBIG;
              *err = ocl_strdup_printf ("%s: larger than %u MiB", name, OCL_MAX_DOCUMENT >> 20);
              goto out;
            }
          cap *= 2;
          char *bigger = realloc (buf, cap + 1);
          if (bigger == NULL)
            ocl_out_of_memory ();
          buf = bigger;
        }
      ssize_t r = read (fd, buf + used, cap - used);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          ret = -errno;
          *err = ocl_strdup_printf ("read `%s`: %s", path, strerror (-ret));
          goto out;
        }
      if (r == 0)
        break;
      used += (size_t) r;
    }
  buf[used] = '\0';
  *text = buf;
  *len = used;
  buf = NULL;
out:
  free (buf);
  close (fd);
  return ret;
}

/* ---- generation --------------------------------------------------------- */

struct gen_ctx
{
  yajl_gen g;
  const struct ocl_field *skip;
  char *err;
};

static int
gen_check (struct gen_ctx *ctx, yajl_gen_status st, const char *what)
{
  if (st == yajl_gen_status_ok)
    return 0;
  if (ctx->err == NULL)
    ctx->err = ocl_strdup_printf ("cannot write %s as JSON (yajl_gen status %d)",
                                  what, (int) st);
  return -EINVAL;
}

static int
gen_integer_text (struct gen_ctx *ctx, const char *digits)
{
  return gen_check (ctx, yajl_gen_number (ctx->g, digits, strlen (digits)), "a number");
}

static int
gen_string (struct gen_ctx *ctx, const char *s)
{
  return gen_check (ctx,
                    yajl_gen_string (ctx->g, (const unsigned char *) s, strlen (s)),
                    "a string (invalid UTF-8?)");
}

static int gen_object (struct gen_ctx *ctx, const struct ocl_type *type,
                       const unsigned char *src);

static int
gen_value (struct gen_ctx *ctx, const struct ocl_field *f, const void *slot)
{
  char digits[32];
  switch (f->kind)
    {
    case OCL_STRING:
      {
        const char *s = *(char *const *) slot;
        return gen_string (ctx, s ? s : "");
      }
    case OCL_BOOL:
      return gen_check (ctx, yajl_gen_bool (ctx->g, *(const bool *) slot), "a boolean");
    case OCL_INT32:
      snprintf (digits, sizeof digits, "%" PRId32, *(const int32_t *) slot);
      return gen_integer_text (ctx, digits);
    case OCL_INT64:
      snprintf (digits, sizeof digits, "%" PRId64, *(const int64_t *) slot);
      return gen_integer_text (ctx, digits);
    case OCL_UINT16:
      snprintf (digits, sizeof digits, "%" PRIu16, *(const uint16_t *) slot);
      return gen_integer_text (ctx, digits);
    case OCL_UINT32:
      snprintf (digits, sizeof digits, "%" PRIu32, *(const uint32_t *) slot);
      return gen_integer_text (ctx, digits);
    case OCL_UINT64:
      snprintf (digits, sizeof digits, "%" PRIu64, *(const uint64_t *) slot);
      return gen_integer_text (ctx, digits);
    case OCL_ENUM:
      {
        const struct ocl_enum *e = f->ref;
        int v = *(const int *) slot;
        if (v < 0 || (size_t) v >= e->count)
          {
            ctx->err = ocl_strdup_printf ("%s: enumeration value %d out of range", f->key, v);
            return -EINVAL;
          }
        return gen_string (ctx, e->names[v]);
      }
    case OCL_OBJECT:
      return gen_object (ctx, f->ref, slot);
    default:
      ocl_out_of_memory ();
    }
}

static bool
scalar_is_zero (const struct ocl_field *f, const unsigned char *slot)
{
  switch (f->kind)
    {
    case OCL_BOOL:
      return !*(const bool *) slot;
    case OCL_INT32:
    case OCL_UINT32:
      return *(const uint32_t *) slot == 0;
    case OCL_INT64:
    case OCL_UINT64:
      return *(const uint64_t *) slot == 0;
    case OCL_UINT16:
      return *(const uint16_t *) slot == 0;
    case OCL_ENUM:
      return *(const int *) slot == 0;
    default:
      return false;
    }
}

/* Whether a field of src is written at all (Go's omitempty, by presence). */
static bool
field_present (const struct ocl_field *f, const unsigned char *src)
{
  const unsigned char *slot = src + f->offset;
  if ((f->flags & (OCL_ARRAY | OCL_POINTER | OCL_MAP)) || f->kind == OCL_STRMAP
      || f->kind == OCL_STRING)
    return *(void *const *) slot != NULL;
  if (f->flags & OCL_HAS)
    return *(const bool *) (src + f->aux);
  if (f->flags & OCL_OMITEMPTY)
    return !scalar_is_zero (f, slot);
  return true;
}

static int
gen_field (struct gen_ctx *ctx, const struct ocl_field *f, const unsigned char *src)
{
  const unsigned char *slot = src + f->offset;
  int ret;

  if (f->flags & OCL_ARRAY)
    {
      const unsigned char *items = *(const unsigned char *const *) slot;
      size_t n = *(const size_t *) (src + f->aux), elem = kind_size (f);
      if ((ret = gen_check (ctx, yajl_gen_array_open (ctx->g), "an array")) < 0)
        return ret;
      for (size_t i = 0; i < n; i++)
        if ((ret = gen_value (ctx, f, items + i * elem)) < 0)
          return ret;
      return gen_check (ctx, yajl_gen_array_close (ctx->g), "an array");
    }

  if (f->kind == OCL_STRMAP || (f->flags & OCL_MAP))
    {
      const unsigned char *items = *(const unsigned char *const *) slot;
      size_t n = *(const size_t *) (src + f->aux), elem = kind_size (f);
      if ((ret = gen_check (ctx, yajl_gen_map_open (ctx->g), "an object")) < 0)
        return ret;
      for (size_t i = 0; i < n; i++)
        {
          const unsigned char *item = items + i * elem;
          if (f->kind == OCL_STRMAP)
            {
              const struct oci_kv *kv = (const struct oci_kv *) item;
              if ((ret = gen_string (ctx, kv->key ? kv->key : "")) < 0
                  || (ret = gen_string (ctx, kv->value ? kv->value : "")) < 0)
                return ret;
            }
          else
            {
              const struct ocl_type *type = f->ref;
              const char *key = *(char *const *) (item + type->key_offset);
              if ((ret = gen_string (ctx, key ? key : "")) < 0
                  || (ret = gen_object (ctx, type, item)) < 0)
                return ret;
            }
        }
      return gen_check (ctx, yajl_gen_map_close (ctx->g), "an object");
    }

  if (f->kind == OCL_OBJECT && (f->flags & OCL_POINTER))
    return gen_object (ctx, f->ref, *(const unsigned char *const *) slot);

  return gen_value (ctx, f, slot);
}

static int
gen_object (struct gen_ctx *ctx, const struct ocl_type *type, const unsigned char *src)
{
  int ret = gen_check (ctx, yajl_gen_map_open (ctx->g), "an object");
  for (size_t i = 0; ret == 0 && i < type->n_fields; i++)
    {
      const struct ocl_field *f = &type->fields[i];
      if (f == ctx->skip || !field_present (f, src))
        continue;
      ret = gen_string (ctx, f->key);
      if (ret == 0)
        ret = gen_field (ctx, f, src);
    }
  if (ret == 0)
    ret = gen_check (ctx, yajl_gen_map_close (ctx->g), "an object");
  return ret;
}

int
ocl_generate (const struct ocl_type *type, const void *src, unsigned flags,
              const struct ocl_field *skip, char **out, size_t *len, char **err)
{
  struct gen_ctx ctx = { yajl_gen_alloc (NULL), skip, NULL };
  if (ctx.g == NULL)
    ocl_out_of_memory ();
  yajl_gen_config (ctx.g, yajl_gen_validate_utf8, 1);
  if (flags & OCI_GEN_PRETTY)
    {
      yajl_gen_config (ctx.g, yajl_gen_beautify, 1);
      yajl_gen_config (ctx.g, yajl_gen_indent_string, "\t");
    }

  int ret = gen_object (&ctx, type, src);
  if (ret == 0)
    {
      const unsigned char *buf;
      size_t n;
      yajl_gen_get_buf (ctx.g, &buf, &n);
      /* beautify ends the document with a newline already */
      bool add_newline = (flags & OCI_GEN_NEWLINE) && !(n && buf[n - 1] == '\n');
      if ((flags & OCI_GEN_PRETTY) && !(flags & OCI_GEN_NEWLINE) && n && buf[n - 1] == '\n')
        n--;
      char *text = ocl_xmalloc (n + 2);
      memcpy (text, buf, n);
      if (add_newline)
        text[n++] = '\n';
      text[n] = '\0';
      *out = text;
      if (len)
        *len = n;
    }
  else
    *err = ctx.err;
  yajl_gen_free (ctx.g);
  return ret;
}
