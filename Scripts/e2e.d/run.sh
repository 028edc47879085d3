# Sourced by Scripts/e2e.sh (uses $bin, $work and check): the main job `sensorfm run` on Experiments/smoke-run.yaml,
# run from another folder -> a re-run reuses every stage (byte-identical report) -> a changed distill key re-runs
# distill, export and report only -> a run killed with SIGKILL mid-pretrain, run again, resumes and ends with the
# uninterrupted run's report, and `sensorfm report` of both runs' stage folders gives the same bytes -> each stage
# command reads its section of the pipeline file -> bad input.
rn="$work/run"
mkdir -p "$rn/elsewhere"
run_bin="$(cd "$bin" && pwd)/sensorfm"
run_config="$(pwd)/Experiments/smoke-run.yaml"
run_stages="data pretrain evaluate finetune distill export report"

# The outcome (ran, resumed, reused) of each stage in the stage lines of a `sensorfm run` output file.
run_outcomes() {
  local stage
  for stage in $run_stages; do
    awk -v s="$stage" '$1 == s && ($2 == "ran" || $2 == "resumed" || $2 == "reused") { print s "=" $2 }' "$1"
  done | tr '\n' ' '
}

run_first() {
  (cd "$rn/elsewhere" && "$run_bin" run "$run_config" </dev/null >"$rn/first.out" 2>"$rn/first.err") ||
    { tail -n 20 "$rn/first.err"; return 1; }
  cat "$rn/first.out"
  local report="$rn/elsewhere/runs/smoke-run/report.html"
  [ "$(tail -n 1 "$rn/first.out")" = "report: $report" ] || { echo "last line is not 'report: $report'"; return 1; }
  [ -s "$report" ] && grep -q '<svg' "$report" && grep -q 'int8 student' "$report" || { echo "no report with the student at $report"; return 1; }
  local prefixes
  prefixes=$(tail -n 6 "$rn/first.out" | head -n 5 | cut -d: -f1 | tr '\n' ',')
  [ "$prefixes" = "data,pretraining,label efficiency,student,runtime," ] ||
    { echo "summary lines are not data/pretraining/label efficiency/student/runtime: $prefixes"; return 1; }
  grep -q '^runtime: TFLite Micro (PyPI tflite-micro) passed' "$rn/first.out" || { echo "no passed TFLite Micro check"; return 1; }
  [ "$(run_outcomes "$rn/first.out")" = "data=reused pretrain=ran evaluate=ran finetune=ran distill=ran export=ran report=ran " ] ||
    [ "$(run_outcomes "$rn/first.out")" = "data=ran pretrain=ran evaluate=ran finetune=ran distill=ran export=ran report=ran " ] ||
    { echo "not every stage ran: $(run_outcomes "$rn/first.out")"; return 1; }
  cp "$report" "$rn/first.html"
}
check "run: smoke pipeline from another folder: a line per stage, five summary lines, last line 'report: ABSOLUTE_PATH'" run_first

run_reuse() {
  local started elapsed
  started=$(date +%s%N)
  (cd "$rn/elsewhere" && "$run_bin" run "$run_config" </dev/null >"$rn/second.out" 2>"$rn/second.err") ||
    { tail -n 20 "$rn/second.err"; return 1; }
  elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
  echo "re-run in ${elapsed} ms: $(run_outcomes "$rn/second.out")"
  [ "$(run_outcomes "$rn/second.out")" = "data=reused pretrain=reused evaluate=reused finetune=reused distill=reused export=reused report=reused " ] ||
    { echo "not every stage was reused"; return 1; }
  cmp "$rn/first.html" "$rn/elsewhere/runs/smoke-run/report.html" || return 1
  diff <(grep -v '^[a-z]* *\(ran\|reused\|resumed\) ' "$rn/first.out") <(grep -v '^[a-z]* *\(ran\|reused\|resumed\) ' "$rn/second.out")
}
check "run: a re-run reuses every stage; same summary, byte-identical report" run_reuse

