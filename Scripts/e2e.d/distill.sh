# Sourced by Scripts/e2e.sh (uses $bin, $work and check): smoke pretraining with held-out test subjects -> finetune
# (activity and heart rate) -> distill (Experiments/smoke-distill.yaml) -> export tflite and C -> the run's
# verification bundle replayed in TFLite Micro; the same with quantization-aware training and with a heart-rate
# (regression) student -> `sensorfm report` on the distill and export folders -> bad input (a student over the wrist budget is refused naming the layer; nothing is written).
di="$work/distill"
mkdir -p "$di"

distill_teacher() {
  "$bin/sensorfm" pretrain Experiments/smoke-pretrain.yaml --run-dir "$di/pre" \
    --set data.synthetic.subjects=6 --set split.test_fraction=0.34 </dev/null >/dev/null 2>&1 &&
    "$bin/sensorfm" finetune Experiments/smoke-finetune.yaml --from "$di/pre" --run-dir "$di/ft" \
      --set 'tasks=[activity, heart_rate]' </dev/null >/dev/null 2>&1
}
check "distill: smoke teacher (pretrain -> finetune activity and heart rate)" distill_teacher

distill_run() {
  "$bin/sensorfm" distill Experiments/smoke-distill.yaml --teacher "$di/ft" --run-dir "$di/run" </dev/null || return 1
  local f
  for f in config.yaml meta.json student.safetensors student.json budget.json results.json verification/model.tflite; do
    [ -s "$di/run/$f" ] || { echo "missing or empty: $f"; return 1; }
  done
  grep -A5 '"accuracy"' "$di/run/results.json"
  grep -q '"int8_student_accuracy"' "$di/run/results.json" && grep -q '"kind" : "distill"' "$di/run/meta.json"
}
check "distill: run folder with student, budget and teacher/float/int8 accuracies" distill_run

distill_export() {
  "$bin/sensorfm" export "$di/run" --format tflite --out "$di/tflite" &&
    "$bin/sensorfm" export "$di/run" --format c --out "$di/c" || return 1
  [ -s "$di/tflite/model.tflite" ] && [ -s "$di/c/sensorfm_model.c" ] && grep -q '"int8_accuracy_ratio"' "$di/tflite/model_card.json" || return 1
  grep -E '"c_int8_student_accuracy"|"int8_student_accuracy"|"c_matches_swift"' "$di/c/model_card.json"
  grep -q '"c_matches_swift" : 1' "$di/c/model_card.json" || { echo "accuracy through the C path differs from the Swift integer runtime's"; return 1; }
  cmp "$di/tflite/model.tflite" "$di/run/verification/model.tflite" || { echo "export differs from the measured graph"; return 1; }
  local again
  again=$("$bin/sensorfm" export "$di/run" --format c --out "$di/c" 2>&1) && { echo "overwrote"; return 1; }
  echo "$again" | grep -q "already exists"
}
check "export: .tflite (same bytes as the measured graph) and C (accuracy through the compiled C = Swift int8) with model cards; never overwrites" distill_export

distill_tflite_micro() {
  Scripts/edge_venv.sh && .venv-edge/bin/python Scripts/check_tflite.py "$di/run/verification" \
    --arena --max-arena "$(sed -n 's/^arena_bytes: *//p' Experiments/devices/wrist-default.yaml)"
}
check "distill: smoke student .tflite bit-exact in TFLite Micro on test windows, arena within wrist-default's" distill_tflite_micro

distill_tflm() {
  .venv-edge/bin/python Scripts/check_tflite.py "$1/verification" \
    --arena --max-arena "$(sed -n 's/^arena_bytes: *//p' Experiments/devices/wrist-default.yaml)"
}

distill_qat() {
  "$bin/sensorfm" distill Experiments/smoke-distill.yaml --teacher "$di/ft" --run-dir "$di/qat" \
    --set 'quantization={kind: qat, calibration_windows: 32, epochs: 1}' </dev/null || return 1
  grep -A8 '"accuracy"' "$di/qat/results.json"
  grep -q '"qat_int8_student_accuracy"' "$di/qat/results.json" && grep -q '"ptq_int8_student_accuracy"' "$di/qat/results.json" &&
    grep -q '"quantization" : "qat"' "$di/qat/results.json" || return 1
  "$bin/sensorfm" export "$di/qat" --format tflite --out "$di/qat-tflite" || return 1
  cmp "$di/qat-tflite/model.tflite" "$di/qat/verification/model.tflite" || { echo "QAT export differs from the measured graph"; return 1; }
  distill_tflm "$di/qat"
}
check "distill qat: fake-quant fine-tuning after distillation, PTQ baseline reported, export = measured graph, bit-exact in TFLite Micro" distill_qat

