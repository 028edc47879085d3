# Sourced by Scripts/e2e.sh: the int8 student and the operator-coverage graph exported as .tflite, replayed
# in the real TFLite Micro interpreter (PyPI tflite-micro in .venv-edge) against the Swift integer reference.
edge_tflite_micro() {
  local model=$1 dir="$work/edge-$1"
  Scripts/edge_venv.sh &&
    "$bin/sensorfm" edge selfcheck --model "$model" --samples 300 --out "$dir" &&
    .venv-edge/bin/python Scripts/check_tflite.py "$dir"
}
check "edge student .tflite bit-exact in TFLite Micro (300 inputs)" edge_tflite_micro student
check "edge operator set .tflite bit-exact in TFLite Micro (300 inputs)" edge_tflite_micro operators
