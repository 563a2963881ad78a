/* The cgroup entry plan (see cgroup_entry_plan.h): pure, linked by the
 * unit tests alone. */
#include <config.h>

#include <string.h>

#include "cgroup_entry_plan.h"
#include "sync.h"

/* Whether the comma-separated `options` has `name` (len bytes). */
static bool
has_option (const char *options, const char *name, size_t len)
{
  for (const char *p = options; p && *p;)
    {
      const char *end = strchr (p, ',');
      size_t n = end ? (size_t) (end - p) : strlen (p);
      if (n == len && strncmp (p, name, n) == 0)
        return true;
      p = end ? end + 1 : NULL;
    }
  return false;
}

/* ---- create ---- */

/* The v1 hierarchy with the memory controller, or -1. */
static int
v1_memory (const struct vessel_cgroup_host *host)
{
  for (size_t i = 0; i < host->n; i++)
    if (!host->h[i].v2 && has_option (host->h[i].controllers, "memory", strlen ("memory")))
      return (int) i;
  return -1;
}

/* The cgroup2 hierarchy (one at most), or -1. */
static int
first_v2 (const struct vessel_cgroup_host *host)
{
  for (size_t i = 0; i < host->n; i++)
    if (host->h[i].v2)
      return (int) i;
  return -1;
}

static int
create_why (const struct vessel_cgroup_create_facts *f)
{
  if (f->host->n == 0)
    return VESSEL_CGROUP_WHY_NONE;
  if (f->host->mode == VESSEL_CGROUP_V2)
    return VESSEL_CGROUP_WHY_V2;
  /* The pid namespace's fork must come after the cgroups, which its
     child inherits; and in a user namespace of its own the init is not
     root over the v1 `tasks` files. */
  if (f->fork_for_pid)
    return VESSEL_CGROUP_WHY_PID_FORK;
  return f->new_user ? VESSEL_CGROUP_WHY_USER_NS : VESSEL_CGROUP_WHY_SELF_JOIN;
}

void
vessel_cgroup_create_plan (const struct vessel_cgroup_create_facts *f, struct vessel_cgroup_create_plan *plan)
{
  int why = create_why (f);
  bool itself = why == VESSEL_CGROUP_WHY_SELF_JOIN;
  *plan = (struct vessel_cgroup_create_plan) {
    .host = f->host,
    .paths = f->paths,
    .why = why,
    .init_joins_itself = itself,
    .make_before_clone = itself ? VESSEL_CGROUP_V2_PART : VESSEL_CGROUP_ALL_PARTS,
    .limits_before_clone = !itself,
    .make_after_clone = itself ? VESSEL_CGROUP_V1_PART : 0,
    .clone_into = first_v2 (f->host),
    /* What the init allocates before it is in the memory cgroup is
       charged to vessel's: it goes there where it must be in all. */
    .join_last = itself ? v1_memory (f->host) : -1,
    .sync_after = itself ? SYNC_CGROUPS_MADE : SYNC_GO,
    .fork_for_pid = f->fork_for_pid,
  };
}

struct vessel_cgroup_entry
vessel_cgroup_create_entry (const struct vessel_cgroup_create_plan *plan, size_t i)
{
  const struct vessel_cgroup_hierarchy *h = &plan->host->h[i];
  struct vessel_cgroup_entry e = { .dir = plan->paths[i], .dir_fd = -1, .v2 = h->v2,
                                   .how = VESSEL_CGROUP_ENTER_BY_WRITE };
  if ((int) i == plan->clone_into)
    e.how = VESSEL_CGROUP_ENTER_BY_CLONE;
  else if (!h->v2 && plan->init_joins_itself)
    e.how = (int) i == plan->join_last ? VESSEL_CGROUP_ENTER_BY_ITSELF_LAST : VESSEL_CGROUP_ENTER_BY_ITSELF;
  return e;
}

bool
vessel_cgroup_create_vessel_writes (const struct vessel_cgroup_create_plan *plan, bool cloned_into_cgroup)
{
  for (size_t i = 0; i < plan->host->n; i++)
    {
      int how = vessel_cgroup_create_entry (plan, i).how;
      if (how == VESSEL_CGROUP_ENTER_BY_WRITE || (how == VESSEL_CGROUP_ENTER_BY_CLONE && !cloned_into_cgroup))
        return true;
    }
  return false;
}

bool
vessel_cgroup_create_waits_for_go (const struct vessel_cgroup_create_plan *plan, bool cloned_into_cgroup)
{
  return plan->fork_for_pid
         || (!plan->init_joins_itself && vessel_cgroup_create_vessel_writes (plan, cloned_into_cgroup));
}

/* ---- exec ---- */

bool
vessel_cgroup_arg_names_controllers (const char *arg)
{
  const char *colon = strchr (arg, ':');
  return colon != NULL && colon != arg;
}

/* Whether every controller of `list` (up to `list_end`: "cpu,cpuacct")
   is among `controllers`. */
static bool
has_all_controllers (const char *controllers, const char *list, const char *list_end)
{
  for (const char *c = list; c < list_end;)
    {
      const char *comma = memchr (c, ',', (size_t) (list_end - c));
      const char *end = comma ? comma : list_end;
      if (end > c && !has_option (controllers, c, (size_t) (end - c)))
        return false;
      c = end + 1;
    }
  return true;
}

static const char *
sub_cgroup_for (const struct vessel_cgroup_dir_facts *d, char *const *args, size_t n_args)
{
  const char *found = NULL;
  for (size_t i = 0; i < n_args; i++)
    {
      const char *arg = args[i];
      const char *colon = strchr (arg, ':');
      if (!vessel_cgroup_arg_names_controllers (arg))
        found = colon ? colon + 1 : arg;
      else if (!d->v2 && d->controllers && has_all_controllers (d->controllers, arg, colon))
        return colon + 1;
    }
  return found;
}

void
vessel_cgroup_entry_plan (const struct vessel_cgroup_dir_facts *dirs, size_t n, char *const *args,
                          size_t n_args, struct vessel_cgroup_entry *entries)
{
  bool by_clone_taken = false;
  for (size_t i = 0; i < n; i++)
    {
      const struct vessel_cgroup_dir_facts *d = &dirs[i];
      /* A sub-cgroup is in the same hierarchy, of the same version. */
      entries[i] = (struct vessel_cgroup_entry) { .dir = d->path, .sub = sub_cgroup_for (d, args, n_args),
                                                  .dir_fd = d->fd, .v2 = d->v2,
                                                  .how = VESSEL_CGROUP_ENTER_BY_WRITE };
      if (d->v2 && !by_clone_taken)
        {
          entries[i].how = VESSEL_CGROUP_ENTER_BY_CLONE;
          by_clone_taken = true;
        }
    }
}

int
vessel_cgroup_entry_clone_fd (const struct vessel_cgroup_entry *entries, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (entries[i].how == VESSEL_CGROUP_ENTER_BY_CLONE)
      return entries[i].dir_fd;
  return -1;
}
