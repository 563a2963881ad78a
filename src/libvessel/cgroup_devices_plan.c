/* Pure: the device rules of a container and their eBPF program (see
 * cgroup_devices.h); cgroup_devices.c carries them out. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_devices.h"
#include "utils.h"

/* ---- the rules -------------------------------------------------------------- */

/* What runc allows every container, whatever its config says, with the
   path of the node it makes for it, if any. */
static const struct
{
  const char *path;
  struct vessel_device_rule rule;
} default_rules[] = {
  { NULL, { true, 'c', -1, -1, "m" } },           /* mknod of any character device */
  { NULL, { true, 'b', -1, -1, "m" } },           /* and of any block device */
  { "/dev/null", { true, 'c', 1, 3, "rwm" } },
  { "/dev/random", { true, 'c', 1, 8, "rwm" } },
  { "/dev/full", { true, 'c', 1, 7, "rwm" } },
  { "/dev/tty", { true, 'c', 5, 0, "rwm" } },
  { "/dev/zero", { true, 'c', 1, 5, "rwm" } },
  { "/dev/urandom", { true, 'c', 1, 9, "rwm" } },
  { NULL, { true, 'c', 136, -1, "rwm" } },        /* every /dev/pts entry */
  { NULL, { true, 'c', 5, 2, "rwm" } },           /* /dev/ptmx */
  { NULL, { true, 'c', 10, 200, "rwm" } },        /* /dev/net/tun */
};

static const struct vessel_device_rule deny_all = { false, 'a', -1, -1, "rwm" };

static void
push (struct vessel_cgroup_plan *plan, const struct vessel_device_rule *r)
{
  plan->devices = xrealloc (plan->devices, (plan->n_devices + 1) * sizeof (*plan->devices));
  plan->devices[plan->n_devices++] = *r;
}

void
vessel_device_rule_text (const struct vessel_device_rule *r, char *buf, size_t size)
{
  char major[24] = "*", minor[24] = "*";
  if (r->major >= 0)
    snprintf (major, sizeof major, "%" PRId64, r->major);
  if (r->minor >= 0)
    snprintf (minor, sizeof minor, "%" PRId64, r->minor);
  if (r->type == 'a')
    snprintf (buf, size, "a");
  else
    snprintf (buf, size, "%c %s:%s %s", r->type, major, minor, r->access);
}

/* ---- what a rule list means -------------------------------------------------- */

/* The v1 kernel's reading of a rule list (devcgroup_update_access): a
   default behaviour, reset by every "a" rule, and exceptions to it, one
   per exact (type, major, minor), whose access rules of the same kind
   merge into and rules of the other kind take away from.  v2's program is
   built from this, so that a rule list means the same on both. */
struct device_policy
{
  bool default_allow;
  struct vessel_device_rule *ex; /* .allow is !default_allow */
  size_t n;
};

