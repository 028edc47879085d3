# Sourced by Scripts/e2e.sh (uses $bin, $work and check): a smoke pretraining run that holds test subjects out,
# then finetune -> evaluate -> predict -> embed -> report twice (byte-identical) -> bad input.
ev="$work/evaluate"
mkdir -p "$ev"
ft_config=Experiments/smoke-finetune.yaml

evaluate_pretrain() {
  "$bin/sensorfm" pretrain Experiments/smoke-pretrain.yaml --run-dir "$ev/pre" \
    --set data.synthetic.subjects=6 --set split.test_fraction=0.34 </dev/null
}
check "evaluate: smoke pretraining with held-out test subjects" evaluate_pretrain

evaluate_finetune() {
  "$bin/sensorfm" finetune "$ft_config" --from "$ev/pre" --run-dir "$ev/ft" </dev/null || return 1
  local f
  for f in config.yaml pretraining-config.yaml meta.json metrics.jsonl train.log models/activity.safetensors \
    models/heart_rate.safetensors results.json; do
    [ -s "$ev/ft/$f" ] || { echo "missing or empty: $f"; return 1; }
  done
  grep -q '"loss.activity"' "$ev/ft/metrics.jsonl" && grep -q '"kind" : "finetune"' "$ev/ft/meta.json"
}
check "finetune: run folder with one model per task, metrics and results" evaluate_finetune

evaluate_run() {
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval" </dev/null | tee "$ev/eval.out" || return 1
  tail -n 1 "$ev/eval.out" | grep -q "^results: $ev/eval/results.json$" || { echo "last line is not 'results: PATH'"; return 1; }
  local checkpoint sha
  checkpoint=$(ls "$ev/pre/checkpoints"/step-*.safetensors | sort | tail -n 1)
  sha=$(sha256sum "$checkpoint" | cut -d' ' -f1)
  grep -q "\"checkpointSHA256\" : \"$sha\"" "$ev/eval/results.json" || { echo "results.json lacks the checkpoint SHA-256 $sha"; return 1; }
  grep -qi 'nan' "$ev/eval/results.json" && { echo "results.json holds a NaN"; return 1; }
  local model
  for model in '"pretrained"' '"scratch"' '"features"' '"peak_detection"'; do
    grep -q "\"model\" : $model" "$ev/eval/results.json" || { echo "no $model run in results.json"; return 1; }
  done
  [ -s "$ev/eval/embeddings.safetensors" ]
}
check "evaluate: results.json with every model, the checkpoint SHA-256 and no NaN" evaluate_run

evaluate_rerun_identical() {
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval2" --set 'tasks=[heart_rate]' \
    --set 'modes=[probe]' --set 'seeds=[0]' </dev/null >/dev/null 2>&1 || return 1
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval3" --set 'tasks=[heart_rate]' \
    --set 'modes=[probe]' --set 'seeds=[0]' </dev/null >/dev/null 2>&1 || return 1
  cmp "$ev/eval2/results.json" "$ev/eval3/results.json"
}
check "evaluate: the same config and seed give byte-identical results.json" evaluate_rerun_identical

evaluate_threads_identical() {
  local cfg=(--set 'tasks=[heart_rate]' --set 'seeds=[0]')
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval-t1" --threads 1 "${cfg[@]}" </dev/null >/dev/null 2>&1 || return 1
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval-t2" --threads 2 "${cfg[@]}" </dev/null >/dev/null 2>&1 || return 1
  cmp "$ev/eval-t1/results.json" "$ev/eval-t2/results.json"
}
check "evaluate: models trained in parallel (--threads 2) give the results.json of one thread" evaluate_threads_identical

# A stopped run (SIGTERM: exit 75 after the current model) and a killed one (SIGKILL mid-cell) both resume
# from the cells they stored to the results.json of the uninterrupted run ($ev/eval).
evaluate_resume_identical() {
  local status n
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval-stop" --threads 1 </dev/null >"$ev/eval-stop.out" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    n=$(ls "$ev/eval-stop/cells" 2>/dev/null | wc -l)
    [ "$n" -ge 2 ] && break
    sleep 0.1
  done
  kill -TERM "$pid"; wait "$pid"; status=$?
  [ "$status" -eq 75 ] || { echo "stopped run exited $status, not 75"; cat "$ev/eval-stop.out"; return 1; }
  grep -q -- "--resume" "$ev/eval-stop.out" || { echo "no resume hint"; return 1; }
  [ ! -e "$ev/eval-stop/results.json" ] || { echo "a stopped run wrote results.json"; return 1; }
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval-stop" </dev/null >/dev/null 2>&1 && { echo "reused a run folder"; return 1; }
  "$bin/sensorfm" evaluate --resume "$ev/eval-stop" </dev/null >/dev/null 2>&1 || return 1
  cmp "$ev/eval/results.json" "$ev/eval-stop/results.json" || return 1
  "$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/eval-kill" --threads 1 </dev/null >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    n=$(ls "$ev/eval-kill/cells" 2>/dev/null | wc -l)
    [ "$n" -ge 3 ] && break
    sleep 0.1
  done
  kill -KILL "$pid"; wait "$pid" 2>/dev/null
  echo "killed after $n cells"
  "$bin/sensorfm" evaluate --resume "$ev/eval-kill" </dev/null >/dev/null 2>&1 || return 1
  cmp "$ev/eval/results.json" "$ev/eval-kill/results.json"
}
check "evaluate --resume: stopped (exit 75) and killed runs end with the uninterrupted results.json" evaluate_resume_identical