distill_heart_rate() {
  "$bin/sensorfm" distill Experiments/smoke-distill.yaml --teacher "$di/ft" --run-dir "$di/hr" --set task=heart_rate </dev/null || return 1
  grep -A5 '"accuracy"' "$di/hr/results.json"
  grep -q '"int8_student_mae"' "$di/hr/results.json" && grep -q '"teacher_mae"' "$di/hr/results.json" || return 1
  "$bin/sensorfm" export "$di/hr" --format c --out "$di/hr-c" || return 1
  grep -q '"valueScaling"' "$di/hr-c/model_card.json" && grep -q '"unit" : "bpm"' "$di/hr-c/model_card.json" || { echo "no bpm scaling in the card"; return 1; }
  grep -q '"c_matches_swift" : 1' "$di/hr-c/model_card.json" || { echo "MAE through the C path differs from the Swift integer runtime's"; return 1; }
  distill_tflm "$di/hr"
}
check "distill heart_rate: regression student (MSE to teacher + truth), MAE reported, C export with bpm scaling, bit-exact in TFLite Micro" distill_heart_rate

distill_report() {
  local folders=("$di/run" "$di/tflite" "$di/qat" "$di/hr")
  "$bin/sensorfm" report "${folders[@]}" --out "$di/report/report.html" </dev/null || return 1
  cp "$di/report/report.html" "$di/report/first.html" && cp "$di/report/report.md" "$di/report/first.md"
  "$bin/sensorfm" report "${folders[@]}" --out "$di/report/report.html" </dev/null >/dev/null || return 1
  cmp "$di/report/first.html" "$di/report/report.html" && cmp "$di/report/first.md" "$di/report/report.md" || return 1
  grep -E '^\| (run|qat|hr): ' "$di/report/report.md"
  grep -qF '| run: int8 student (PTQ) | wrist-default |' "$di/report/report.md" &&
    grep -qF '| qat: int8 student (PTQ baseline) | activity accuracy |' "$di/report/report.md" &&
    grep -qF '| hr: int8 student (PTQ) | heart\_rate MAE (bpm) |' "$di/report/report.md" &&
    grep -qF '<dt>formats</dt><dd>tflite</dd>' "$di/report/report.html" || return 1
  ! grep -q "$di" "$di/report/report.html" || { echo "absolute paths in the report"; return 1; }
}
check "report: distill folders (PTQ, QAT with its PTQ baseline, heart-rate MAE) and an export folder render a student section, byte-identically twice" distill_report

distill_refuses_large_student() {
  local out status
  out=$("$bin/sensorfm" distill Experiments/smoke-distill.yaml --teacher "$di/ft" --run-dir "$di/big" \
    --set 'student={width: 96, depth: 3, kernel: 5, stride: 2, hidden: 64}' 2>&1); status=$?
  echo "$out"
  [ "$status" -eq 65 ] && echo "$out" | grep -q "does not fit device wrist-default" && echo "$out" | grep -q "layer" &&
    [ ! -e "$di/big" ] && [ -z "$(ls -A "$di" | grep partial)" ]
}
check "distill bad input: a student over the wrist budget is refused naming the layer, nothing written" distill_refuses_large_student

distill_pruned() {
  # Twice the smoke width is over the wrist arena; gradient pruning in two rounds brings it to the profile.
  "$bin/sensorfm" distill Experiments/smoke-distill.yaml --teacher "$di/ft" --run-dir "$di/pruned" \
    --set 'student={width: 28, depth: 1, kernel: 5, stride: 2, hidden: 16}' \
    --set 'pruning={importance: gradient, rounds: 2, fine_tune_epochs: 1, target: profile}' </dev/null || return 1
  grep -q '"pruning"' "$di/pruned/student.json" && grep -c '"stemWidths"' "$di/pruned/student.json" | grep -q 4 || { echo "no pruning rounds in student.json"; return 1; }
  grep -A3 '"stemWidths"' "$di/pruned/results.json" | tail -4
  "$bin/sensorfm" export "$di/pruned" --format tflite --out "$di/pruned-tflite" || return 1
  cmp "$di/pruned-tflite/model.tflite" "$di/pruned/verification/model.tflite" || { echo "pruned export differs from the measured graph"; return 1; }
  grep -q '"pruning"' "$di/pruned-tflite/model_card.json" || { echo "no pruning rounds in the model card"; return 1; }
  distill_tflm "$di/pruned"
}
check "distill pruning: an over-budget student pruned in rounds to the wrist profile, rounds recorded, export = measured graph, bit-exact in TFLite Micro within the arena" distill_pruned
