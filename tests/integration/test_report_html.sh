#!/bin/bash
# shipsim report on the hand-made run folder tests/fixtures/report/run: junit.xml is well-formed,
# every plot is a real PNG and an SVG, report.html is self-contained and renders in headless
# Chromium with no console error, showing the verdict (skipped with a message without chromium).
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
work=$(mktemp -d /tmp/shipsim-report-html-XXXXXX)
profile=$(mktemp -d /tmp/shipsim-chromium-XXXXXX)
trap 'rm -rf "$work" "$profile"' EXIT
run="$work/run"
cp -r "$ROOT/tests/fixtures/report/run" "$run"

out=$(SHIPSIM_ROOT="$ROOT" "$shipsim" report "$run" 2>&1); rc=$?
[ $rc = 0 ] || die "shipsim report exit $rc: $out"
for f in junit.xml report.html; do [ -s "$run/$f" ] || die "$f missing"; done
if command -v xmllint >/dev/null; then
    xmllint --noout "$run/junit.xml" || die "junit.xml is not well-formed"
else
    echo "note: xmllint not installed (libxml2-utils); junit.xml checked by the unit test only"
fi
if command -v gnuplot >/dev/null; then
    for p in throughput latency_time latency_dist anomalies stages; do
        magic=$(head -c 8 "$run/plots/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
        [ "$magic" = 89504e470d0a1a0a ] || die "plots/$p.png is not a PNG"
        grep -q "<svg" "$run/plots/$p.svg" 2>/dev/null || die "plots/$p.svg is not an SVG"
        grep -q "<svg" "$run/report.html" || die "report.html has no inline SVG"
    done
else
    grep -q "plots skipped" "$run/report.html" || die "no gnuplot, but report.html does not say plots were skipped"
fi
grep -qiE '<script|<link|src="|@import|href="http' "$run/report.html" && die "report.html is not self-contained"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "SKIP (browser part): chromium not installed (make deps installs it)"
else
    flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
           --disable-background-networking --disable-component-update --disable-sync
           --user-data-dir="$profile" --enable-logging=stderr --v=0)
    timeout 90 "$chromium" "${flags[@]}" --dump-dom "file://$run/report.html" \
        >"$work/dom.html" 2>"$work/chromium.log"
    rc=$?
    [ $rc = 0 ] || die "chromium --dump-dom exit $rc: $(tail -5 "$work/chromium.log")"
    grep -q "Verdict: FAIL" "$work/dom.html" || die "rendered page does not show the verdict"
    grep -q 'id="kpis"' "$work/dom.html" || die "rendered page has no KPI table"
    errors=$(grep -E 'CONSOLE|Uncaught' "$work/chromium.log")
    [ -z "$errors" ] || die "console messages while rendering: $errors"
    timeout 90 "$chromium" "${flags[@]}" --window-size=1200,2000 \
        --screenshot="$work/shot.png" "file://$run/report.html" >/dev/null 2>&1
    [ "$(head -c 4 "$work/shot.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e47 ] ||
        die "no screenshot"
fi

[ $fail = 0 ] && echo "ok: report html"
exit $fail
