# Sourced by Scripts/e2e.sh: `sensorfm data` end to end — a tiny synthetic cohort checked from Python,
# the shipped samples imported and inspected, a malformed file rejected with its file and line and no
# output left behind, and the loader benchmark's JSON line.
mkdir -p "$work/data"

# An E4 export without TEMP.csv beside a full one: both import, temp is marked absent in the manifest.
data_import_absent_modality() {
  local study="$work/data/absent-temp-study"
  mkdir -p "$study/full" "$study/no-temp" && cp Datasets/samples/e4/*.csv "$study/full/" &&
    cp Datasets/samples/e4/*.csv "$study/no-temp/" && rm "$study/no-temp/TEMP.csv" &&
    "$bin/sensorfm" data import "$study" --out "$work/data/absent-temp" --window 4 --stride 2 &&
    json_holds "$work/data/absent-temp/manifest.json" '[m.get("absent_recordings") for m in d["modalities"] if m["name"] == "temp"] == [["no-temp/no-temp"]]' &&
    .venv/bin/python Scripts/check_dataset.py "$work/data/absent-temp"
}

# Fails unless the JSON file $1 satisfies the Python expression $2 (over `d`, the parsed document).
json_holds() {
  .venv/bin/python -c 'import json, sys; d = json.load(open(sys.argv[1])); assert eval(sys.argv[2]), sys.argv[2]' "$1" "$2"
}

data_synth_and_inspect() {
  local out="$work/data/synth"
  "$bin/sensorfm" data synth --subjects 2 --hours 0.25 --seed 5 --out "$out" --threads 2 &&
    "$bin/sensorfm" data inspect "$out" --json >"$work/data/synth.json" &&
    json_holds "$work/data/synth.json" 'd["manifest"]["windows"] > 0 and len(d["subjects"]) == 2 and all(s.get("problem") is None for s in d["shards"])' &&
    .venv/bin/python Scripts/check_dataset.py "$out"
}
check "data synth 2 subjects x 0.25 h, inspect --json, check_dataset.py" data_synth_and_inspect

data_import_samples() {
  local sample
  for sample in e4 wesad; do
    "$bin/sensorfm" data inspect "Datasets/samples/$sample" --json >"$work/data/$sample-recording.json" &&
      json_holds "$work/data/$sample-recording.json" 'len(d["recordings"]) == 1 and d["recordings"][0]["durationSeconds"] > 0' &&
      "$bin/sensorfm" data import "Datasets/samples/$sample" --out "$work/data/$sample" --window 4 --stride 2 &&
      "$bin/sensorfm" data inspect "$work/data/$sample" --json >"$work/data/$sample-dataset.json" &&
      json_holds "$work/data/$sample-dataset.json" 'd["manifest"]["windows"] > 0' &&
      .venv/bin/python Scripts/check_dataset.py "$work/data/$sample" || return 1
  done
  json_holds "$work/data/wesad-dataset.json" '{"baseline", "stress", "meditation"} <= set(d["manifest"]["labels"][0]["class_names"])' &&
    json_holds "$work/data/e4-dataset.json" '[(m["name"], m["sampling_rate"]) for m in d["manifest"]["modalities"]] == [("ppg", 64), ("acc", 32), ("temp", 4), ("eda", 4)]'
}
check "data import + inspect of the shipped E4 and WESAD samples" data_import_samples

data_malformed_csv() {
  local bad="$work/data/bad-e4" out="$work/data/bad-out"
  mkdir -p "$bad" && cp Datasets/samples/e4/*.csv "$bad/" &&
    awk 'NR == 5 { $0 = "-10,abc,57" } { print }' Datasets/samples/e4/ACC.csv >"$bad/ACC.csv" || return 1
  if "$bin/sensorfm" data import "$bad" --out "$out" 2>"$work/data/bad.err"; then
    echo "the import of a malformed ACC.csv succeeded"; return 1
  fi
  cat "$work/data/bad.err"
  grep -q "^error: .*bad-e4/ACC.csv:5: " "$work/data/bad.err" && [ ! -e "$out" ] &&
    [ -z "$(ls -A "$work/data" | grep partial)" ]
}
check "data import of E4 exports with and without TEMP.csv marks temp absent" data_import_absent_modality

check "data import of a malformed CSV names file and line, writes nothing" data_malformed_csv

data_bench_loader() {
  "$bin/sensorfm" bench loader --repeats 1 >"$work/data/loader.json" && cat "$work/data/loader.json" &&
    json_holds "$work/data/loader.json" 'd["benchmark"] == "loader" and all(d[w]["batches_per_second"] > 0 and d[w]["windows_per_second"] > 0 for w in "AB")'
}
check "bench loader prints its JSON line" data_bench_loader
