#!/usr/bin/env bash
# Regenerate the turbo-code reference curves: lastmile's decoder and IT++'s (Debian
# libitpp-dev, Turbo_Codec with the LTE QPP interleaver, "LOGMAX") side by side, at the same
# Eb/N0 points with the same stopping rules, for K = 6144, 1024 and 40; LTE turbo code,
# rate 1/3 + 12 tail bits, BPSK/AWGN, 8 full iterations, no early stop, max-log-MAP without
# and with extrinsic scaling 0.75.
#
# Writes results/reference/turbo_k{6144,1024,40}.csv (columns: ebn0_db, decoder, then
# lastmile_* and itpp_* BER/BLER/block counts) and results/reference/turbo_curves.png
# (with the IT++/srsRAN/AFF3CT K=6144 points of
# ../shared/refdata/lte/spec/measured_turbo_k6144_awgn.csv when present).
#
# Usage (from anywhere): scripts/turbo-curves.sh [MAX_BLOCKS_K6144]   (default 300; K=1024
# runs 5x and K=40 runs 40x that many blocks at most; 100 block errors end a point).
# Took 17 minutes on the shared 2-core machine at load ~11 (IT++ dominates, ~0.1 s per K=6144
# block there; IT++ and lastmile run side by side on the two cores).
#
# Precision mode: scripts/turbo-curves.sh precision
#   i8 against i16 SIMD decoder (`lastmile link --precision i8|i16`) at the same points and
#   seed, joined with the IT++ columns of the existing turbo_k{6144,1024}.csv, into
#   results/reference/turbo_precision.csv (ebn0_db,k,decoder, then i8_/i16_/itpp_ bler,
#   block_errors, blocks). No IT++ run; about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = precision ]; then
  LM=${LM:-target/release/lastmile}
  [ -x "$LM" ] || cargo build --release --bin lastmile
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # k decoder range max_blocks
  while read -r k dec range mb; do
    for p in i8 i16; do
      "$LM" link --code turbo --k "$k" --iterations 8 --decoder "$dec" --precision "$p" \
        --ebn0 "$range" --target-block-errors 100 --max-blocks "$mb" --seed 1 \
        -o "$tmp/${p}_k${k}_${dec}_${range}.csv"
    done
  done <<'PTS'
6144 max-log 0.6:0.8:0.1 300
6144 max-log-scaled 0.4:0.6:0.1 300
1024 max-log 0.75:1.25:0.25 1500
1024 max-log-scaled 0.75:1.25:0.25 1500
PTS
  python3 - "$tmp" <<'PY'
import csv, glob, os, sys
tmp = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(tmp, "i8_k*.csv"))):
    _, k, dec, _ = os.path.basename(f)[:-4].split("_", 3)
    k = int(k[1:])
    i8 = list(csv.DictReader(open(f)))
    i16 = {r["ebn0_db"]: r for r in csv.DictReader(open(f.replace("/i8_", "/i16_")))}
    itpp = {}
    with open(f"results/reference/turbo_k{k}.csv") as g:
        for r in csv.DictReader(g):
            if r["decoder"] == dec:
                itpp[round(float(r["ebn0_db"]), 4)] = r
    for r in i8:
        x = float(r["ebn0_db"])
        b, c = i16[r["ebn0_db"]], itpp.get(round(x, 4))
        row = [f"{x:g}", k, dec, r["bler"], r["block_errors"], r["num_blocks"]]
        row += [b["bler"], b["block_errors"], b["num_blocks"]]
        row += [c["itpp_bler"], c["itpp_block_errors"], c["itpp_blocks"]] if c else ["", "", ""]
        rows.append(row)
out = "results/reference/turbo_precision.csv"
with open(out + ".tmp", "w", newline="") as g:
    w = csv.writer(g)
    w.writerow(["ebn0_db", "k", "decoder", "i8_bler", "i8_block_errors", "i8_blocks",
                "i16_bler", "i16_block_errors", "i16_blocks",
                "itpp_bler", "itpp_block_errors", "itpp_blocks"])
    w.writerows(rows)
os.replace(out + ".tmp", out)
PY
  echo "wrote results/reference/turbo_precision.csv; remake with: scripts/turbo-curves.sh precision" >&2
  exit 0
fi
MB=${1:-300}
TARGET=100
SEED=1
ITERS=8
out=results/reference
mkdir -p "$out"

# IT++ (and a C++ compiler): the script's own install step.
if ! pkg-config --exists itpp 2>/dev/null || ! command -v g++ >/dev/null; then
  echo "installing libitpp-dev and g++ (apt)" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update >&2
  $SUDO apt-get install -y libitpp-dev g++ pkg-config >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -O2 -o "$tmp/itpp_turbo_awgn" scripts/itpp/turbo_awgn.cpp $(pkg-config --cflags --libs itpp)

LM=${LM:-target/release/lastmile}
[ -x "$LM" ] || cargo build --release --bin lastmile

# name k range max_blocks
points() {
  local k=$1 range=$2 mb=$3
  local start stop step
  IFS=: read -r start stop step <<<"$range"
  for dec in max-log max-log-scaled; do
    local scale=1.0
    [ "$dec" = max-log-scaled ] && scale=0.75
    # IT++ in the background (one core), lastmile in the foreground (the other).
    "$tmp/itpp_turbo_awgn" "$k" "$scale" "$ITERS" "$start" "$stop" "$step" "$TARGET" "$mb" "$SEED" \
      "$tmp/itpp_k${k}_${dec}.csv" &
    local pid=$!
    "$LM" link --code turbo --k "$k" --iterations "$ITERS" --decoder "$dec" --ebn0 "$range" \
      --target-block-errors "$TARGET" --max-blocks "$mb" --seed "$SEED" -o "$tmp/lastmile_k${k}_${dec}.csv"
    wait "$pid"
  done
  python3 scripts/plot-turbo-curves.py merge "$tmp" "$k" "$out/turbo_k${k}.csv"
}
points 6144 0.3:0.9:0.1 "$MB"
points 1024 0.5:2.0:0.25 $((MB * 5))
points 40 1.0:5.0:1.0 $((MB * 40))
python3 scripts/plot-turbo-curves.py plot || echo "plot skipped (needs matplotlib)" >&2
echo "wrote $out/turbo_k{6144,1024,40}.csv and $out/turbo_curves.png; remake with: scripts/turbo-curves.sh $MB" >&2
echo "scripts/turbo-curves.sh $MB"
