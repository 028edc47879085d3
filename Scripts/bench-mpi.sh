#!/usr/bin/env bash
# Benchmark (not a test): data-parallel pretraining throughput on this machine, bench-small settings.
#   Scripts/bench-mpi.sh [ROUNDS] [STEPS]
# Interleaves ROUNDS (default 3) of: one process with 2 threads, and `mpirun -np 2` with 1 thread per
# rank, for each objective (A masked reconstruction, B contrastive), and prints each run's windows/s
# (training steps after the first 3, from train.log) and the medians. Needs the release build and
# Open MPI (Scripts/setup.sh). Other load on the machine shows up as spread between rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
steps=${2:-23}
bin=.build/release/sensorfm
[ -x "$bin" ] || { echo "bench-mpi: build first: swift build -c release" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "bench-mpi: mpirun not found (Scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-bench-mpi.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A objectives=([A]='[{kind: masked_reconstruction, mask_ratio: 0.5}]'
  [B]='[{kind: contrastive, temperature: 0.1, projection_dimensions: 64, augmentations: light}]')

# Prints the windows/s of one run: run_once OBJECTIVE DIR THREADS [LAUNCHER...]
run_once() {
  local objective=$1 dir="$work/$2" threads=$3; shift 3
  "$@" "$bin" pretrain Experiments/bench-small.yaml --threads "$threads" --set "objectives=${objectives[$objective]}" \
    --set training.steps="$steps" --set training.log_interval="$steps" --run-dir "$dir" </dev/null >"$dir.out" 2>&1 ||
    { echo "bench-mpi: run $dir failed:" >&2; tail -n 20 "$dir.out" >&2; exit 1; }
  sed -n 's/.*done: [0-9]* steps; \([0-9.]*\) windows\/s.*/\1/p' "$dir/train.log"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench-mpi: bench-small, $steps steps per run, $rounds interleaved rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for objective in A B; do
  single=() parallel=()
  for ((round = 1; round <= rounds; round++)); do
    single+=("$(run_once "$objective" "$objective-single-$round" 2)")
    parallel+=("$(run_once "$objective" "$objective-mpi-$round" 1 mpirun --oversubscribe --allow-run-as-root --bind-to none -np 2)")
    echo "objective $objective round $round: 1 process x 2 threads ${single[-1]} windows/s, mpirun -np 2 x 1 thread ${parallel[-1]} windows/s"
  done
  grep -h 'model:' "$work/$objective-mpi-$rounds/train.log" | sed 's/^[^ ]* INFO /  /'
  grep -h 'gradient all-reduce' "$work/$objective-mpi-"*/train.log | sed 's/^[^ ]* INFO /  /'
  a=$(printf '%s\n' "${single[@]}" | median) b=$(printf '%s\n' "${parallel[@]}" | median)
  echo "objective $objective median: 1 process x 2 threads $a windows/s, mpirun -np 2 x 1 thread $b windows/s, ratio mpi/single $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')"
done
echo "bench-mpi: load after $(cut -d' ' -f1-3 /proc/loadavg)"
