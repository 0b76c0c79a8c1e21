#!/usr/bin/env bash
# make bench: the performance figures (issue 10, BENCH.md). The Makefile builds the default
# optimised binaries (-O2, no sanitizers) into bin/ first; SHIPSIM_BIN points elsewhere.
# Output: a table on stdout, results/bench/bench.json. Everything runs on 127.0.0.1 and stops
# what it started by PID; see bench/bench.py for each measurement and its time limit.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx python3 ss; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
export SHIPSIM_BIN="${SHIPSIM_BIN:-$PWD/bin}"
for b in shipsim mockplat mockcarrier syncd; do
  [ -x "$SHIPSIM_BIN/$b" ] || { echo "bench: $SHIPSIM_BIN/$b not built (make)" >&2; exit 1; }
done
# the whole benchmark is bounded: each part has its own limit; this is the backstop
exec timeout --signal=INT --kill-after=30 2700 python3 bench/bench.py "$@"
