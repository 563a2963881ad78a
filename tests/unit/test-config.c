/* libocispec-lite: every field round-trips, and every kind of bad input
 * gets its precise error.  The bad inputs for wrong types, ranges and
 * missing fields are generated from the descriptor tables themselves, so
 * a field added to the model is tested without touching this file. */
#include <config.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "ocispec-internal.h"
#include "ocispec.h"
#include "tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static char *
data_path (const char *name)
{
  const char *top = getenv ("VESSEL_SRCDIR");
  char *p = NULL;
  if (asprintf (&p, "%s/tests/unit/data/%s", top ? top : TOP_SRCDIR, name) < 0)
    abort ();
  return p;
}

/* Parses text; returns the error message (malloc'ed) or NULL on success. */
static char *
parse_error (const char *text, size_t len)
{
  struct oci_config *c = NULL;
  char *err = NULL;
  if (oci_config_parse_data ("config.json", text, len, &c, &err) == 0)
    {
      oci_config_free (c);
      return NULL;
    }
  return err ? err : strdup ("(error without a message)");
}

static void
expect_error (const char *text, const char *want, const char *what)
{
  char *err = parse_error (text, strlen (text));
  is_str (err, want, "%s", what);
  free (err);
}

static void
expect_error_prefix (const char *text, size_t len, const char *want, const char *what)
{
  char *err = parse_error (text, len);
  bool good = err && strncmp (err, want, strlen (want)) == 0;
  ok (good, "%s", what);
  if (!good)
    printf ("#   got:  %s\n#   want: %s...\n", err ? err : "(success)", want);
  free (err);
}

/* ---- JSON trees compared by value (object keys in any order) ------------ */

static bool
tree_equal (yajl_val a, yajl_val b)
{
  if (a->type != b->type)
    return false;
  switch (a->type)
    {
    case yajl_t_string:
      return strcmp (a->u.string, b->u.string) == 0;
    case yajl_t_number:
      return strcmp (a->u.number.r, b->u.number.r) == 0;
    case yajl_t_array:
      if (a->u.array.len != b->u.array.len)
        return false;
      for (size_t i = 0; i < a->u.array.len; i++)
        if (!tree_equal (a->u.array.values[i], b->u.array.values[i]))
          return false;
      return true;
    case yajl_t_object:
      if (a->u.object.len != b->u.object.len)
        return false;
      for (size_t i = 0; i < a->u.object.len; i++)
        {
          bool found = false;
          for (size_t j = 0; j < b->u.object.len && !found; j++)
            if (strcmp (a->u.object.keys[i], b->u.object.keys[j]) == 0)
              {
                if (!tree_equal (a->u.object.values[i], b->u.object.values[j]))
                  {
                    printf ("#   differs at key %s\n", a->u.object.keys[i]);
                    return false;
                  }
                found = true;
              }
          if (!found)
            {
              printf ("#   key %s missing\n", a->u.object.keys[i]);
              return false;
            }
        }
      return true;
    default:
      return true;
    }
}

static char *
slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return NULL;
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream (&buf, &size);
  char chunk[4096];
  size_t n;
  while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, out);
  fclose (f);
  fclose (out);
  *len = size;
  return buf;
}

/* Does the document have a value at every field of the model?  Walks the
   descriptors and the tree together; a field inside an array or a map is
   covered when any element has it. */
static void
check_coverage (const struct ocl_type *type, yajl_val *objs, size_t n_objs, const char *path)
{
  for (size_t i = 0; i < type->n_fields; i++)
    {
      const struct ocl_field *f = &type->fields[i];
      const char *keys[] = { f->key, NULL };
      yajl_val found[256];
      size_t n_found = 0;
      bool present = false;
      for (size_t k = 0; k < n_objs; k++)
        {
          yajl_val v = yajl_tree_get (objs[k], keys, yajl_t_any);
          if (v == NULL)
            continue;
          present = true;
          if ((f->flags & OCL_ARRAY) && YAJL_IS_ARRAY (v))
            for (size_t j = 0; j < v->u.array.len && n_found < 256; j++)
              found[n_found++] = v->u.array.values[j];
          else if ((f->flags & OCL_MAP) && YAJL_IS_OBJECT (v))
            for (size_t j = 0; j < v->u.object.len && n_found < 256; j++)
              found[n_found++] = v->u.object.values[j];
          else if (n_found < 256)
            found[n_found++] = v;
        }
      char sub[512];
      snprintf (sub, sizeof sub, "%s.%s", path, f->key);
      /* An object needs an instance to check its own fields against. */
      if (!present || (f->kind == OCL_OBJECT && n_found == 0))
        {
          ok (false, "the full config sets %s", sub);
          continue;
        }
      if (f->kind == OCL_OBJECT)
        check_coverage (f->ref, found, n_found, sub);
    }
}

