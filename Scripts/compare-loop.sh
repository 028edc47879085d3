#!/usr/bin/env bash
# The training loop's overhead: `sensorfm pretrain Experiments/bench-small.yaml` (real loader with background
# augmentation, metrics, logging) against `sensorfm bench bench-small` (the bare step on prepared tensors),
# objective by objective, interleaved on the same machine.
#   Scripts/compare-loop.sh [--rounds 3]        (SKIP_BUILD=1 uses the existing release binary)
# Both time 20 steps after 3 warm-up steps. A pretrain step is timed from asking for its batch to the end
# of the optimizer update (so a loader that falls behind counts; logging and the final checkpoint come
# after the clock and do not). Prints each round's windows/s with the loader wait, the load average, and
# the median ratio pretrain / bench per objective. Run it on a quiet machine: other processes move both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    *) echo "compare-loop: unknown option $1" >&2; exit 2 ;;
  esac
done

[ -n "${SKIP_BUILD:-}" ] || swift build -c release --product sensorfm >/dev/null
bin=.build/release/sensorfm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A objective=([A]='objectives=[{kind: masked_reconstruction, mask_ratio: 0.5}]'
                      [B]='objectives=[{kind: contrastive, temperature: 0.1, projection_dimensions: 64, augmentations: light}]')
# Windows/s of a finished pretraining run, and the ms per step it spent waiting for the loader, from its last log line.
loop_rate() { sed -n 's/.*done: [0-9]* steps; \([0-9.]*\) windows\/s.*/\1/p' "$1/train.log" | tail -1; }
loop_wait() { sed -n 's/.*of which \([0-9.]*\) waiting for the loader.*/\1/p' "$1/train.log" | tail -1; }

echo "compare-loop: $rounds interleaved rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for name in A B; do
    "$bin" bench bench-small --objectives "$name" >"$work/bench-$name-$round.json"
    bench=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]['windows_per_s'])" \
      "$work/bench-$name-$round.json" "$name")
    "$bin" pretrain Experiments/bench-small.yaml --run-dir "$work/run-$name-$round" --set "${objective[$name]}" \
      </dev/null 2>/dev/null
    loop=$(loop_rate "$work/run-$name-$round")
    echo "round $round objective $name: bench $bench windows/s, pretrain $loop windows/s (loader wait $(loop_wait "$work/run-$name-$round") ms/step)" | tee -a "$work/rounds.txt"
  done
done

python3 - "$work/rounds.txt" <<'EOF'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r"round \d+ objective (\w): bench ([\d.]+) windows/s, pretrain ([\d.]+) windows/s", line)
    rates.setdefault(m[1], []).append((float(m[2]), float(m[3])))
for name, pairs in sorted(rates.items()):
    bench = statistics.median(b for b, _ in pairs)
    loop = statistics.median(p for _, p in pairs)
    ratio = statistics.median(p / b for b, p in pairs)
    print(f"objective {name}: bench {bench:.1f} windows/s, pretrain {loop:.1f} windows/s, "
          f"median ratio pretrain/bench {ratio:.3f} over {len(pairs)} rounds")
EOF
echo "compare-loop: load after $(cut -d' ' -f1-3 /proc/loadavg)"
