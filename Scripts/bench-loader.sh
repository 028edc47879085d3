#!/usr/bin/env bash
# The loader against the training step, in one command: runs `sensorfm bench bench-small` for the step
# rates of objectives A and B, then `sensorfm bench loader` with them, which prints per workload the
# loader's batches/s and how many times the step rate that is (the issue asks for at least 10x).
# Usage: Scripts/bench-loader.sh [BIN_DIR] (default .build/release). Set THREADS (default 2).
set -euo pipefail
bin="${1:-.build/release}"
threads="${THREADS:-2}"
small="$("$bin/sensorfm" bench bench-small --threads "$threads")"
echo "$small"
rates="$(python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["A"]["steps_per_s"], d["B"]["steps_per_s"])' "$small")"
read -r rate_a rate_b <<<"$rates"
"$bin/sensorfm" bench loader --threads "$threads" --step-rate-a "$rate_a" --step-rate-b "$rate_b"
