#!/bin/bash
# shipsim lint: smoke.json is valid (exit 0); every scenarios/bad/*.json exits 2 and prints each
# line of its .expect sidecar; a missing file, no file and an unknown verb exit 2; --help works.
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
shipsim="$BIN/shipsim"
fail=0
checked=0

die() { echo "FAIL: $*"; fail=1; }

[ -x "$shipsim" ] || { echo "FAIL: $shipsim not built"; exit 1; }

out=$("$shipsim" lint "$ROOT/scenarios/smoke.json" 2>&1); rc=$?
[ $rc = 0 ] || die "lint smoke.json exit $rc: $out"

shopt -s nullglob
for f in "$ROOT"/scenarios/bad/*.json; do
    exp="${f%.json}.expect"
    [ -s "$exp" ] || { die "$f has no .expect sidecar"; continue; }
    out=$("$shipsim" lint "$f" 2>/dev/null); rc=$?
    [ $rc = 2 ] || die "$(basename "$f"): exit $rc, want 2"
    while IFS= read -r want || [ -n "$want" ]; do
        [ -z "$want" ] && continue
        # every error line names the file first
        grep -qF -- "$f: " <<<"$out" || die "$(basename "$f"): lines do not start with the file name"
        grep -qF -- "$want" <<<"$out" || die "$(basename "$f"): want '$want', got: $out"
    done <"$exp"
    checked=$((checked + 1))
done
[ $checked -ge 15 ] || die "only $checked bad scenarios checked, want >= 15"

# several files: one bad one makes the whole call exit 2, the good one prints nothing
out=$("$shipsim" lint "$ROOT/scenarios/smoke.json" "$ROOT/scenarios/bad/probability_range.json" 2>/dev/null); rc=$?
[ $rc = 2 ] || die "mixed files: exit $rc, want 2"
grep -qF "smoke.json" <<<"$out" && die "mixed files: smoke.json reported: $out"

out=$("$shipsim" lint "$ROOT/scenarios/no-such-file.json" 2>/dev/null); rc=$?
[ $rc = 2 ] || die "missing file: exit $rc, want 2"
grep -qF "no-such-file.json: cannot open" <<<"$out" || die "missing file: got '$out'"

"$shipsim" lint >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || die "lint without files: exit $rc, want 2"
"$shipsim" frobnicate >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || die "unknown verb: exit $rc, want 2"
"$shipsim" --help | grep -q "lint" || die "--help does not list lint"
"$shipsim" lint --help | grep -q "usage: shipsim lint" || die "lint --help"

if [ $fail = 0 ]; then echo "test_lint: ok ($checked bad scenarios)"; fi
exit $fail