static void
test_full_round_trip (void)
{
  char *path = data_path ("full-config.json");
  size_t len = 0;
  char *text = slurp (path, &len);
  free (path);
  if (!ok (text != NULL, "read full-config.json"))
    return;

  char errbuf[256];
  yajl_val original = yajl_tree_parse (text, errbuf, sizeof errbuf);
  ok (original != NULL, "full-config.json is JSON");
  int before = tap_failures;
  check_coverage (ocl_config_type (), &original, 1, "");
  ok (tap_failures == before, "full-config.json sets every field of the model");

  struct oci_config *c = NULL;
  char *err = NULL;
  int ret = oci_config_parse_data ("config.json", text, len, &c, &err);
  ok (ret == 0, "the full config parses%s%s", err ? ": " : "", err ? err : "");
  free (err);
  if (ret < 0)
    {
      yajl_tree_free (original);
      free (text);
      return;
    }

  /* Spot checks that values land in the right members. */
  ok (c->process->user.additional_gids_len == 3 && c->process->user.additional_gids[2] == UINT32_MAX,
      "uint32 array keeps its full range");
  ok (c->process->rlimits[0].hard == UINT64_MAX, "uint64 keeps its full range");
  ok (c->process->has_oom_score_adj && c->process->oom_score_adj == -1000, "negative int32");
  ok (c->linux->resources->memory->has_swap && c->linux->resources->memory->swap == -1, "-1 where allowed");
  ok (c->linux->namespaces_len == 8 && c->linux->namespaces[1].type == OCI_NS_NETWORK,
      "namespace types become enums");
  ok (c->linux->net_devices_len == 2 && strcmp (c->linux->net_devices[0].host_name, "eth1") == 0
          && strcmp (c->linux->net_devices[0].name, "ctr1") == 0,
      "maps of objects keep their keys");
  ok (c->linux->has_rootfs_propagation && c->linux->rootfs_propagation == OCI_PROPAGATION_RSLAVE,
      "optional enum");
  ok (c->linux->devices[3].type == OCI_DEVICE_UNBUFFERED, "device type u");
  ok (strcmp (oci_kv_get (c->annotations, c->annotations_len, "com.example.empty"), "") == 0,
      "empty annotation value kept");
  ok (c->hooks->poststop[0].args != NULL && c->hooks->poststop[0].args_len == 0,
      "an empty array is present, not absent");

  char *out = NULL;
  ret = oci_config_generate (c, 0, &out, &len, &err);
  ok (ret == 0, "the full config is written back");
  yajl_val again = ret == 0 ? yajl_tree_parse (out, errbuf, sizeof errbuf) : NULL;
  ok (again && tree_equal (original, again), "every field round-trips");

  /* A second round gives the same bytes. */
  struct oci_config *c2 = NULL;
  char *out2 = NULL;
  ret = oci_config_parse_data ("config.json", out, len, &c2, &err);
  ok (ret == 0 && oci_config_generate (c2, 0, &out2, NULL, &err) == 0 && strcmp (out, out2) == 0,
      "generation is stable");
  oci_config_free (c2);
  free (out2);

  char *pretty = NULL;
  ok (oci_config_generate (c, OCI_GEN_PRETTY | OCI_GEN_NEWLINE, &pretty, NULL, &err) == 0
          && strstr (pretty, "\n\t\"process\": {") && pretty[strlen (pretty) - 1] == '\n',
      "pretty output is tab-indented and ends with a newline");
  free (pretty);

  if (again)
    yajl_tree_free (again);
  yajl_tree_free (original);
  free (out);
  free (text);
  oci_config_free (c);
}

