#!/usr/bin/env bash
# Side-by-side benchmark: `sensorfm bench bench-small` against the PyTorch references in one command.
#   Scripts/compare-pytorch.sh [--rounds 3] [--threads 2] [--steps 20]
# Runs ours, the project's reference (Scripts/bench_reference.py) and, when present, the shared yardstick
# (../shared/bench/torch_reference.py) interleaved, `rounds` times each, then prints per objective the median
# of windows_per_s(sensorfm) / windows_per_s(pytorch) over the rounds, MFU, and whether both sides learn.
# PyTorch lives in .venv-torch (created here on first use; it is large and not part of CI).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 threads=2 steps=20
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    *) echo "compare-pytorch: unknown option $1" >&2; exit 2 ;;
  esac
done

Scripts/setup.sh >/dev/null
if ! .venv-torch/bin/python -c "import torch" >/dev/null 2>&1; then
  echo "compare-pytorch: installing torch into .venv-torch"
  python3 -m venv .venv-torch
  .venv-torch/bin/pip install -q --disable-pip-version-check torch numpy
fi
swift build -c release --product sensorfm >/dev/null

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
shared=../shared/bench/torch_reference.py
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  .build/release/sensorfm bench bench-small --threads "$threads" --steps "$steps" >>"$results/sensorfm.jsonl"
  .venv-torch/bin/python Scripts/bench_reference.py --threads "$threads" --steps "$steps" >>"$results/reference.jsonl"
  if [ -f "$shared" ]; then
    .venv-torch/bin/python "$shared" --threads "$threads" --steps "$steps" >>"$results/shared.jsonl"
  fi
done
.venv/bin/python Scripts/compare_bench.py "$results"
