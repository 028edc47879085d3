# Sourced by Scripts/e2e.sh: safetensors files cross-checked with Python's `safetensors` both ways,
# and a short fuzz of every registered reader (Scripts/fuzz.sh runs the full 10^5 per reader).
roundtrip_safetensors() {
  local dir="$work/safetensors"
  mkdir -p "$dir" &&
    "$bin/sensorfm-fuzz" roundtrip "$dir" &&
    .venv/bin/python Scripts/safetensors_roundtrip.py "$dir" &&
    "$bin/sensorfm-fuzz" roundtrip "$dir" &&
    [ -n "$(ls "$dir/from-python")" ]
}
check "safetensors round trip with Python" roundtrip_safetensors

fuzz_every_reader() {
  local target
  for target in $("$bin/sensorfm-fuzz" list); do
    "$bin/sensorfm-fuzz" "$target" --iterations 10000 --seed 11 || return 1
  done
}
check "fuzz every reader (10^4 inputs each)" fuzz_every_reader