/* ---- errors generated from the descriptors --------------------------------- */

/* One step from an object down to a field: the chain from the document's
   root to the field under test. */
struct step
{
  const struct ocl_type *type;
  const struct ocl_field *field;
};

static void minimal_object (FILE *out, const struct ocl_type *type, const struct ocl_field *except);

static void
minimal_scalar (FILE *out, const struct ocl_field *f)
{
  switch (f->kind)
    {
    case OCL_STRING:
      fputs ("\"x\"", out);
      break;
    case OCL_BOOL:
      fputs ("true", out);
      break;
    case OCL_ENUM:
      fprintf (out, "\"%s\"", ((const struct ocl_enum *) f->ref)->names[0]);
      break;
    case OCL_OBJECT:
      minimal_object (out, f->ref, NULL);
      break;
    default:
      fputs ("1", out);
      break;
    }
}

static void
minimal_value (FILE *out, const struct ocl_field *f)
{
  if (f->flags & OCL_ARRAY)
    fputs ("[]", out);
  else if (f->kind == OCL_STRMAP || (f->flags & OCL_MAP))
    fputs ("{}", out);
  else
    minimal_scalar (out, f);
}

/* An object with only its required fields (and not `except`), valid. */
static void
minimal_object (FILE *out, const struct ocl_type *type, const struct ocl_field *except)
{
  bool first = true;
  fputc ('{', out);
  for (size_t i = 0; i < type->n_fields; i++)
    {
      const struct ocl_field *f = &type->fields[i];
      if (!(f->flags & OCL_REQUIRED) || f == except)
        continue;
      fprintf (out, "%s\"%s\":", first ? "" : ",", f->key);
      minimal_value (out, f);
      first = false;
    }
  fputc ('}', out);
}

enum descend
{
  INTO_VALUE,   /* the field's value itself */
  INTO_ELEMENT, /* element [0] of an array, or entry "k" of a map */
};

/* Writes the chain steps[i..n) as JSON: each level is a minimal object
   plus the next step's key.  The last step's value is `leaf` (placed in
   an array or map when `how` says so).  The expected path goes to *path. */
static void
emit_chain (FILE *out, FILE *path, const struct step *steps, size_t i, size_t n,
            const char *leaf, enum descend how)
{
  const struct step *s = &steps[i];
  fputc ('{', out);
  bool first = true;
  for (size_t k = 0; k < s->type->n_fields; k++)
    {
      const struct ocl_field *f = &s->type->fields[k];
      if ((f->flags & OCL_REQUIRED) && f != s->field)
        {
          fprintf (out, "%s\"%s\":", first ? "" : ",", f->key);
          minimal_value (out, f);
          first = false;
        }
    }
  if (s->field == NULL) /* a missing-field test stops at the parent */
    {
      fputc ('}', out);
      return;
    }
  fprintf (out, "%s\"%s\":", first ? "" : ",", s->field->key);
  fprintf (path, ".%s", s->field->key);

  bool last = i + 1 == n;
  bool element = !last || how == INTO_ELEMENT;
  bool in_array = element && (s->field->flags & OCL_ARRAY);
  bool in_map = element && ((s->field->flags & OCL_MAP) || s->field->kind == OCL_STRMAP);
  if (in_array)
    {
      fputc ('[', out);
      fputs ("[0]", path);
    }
  else if (in_map)
    {
      fputs ("{\"k\":", out);
      fputs (".k", path);
    }
  if (last)
    fputs (leaf, out);
  else
    emit_chain (out, path, steps, i + 1, n, leaf, how);
  if (in_array)
    fputc (']', out);
  else if (in_map)
    fputc ('}', out);
  fputc ('}', out);
}

static void
check_chain (const struct step *steps, size_t n, const char *leaf, enum descend how,
             const char *problem, bool prefix_only)
{
  char *doc = NULL, *path = NULL;
  size_t doc_len = 0, path_len = 0;
  FILE *out = open_memstream (&doc, &doc_len);
  FILE *p = open_memstream (&path, &path_len);
  emit_chain (out, p, steps, 0, n, leaf, how);
  fclose (out);
  fclose (p);

  char *want = NULL;
  if (asprintf (&want, "config.json: %s: %s", path, problem) < 0)
    abort ();
  char *what = NULL;
  if (asprintf (&what, "%s = %s: %s", path, leaf, problem) < 0)
    abort ();
  if (prefix_only)
    expect_error_prefix (doc, doc_len, want, what);
  else
    {
      char *err = parse_error (doc, doc_len);
      is_str (err, want, "%s", what);
      if (err && strcmp (err, want) != 0)
        printf ("#   document: %s\n", doc);
      free (err);
    }
  free (what);
  free (want);
  free (doc);
  free (path);
}

