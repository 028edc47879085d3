# Sourced by Scripts/e2e.sh (uses $bin, $work and check): the smoke pretraining run through the release
# binary — run-folder contents, kill -9 + resume bit-identity, SIGTERM checkpoint and exit, bad config and
# bad input (missing files, unknown modality, patch not dividing the window, batch beyond the dataset).
smoke=Experiments/smoke-pretrain.yaml
pre="$work/pretrain"
mkdir -p "$pre"

digest() { "$bin/sensorfm" pretrain --tensor-digest "$1"; }

# Waits (up to $2 seconds) until file $1 exists.
wait_for_file() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do [ -e "$1" ] && return 0; sleep 0.1; done
  return 1
}

pretrain_smoke_run() {
  "$bin/sensorfm" pretrain "$smoke" --run-dir "$pre/full" </dev/null
}
check "pretrain smoke run" pretrain_smoke_run

pretrain_run_folder() {
  local run="$pre/full" f
  for f in config.yaml meta.json metrics.jsonl train.log checkpoints/step-00000040.safetensors checkpoints/best.safetensors; do
    [ -s "$run/$f" ] || { echo "missing or empty: $f"; return 1; }
  done
  [ "$(ls "$run/checkpoints" | grep -c '^step-')" -eq 2 ] || { echo "keep_last 2 not honoured"; ls "$run/checkpoints"; return 1; }
  grep -q '"step":40' "$run/metrics.jsonl" && grep -q '"validation_loss"' "$run/metrics.jsonl" &&
    grep -q '"loss.masked_reconstruction.ppg"' "$run/metrics.jsonl" || { echo "metrics.jsonl lacks entries"; return 1; }
  local key
  for key in code_version seed threads machine data_manifest_sha256 split; do
    grep -q "\"$key\"" "$run/meta.json" || { echo "meta.json lacks $key"; return 1; }
  done
  grep -q 'INFO step 40/40' "$run/train.log" || { echo "train.log lacks plain timestamped progress lines"; return 1; }
}
check "pretrain run folder (config, meta, metrics, log, keep-last-2 + best checkpoints)" pretrain_run_folder

pretrain_kill9_resume() {
  local run="$pre/killed" status
  "$bin/sensorfm" pretrain "$smoke" --run-dir "$run" </dev/null 2>/dev/null &
  local pid=$!
  wait_for_file "$run/checkpoints/step-00000010.safetensors" 60 || { kill -9 $pid; echo "no checkpoint appeared"; return 1; }
  sleep 0.3
  kill -9 $pid; wait $pid 2>/dev/null
  "$bin/sensorfm" pretrain --resume "$run" </dev/null || { echo "resume failed"; return 1; }
  local expected actual
  expected=$(digest "$pre/full/checkpoints/step-00000040.safetensors") || return 1
  actual=$(digest "$run/checkpoints/step-00000040.safetensors") || return 1
  echo "uninterrupted $expected"; echo "killed+resumed $actual"
  [ "$expected" = "$actual" ]
}
check "pretrain kill -9 then --resume ends bit-identical" pretrain_kill9_resume

pretrain_sigterm() {
  local run="$pre/term" status start elapsed
  # Long enough that the signal always lands mid-run (the smoke run itself ends in seconds).
  "$bin/sensorfm" pretrain "$smoke" --run-dir "$run" --set training.steps=1000000 </dev/null 2>"$pre/term.err" &
  local pid=$!
  wait_for_file "$run/metrics.jsonl" 60 && sleep 0.5
  start=$(date +%s.%N)
  kill -TERM $pid
  wait $pid; status=$?
  elapsed=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
  echo "exit status $status after ${elapsed}s"
  [ "$status" -eq 75 ] || return 1
  awk -v e="$elapsed" 'BEGIN { exit !(e < 5) }' || { echo "took too long"; return 1; }
  ls "$run/checkpoints" | grep -q '^step-' || { echo "no checkpoint written"; return 1; }
  grep -q "stopped by signal" "$run/train.log"
}
check "pretrain SIGTERM writes a checkpoint and exits 75 within 5 s" pretrain_sigterm

