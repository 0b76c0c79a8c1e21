#!/bin/bash
# A wrong core catches fire (issue 9): build syncd with one safety turned off at a time
# (test-only SYNCD_SABOTAGE_* switches, sim/core/README.md) into its own build folder and show
# that the scenario made to catch that bug fails: exit 1 with the expected invariant violated.
# Run by `make test-sabotage`; several minutes (one build and one scenario run per switch).
#   tests/sabotage/run.sh [SWITCH...]     e.g. tests/sabotage/run.sh NO_RECONCILE
# Where each switch lives in syncd (one #ifdef at the place the safety lives; never defined by
# the normal build, only by this script through CPPFLAGS):
#   NO_RECONCILE        poller.c poller_start: do not arm the reconciliation timer
#   NO_IDEMPOTENCY      waybill.c call_carrier: a fresh reference per attempt and no lookup first
#   NO_MOJIBAKE_CHECK   tracking.c apply_event: treat every tracking text as clean
#   NO_SIGNATURE_CHECK  push.c push_shopee_sig_ok / wechat_msg_sig: accept any signature
#   NO_STOCK_SYNC       stocksync.c stocksync_start: never read or set the shops' listed stock
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
work=$(mktemp -d /tmp/shipsim-sabotage-XXXXXX)
[ "${SHIPSIM_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# switch | scenario | --duration-s | figure that must go wrong | condition on it
cases="NO_RECONCILE|fault-lost_order|7200|lost_orders|> 0
NO_IDEMPOTENCY|fault-malformed|3600|surplus_waybills_live|> 0
NO_MOJIBAKE_CHECK|fault-garbled_tracking|3600|garbled_propagated|> 0
NO_SIGNATURE_CHECK|fault-forged_push|3600|evidence.bad_signature|== 0
NO_STOCK_SYNC|multi-platform|14400|oversold_units|> 0"

want="$*"
fail=0
ran=0
src="$ROOT"
while IFS='|' read -r sw scen dur fig cond; do
    [ -n "$want" ] && [[ " $want " != *" $sw "* ]] && continue
    if ! grep -rqs "SYNCD_SABOTAGE_$sw" "$src/sim/core"; then
        echo "FAIL: SYNCD_SABOTAGE_$sw is not in $src/sim/core (nothing to turn off)"
        fail=1
        continue
    fi
    b="$src/build/sab-${sw,,}"
    echo "== SYNCD_SABOTAGE_$sw: build $b, run $scen"
    # Each switch gets its own build folder (make would not rebuild objects for a new flag).
    # CPPFLAGS goes through the environment: on the command line it would replace the
    # Makefile's own -I flags instead of adding to them.
    if ! CPPFLAGS="-DSYNCD_SABOTAGE_$sw" make --no-print-directory -C "$src" BUILD="$b" \
            BIN="$b/bin" -j2 all >"$work/$sw.build.log" 2>&1; then
        echo "FAIL: build with SYNCD_SABOTAGE_$sw: $(tail -5 "$work/$sw.build.log")"
        fail=1
        continue
    fi
    timeout 600 "$b/bin/shipsim" run "scenarios/$scen.json" --quiet --out "$work/$sw" \
        --duration-s "$dur" >"$work/$sw.out" 2>&1
    rc=$?
    got=$(python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
v = s
for k in sys.argv[2].split('.'):
    v = v.get(k) if isinstance(v, dict) else None
print(v)" "$work/$sw/summary.json" "$fig" 2>/dev/null)
    ok=$(python3 -c "
import sys
v, op, n = sys.argv[1], sys.argv[2], float(sys.argv[3])
v = 0.0 if v == 'None' else float(v)
print(int({'>': v > n, '==': v == n, '<': v < n}[op]))" "${got:-None}" $cond 2>/dev/null)
    ran=$((ran + 1))
    if [ "$rc" = 1 ] && [ "$ok" = 1 ]; then
        echo "ok: SYNCD_SABOTAGE_$sw makes $scen fail (exit 1, $fig = $got)"
    else
        echo "FAIL: SYNCD_SABOTAGE_$sw: $scen exit $rc, $fig = $got (want exit 1 and $fig $cond)"
        grep -E 'FAILED' "$work/$sw.out" | head -5
        fail=1
    fi
done <<<"$cases"
[ $ran -gt 0 ] || { echo "FAIL: no case ran"; exit 1; }
[ $fail = 0 ] && echo "test-sabotage: $ran sabotaged builds caught"
exit $fail