static const char *
kind_expected (const struct ocl_field *f)
{
  switch (f->kind)
    {
    case OCL_STRING:
    case OCL_ENUM:
      return "string";
    case OCL_BOOL:
      return "boolean";
    case OCL_OBJECT:
    case OCL_STRMAP:
      return "object";
    default:
      return "integer";
    }
}

/* A value of the wrong JSON type for an element of kind f, and its name. */
static void
wrong_scalar (const struct ocl_field *f, const char **leaf, const char **got)
{
  if (f->kind == OCL_STRING || f->kind == OCL_ENUM || f->kind == OCL_OBJECT || f->kind == OCL_STRMAP)
    {
      *leaf = "1";
      *got = "number";
    }
  else
    {
      *leaf = "\"1\"";
      *got = "string";
    }
}

struct int_bounds
{
  const char *above;
  const char *below;
  int64_t min;
  uint64_t max;
};

static struct int_bounds
bounds_of (const struct ocl_field *f)
{
  static char above[32], below[32];
  struct int_bounds b = { 0 };
  switch (f->kind)
    {
    case OCL_INT32:
      b = (struct int_bounds) { "2147483648", "-2147483649", INT32_MIN, INT32_MAX };
      break;
    case OCL_INT64:
      b = (struct int_bounds) { "9223372036854775808", "-9223372036854775809", INT64_MIN, INT64_MAX };
      break;
    case OCL_UINT16:
      b = (struct int_bounds) { "65536", "-1", 0, UINT16_MAX };
      break;
    case OCL_UINT32:
      b = (struct int_bounds) { "4294967296", "-1", 0, UINT32_MAX };
      break;
    default:
      b = (struct int_bounds) { "18446744073709551616", "-1", 0, UINT64_MAX };
      break;
    }
  if (f->range)
    {
      b.min = f->range->min;
      b.max = f->range->max;
      if (b.max < UINT64_MAX)
        {
          snprintf (above, sizeof above, "%" PRIu64, b.max + 1);
          b.above = above;
        }
      snprintf (below, sizeof below, "%" PRId64, b.min - 1);
      b.below = below;
    }
  return b;
}

static int checked_fields;

/* The object holding f, with f left out, at the end of the chain. */
static void
check_missing (const struct step *steps, size_t depth, const struct ocl_field *f)
{
  char *parent = NULL, *doc = NULL, *path = NULL, *want = NULL;
  size_t parent_len = 0, doc_len = 0, path_len = 0;
  FILE *po = open_memstream (&parent, &parent_len);
  minimal_object (po, steps[depth - 1].type, f);
  fclose (po);

  FILE *out = open_memstream (&doc, &doc_len);
  FILE *p = open_memstream (&path, &path_len);
  if (depth == 1)
    fputs (parent, out);
  else
    emit_chain (out, p, steps, 0, depth - 1, parent, INTO_ELEMENT);
  fclose (out);
  fclose (p);

  if (asprintf (&want, "config.json: %s.%s: missing required field", path, f->key) < 0)
    abort ();
  char *err = parse_error (doc, doc_len);
  is_str (err, want, "missing %s.%s is an error", path, f->key);
  free (err);
  free (want);
  free (parent);
  free (doc);
  free (path);
}

/* For every field under type: wrong types, out-of-range numbers, unknown
   enumeration values, missing required fields; then recurse. */
