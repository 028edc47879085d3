#!/usr/bin/env bash
# Opens a rendered SensorFM report in headless Chromium (Debian's `chromium`), checks that the page loads with
# no console errors and that the rendered DOM still holds its sections, and saves a full-width PNG screenshot.
# Called by Scripts/check-extended.sh (not CI).
#
#   Scripts/check_report.sh REPORT.html [SCREENSHOT.png]
#
# Exit status: 0 when the page renders cleanly, 1 on console errors or a broken DOM, 2 on usage or setup problems.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2
    exit 2
fi
html=$(realpath "$1")
screenshot=$(realpath -m "${2:-${html%.html}.png}")
[[ -f "$html" ]] || { echo "check_report: no such file: $html" >&2; exit 2; }

if ! command -v chromium >/dev/null 2>&1; then
    echo "check_report: installing Debian's chromium" >&2
    if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private profile and no network: the report must be self-contained, so any fetch it tried would fail loudly.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$work/profile"
       --proxy-server=127.0.0.1:9 --proxy-bypass-list="<-loopback>" --force-device-scale-factor=1)

height=${REPORT_SCREENSHOT_HEIGHT:-3600}
chromium "${flags[@]}" --window-size=1200,"$height" --screenshot="$screenshot" \
    --enable-logging=stderr --v=0 "file://$html" >"$work/screenshot.out" 2>"$work/screenshot.err" || {
    echo "check_report: chromium failed to take the screenshot" >&2
    cat "$work/screenshot.err" >&2
    exit 1
}
chromium "${flags[@]}" --dump-dom --enable-logging=stderr --v=0 "file://$html" >"$work/dom.html" 2>"$work/dom.err" || {
    echo "check_report: chromium failed to dump the DOM" >&2
    cat "$work/dom.err" >&2
    exit 1
}

status=0
# Chromium logs page console messages as `INFO:CONSOLE:line] "message", source: …` (older: `CONSOLE(line)]`)
# without their level. A report has no scripts, so any console message at all counts as an error; failed
# resource loads show up as net::ERR_… lines.
if grep -hE 'CONSOLE[:(]|Uncaught|net::ERR_|Failed to load resource' "$work/screenshot.err" "$work/dom.err" >"$work/console.txt"; then
    echo "check_report: console errors while rendering $html:" >&2
    cat "$work/console.txt" >&2
    status=1
fi
if ! grep -q '<h1>' "$work/dom.html"; then
    echo "check_report: the rendered DOM has no <h1>; the page did not render" >&2
    status=1
fi
# Self-contained: no external resources (the SVG namespace URI is an identifier, not a fetch).
if grep -oE '(src|href)="(https?:)?//[^"]*"|url\((https?:)?//' "$work/dom.html" >"$work/external.txt"; then
    echo "check_report: the page references external resources:" >&2
    cat "$work/external.txt" >&2
    status=1
fi
sections=$(grep -o '<section id="[a-z-]*"' "$work/dom.html" | sed 's/.*id="//; s/"$//' | tr '\n' ' ')
svgs=$(grep -o '<svg ' "$work/dom.html" | wc -l)
if [[ ! -s "$screenshot" ]]; then
    echo "check_report: no screenshot written to $screenshot" >&2
    status=1
fi
echo "check_report: sections: ${sections:-none}; charts: $svgs"
echo "check_report: screenshot: $screenshot"
exit $status
