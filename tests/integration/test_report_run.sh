#!/bin/bash
# End to end (issue 8's check): after `shipsim run scenarios/smoke.json --out D`, D holds every
# results file, each PNG is a real image, `shipsim compare D D` exits 0 and `shipsim replay D`
# reports every fault decision matched. Skips with a message while `shipsim run` is not built in.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
if ! "$shipsim" --help 2>&1 | grep -qE '^  run '; then
    echo "SKIP: shipsim has no run verb yet"
    exit 0
fi
work=$(mktemp -d /tmp/shipsim-report-run-XXXXXX)
trap 'rm -rf "$work"' EXIT
D="$work/run"
timeout 300 "$shipsim" run "$ROOT/scenarios/smoke.json" --out "$D" --quiet >"$work/run.log" 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 1 ] || { die "run exit $rc: $(tail -20 "$work/run.log")"; exit 1; }
for f in scenario.json summary.json timeseries.csv faults.jsonl evidence.jsonl violations.jsonl \
         junit.xml report.html; do
    [ -e "$D/$f" ] || die "$f missing"
done
ls "$D"/latency-*.hgrm >/dev/null 2>&1 || die "no latency-*.hgrm"
command -v xmllint >/dev/null && { xmllint --noout "$D/junit.xml" || die "junit.xml not well-formed"; }
if command -v gnuplot >/dev/null; then
    for p in "$D"/plots/*.png; do
        [ "$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || die "$p is not a PNG"
    done
    ls "$D"/plots/*.png >/dev/null 2>&1 || die "no plots"
fi
out=$("$shipsim" compare "$D" "$D" 2>&1); rc=$?
[ $rc = 0 ] || die "compare D D exit $rc: $out"
out=$(timeout 300 "$shipsim" replay "$D" --out "$work/replay" 2>&1); rc=$?
[ $rc = 0 ] || die "replay D exit $rc: $out"
grep -qE "all (decisions both runs reached )?matched" <<<"$out" || die "replay: $out"
echo "$out" | tail -1

[ $fail = 0 ] && echo "ok: run, report, compare, replay"
exit $fail
