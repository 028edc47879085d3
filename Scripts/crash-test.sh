#!/usr/bin/env bash
# Scripts/crash-test.sh N: kills the smoke pretraining run with SIGKILL at N random moments, resuming each
# time, and checks that the final weights and optimizer state (a digest of the checkpoint's tensors,
# not of the file's metadata) are bit-identical to an uninterrupted run. Uses the release binary
# (SENSORFM_BIN overrides the folder, default .build/release).
set -uo pipefail
cd "$(dirname "$0")/.."
kills=${1:-5}
bin=${SENSORFM_BIN:-.build/release}
config=${CRASH_TEST_CONFIG:-Experiments/smoke-pretrain.yaml}
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-crash.XXXXXX")
trap 'rm -rf "$work"' EXIT

final_checkpoint() { ls "$1"/checkpoints/step-*.safetensors 2>/dev/null | sort | tail -n 1; }

start=$(date +%s.%N)
"$bin/sensorfm" pretrain "$config" --run-dir "$work/reference" </dev/null 2>"$work/reference.log" || {
  echo "crash-test: the reference run failed"; tail "$work/reference.log"; exit 1; }
duration=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
reference=$("$bin/sensorfm" pretrain --tensor-digest "$(final_checkpoint "$work/reference")")
echo "reference run: ${duration}s, final tensors $reference"

run="$work/crashed"
for ((i = 1; i <= kills; i++)); do
  if [ -e "$run/config.yaml" ]; then
    "$bin/sensorfm" pretrain --resume "$run" </dev/null 2>>"$work/crashed.log" &
  else
    "$bin/sensorfm" pretrain "$config" --run-dir "$run" </dev/null 2>>"$work/crashed.log" &
  fi
  pid=$!
  # A moment uniform over the reference run's length.
  delay=$(awk -v d="$duration" -v r="$RANDOM" 'BEGIN { printf "%.3f", d * r / 32768 }')
  sleep "$delay"
  kill -9 $pid 2>/dev/null && state="killed" || state="had finished"
  wait $pid 2>/dev/null
  echo "kill $i: after ${delay}s ($state); checkpoints: $(ls "$run/checkpoints" 2>/dev/null | tr '\n' ' ')"
done
if [ -e "$run/config.yaml" ]; then
  "$bin/sensorfm" pretrain --resume "$run" </dev/null 2>>"$work/crashed.log"
else
  "$bin/sensorfm" pretrain "$config" --run-dir "$run" </dev/null 2>>"$work/crashed.log"
fi || { echo "crash-test: the final resume failed"; tail "$work/crashed.log"; exit 1; }
crashed=$("$bin/sensorfm" pretrain --tensor-digest "$(final_checkpoint "$run")")
echo "after $kills kills: final tensors $crashed"
if [ "$crashed" = "$reference" ]; then
  echo "crash-test: bit-identical after $kills SIGKILLs"
else
  echo "crash-test: FAILED, final tensors differ"; exit 1
fi
