#!/bin/bash
# shipsim run (issue 7's check): scenarios/smoke.json passes (exit 0); summary.json has every
# figure key, lost_orders 0 and orders_shipped > 0; every results data file exists; the children
# seen while it ran (by PID) are all gone when it returns; syncd's secrets are not in the folder.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
for b in mockplat mockcarrier syncd; do
    [ -x "$BIN/$b" ] || { echo "FAIL: $BIN/$b not built"; exit 1; }
done
work=$(mktemp -d /tmp/shipsim-run-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
D="$work/run"

# Run in the background and record its children by PID while it runs.
timeout 120 "$shipsim" run "$ROOT/scenarios/smoke.json" --out "$D" --duration-s 3600 \
    >"$work/out.log" 2>"$work/err.log" &
pid=$!
kids=""
for _ in $(seq 1 1200); do
    kill -0 $pid 2>/dev/null || break
    # $pid is timeout's; shipsim is its child and the servers are shipsim's children
    for k in $(for s in $(pgrep -P $pid 2>/dev/null); do pgrep -P "$s"; done 2>/dev/null); do
        case " $kids " in *" $k "*) ;; *) kids="$kids $k" ;; esac
    done
    sleep 0.1
done
wait $pid
rc=$?
[ $rc = 0 ] || die "run exit $rc: $(tail -5 "$work/out.log") $(tail -20 "$work/err.log")"
n=$(wc -w <<<"$kids")
[ "$n" -ge 3 ] || die "saw $n children ($kids), want mockplat, mockcarrier and syncd"
for k in $kids; do
    kill -0 "$k" 2>/dev/null && die "child $k ($(ps -o comm= -p "$k")) left behind"
done

for f in scenario.json summary.json timeseries.csv faults.jsonl evidence.jsonl violations.jsonl \
         latency-waybill.hgrm latency-ship.hgrm latency-track.hgrm latency-deliver.hgrm; do
    [ -e "$D/$f" ] || die "$f missing"
done
python3 - "$D/summary.json" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
keys = """scenario seed git_revision sim_duration_s wall_duration_s verdict lost_orders late_orders
duplicate_waybills surplus_waybills_live waybill_mismatches garbled_propagated state_regressions
forged_accepted inventory_accuracy oversold_units fault_detection_rate orders_placed orders_paid
orders_shipped orders_delivered orders_cancelled inflight_max faults_injected evidence
orders_per_s exception_order_rate shipped_within_24h_share sync_lag_p50_ms sync_lag_p99_ms
load_behind_max_ms http_errors unavailable thresholds""".split()
for st in ("waybill", "ship", "track", "deliver"):
    keys += [f"{p}_{st}_latency_ms" for p in ("p50", "p90", "p99", "p999", "max")]
missing = [k for k in keys if k not in s]
bad = []
if missing: bad.append(f"missing keys {missing}")
if s.get("lost_orders") != 0: bad.append(f"lost_orders {s.get('lost_orders')}")
if not (s.get("orders_shipped") or 0) > 0: bad.append(f"orders_shipped {s.get('orders_shipped')}")
if s.get("verdict") != "pass": bad.append(f"verdict {s.get('verdict')}")
for k, v in s.items():
    if v is None and k not in s.get("unavailable", {}): bad.append(f"{k} null without a reason")
if s["faults_injected"].get("lost_order", 0) <= 0: bad.append("no lost_order fault injected")
if bad:
    print("FAIL: summary.json: " + "; ".join(bad)); sys.exit(1)
PY
# syncd's admin token and the control token are never written to the results
tok=$(grep -ho 'X-Sim-Token[^ ]*' "$D"/*.log 2>/dev/null | head -1)
[ -z "$tok" ] || die "a token appears in the logs"
ls /tmp/shipsim-run-* >/dev/null 2>&1 && for d in /tmp/shipsim-run-*; do
    [ "$(stat -c %a "$d")" = 700 ] || die "$d is not private"
done
[ $fail = 0 ] && echo "ok: smoke run passes, $n children all gone"
exit $fail
