#!/bin/bash
# The crash schedule: smoke.json plus a SIGKILL of syncd, mockplat and mockcarrier at sim times;
# each is restarted on its port, each crash is one line in faults.jsonl and counted in
# faults_injected.crash, and the run still passes (no order lost across the restarts).
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
work=$(mktemp -d /tmp/shipsim-run-crash-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$ROOT/scenarios/smoke.json" "$work/crash.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["name"] = "smoke-crash"
s["crashes"] = [{"process": "syncd", "at_s": 1500}, {"process": "mockplat", "at_s": 2500},
                {"process": "mockcarrier", "at_s": 3000}]
s["thresholds"]["faults_injected.crash"] = "== 3"
json.dump(s, open(sys.argv[2], "w"))
PY
timeout 120 "$shipsim" run "$work/crash.json" --out "$work/run" --duration-s 3600 --quiet \
    >"$work/out" 2>"$work/err"
rc=$?
[ $rc = 0 ] || die "exit $rc: $(cat "$work/out") $(tail -20 "$work/err")"
n=$(grep -c '"kind":"crash"' "$work/run/faults.jsonl")
[ "$n" = 3 ] || die "$n crash lines in faults.jsonl, want 3"
for p in syncd mockplat mockcarrier; do
    grep -q "\"process\":\"$p\"" "$work/run/faults.jsonl" || die "no crash line for $p"
done
[ $fail = 0 ] && echo "ok: 3 crashes, restarted, run passes"
exit $fail
