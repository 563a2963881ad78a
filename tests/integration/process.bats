#!/usr/bin/env bats

load helpers

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}