pretrain_bad_config() {
  local out status
  out=$("$bin/sensorfm" pretrain "$smoke" --run-dir "$pre/bad" --set optimizer.lrr=1 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "optimizer.lrr" && echo "$out" | grep -q "did you mean 'optimizer.lr'" || return 1
  out=$("$bin/sensorfm" pretrain "$smoke" --run-dir "$pre/bad" --set 'model.patches={ppg: 1, acc: 1, temp: 7}' 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "model.patches.temp" && [ ! -e "$pre/bad/config.yaml" ]
}
check "pretrain bad config names the key and trains nothing" pretrain_bad_config

# Each bad input must exit 65 naming its key (or file) before a run folder exists.
pretrain_bad_input() {
  local out status case_ expected
  local -a cases=(
    "data={path: $pre/no-such-dataset}|data.path: no dataset folder"
    "model.patches={ppg: 1, accx: 1, temp: 5}|model.patches.accx: unknown modality"
    "model.patches={ppg: 1, acc: 0.7, temp: 5}|model.patches.acc"
    "training.batch_size=60000|training.batch_size: batch of 60000 is larger than the"
  )
  for case_ in "${cases[@]}"; do
    expected=${case_#*|}
    out=$("$bin/sensorfm" pretrain "$smoke" --run-dir "$pre/bad-input" --set "${case_%%|*}" 2>&1); status=$?
    echo "$out"
    [ "$status" -eq 65 ] && echo "$out" | grep -qF "$expected" && [ ! -e "$pre/bad-input" ] || { echo "expected exit 65 and: $expected"; return 1; }
  done
  out=$("$bin/sensorfm" pretrain "$pre/no-such-config.yaml" 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -qF "no-such-config.yaml: cannot read the configuration file"
}
check "pretrain bad input (missing file, unknown modality, patch, batch) stops before training" pretrain_bad_input

# On a terminal (script(1) gives the run a pseudo-terminal) progress is one line rewritten in place;
# piped, every line is plain and timestamped.
pretrain_progress_display() {
  local tty_out="$pre/tty.out" piped="$pre/piped.err"
  script -qec "'$bin/sensorfm' pretrain '$smoke' --run-dir '$pre/tty' --set training.steps=10 --set training.validation_interval=0" \
    "$tty_out" </dev/null >/dev/null || { echo "run on a pseudo-terminal failed"; tail -5 "$tty_out"; return 1; }
  grep -q $'\r\e\[2Kstep 10/10 loss' "$tty_out" || { echo "no rewritten progress line on the terminal"; return 1; }
  grep -aqE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* INFO step' "$tty_out" && { echo "terminal got timestamped step lines"; return 1; }
  "$bin/sensorfm" pretrain "$smoke" --run-dir "$pre/piped" --set training.steps=10 --set training.validation_interval=0 \
    </dev/null 2>"$piped" || return 1
  grep -q $'\r' "$piped" && { echo "piped output holds carriage returns"; return 1; }
  grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z INFO step 10/10 loss .* windows/s ETA' "$piped" ||
    { echo "piped output lacks plain timestamped progress lines"; cat "$piped"; return 1; }
}
check "pretrain progress: live line on a terminal, timestamped lines when piped" pretrain_progress_display

# A second process on a running run's folder is refused (exit 73) and the first one is unharmed.
pretrain_lock() {
  local run="$pre/locked" out status
  "$bin/sensorfm" pretrain "$smoke" --run-dir "$run" --set training.steps=1000000 </dev/null 2>/dev/null &
  local pid=$!
  wait_for_file "$run/metrics.jsonl" 60 || { kill -9 $pid; echo "the first run did not start"; return 1; }
  out=$("$bin/sensorfm" pretrain --resume "$run" </dev/null 2>&1); status=$?
  kill -TERM $pid; wait $pid
  echo "$out"
  [ "$status" -eq 73 ] && echo "$out" | grep -q "in use by process $pid"
}
check "pretrain lock: a second process on the same run folder exits 73" pretrain_lock
