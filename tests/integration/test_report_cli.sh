#!/bin/bash
# shipsim compare and replay --compare-logs on the fixtures: a run against itself has no
# regression (exit 0), a grown invariant count or a much slower p99 is one (exit 1), bad command
# lines exit 2; replaying identical fault decisions exits 0, changed ones exit 1 naming them.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }
work=$(mktemp -d /tmp/shipsim-report-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
fx="$ROOT/tests/fixtures/report"
cp -r "$fx/run" "$work/a"
cp -r "$fx/run" "$work/b"

out=$("$shipsim" compare "$work/a" "$work/a" 2>&1); rc=$?
[ $rc = 0 ] || die "compare A A exit $rc: $out"
grep -q "0 regression(s)" <<<"$out" || die "compare A A: $out"
grep -q "^lost_orders " <<<"$out" || die "compare table lacks lost_orders"

sed -i 's/"lost_orders": 2,/"lost_orders": 5,/' "$work/b/summary.json"
out=$("$shipsim" compare "$work/a" "$work/b" 2>&1); rc=$?
[ $rc = 1 ] || die "compare with lost_orders 2 -> 5: exit $rc, want 1"
grep -E "^lost_orders .*REGRESSION" <<<"$out" >/dev/null || die "lost_orders not marked: $out"
out=$("$shipsim" compare "$work/b" "$work/a" 2>&1); rc=$?
[ $rc = 0 ] || die "compare improvement: exit $rc, want 0"

"$shipsim" compare "$work/a" >/dev/null 2>&1; [ $? = 2 ] || die "compare with one folder: want exit 2"
"$shipsim" compare "$work/a" "$work/nope" >/dev/null 2>&1; [ $? = 2 ] || die "compare missing folder: want exit 2"
"$shipsim" compare --latency-margin-pct x "$work/a" "$work/a" >/dev/null 2>&1
[ $? = 2 ] || die "compare bad margin: want exit 2"
"$shipsim" compare --help | grep -q "usage: shipsim compare" || die "compare --help"

out=$("$shipsim" replay --compare-logs "$fx/replay/old.jsonl" "$fx/replay/same.jsonl" 2>&1); rc=$?
[ $rc = 0 ] || die "replay same logs exit $rc: $out"
grep -q "53 of 53 fault decisions matched" <<<"$out" || die "replay same: $out"
out=$("$shipsim" replay --compare-logs "$fx/replay/old.jsonl" "$fx/replay/diff.jsonl" 2>&1); rc=$?
[ $rc = 1 ] || die "replay changed logs exit $rc, want 1"
grep -q "only in the replay: lost_order|order/get_order_list|220810999AB|0" <<<"$out" || die "replay diff: $out"
"$shipsim" replay >/dev/null 2>&1; [ $? = 2 ] || die "replay without DIR: want exit 2"
mkdir "$work/empty"
"$shipsim" replay "$work/empty" >/dev/null 2>&1; [ $? = 2 ] || die "replay empty folder: want exit 2"

[ $fail = 0 ] && echo "ok: compare and replay"
exit $fail