static void
walk (struct step *steps, size_t depth)
{
  const struct ocl_type *type = steps[depth - 1].type;
  for (size_t i = 0; i < type->n_fields; i++)
    {
      const struct ocl_field *f = &type->fields[i];
      steps[depth - 1].field = f;
      checked_fields++;
      char problem[256];

      /* The field's own container type. */
      if (f->flags & OCL_ARRAY)
        check_chain (steps, depth, "\"x\"", INTO_VALUE, "expected array, got string", false);
      else if ((f->flags & OCL_MAP) || f->kind == OCL_STRMAP)
        check_chain (steps, depth, "[]", INTO_VALUE, "expected object, got array", false);

      /* The scalar or object (the element, for arrays and maps). */
      const char *leaf, *got;
      wrong_scalar (f, &leaf, &got);
      snprintf (problem, sizeof problem, "expected %s, got %s",
                f->kind == OCL_STRMAP ? "string" : kind_expected (f), got);
      enum descend how = (f->flags & (OCL_ARRAY | OCL_MAP)) || f->kind == OCL_STRMAP
                             ? INTO_ELEMENT : INTO_VALUE;
      check_chain (steps, depth, leaf, how, problem, false);

      if (f->kind >= OCL_INT32 && f->kind <= OCL_UINT64)
        {
          struct int_bounds b = bounds_of (f);
          if (b.above)
            {
              snprintf (problem, sizeof problem, "value %s is out of range [%" PRId64 ", %" PRIu64 "]",
                        b.above, b.min, b.max);
              check_chain (steps, depth, b.above, how, problem, false);
            }
          snprintf (problem, sizeof problem, "value %s is out of range [%" PRId64 ", %" PRIu64 "]",
                    b.below, b.min, b.max);
          check_chain (steps, depth, b.below, how, problem, false);
          check_chain (steps, depth, "1.5", how, "expected integer, got number 1.5", false);
        }
      if (f->kind == OCL_ENUM)
        check_chain (steps, depth, "\"no-such-value\"", how,
                     "unknown value \"no-such-value\" (expected one of: ", true);

      if (f->flags & OCL_REQUIRED)
        check_missing (steps, depth, f);

      if (f->kind == OCL_OBJECT && depth < 16)
        {
          steps[depth].type = f->ref;
          steps[depth].field = NULL;
          walk (steps, depth + 1);
        }
      steps[depth - 1].field = f;
    }
}

static void
test_generated_errors (void)
{
  struct step steps[16] = { { ocl_config_type (), NULL } };
  walk (steps, 1);
  ok (checked_fields > 200, "checked every field of the model (%d)", checked_fields);
}

/* ---- hand-written malformed inputs ------------------------------------------- */

static char *
repeat (const char *unit, size_t n, const char *prefix, const char *suffix)
{
  size_t ul = strlen (unit), pl = strlen (prefix), sl = strlen (suffix);
  char *s = malloc (pl + ul * n + sl + 1);
  memcpy (s, prefix, pl);
  for (size_t i = 0; i < n; i++)
    memcpy (s + pl + i * ul, unit, ul);
  memcpy (s + pl + ul * n, suffix, sl + 1);
  return s;
}

