#!/usr/bin/env bash
# Regenerate the turbo-code reference curves in results/reference/turbo_*.csv:
#   K=6144 unscaled max-log (compare ../shared/refdata/lte/spec/measured_turbo_k6144_awgn.csv),
#   K=6144 max-log with extrinsic scaling 0.75, and K=1024 / K=40 (scaled), all 8 iterations,
#   BPSK/AWGN, via `lastmile link --code turbo`.
# Usage: scripts/turbo-curves.sh [MAX_BLOCKS]   (default 2000; run from the repository root)
# IT++ comparison: not included (see the report of issue 4).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-2000}
LM=${LM:-target/release/lastmile}
[ -x "$LM" ] || cargo build --release
out=results/reference
mkdir -p "$out"
run() { # name k decoder range target
  echo "== $1" >&2
  "$LM" link --code turbo --k "$2" --iterations 8 --decoder "$3" --ebn0 "$4" \
    --target-block-errors "$5" --max-blocks "$MB" --seed 1 -o "$out/$1.csv"
}
run turbo_k6144_maxlog 6144 max-log 0.5:0.9:0.1 200
run turbo_k6144_maxlog_scaled 6144 max-log-scaled 0.3:0.7:0.1 200
run turbo_k1024_maxlog_scaled 1024 max-log-scaled 0.5:2.0:0.25 200
run turbo_k40_maxlog_scaled 40 max-log-scaled 1.0:5.0:1.0 200
python3 scripts/plot-turbo-curves.py || echo "plot skipped (needs matplotlib)" >&2
echo "wrote $out/turbo_*.csv" >&2
