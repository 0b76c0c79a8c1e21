#!/usr/bin/env bash
# The callgrind profiles BENCH.md quotes (instruction counts: steady on a shared host; BENCH.md
# also quotes `perf record -g` samples of syncd under load, with the command).
#   bash bench/profile.sh client   instructions per request: wrk vs shipsim bench-http (the
#                                   generator's HTTP path) against one mockplat, marginal
#                                   (a 2 s and a 6 s run; start-up cancels out)
#   bash bench/profile.sh syncd    syncd under shipsim run (one pipeline step at 15 orders/s)
#   bash bench/profile.sh mockplat mockplat answering the benchmark's request (wrk), marginal
# Output in results/bench/profile/ (PROFILE_OUT elsewhere). Uses SHIPSIM_BIN (default bin/).
# Bounded: each run is timed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${SHIPSIM_BIN:-$PWD/bin}"
OUT="${PROFILE_OUT:-$PWD/results/bench/profile}"
mkdir -p "$OUT"
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}'; }

client() {
  "$BIN/mockplat" --scenario scenarios/smoke.json --port 0 >"$OUT/mockplat.out" 2>"$OUT/mockplat.log" &
  local mp=$!
  trap 'kill $mp 2>/dev/null || true' RETURN
  local port=""
  for _ in $(seq 50); do
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/mockplat.out"); [ -n "$port" ] && break; sleep 0.1
  done
  local url="http://127.0.0.1:$port/__sim/orders"
  export BENCH_BODY='{"seq":1,"shop":"sp1-1","buyer":"b000001","lines":[{"sku":"TEE-01","qty":1}]}'
  curl -s -X POST -H 'Content-Type: application/json' -d "$BENCH_BODY" "$url" >/dev/null
  for tool in wrk bench-http; do
    local n=() ir=()
    for d in 2 6; do
      local f="$OUT/cg.$tool.$d"
      if [ "$tool" = wrk ]; then
        r=$(timeout 120 valgrind --tool=callgrind --callgrind-out-file="$f" wrk -t1 -c48 -d${d}s \
              -s bench/post.lua "$url" 2>/dev/null | awk '/requests in/{print $1}')
      else
        r=$(timeout 120 valgrind --tool=callgrind --callgrind-out-file="$f" "$BIN/shipsim" bench-http \
              --url "$url" --body "$BENCH_BODY" --connections 48 --duration-s $d 2>/dev/null |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
      fi
      n+=("$r"); ir+=("$(total "$f")")
    done
    echo "$tool: $(( (ir[1] - ir[0]) / (n[1] - n[0]) )) instructions per request" \
         "(${n[0]} and ${n[1]} requests; $OUT/cg.$tool.6)"
  done
}

# mockplat's instructions per request answering the benchmark's request (wrk drives it; the
# difference of a 2 s and a 6 s run, so start-up cancels)
mockplat() {
  export BENCH_BODY='{"seq":1,"shop":"sp1-1","buyer":"b000001","lines":[{"sku":"TEE-01","qty":1}]}'
  local n=() ir=()
  for d in 2 6; do
    local f="$OUT/cg.mockplat.$d"
    valgrind --tool=callgrind --callgrind-out-file="$f" "$BIN/mockplat" --scenario scenarios/smoke.json \
      --port 0 >"$OUT/mockplat.out" 2>"$OUT/mockplat.log" &
    local mp=$! port=""
    for _ in $(seq 100); do
      port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/mockplat.out"); [ -n "$port" ] && break; sleep 0.1
    done
    local url="http://127.0.0.1:$port/__sim/orders"
    curl -s -X POST -H 'Content-Type: application/json' -d "$BENCH_BODY" "$url" >/dev/null
    n+=("$(wrk -t1 -c48 -d${d}s -s bench/post.lua "$url" | awk '/requests in/{print $1}')")
    kill -TERM "$mp"; wait "$mp" || true
    ir+=("$(total "$f")")
  done
  echo "mockplat: $(( (ir[1] - ir[0]) / (n[1] - n[0]) )) instructions per request" \
       "(${n[0]} and ${n[1]} requests; $OUT/cg.mockplat.6)"
}

syncd() {
  local vg="$PWD/build/bench-vg/bin"
  mkdir -p "$vg"
  cp "$BIN/shipsim" "$BIN/mockplat" "$BIN/mockcarrier" "$vg/"
  # the runner starts its siblings: syncd here is valgrind around the real one
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/cg.syncd.%%p %s/syncd "$@"\n' \
    "$OUT" "$BIN" >"$vg/syncd"
  chmod +x "$vg/syncd"
  rm -f "$OUT"/cg.syncd.*
  SHIPSIM_BIN="$vg" timeout 300 python3 -c '
import sys; sys.path.insert(0, "bench"); import bench
print(bench.pipeline_step(sys.argv[1], 15))' "$OUT"
  local f; f=$(ls "$OUT"/cg.syncd.* | head -1)
  local orders; orders=$(grep -c '"ship_ms":[0-9]' "$OUT/bench-pipe-15/syncd-state.jsonl" || true)
  echo "syncd: $(total "$f") instructions for $orders orders shipped ($f)"
  callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep -E 'sim/core|sim/common|sqlite3_step|cJSON_' | head -25
}

case "${1:-}" in
  client) client ;;
  syncd) syncd ;;
  mockplat) mockplat ;;
  *) echo "usage: bash bench/profile.sh client|syncd|mockplat" >&2; exit 2 ;;
esac
