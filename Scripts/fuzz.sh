#!/usr/bin/env bash
# Fuzz every reader registered in sensorfm-fuzz (Sources/SensorFuzz/main.swift) for 10^5 inputs each:
# safetensors, the data readers and the experiment config reader (run-config, seeded from Experiments/*.yaml).
#
#   Scripts/fuzz.sh                       build in release (default .build) and run every target
#   FUZZ_ITERATIONS=1000 FUZZ_SEED=7 Scripts/fuzz.sh
#   SWIFT_SCRATCH=/path/to/build Scripts/fuzz.sh     use another scratch folder instead of .build
#
# Prints one summary line per target; exits non-zero if the build fails, any target reports a
# failure, or the process dies (a crash prints the command that replays the crashing input).
set -uo pipefail

cd "$(dirname "$0")/.."
iterations="${FUZZ_ITERATIONS:-100000}"
seed="${FUZZ_SEED:-1}"
scratch=()
if [[ -n "${SWIFT_SCRATCH:-}" ]]; then
    scratch=(--scratch-path "$SWIFT_SCRATCH")
fi

if ! swift build -c release --product sensorfm-fuzz "${scratch[@]}"; then
    echo "fuzz.sh: build of sensorfm-fuzz failed" >&2
    exit 1
fi
binary="$(swift build -c release --product sensorfm-fuzz "${scratch[@]}" --show-bin-path)/sensorfm-fuzz"

targets="$("$binary" list)" || { echo "fuzz.sh: 'sensorfm-fuzz list' failed" >&2; exit 1; }
failed=0
for target in $targets; do
    "$binary" "$target" --iterations "$iterations" --seed "$seed"
    status=$?
    if [[ $status -ne 0 ]]; then
        echo "fuzz.sh: target $target FAILED (exit status $status)" >&2
        failed=1
    fi
done
if [[ $failed -ne 0 ]]; then
    echo "fuzz.sh: FAILED" >&2
    exit 1
fi
echo "fuzz.sh: all targets passed"
