#!/bin/bash
# Ctrl-C mid-run: SIGINT to shipsim while the load runs stops it (exit 130) and leaves none of
# the children it started (checked by PID), and the private temp folder with syncd's secrets
# is removed.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
work=$(mktemp -d /tmp/shipsim-run-int-XXXXXX)
trap 'rm -rf "$work"' EXIT

timeout 60 "$shipsim" run "$ROOT/scenarios/smoke.json" --out "$work/run" --quiet \
    >"$work/out" 2>"$work/err" &
pid=$!
kids=""
for _ in $(seq 1 300); do
    # $pid is timeout's; shipsim is its child and the servers are shipsim's children
    for k in $(for s in $(pgrep -P $pid 2>/dev/null); do pgrep -P "$s"; done 2>/dev/null); do
        case " $kids " in *" $k "*) ;; *) kids="$kids $k" ;; esac
    done
    [ "$(wc -w <<<"$kids")" -ge 3 ] && break
    sleep 0.05
done
[ "$(wc -w <<<"$kids")" -ge 3 ] || die "children never all started: $kids $(tail -5 "$work/err")"
# the folder with syncd's config: find it through syncd's command line
priv=""
for k in $kids; do
    c=$(tr '\0' ' ' <"/proc/$k/cmdline" 2>/dev/null)
    case "$c" in *--config*) priv=$(sed -E 's/.*--config ([^ ]*)\/syncd.json.*/\1/' <<<"$c") ;; esac
done
sleep 1
sim=$(pgrep -P $pid | head -1)
[ -n "$sim" ] && kill -INT "$sim"
wait $pid
rc=$?
[ $rc = 130 ] || die "exit $rc after SIGINT, want 130: $(tail -5 "$work/err")"
for k in $kids; do
    kill -0 "$k" 2>/dev/null && die "child $k left behind"
done
[ -n "$priv" ] && [ -e "$priv" ] && die "private folder $priv left behind"
[ $fail = 0 ] && echo "ok: SIGINT stops everything ($kids)"
exit $fail
