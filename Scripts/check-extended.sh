#!/usr/bin/env bash
# Heavy checks run by hand before resolving the issues that name them (not CI): PyTorch side-by-side
# benchmark, the full 10^5-input fuzz of every reader, SIGKILL crash-and-resume, and a headless-Chromium
# look at a rendered report, the C export on a Cortex-M4 under QEMU, the student in LiteRT. Each installs what it
# needs (PyTorch in .venv-torch, Debian's chromium, gcc-arm-none-eabi and qemu-system-arm, ai-edge-litert).
#   Scripts/check-extended.sh            all checks
#   Scripts/check-extended.sh bench      only the named ones: bench, fuzz, crash, report, m4, litert
set -uo pipefail
cd "$(dirname "$0")/.."
selected=("$@")
[ ${#selected[@]} -eq 0 ] && selected=(bench fuzz crash report m4 litert)
failed=()

Scripts/setup.sh >/dev/null && swift build -c release || exit 1
for check in "${selected[@]}"; do
  echo "== $check"
  case $check in
    bench) Scripts/compare-pytorch.sh --rounds 3 ;;
    fuzz) Scripts/fuzz.sh ;;
    crash) Scripts/crash-test.sh 5 ;;
    report)
      sample=$(mktemp -d)
      SENSORFM_REPORT_SAMPLE_DIR="$sample" swift test --filter writerReplacesFilesAtomically >/dev/null &&
        Scripts/check_report.sh "$sample/report.html" "$sample/report.png" &&
        echo "report screenshot: $sample/report.png" ;;
    m4) Scripts/check_cortex_m4.sh ;;
    litert) Scripts/edge_litert.sh ;;
    *) echo "check-extended: unknown check '$check' (bench, fuzz, crash, report, m4, litert)"; false ;;
  esac || failed+=("$check")
done
if [ ${#failed[@]} -gt 0 ]; then echo "check-extended: FAILED: ${failed[*]}"; exit 1; fi
echo "check-extended: all passed"
