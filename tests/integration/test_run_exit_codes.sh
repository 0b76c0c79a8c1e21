#!/bin/bash
# shipsim run exit codes: an impossible threshold exits 1 (and summary.json records the failed
# threshold); a bad scenario and bad command lines exit 2 without starting anything; --help 0.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
work=$(mktemp -d /tmp/shipsim-run-codes-XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$ROOT/scenarios/smoke.json" "$work/impossible.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "smoke-impossible"
s["thresholds"]["orders_shipped"] = "< 0"
json.dump(s, open(sys.argv[2], "w"))
PY
timeout 90 "$shipsim" run "$work/impossible.json" --out "$work/imp" --duration-s 1800 --quiet \
    >"$work/imp.out" 2>"$work/imp.err"
rc=$?
[ $rc = 1 ] || die "impossible threshold: exit $rc, want 1: $(tail -5 "$work/imp.err")"
grep -q 'FAILED: orders_shipped < 0' "$work/imp.out" || die "verdict does not name the threshold"
python3 - "$work/imp/summary.json" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
t = [x for x in s["thresholds"] if x["figure"] == "orders_shipped"]
if s["verdict"] != "fail" or not t or t[0]["pass"] or t[0]["condition"] != "< 0":
    print("FAIL: summary thresholds:", s["thresholds"]); sys.exit(1)
PY

printf '{"name": "broken", "seed": 1,,}' >"$work/bad.json"
"$shipsim" run "$work/bad.json" --out "$work/bad" >/dev/null 2>"$work/bad.err"; rc=$?
[ $rc = 2 ] || die "bad scenario: exit $rc, want 2"
grep -q "bad.json: line 1" "$work/bad.err" || die "bad scenario: no position: $(cat "$work/bad.err")"
[ -e "$work/bad" ] && die "bad scenario: the results folder was created"

for args in "" "--seed" "$ROOT/scenarios/smoke.json --seed -1" \
            "$ROOT/scenarios/smoke.json --time-scale 0" "$ROOT/scenarios/smoke.json --bogus" \
            "$ROOT/scenarios/smoke.json --sut external" "$ROOT/scenarios/smoke.json --sut other" \
            "$ROOT/scenarios/smoke.json --sut external --sut-push-url http://example.com/x"; do
    # shellcheck disable=SC2086
    "$shipsim" run $args --out "$work/never" >/dev/null 2>&1; rc=$?
    [ $rc = 2 ] || die "'run $args': exit $rc, want 2"
done
[ -e "$work/never" ] && die "a bad command line created the results folder"
"$shipsim" run --help | grep -q -- '--duration-s' || die "--help does not document --duration-s"
[ $fail = 0 ] && echo "ok: exit codes 1 and 2"
exit $fail