static bool
same_device (const struct vessel_device_rule *a, const struct vessel_device_rule *b)
{
  return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

/* Whether rule r's devices include d's (wildcards cover). */
static bool
covers (const struct vessel_device_rule *r, const struct vessel_device_rule *d)
{
  return (r->type == 'a' || r->type == d->type) && (r->major < 0 || r->major == d->major)
         && (r->minor < 0 || r->minor == d->minor);
}

static void
access_remove (char *access, const char *removed)
{
  char *o = access;
  for (const char *p = access; *p; p++)
    if (!strchr (removed, *p))
      *o++ = *p;
  *o = '\0';
}

static void
access_add (char *access, const char *added)
{
  size_t n = strlen (access);
  for (const char *p = added; *p && n < 3; p++)
    if (!strchr (access, *p))
      {
        access[n++] = *p;
        access[n] = '\0';
      }
}

/* Fails when a rule takes access away from part of a wildcard exception:
   v1 ignores such a rule (exceptions only shrink on an exact match) while
   a program would honour it, so the two would disagree; runc refuses it
   too. */
static int
device_policy_build (const struct vessel_device_rule *rules, size_t n, const char *where,
                     struct device_policy *pol, vessel_error **err)
{
  *pol = (struct device_policy) { .default_allow = false, .ex = xzalloc ((n + 1) * sizeof (*pol->ex)) };
  for (size_t i = 0; i < n; i++)
    {
      const struct vessel_device_rule *r = &rules[i];
      if (r->type == 'a')
        {
          pol->default_allow = r->allow;
          pol->n = 0;
          continue;
        }
      size_t k = 0;
      while (k < pol->n && !same_device (&pol->ex[k], r))
        k++;
      if (r->allow != pol->default_allow)
        {
          if (k == pol->n)
            {
              pol->ex[pol->n] = *r;
              memset (pol->ex[pol->n++].access, 0, sizeof (r->access));
            }
          access_add (pol->ex[k].access, r->access);
          continue;
        }
      if (k < pol->n)
        {
          access_remove (pol->ex[k].access, r->access);
          if (pol->ex[k].access[0] == '\0')
            pol->ex[k] = pol->ex[--pol->n];
          continue;
        }
      for (size_t j = 0; j < pol->n; j++)
        if (covers (&pol->ex[j], r) && strpbrk (pol->ex[j].access, r->access))
          {
            char denied[64], wildcard[64];
            vessel_device_rule_text (r, denied, sizeof denied);
            vessel_device_rule_text (&pol->ex[j], wildcard, sizeof wildcard);
            free (pol->ex);
            return vessel_fail (err, EINVAL,
                                "%s.devices: `%s` cannot take access away from part of the wildcard rule `%s`",
                                where, denied, wildcard);
          }
    }
  return 0;
}

static int
rule_from_config (const struct oci_device_cgroup *d, size_t i, const char *where, struct vessel_device_rule *out,
                  vessel_error **err)
{
  memset (out, 0, sizeof (*out));
  out->allow = d->allow;
  const char *t = d->type ? d->type : "a";
  if (strcmp (t, "a") != 0 && strcmp (t, "c") != 0 && strcmp (t, "b") != 0)
    return vessel_fail (err, EINVAL, "%s.devices[%zu].type: `%s` is not a, c or b", where, i, t);
  out->type = t[0];
  out->major = d->has_major ? d->major : -1;
  out->minor = d->has_minor ? d->minor : -1;
  if (out->major < -1 || out->minor < -1 || out->major > UINT32_MAX || out->minor > UINT32_MAX)
    return vessel_fail (err, EINVAL, "%s.devices[%zu]: device number out of range", where, i);
  const char *a = d->access && *d->access ? d->access : "rwm";
  size_t n = 0;
  for (const char *p = a; *p; p++)
    {
      if (*p != 'r' && *p != 'w' && *p != 'm')
        return vessel_fail (err, EINVAL, "%s.devices[%zu].access: `%s` is not made of r, w, m", where,
                            i, a);
      if (!strchr (out->access, *p))
        out->access[n++] = *p;
    }
  return 0;
}

static bool
same_rule (const struct vessel_device_rule *a, const struct vessel_device_rule *b)
{
  return a->allow == b->allow && a->type == b->type && a->major == b->major && a->minor == b->minor
         && strcmp (a->access, b->access) == 0;
}

/* Whether linux.devices makes the node at `path`. */
static bool
created_by_config (const struct oci_linux *lx, const char *path)
{
  for (size_t i = 0; path && lx && i < lx->devices_len; i++)
    if (strcmp (lx->devices[i].path, path) == 0)
      return true;
  return false;
}

int
vessel_device_rules_plan (const struct oci_resources *r, const struct oci_linux *lx,
                          const struct vessel_cgroup_host *host, const char *where,
                          struct vessel_cgroup_plan *plan, vessel_error **err)
{
  int h = vessel_cgroup_locate (host, "devices");
  plan->devices_v2 = false;
  if (h < 0)
    for (size_t k = 0; k < host->n; k++)
      if (host->h[k].v2)
        {
          h = (int) k;
          plan->devices_v2 = true; /* the eBPF hook needs no controller */
        }
  plan->devices_hierarchy = h;
  if (h < 0)
    return vessel_fail (err, ENOTSUP, "no devices cgroup controller on this host: refusing to run a container "
                                      "without device access control");

  size_t n_config = r ? r->devices_len : 0;
  struct vessel_device_rule *config = xzalloc ((n_config + 1) * sizeof (*config));
  for (size_t i = 0; i < n_config; i++)
    if (rule_from_config (&r->devices[i], i, where, &config[i], err) < 0)
      {
        free (config);
        return -EINVAL;
      }

  /* As runc: deny everything, then the config's rules in their order,
     then runc's default devices, which therefore stay usable whatever the
     config's rules say.  The nodes of linux.devices get no rule of their
     own: the config's rules decide, and a default device the config
     creates itself is left to them too (runc's spec devices take
     priority over its defaults). */
  push (plan, &deny_all);
  for (size_t i = 0; i < n_config; i++)
    if (!(i == 0 && same_rule (&config[0], &deny_all)))
      push (plan, &config[i]);
  for (size_t i = 0; i < ARRAY_SIZE (default_rules); i++)
    if (!created_by_config (lx, default_rules[i].path))
      push (plan, &default_rules[i].rule);
  free (config);
  struct device_policy pol;
  if (device_policy_build (plan->devices, plan->n_devices, where, &pol, err) < 0)
    return -EINVAL;
  free (pol.ex);
  return 0;
}

/* ---- cgroup v2: an eBPF program --------------------------------------------- */

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, off) INSN (BPF_LDX | BPF_MEM | BPF_W, d, s, off, 0)
#define MOV_REG(d, s) INSN (BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, imm) INSN (BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define AND_IMM(d, imm) INSN (BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, imm)
#define RSH_IMM(d, imm) INSN (BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, imm)
#define JNE_IMM(d, imm, off) INSN (BPF_JMP | BPF_JNE | BPF_K, d, 0, off, imm)
#define JEQ_IMM(d, imm, off) INSN (BPF_JMP | BPF_JEQ | BPF_K, d, 0, off, imm)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int32_t
access_bits (const char *access)
{
  int32_t bits = 0;
  for (const char *p = access; *p; p++)
    bits |= *p == 'r' ? BPF_DEVCG_ACC_READ : *p == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return bits;
}

