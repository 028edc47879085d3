#!/usr/bin/env bash
# End-to-end checks of the release binaries. Each check prints one line; the last line counts them.
set -uo pipefail
cd "$(dirname "$0")/.."

bin=.build/release
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {
  local name=$1; shift
  local log="$work/$(echo "$name" | tr ' /' '__').log"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "ok     $name"
  else
    failed=$((failed + 1)); echo "FAILED $name"; sed 's/^/       | /' "$log" | tail -n 30
  fi
}

check "cli help" "$bin/sensorfm" --help

for extra in Scripts/e2e.d/*.sh; do
  [ -e "$extra" ] || continue
  # shellcheck source=/dev/null
  source "$extra"
done

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