run_report_student() {
  local root="$rn/elsewhere/runs/smoke-run"
  "$run_bin" report "$root"/distill-* "$root"/export-* --out "$rn/student/report.html" </dev/null || return 1
  grep -E '^\| int8 student|check passed' "$rn/student/report.md"
  grep -q 'arena (TFLite Micro)' "$rn/student/report.md" && grep -q 'TFLite Micro (PyPI tflite-micro) check passed' "$rn/student/report.md" &&
    grep -q '<dt>runtime_check</dt><dd>TFLite Micro (PyPI tflite-micro): passed</dd>' "$rn/student/report.html"
}
check "run: sensorfm report on the pipeline's distill and export folders shows the student with the TFLite Micro check and arena" run_report_student

run_downstream_change() {
  (cd "$rn/elsewhere" && "$run_bin" run "$run_config" --set distill.distillation.epochs=3 </dev/null >"$rn/third.out" 2>"$rn/third.err") ||
    { tail -n 20 "$rn/third.err"; return 1; }
  echo "$(run_outcomes "$rn/third.out")"
  [ "$(run_outcomes "$rn/third.out")" = "data=reused pretrain=reused evaluate=reused finetune=reused distill=ran export=ran report=ran " ] ||
    { echo "expected distill, export and report to run and the rest to be reused"; return 1; }
  [ "$(ls -d "$rn"/elsewhere/runs/smoke-run/distill-* | wc -l)" -eq 2 ] || { echo "expected a second distill folder"; return 1; }
  grep -q 'epochs: 3' "$rn"/elsewhere/runs/smoke-run/configs/distill-*.yaml
}
check "run: --set distill.distillation.epochs re-runs distill, export and report only" run_downstream_change

run_kill_resume() {
  local attempt pid dir pre
  for attempt in 1 2 3; do
    dir="$rn/killed$attempt"
    "$run_bin" run "$run_config" --run-dir "$dir" </dev/null >"$dir.out" 2>"$dir.err" &
    pid=$!
    # SIGKILL as soon as pretraining has written a checkpoint (and before it completes).
    while kill -0 "$pid" 2>/dev/null && ! ls "$dir"/pretrain-*/checkpoints/step-*.safetensors >/dev/null 2>&1; do sleep 0.02; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pre=$(ls -d "$dir"/pretrain-* 2>/dev/null | head -n 1)
    if [ -n "$pre" ] && [ ! -e "$pre/stage.json" ]; then break; fi
    echo "attempt $attempt: pretraining finished before the kill; again"
    pre=""
  done
  [ -n "$pre" ] || { echo "could not kill the run mid-pretrain"; return 1; }
  echo "killed at $(ls "$pre"/checkpoints | tr '\n' ' ')"
  "$run_bin" run "$run_config" --run-dir "$dir" </dev/null >"$dir.resumed.out" 2>"$dir.resumed.err" ||
    { tail -n 20 "$dir.resumed.err"; return 1; }
  echo "$(run_outcomes "$dir.resumed.out")"
  run_outcomes "$dir.resumed.out" | grep -q "pretrain=resumed" || { echo "pretraining was not resumed"; return 1; }
  cmp "$rn/first.html" "$dir/report.html" || { echo "the resumed run's report differs from the uninterrupted one"; return 1; }
  [ "$("$run_bin" pretrain --tensor-digest "$(ls "$pre"/checkpoints/step-*.safetensors | tail -n 1)")" = \
    "$("$run_bin" pretrain --tensor-digest "$(ls "$rn"/elsewhere/runs/smoke-run/pretrain-*/checkpoints/step-*.safetensors | tail -n 1)")" ]
}
check "run: killed with SIGKILL mid-pretrain, a re-run resumes and ends with the uninterrupted run's report and weights" run_kill_resume

