# Sourced by Scripts/e2e.sh: the int8 and 16x8 students and operator-coverage graphs exported as .tflite, replayed
# in the real TFLite Micro interpreter (PyPI tflite-micro in .venv-edge) against the Swift integer reference.
edge_tflite_micro() {
  local model=$1 dir="$work/edge-$1"
  shift
  Scripts/edge_venv.sh &&
    "$bin/sensorfm" edge selfcheck --model "$model" --samples 300 --out "$dir" &&
    .venv-edge/bin/python Scripts/check_tflite.py "$dir" "$@"
}
edge_arena_limit() { sed -n 's/^arena_bytes: *//p' "Experiments/devices/$1.yaml"; }
check "edge student .tflite bit-exact in TFLite Micro (300 inputs), arena within wrist-default's" \
  edge_tflite_micro student --max-arena "$(edge_arena_limit wrist-default)"
check "edge operator set .tflite bit-exact in TFLite Micro (300 inputs)" edge_tflite_micro operators
edge_tflite_micro_16x8() {
  local model=$1 dir="$work/edge-16x8-$1"
  shift
  "$bin/sensorfm" edge selfcheck --model "$model" --arithmetic 16x8 --samples 300 --out "$dir" &&
    .venv-edge/bin/python Scripts/check_tflite.py "$dir" "$@"
}
check "edge 16x8 student .tflite bit-exact in TFLite Micro (300 inputs), arena within m7-large's" \
  edge_tflite_micro_16x8 student --max-arena "$(edge_arena_limit m7-large)"
check "edge 16x8 operator set .tflite bit-exact in TFLite Micro (300 inputs)" edge_tflite_micro_16x8 operators

# The budget report of the default student on the wrist profile fits; a profile with an unknown key is refused
# naming the file, line and key.
edge_budget_fits() {
  "$bin/sensorfm" edge budget --device Experiments/devices/wrist-default.yaml | grep -q '^fits wrist-default$'
}
edge_budget_bad_profile() {
  local profile="$work/bad-device.yaml" log
  sed 's/^clock_mhz:/clock_megahertz:/' Experiments/devices/wrist-default.yaml >"$profile"
  if log=$("$bin/sensorfm" edge budget --device "$profile" 2>&1); then return 1; fi
  grep -q "bad-device.yaml:6: clock_megahertz: unknown key" <<<"$log"
}
check "edge budget: default student fits wrist-default" edge_budget_fits
check "edge budget: unknown profile key names file, line and key" edge_budget_bad_profile
