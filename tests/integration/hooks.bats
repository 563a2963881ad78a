#!/usr/bin/env bats
# config.json's hooks: each phase at its moment and in its namespaces,
# the state on stdin (runtime-spec's State, compact), args, env and
# timeout, and what each kind of failure does.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
  update_config '.root.readonly = false'
  LOG=$BATS_TEST_TMPDIR/hooks.log
  # hook PHASE [STATUS]: logs the phase, its mount namespace and its stdin.
  HOOK=$BATS_TEST_TMPDIR/hook.sh
  cat > "$HOOK" <<EOF
#!/bin/sh
state=\$(cat)
echo "\$1 \$(readlink /proc/self/ns/mnt) \$state" >> "$LOG"
exit \${2:-0}
EOF
  chmod +x "$HOOK"
}

teardown() {
  common_teardown
}

# add_hook PHASE ARGS-JSON [EXTRA-JSON]: appends a hook running $HOOK.
add_hook() {
  update_config ".hooks.$1 += [{\"path\": \$h, \"args\": $2} + ${3:-{\}}]" --arg h "$HOOK"
}

phase_lines() {
  awk '{ print $1 }' "$LOG" | paste -sd' '
}

@test "every phase runs once, in order, in its namespaces, with the state on stdin" {
  local p
  for p in prestart createRuntime createContainer poststart poststop; do
    add_hook "$p" "[\"hook\", \"$p\"]"
  done
  # startContainer runs in the container: its path is the container's.
  update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer $(cat) > /start.log"]}]
    | .annotations = {"org.example": "v"}'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(phase_lines)" = "prestart createRuntime createContainer poststart poststop" ]
  local host_mnt
  host_mnt=$(readlink /proc/self/ns/mnt)
  # Runtime namespace for all but createContainer, which is the container's.
  [ "$(awk '$1 != "createContainer" { print $2 }' "$LOG" | sort -u)" = "$host_mnt" ]
  [ "$(awk '$1 == "createContainer" { print $2 }' "$LOG")" != "$host_mnt" ]
  # The state: runtime-spec's fields only, compact, the status of the moment.
  local pid
  pid=$(awk '$1 == "prestart" { print $3 }' "$LOG" | jq .pid)
  [ "$pid" -gt 0 ]
  [ "$(awk '$1 == "prestart" { print $3 }' "$LOG")" = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\",\"pid\":$pid,\"bundle\":\"$BUNDLE\",\"annotations\":{\"org.example\":\"v\"}}" ]
  [ "$(awk '$1 == "createContainer" { print $3 }' "$LOG" | jq -r .status)" = created ]
  [ "$(awk '$1 == "poststart" { print $3 }' "$LOG" | jq -r .status)" = running ]
  [ "$(awk '$1 == "poststop" { print $3 }' "$LOG" | jq -r .status)" = stopped ]
  [ "$(jq -r .status < <(cut -d' ' -f2- "$BUNDLE/rootfs/start.log"))" = created ]
  assert_clean c1
}

@test "create runs the create hooks, start startContainer and poststart, delete poststop" {
  local p
  for p in createRuntime createContainer poststart poststop; do
    add_hook "$p" "[\"hook\", \"$p\"]"
  done
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  [ "$(phase_lines)" = "createRuntime createContainer" ]
  vessel start c1
  [ "$(phase_lines)" = "createRuntime createContainer poststart" ]
  vessel kill c1 KILL
  wait_for_status c1 stopped
  vessel delete c1
  [ "$(phase_lines)" = "createRuntime createContainer poststart poststop" ]
}

@test "a hook gets its args, its env only, and no fd of vessel's" {
  # sh -c CMD A B: $0 is A, $1 is B.  (args[0] stays "sh": a busybox sh
  # would take another name for an applet's.)
  update_config '.hooks.createRuntime = [{"path": "/bin/sh", "env": ["FOO=bar"],
    "args": ["sh", "-c", ("echo $0 $1 $FOO $(env | wc -l) $(ls /proc/self/fd | wc -l) > " + $log), "zero", "one"]}]' \
    --arg log "$LOG"
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  # env: FOO and what sh adds (PWD, SHLVL...); fds: 0 1 2 and ls's own.
  read -r zero one foo nenv nfds < "$LOG"
  [ "$zero $one $foo" = "zero one bar" ] || fail_with "$(cat "$LOG")"
  [ "$nenv" -le 4 ]
  [ "$nfds" -eq 4 ]
}