run_report_reproducible() {
  # sensorfm report of the killed-and-resumed run's stage folders and of the first run's: the same bytes (no times,
  # durations or paths of the run folder in the report).
  local dir="" d s stages=()
  for d in "$rn"/killed[0-9]; do [ -d "$d" ] && dir=$d; done
  [ -n "$dir" ] || { echo "no killed run folder"; return 1; }
  for s in pretrain evaluate finetune distill export; do stages+=("$(basename "$(ls -d "$dir/$s"-* | head -n 1)")"); done
  "$run_bin" report "${stages[@]/#/$dir/}" --out "$rn/repro/resumed/report.html" </dev/null &&
    "$run_bin" report "${stages[@]/#/$rn/elsewhere/runs/smoke-run/}" --out "$rn/repro/first/report.html" </dev/null || return 1
  cmp "$rn/repro/resumed/report.html" "$rn/repro/first/report.html" && cmp "$rn/repro/resumed/report.md" "$rn/repro/first/report.md" || return 1
  ! grep -qE "killed|elsewhere|$(pwd)" "$rn/repro/first/report.html" || { echo "run folder or checkout paths in the report"; return 1; }
}
check "run: sensorfm report of two run folders of the same experiment (one killed and resumed) is byte-identical" run_report_reproducible

run_stage_commands() {
  # The stage command given the pipeline file trains its section: the same weights as the pipeline's pretrain stage.
  "$run_bin" pretrain "$run_config" --run-dir "$rn/standalone" </dev/null >/dev/null 2>"$rn/standalone.err" || { tail "$rn/standalone.err"; return 1; }
  [ "$("$run_bin" pretrain --tensor-digest "$(ls "$rn"/standalone/checkpoints/step-*.safetensors | tail -n 1)")" = \
    "$("$run_bin" pretrain --tensor-digest "$(ls "$rn"/elsewhere/runs/smoke-run/pretrain-*/checkpoints/step-*.safetensors | tail -n 1)")" ] ||
    { echo "sensorfm pretrain PIPELINE.yaml trained other weights than the pipeline's pretrain stage"; return 1; }
  grep -q '^name: smoke-run-pretrain$' "$rn/standalone/config.yaml" || { echo "the section's run is not named smoke-run-pretrain"; return 1; }
  local out status line
  mkdir -p "$rn/typo" && sed 's/{name: adamw, lr: 2e-3,/{name: adamw, lrr: 2e-3,/' "$run_config" >"$rn/typo/smoke-run.yaml"
  line=$(grep -n 'lrr: 2e-3' "$rn/typo/smoke-run.yaml" | cut -d: -f1)
  out=$("$run_bin" run "$rn/typo/smoke-run.yaml" --run-dir "$rn/bad" 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "$rn/typo/smoke-run.yaml:$line: pretrain.optimizer.lrr: unknown key" &&
    echo "$out" | grep -q "did you mean 'pretrain.optimizer.lr'" && [ ! -e "$rn/bad" ] || return 1
  out=$("$run_bin" run "$run_config" --run-dir "$rn/bad" --set pretrain.optimizer.lrr=1 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "set pretrain.optimizer.lrr: pretrain.optimizer.lrr: unknown key" || return 1
  out=$("$run_bin" finetune "$run_config" --from "$rn/standalone" --run-dir "$rn/bad2" --set finetune.lrr=1 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "did you mean 'finetune.finetune.lr'" && [ ! -e "$rn/bad2" ] || return 1
  out=$("$run_bin" run "$run_config" --run-dir "$rn/bad3" --set 'stages=[data, distill]' 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "distill reads the output of finetune" || return 1
  out=$("$run_bin" run Experiments/smoke-pretrain.yaml --run-dir "$rn/bad4" 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "not a pipeline file"
}
check "run: stage commands read their section (same weights); unknown keys name section, line and nearest key" run_stage_commands