evaluate_predict() {
  local data
  data=$(grep -o '"data_directory" : "[^"]*"' "$ev/ft/meta.json" | cut -d'"' -f4)
  "$bin/sensorfm" predict "$ev/ft" --data "$data" --out "$ev/predictions.csv" || return 1
  head -n 1 "$ev/predictions.csv"
  head -n 1 "$ev/predictions.csv" | grep -q '^recording,start_seconds,activity,activity.probability.' || return 1
  head -n 1 "$ev/predictions.csv" | grep -q ',heart_rate_bpm$' || return 1
  local again
  again=$("$bin/sensorfm" predict "$ev/ft" --data "$data" --out "$ev/predictions.csv" 2>&1) && { echo "overwrote"; return 1; }
  echo "$again" | grep -q "already exists"
}
check "predict: a CSV with class probabilities and bpm; never overwrites" evaluate_predict

evaluate_embed() {
  local data
  data=$(grep -o '"data_directory" : "[^"]*"' "$ev/ft/meta.json" | cut -d'"' -f4)
  "$bin/sensorfm" embed "$ev/pre" --data "$data" --out "$ev/embeddings.safetensors" || return 1
  [ -x .venv/bin/python ] || { echo "no .venv (Scripts/setup.sh)"; return 1; }
  .venv/bin/python - "$ev/embeddings.safetensors" "$ev/predictions.csv" <<'PY'
import sys
import numpy as np
from safetensors.numpy import load_file
t = load_file(sys.argv[1])
e = t["embeddings"]
assert e.ndim == 2 and e.shape[1] == 32 and np.isfinite(e).all(), e.shape
assert t["start_seconds"].shape == (e.shape[0],) and t["label.activity"].shape == (e.shape[0],)
rows = sum(1 for _ in open(sys.argv[2])) - 1
assert rows == e.shape[0], f"predictions.csv has {rows} rows for {e.shape[0]} windows"
print("embeddings", e.shape, "predictions", rows)
PY
}
check "embed: embeddings.safetensors that Python reads, one per window as predict's rows" evaluate_embed

evaluate_report_twice() {
  local out1 out2
  out1=$("$bin/sensorfm" report "$ev/pre" "$ev/ft" "$ev/eval" --out "$ev/report/report.html" 2>&1) || { echo "$out1"; return 1; }
  cp "$ev/report/report.html" "$ev/report1.html" && cp "$ev/report/report.md" "$ev/report1.md"
  out2=$("$bin/sensorfm" report "$ev/pre" "$ev/ft" "$ev/eval" --out "$ev/report/report.html" 2>&1) || { echo "$out2"; return 1; }
  echo "$out2" | tail -n 1
  [ "$(echo "$out2" | tail -n 1)" = "report: $ev/report/report.html" ] || { echo "last line is not 'report: ABSOLUTE_PATH'"; return 1; }
  cmp "$ev/report1.html" "$ev/report/report.html" && cmp "$ev/report1.md" "$ev/report/report.md" || return 1
  grep -q '<svg' "$ev/report/report.html" && grep -q 'pretrained probe' "$ev/report/report.html" && grep -q 'PC 1' "$ev/report/report.html"
}
check "report: HTML + Markdown, byte-identical on re-render, last line 'report: PATH'" evaluate_report_twice

evaluate_bad_input() {
  local out status
  mkdir -p "$ev/nockpt" && cp "$ev/pre/config.yaml" "$ev/pre/meta.json" "$ev/nockpt/"
  out=$("$bin/sensorfm" evaluate "$ft_config" --from "$ev/nockpt" --run-dir "$ev/bad1" 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "no usable checkpoint" && [ ! -e "$ev/bad1" ] || return 1
  out=$("$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/bad2" \
    --set 'protocol={kind: leave_subjects_out, folds: 3}' 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "seen in pretraining" && [ ! -e "$ev/bad2" ] || return 1
  out=$("$bin/sensorfm" finetune "$ft_config" --from "$ev/pre" --run-dir "$ev/bad3" --set finetune.lrr=1 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "did you mean 'finetune.lr'" && [ ! -e "$ev/bad3" ] || return 1
  # A dataset without the heart-rate label (the smoke dataset with that label dropped from its manifest).
  local data
  data=$(grep -o '"data_directory" : "[^"]*"' "$ev/ft/meta.json" | cut -d'"' -f4)
  mkdir -p "$ev/nohr" && cp "$data"/shard-*.safetensors "$ev/nohr/" || return 1
  .venv/bin/python - "$data/manifest.json" "$ev/nohr/manifest.json" <<'PY' || return 1
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest["labels"] = [label for label in manifest["labels"] if label["name"] != "heart_rate"]
json.dump(manifest, open(sys.argv[2], "w"), indent=2)
PY
  out=$("$bin/sensorfm" evaluate "$ft_config" --from "$ev/pre" --run-dir "$ev/bad4" --set "data.path=$ev/nohr" 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "which the dataset lacks" && echo "$out" | grep -q "tasks" && [ ! -e "$ev/bad4" ] || return 1
  out=$("$bin/sensorfm" predict "$ev/pre" --data "$ev" --out "$ev/bad.csv" 2>&1); status=$?
  echo "$out"
  [ "$status" -ne 0 ] && [ ! -e "$ev/bad.csv" ]
}
check "evaluate/finetune/predict bad input: missing checkpoint, seen test subjects, unknown key, a task label the dataset lacks" evaluate_bad_input
