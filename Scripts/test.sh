#!/usr/bin/env bash
# The README's test command and what CI runs: set-up, one release build, the unit tests (debug),
# then end-to-end checks of the CLI against the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."

Scripts/setup.sh
echo "== release build"
swift build -c release
echo "== unit tests"
swift test
echo "== end-to-end checks"
Scripts/e2e.sh
