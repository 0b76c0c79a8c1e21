#!/bin/bash
# scenarios/README.md: every ```json block is a complete scenario that `shipsim lint` accepts, and
# there is one for every fault kind of the loader plus the crash schedule (issue 9).
set -u
BIN=${SHIPSIM_BIN:-bin}
ROOT=${SHIPSIM_ROOT:-.}
readme="$ROOT/scenarios/README.md"
[ -x "$BIN/shipsim" ] || { echo "FAIL: $BIN/shipsim not built"; exit 1; }
[ -r "$readme" ] || { echo "FAIL: $readme missing"; exit 1; }
work=$(mktemp -d /tmp/shipsim-readme-XXXXXX)
trap 'rm -rf "$work"' EXIT

# Cut each fenced json block into its own file, named by its line number.
awk -v dir="$work" '
    /^```json[[:space:]]*$/ { inside = 1; n++; file = sprintf("%s/block-%03d-line%d.json", dir, n, NR); next }
    /^```/ && inside { inside = 0; close(file); next }
    inside { print > file }
' "$readme"
blocks=$(ls "$work"/block-*.json 2>/dev/null | wc -l)
fail=0
[ "$blocks" -ge 17 ] || { echo "FAIL: only $blocks json blocks in $readme (want one per kind + crash)"; fail=1; }
for f in "$work"/block-*.json; do
    [ -e "$f" ] || continue
    if ! out=$("$BIN/shipsim" lint "$f" 2>&1); then
        echo "FAIL: README example at ${f##*-line} does not lint: $out"
        fail=1
    fi
done
# One example per fault kind (and crashes): the kinds come from the loader's own table.
for kind in lost_order duplicate_order duplicate_waybill stale_cache garbled_tracking \
            tracking_stall carrier_auth maintenance rate_limit latency error timeout reset \
            malformed forged_push stock_drift; do
    grep -l "\"kind\": \"$kind\"" "$work"/block-*.json >/dev/null 2>&1 ||
        { echo "FAIL: no README example with a $kind rule"; fail=1; }
done
grep -l '"crashes": \[{' "$work"/block-*.json >/dev/null 2>&1 ||
    { echo "FAIL: no README example with a crash schedule"; fail=1; }
[ $fail = 0 ] && echo "ok: $blocks README examples lint"
exit $fail
