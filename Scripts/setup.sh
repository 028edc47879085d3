#!/usr/bin/env bash
# Installs what SensorFM needs on a bare Debian machine (run as root); safe to run again.
#   Scripts/setup.sh          system packages + the light Python environment used by the checks
# System: OpenBLAS (CBLAS) and LAPACKE, pkg-config to find them; Open MPI for data-parallel runs
# (loaded at run time under mpirun/srun only, the build never needs it).
# Python (.venv, ignored by git): numpy and safetensors, for the format round-trip checks; .venv-edge (Scripts/edge_venv.sh):
# the TFLite Micro interpreter that `sensorfm run` checks the exported student in.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libopenblas-dev liblapacke-dev pkg-config python3-venv openmpi-bin libopenmpi-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python_packages=(numpy safetensors)
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import numpy, safetensors" >/dev/null 2>&1; then
  echo "setup: installing ${python_packages[*]} into .venv"
  .venv/bin/pip install -q --disable-pip-version-check "${python_packages[@]}"
fi
Scripts/edge_venv.sh
echo "setup: ok"
