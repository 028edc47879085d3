#!/usr/bin/env bash
# Creates .venv-edge (ignored by git) with the real TFLite Micro interpreter (PyPI `tflite-micro`) and numpy,
# used by Scripts/check_tflite.py to check the Swift int8 runtime bit for bit; with --litert also LiteRT
# (PyPI ai-edge-litert) for the extended check; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-edge/bin/python ]; then
  echo "edge_venv: creating .venv-edge"
  python3 -m venv .venv-edge
fi
if ! .venv-edge/bin/python -c "import numpy, tflite_micro" >/dev/null 2>&1; then
  echo "edge_venv: installing tflite-micro and numpy into .venv-edge"
  .venv-edge/bin/pip install -q --disable-pip-version-check tflite-micro numpy
fi
if [ "${1:-}" = "--litert" ] && ! .venv-edge/bin/python -c "import ai_edge_litert" >/dev/null 2>&1; then
  echo "edge_venv: installing ai-edge-litert into .venv-edge"
  .venv-edge/bin/pip install -q --disable-pip-version-check ai-edge-litert
fi
echo "edge_venv: ok"