@test "a failing createRuntime, createContainer or prestart hook fails create and leaves nothing" {
  local p
  for p in prestart createRuntime createContainer; do
    make_bundle "$BATS_TEST_TMPDIR/b-$p"
    use_cgroup c1
    add_hook "$p" "[\"hook\", \"$p\", \"9\"]"
    run vessel create --bundle "$BUNDLE" c1
    assert_failure
    [[ "$output" == *"config.json: .hooks.$p[0] (\`$HOOK\`): exited with status 9"* ]] || fail_with "$p: $output"
    assert_clean c1
    ! pgrep -f "$BATS_TEST_TMPDIR/b-$p/rootfs" || fail_with "a process is left"
  done
}

@test "a failing startContainer hook fails start and stops the container" {
  update_config '.hooks.startContainer = [{"path": "/bin/false"}]'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel start c1
  assert_failure
  [[ "$output" == *"config.json: .hooks.startContainer[0] (\`/bin/false\`): exited with status 1"* ]]
  wait_for_status c1 stopped
}

@test "a failing poststart hook stops the container and is start's error" {
  add_hook poststart '["hook", "poststart", "4"]'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel start c1
  assert_failure
  [[ "$output" == *"container \`c1\` stopped: config.json: .hooks.poststart[0]"*"exited with status 4"* ]]
  wait_for_status c1 stopped
  # run: the same, and the container is gone.
  vessel delete c1
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  assert_clean c1
}

@test "a failing poststop hook is a warning and the next ones run" {
  add_hook poststop '["hook", "first", "5"]'
  add_hook poststop '["hook", "second"]'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"warning: config.json: .hooks.poststop[0] (\`$HOOK\`): exited with status 5"* ]]
  [ "$(phase_lines)" = "first second" ]
  assert_clean c1
}

@test "a hook that outlives its timeout is killed and fails the operation" {
  update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
  local start=$SECONDS
  run vessel create --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *"config.json: .hooks.createRuntime[0] (\`/bin/sleep\`): timed out after 1 s"* ]]
  [ $((SECONDS - start)) -lt 10 ]
  ! pgrep -x -f "sleep 30" || fail_with "the hook is still running"
  assert_clean c1
}

@test "a hook that does not exist fails clearly" {
  update_config '.hooks.createRuntime = [{"path": "/no/such/hook"}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *"config.json: .hooks.createRuntime[0] (\`/no/such/hook\`): exited with status 127"* ]]
  assert_clean c1
}

@test "hooks survive a bundle that is changed after create: the container's own copy is used" {
  add_hook poststop '["hook", "poststop"]'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  update_config 'del(.hooks)'
  vessel delete --force c1
  [ "$(phase_lines)" = poststop ]
}

@test "a startContainer hook has the process's user, capabilities, no_new_privs and seccomp filter" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  local show='echo ids $(id -u) $(id -g); grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "'
  update_config '.hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", ("{ " + $show + "; } > /tmp/hook.out")]}]' \
    --arg show "$show"
  set_args sh -c "$show"
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  local hook
  hook=$(cat "$BUNDLE/rootfs/tmp/hook.out")
  [ "$(probe_value ids "$hook")" = "1000 1000" ] || fail_with "hook: $hook"
  [ "$(probe_value Seccomp: "$hook")" = 2 ] || fail_with "hook: $hook"
  [ "$(probe_value NoNewPrivs: "$hook")" = 1 ] || fail_with "hook: $hook"
  [ "$(probe_value CapEff: "$hook")" = 0000000000000000 ] || fail_with "hook: $hook"
  # Exactly what the container's process has.
  [ "$hook" = "$output" ] || fail_with "hook: $hook, process: $output"
  assert_clean c1
}

@test "a startContainer hook that the container's seccomp profile blocks fails start" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    | .hooks.startContainer = [{"path": "/bin/mkdir", "args": ["mkdir", "/tmp/made-by-hook"]}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *"config.json: .hooks.startContainer[0] (\`/bin/mkdir\`): exited with status 1"* ]] || fail_with "$output"
  [ ! -e "$BUNDLE/rootfs/tmp/made-by-hook" ]
  assert_clean c1
}

@test "a createContainer hook runs in the container's root directory, as with runc" {
  update_config '.hooks.createContainer = [{"path": "/bin/sh",
    "args": ["sh", "-c", ("readlink /proc/self/cwd > " + $log)]}]' --arg log "$LOG"
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(cat "$LOG")" = "$(realpath "$BUNDLE/rootfs")" ] || fail_with "cwd: $(cat "$LOG")"
  assert_clean c1
}
