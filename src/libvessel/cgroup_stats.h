/* What `events` reports: the container's resource usage read from its
 * cgroup files (v1 or v2 names, whichever the directories have), in the
 * JSON shape of runc's events, and OOM kills as they happen. */
#ifndef VESSEL_CGROUP_STATS_H
#define VESSEL_CGROUP_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "error.h"

/* Writes runc's "data" object of a stats event: cpu, memory, pids, blkio,
   hugetlb (a controller without files is left out). */
void vessel_cgroup_stats_json (char **paths, yajl_gen g);

/* A way to learn of OOM kills: an eventfd registered on v1's
   memory.oom_control, or v2's memory.events, which poll reports with
   POLLPRI when it changes. */
struct vessel_oom_watch
{
  int fd;      /* poll this one (events: POLLIN for v1, POLLPRI for v2) */
  int dirfd;   /* v1: the memory cgroup, to tell its removal from an OOM */
  short events;
  bool v2;
  uint64_t kills; /* v2: the last oom_kill count seen */
};

int vessel_oom_watch_open (char **paths, struct vessel_oom_watch *w, vessel_error **err);
/* After poll reported w->fd: how many OOM kills happened since the last call. */
uint64_t vessel_oom_watch_read (struct vessel_oom_watch *w);
void vessel_oom_watch_close (struct vessel_oom_watch *w);

#endif
