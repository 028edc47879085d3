#!/usr/bin/env bash
# Extended check (Scripts/check-extended.sh litert): the default wrist student's int8 .tflite in LiteRT (PyPI
# ai-edge-litert) against the Swift integer reference on 300 inputs, within 1 LSB before softmax with LiteRT's
# reference kernels and 2 LSB with its default ones, and the single-window time of `sensorfm bench student`
# (Swift int8 runtime) against LiteRT's default kernels as a ratio.
#   Scripts/edge_litert.sh [VERIFICATION_DIR]
# VERIFICATION_DIR: a distill run's verification/ folder (the trained student and the Swift runtime's outputs on
# its test windows) instead of the self-check student with generated weights.
# Uses $SENSORFM_BIN (default .build/release/sensorfm, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/edge_venv.sh --litert
bin=${SENSORFM_BIN:-.build/release/sensorfm}
[ -x "$bin" ] || swift build -c release --product sensorfm
if [ $# -gt 0 ]; then
  # `sensorfm bench student` times the default shape only, so a given folder is checked without the time ratio.
  [ -f "$1/manifest.json" ] || { echo "edge_litert: $1 has no manifest.json (pass a distill run's verification/ folder)" >&2; exit 2; }
  exec .venv-edge/bin/python Scripts/check_tflite.py "$1" --litert
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-litert.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" edge selfcheck --model student --samples 300 --out "$work/student"
bench=$("$bin" bench student --warmup 5 --steps 200)
echo "$bench"
swift_us=$(sed -n 's/.*"median_us":\([0-9.]*\).*/\1/p' <<<"$bench")
.venv-edge/bin/python Scripts/check_tflite.py "$work/student" --litert --swift-us "$swift_us"
