#!/usr/bin/env bash
# Regenerates the TFLite Micro goldens the Swift tests pin (Tests/SensorEdgeTests/*Golden.swift):
# writes the golden student and operator-coverage bundles (int8 and 16x8) with the debug CLI, runs them through the real
# TFLite Micro interpreter (which also checks them against the Swift reference) and records its outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH:-/work/build-edge}
Scripts/edge_venv.sh
swift build --scratch-path "$scratch" --product sensorfm
work=$(mktemp -d "${TMPDIR:-/tmp}/sensorfm-goldens.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$scratch/debug/sensorfm" edge selfcheck --model golden --samples 8 --out "$work/golden"
"$scratch/debug/sensorfm" edge selfcheck --model operators --samples 8 --out "$work/operators"
.venv-edge/bin/python Scripts/check_tflite.py "$work/golden" --swift-golden Tests/SensorEdgeTests/StudentGolden.swift \
  --golden-name StudentGolden
.venv-edge/bin/python Scripts/check_tflite.py "$work/operators" --swift-golden Tests/SensorEdgeTests/OperatorGolden.swift \
  --golden-name OperatorGolden
"$scratch/debug/sensorfm" edge selfcheck --model golden --arithmetic 16x8 --samples 8 --out "$work/golden16"
"$scratch/debug/sensorfm" edge selfcheck --model operators --arithmetic 16x8 --samples 8 --out "$work/operators16"
.venv-edge/bin/python Scripts/check_tflite.py "$work/golden16" --swift-golden Tests/SensorEdgeTests/StudentGolden16x8.swift \
  --golden-name StudentGolden16x8
.venv-edge/bin/python Scripts/check_tflite.py "$work/operators16" --swift-golden Tests/SensorEdgeTests/OperatorGolden16x8.swift \
  --golden-name OperatorGolden16x8
