#include <config.h>

#include <sched.h>

#include "namespaces.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

const struct vessel_ns_kind vessel_ns_kinds[OCI_NS_COUNT] = {
  [OCI_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
  [OCI_NS_PID] = { "pid", "pid", CLONE_NEWPID },
  [OCI_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
  [OCI_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
  [OCI_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
  [OCI_NS_USER] = { "user", "user", CLONE_NEWUSER },
  [OCI_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
  [OCI_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};