static void
test_malformed (void)
{
  expect_error ("", "config.json: invalid JSON: parse error: premature EOF", "empty input");
  expect_error_prefix ("{\"ociVersion\": \"1.0\"", 20, "config.json: invalid JSON: ", "truncated object");
  expect_error_prefix ("{\"ociVersion\": \"1.0\", \"process\": {\"cwd\": \"/\"", 44,
                       "config.json: invalid JSON: ", "truncated nested object");
  expect_error_prefix ("{} x", 4, "config.json: invalid JSON: ", "trailing garbage");
  expect_error_prefix ("{'a': 1}", 8, "config.json: invalid JSON: ", "single quotes");
  expect_error ("[]", "config.json: expected object, got array", "top level is not an object");
  expect_error ("\"x\"", "config.json: expected object, got string", "top level is a string");
  expect_error ("{}", "config.json: .ociVersion: missing required field", "empty object");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"process\":{}}",
                "config.json: .process.cwd: missing required field", "process without cwd");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
                "config.json: .linux.resources.memory.limit: expected integer, got string",
                "the issue's example message");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"bogus\"}]}}",
                "config.json: .linux.namespaces[1].type: unknown value \"bogus\" (expected one of: "
                "mount, pid, network, uts, ipc, user, cgroup, time)",
                "unknown namespace");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
                "config.json: .linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number",
                "map keys that are not identifiers are quoted in the path");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":1e3}}}",
                "config.json: .process.user.uid: expected integer, got number 1e3", "exponent");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":-0.5}}}",
                "config.json: .process.user.uid: expected integer, got number -0.5", "fraction");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":"
                "99999999999999999999999999999999999999999}}}}",
                "config.json: .linux.resources.memory.limit: value 99999999999999999999999999999999..."
                " is out of range [-9223372036854775808, 9223372036854775807]",
                "huge number, shown truncated");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":-1}}}}", NULL,
                "-1 memory limit is valid");

  /* Escapes in a bad value are shown, not interpreted. */
  expect_error ("{\"ociVersion\":\"1.0.0\",\"linux\":{\"rootfsPropagation\":\"a\\u001b[31mb\"}}",
                "config.json: .linux.rootfsPropagation: unknown value \"a\\x1b[31mb\" (expected one of: "
                "private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable)",
                "control characters in values are escaped in messages");

  /* NUL, in the raw bytes and as an escape. */
  const char raw_nul[] = "{\"ociVersion\":\"1\0\"}";
  expect_error_prefix (raw_nul, sizeof raw_nul - 1, "config.json: NUL byte at offset 16", "raw NUL byte");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\\u0000b\"}",
                "config.json: string with a \\u0000 escape at offset 35", "\\u0000 escape");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\\\\u0000b\"}", NULL,
                "an escaped backslash before u0000 is fine");

  /* Invalid UTF-8. */
  expect_error ("{\"ociVersion\":\"1.0.0\",\"hostname\":\"\xff\xfe\"}",
                "config.json: invalid JSON: lexical error: invalid bytes in UTF8 string.",
                "invalid UTF-8");
  expect_error ("{\"ociVersion\":\"1.0.0\",\"hostname\":\"\xc3\x28\"}",
                "config.json: invalid JSON: lexical error: invalid bytes in UTF8 string.",
                "truncated UTF-8 sequence");

  /* Deep nesting, inside an unknown field and inside a known one. */
  char *deep = repeat ("[", 100000, "{\"ociVersion\":\"1.0.0\",\"future\":", "");
  expect_error_prefix (deep, strlen (deep), "config.json: nested deeper than 64 levels at offset ",
                       "100000 nested arrays");
  free (deep);
  char *deep_obj = repeat ("{\"a\":", 70, "{\"ociVersion\":\"1.0.0\",\"annotations\":", "");
  expect_error_prefix (deep_obj, strlen (deep_obj), "config.json: nested deeper than 64 levels",
                       "70 nested objects");
  free (deep_obj);
  char *nested_ok = repeat ("[", 50, "{\"ociVersion\":\"1.0.0\",\"future\":", "");
  char *nested_ok_full = malloc (strlen (nested_ok) + 60);
  strcpy (nested_ok_full, nested_ok);
  for (int i = 0; i < 50; i++)
    strcat (nested_ok_full, "]");
  strcat (nested_ok_full, "}");
  expect_error (nested_ok_full, NULL, "50 levels in an unknown field are accepted and ignored");
  free (nested_ok);
  free (nested_ok_full);

  /* 1 MiB strings: fine where a string goes, a type error elsewhere. */
  size_t mib = 1 << 20;
  char *big = repeat ("a", mib, "{\"ociVersion\":\"1.0.0\",\"hostname\":\"", "\"}");
  struct oci_config *c = NULL;
  char *err = NULL;
  ok (oci_config_parse_data ("config.json", big, strlen (big), &c, &err) == 0
          && c->hostname && strlen (c->hostname) == mib,
      "a 1 MiB string value is kept whole");
  oci_config_free (c);
  free (big);
  char *big_int = repeat ("a", mib, "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"oomScoreAdj\":\"", "\"}}");
  expect_error (big_int, "config.json: .process.oomScoreAdj: expected integer, got string",
                "a 1 MiB string where an integer goes");
  free (big_int);
  char *big_key = repeat ("k", mib, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"sysctl\":{\"", "\":1}}}");
  char *msg = parse_error (big_key, strlen (big_key));
  ok (msg && strlen (msg) < 300 && strstr (msg, "kkkk...\"]: expected string, got number"),
      "a 1 MiB key is truncated in the message");
  free (msg);
  free (big_key);
  char *big_enum = repeat ("z", mib, "{\"ociVersion\":\"1.0.0\",\"linux\":{\"namespaces\":[{\"type\":\"", "\"}]}}");
  msg = parse_error (big_enum, strlen (big_enum));
  ok (msg && strlen (msg) < 400, "a 1 MiB bad enumeration value is truncated in the message");
  free (msg);
  free (big_enum);

  /* Documents over the size limit. */
  char *huge = malloc (OCL_MAX_DOCUMENT + 2);
  memset (huge, ' ', OCL_MAX_DOCUMENT + 1);
  huge[OCL_MAX_DOCUMENT + 1] = '\0';
  expect_error_prefix (huge, OCL_MAX_DOCUMENT + 1, "config.json: larger than 16 MiB", "over 16 MiB");
  free (huge);
}

