#!/bin/bash
# rlimits-and-caps: the two other things that make root in a container
# less than root.  process.rlimits are setrlimit(2) limits (what prlimit
# and `ulimit` change): here 256 open files and 512 processes.
# process.capabilities are the capability sets of the container's
# process: here only CAP_CHOWN and CAP_NET_BIND_SERVICE, so root inside
# may give files away and bind ports below 1024, and nothing else that
# needs a capability (no sethostname, no mount, no mknod...).
# The same report then runs with vessel spec's default capabilities and
# rlimits, for comparison.
#
#   contrib/examples/rlimits-and-caps.sh
. "$(dirname "$0")/lib.sh"

set -o pipefail # vessel run's status, not decode's
ex_need libcap2-bin # capsh, to decode the capability masks

ID=caps-$$
bundle=$EX_WORK/bundle

# What the container shows about itself: its rlimits, its capability
# sets, and three actions: chown (needs CAP_CHOWN), hostname (needs
# CAP_SYS_ADMIN) and opening files until RLIMIT_NOFILE stops it.
# shellcheck disable=SC2016 # expanded in the container
REPORT='
echo "ulimit -n: soft $(ulimit -Sn) hard $(ulimit -Hn)"
echo "ulimit -u: soft $(ulimit -Su) hard $(ulimit -Hu)"
grep -E "^Max (open files|processes)" /proc/self/limits
grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status
touch /tmp/file
if chown 1000:1000 /tmp/file; then echo "chown 1000:1000 /tmp/file: ok"; else echo "chown 1000:1000 /tmp/file: failed"; fi
if hostname renamed; then echo "hostname renamed: ok"; else echo "hostname renamed: failed"; fi
# exec N< in a subshell, until it fails and ends the subshell
( trap "echo \"open files: fds 3 to \$((i - 1)) opened, fd \$i failed\"" EXIT
  i=3
  while :; do eval "exec $i< /dev/null"; i=$((i + 1)); done ) 2>&1
exit 0'

# decode: appends capsh's names to the Cap* lines of /proc/self/status.
decode() {
  local line
  while IFS= read -r line; do
    case $line in
      Cap*:*) echo "$line = $(capsh --decode="${line##*[[:space:]]}" | cut -d= -f2)" ;;
      *) echo "$line" ;;
    esac
  done
}

ex_say "the host's hard limits: the container may lower them, not raise them"
# Raising a hard limit needs CAP_SYS_RESOURCE; lowering it needs nothing.
echo "ulimit -Hn: $(ulimit -Hn), ulimit -Hu: $(ulimit -Hu)"

ex_say "a bundle: busybox, 256 files, 512 processes, CAP_CHOWN and CAP_NET_BIND_SERVICE"
ex_bundle "$bundle" "$ID"
# The root filesystem is read-only (vessel spec's default): a tmpfs on
# /tmp to chown a file in.
ex_config "$bundle" '
  .process.args = ["sh", "-c", $report]
  | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]' \
  --arg report "$REPORT"
cp "$bundle/config.json" "$bundle/default.json" # for the second run
ex_config "$bundle" '
  .process.rlimits = [
    {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 256},
    {"type": "RLIMIT_NPROC", "soft": 512, "hard": 512}]
  | .process.capabilities = {
    "bounding": $caps, "effective": $caps, "permitted": $caps,
    "inheritable": [], "ambient": []}' \
  --argjson caps '["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]'
jq -c '.process.rlimits, .process.capabilities' "$bundle/config.json"

ex_say "inside, with the reduced capabilities and rlimits"
# chown works (CAP_CHOWN), hostname does not (no CAP_SYS_ADMIN), and the
# 254th file opened (fds 0-2 are taken) hits RLIMIT_NOFILE.  RLIMIT_NPROC
# is only shown: it counts the processes of a real uid, and the kernel
# does not apply it to the host's root (uid 0 without a user namespace).
vessel run --bundle "$bundle" "$ID" 2>&1 | decode

ex_say "inside, with vessel spec's default capabilities and rlimits"
mv "$bundle/default.json" "$bundle/config.json"
jq -c '.process.rlimits, .process.capabilities' "$bundle/config.json"
# No CAP_CHOWN among the defaults: chown fails; 1024 files.  The ambient
# set asked for stays empty: the kernel raises only ambient capabilities
# that are also inheritable, and the default has none inheritable (for
# root, whose effective set is given anyway, ambient makes no difference).
vessel run --bundle "$bundle" "$ID" 2>&1 | decode