/* The program decides as v1 does with the same rule list (see
   device_policy_build): with a default of deny, an access is allowed when
   one exception matches the device and grants all of the access; with a
   default of allow, it is denied when one exception matches the device and
   refuses any of it. */
struct bpf_insn *
vessel_device_rules_bpf (const struct vessel_device_rule *rules, size_t n, size_t *n_insns)
{
  struct device_policy pol;
  if (device_policy_build (rules, n, "", &pol, NULL) < 0)
    pol = (struct device_policy) { .default_allow = false, .ex = NULL, .n = 0 }; /* deny everything */
  size_t cap = 9 + pol.n * 9, len = 0; /* prologue 7, 9 per exception, 2 to end */
  struct bpf_insn *p = xzalloc (cap * sizeof (*p));
  p[len++] = LDX_W (2, 1, 0); /* access_type */
  p[len++] = MOV_REG (3, 2);
  p[len++] = AND_IMM (3, 0xffff); /* r3: device type */
  p[len++] = MOV_REG (4, 2);
  p[len++] = RSH_IMM (4, 16); /* r4: requested access */
  p[len++] = LDX_W (5, 1, 4); /* major */
  p[len++] = LDX_W (6, 1, 8); /* minor */
  for (size_t k = 0; k < pol.n; k++)
    {
      const struct vessel_device_rule *r = &pol.ex[k];
      struct bpf_insn block[9];
      size_t b = 0;
      int32_t bits = access_bits (r->access);
      int32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
      /* The jumps are patched below to skip the rest of the block. */
      if (r->type != 'a')
        block[b++] = JNE_IMM (3, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
      if (r->allow && bits != all)
        {
          block[b++] = MOV_REG (7, 4);
          block[b++] = AND_IMM (7, ~bits);
          block[b++] = JNE_IMM (7, 0, 0);
        }
      else if (!r->allow && bits != all)
        {
          block[b++] = MOV_REG (7, 4);
          block[b++] = AND_IMM (7, bits);
          block[b++] = JEQ_IMM (7, 0, 0);
        }
      if (r->major >= 0)
        block[b++] = JNE_IMM (5, (int32_t) r->major, 0);
      if (r->minor >= 0)
        block[b++] = JNE_IMM (6, (int32_t) r->minor, 0);
      block[b++] = MOV_IMM (0, r->allow ? 1 : 0);
      block[b++] = EXIT ();
      for (size_t i = 0; i < b; i++)
        if (BPF_CLASS (block[i].code) == BPF_JMP && BPF_OP (block[i].code) != BPF_EXIT)
          block[i].off = (int16_t) (b - i - 1);
      memcpy (p + len, block, b * sizeof (*block));
      len += b;
    }
  p[len++] = MOV_IMM (0, pol.default_allow ? 1 : 0); /* no exception matched */
  p[len++] = EXIT ();
  free (pol.ex);
  *n_insns = len;
  return p;
}