static void
test_lenient (void)
{
  struct oci_config *c = NULL;
  char *err = NULL;
  const char *doc = "{\"ociVersion\":\"1.0.0\",\"future\":{\"x\":[1,2,{\"y\":null}]},"
                    "\"windows\":{\"layerFolders\":[\"C:\\\\x\"]},"
                    "\"process\":{\"cwd\":\"/\",\"newThing\":1,\"args\":null,\"env\":[]},"
                    "\"hostname\":null}";
  int ret = oci_config_parse_data ("config.json", doc, strlen (doc), &c, &err);
  ok (ret == 0, "unknown fields are ignored%s%s", err ? ": " : "", err ? err : "");
  ok (ret == 0 && c->process->args == NULL && c->hostname == NULL, "null is treated as absent");
  ok (ret == 0 && c->process->env != NULL && c->process->env_len == 0, "an empty array is kept");
  free (err);
  oci_config_free (c);

  const char *dup = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\",\"hostname\":\"b\"}";
  ret = oci_config_parse_data ("config.json", dup, strlen (dup), &c, &err);
  ok (ret == 0 && strcmp (c->hostname, "b") == 0, "a duplicate key: the last one wins, as in Go");
  oci_config_free (c);
}

static void
test_state_round_trip (void)
{
  struct oci_state *s = oci_state_new ();
  struct oci_arena *a = s->arena;
  s->oci_version = oci_arena_strdup (a, OCI_SPEC_VERSION_STRING);
  s->id = oci_arena_strdup (a, "c1");
  s->status = OCI_STATUS_RUNNING;
  s->pid = 4242;
  s->bundle = oci_arena_strdup (a, "/b");
  s->vessel = oci_arena_alloc (a, sizeof (*s->vessel));
  s->vessel->init_start_time = 123456789;
  s->vessel->started = true;

  char *full = NULL, *pub = NULL, *err = NULL;
  ok (oci_state_generate (s, 0, &full, NULL, &err) == 0 && strstr (full, "\"initStartTime\":123456789"),
      "the state file keeps vessel's fields");
  ok (oci_state_generate (s, OCI_GEN_STATE_PUBLIC, &pub, NULL, &err) == 0
          && strcmp (pub, "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"running\",\"pid\":4242,"
                          "\"bundle\":\"/b\"}") == 0,
      "the public state has only the spec's fields");
  struct oci_state *back = NULL;
  ok (oci_state_parse_data ("state.json", full, strlen (full), &back, &err) == 0
          && back->status == OCI_STATUS_RUNNING && back->vessel->init_start_time == 123456789,
      "the state file reads back");
  oci_state_free (back);
  expect_error_prefix ("{}", 2, "config.json: .ociVersion: missing required field", "sanity");
  const char *gone = "{\"ociVersion\":\"1\",\"id\":\"x\",\"status\":\"gone\",\"bundle\":\"/\"}";
  ok (oci_state_parse_data ("state.json", gone, strlen (gone), &back, &err) < 0
          && strstr (err, "state.json: .status: unknown value \"gone\""),
      "an unknown status is an error");
  free (err);
  free (full);
  free (pub);
  oci_state_free (s);
}

int
main (void)
{
  test_full_round_trip ();
  test_generated_errors ();
  test_malformed ();
  test_lenient ();
  test_state_round_trip ();
  return tap_done ();
}
