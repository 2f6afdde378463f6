#!/usr/bin/env bash
# SPLAT! vs lastmile on the peer tile of ../shared/refdata/peer_synthetic (see its README):
#  1. regenerates the tile N40W100.hgt into results/peer-tile/ with make_tile.py (venv numpy)
#     and checks its MD5;
#  2. runs SPLAT! (Debian package `splat`) -olditm over a 30 km radius, Rx 10 m, -ano,
#     wrapped in `timeout`;
#  3. runs `lastmile run scenarios/splat-compare.toml` (release build) on the same tile, site,
#     radius and ITM parameters, on every core;
#  4. prints both wall times, the ratio, and the distribution of loss differences
#     (lastmile − SPLAT!) at SPLAT!'s .ano points (nearest lastmile pixel).
# Usage: scripts/bench-vs-splat.sh [SPLAT_TIMEOUT_S (default 1800)]
set -euo pipefail
cd "$(dirname "$0")/.."
SPLAT_TIMEOUT="${1:-1800}"
REF=../shared/refdata/peer_synthetic
TILE_DIR=results/peer-tile
WORK=results/splat-work
[ -f "$REF/make_tile.py" ] || { echo "bench-vs-splat: $REF/make_tile.py not found" >&2; exit 2; }

# Python with numpy and tifffile (the project venv, made by scripts/setup.sh if missing).
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -c 'import numpy, tifffile' 2>/dev/null \
  || .venv/bin/python -m pip install -q --disable-pip-version-check numpy tifffile
PY=.venv/bin/python

if ! command -v splat >/dev/null || ! command -v srtm2sdf >/dev/null; then
  echo "bench-vs-splat: installing the Debian package splat" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq splat >/dev/null
fi

echo "== tile" >&2
"$PY" "$REF/make_tile.py" "$TILE_DIR"
md5=$(md5sum "$TILE_DIR/N40W100.hgt" | cut -d' ' -f1)
[ "$md5" = cf42513d6b80791e3ceb2816a0ad86bd ] || { echo "tile MD5 $md5 is not the reference's" >&2; exit 1; }

echo "== SPLAT! (-olditm, -R 30 km, -L 10 m)" >&2
rm -rf "$WORK"; mkdir -p "$WORK"
cp "$TILE_DIR/N40W100.hgt" "$WORK/"
(
  cd "$WORK"
  srtm2sdf -d /dev/null N40W100.hgt >/dev/null 2>&1
  printf 'TVWS-BS\n40.5\n99.5\n30m\n' > tx.qth
  printf '15.000 ; dielectric\n0.005 ; conductivity\n301.000 ; N0\n600.000 ; MHz\n5 ; climate\n0 ; horizontal\n0.50 ; situations\n0.50 ; time\n' > tx.lrp
  start=$(date +%s.%N)
  timeout "$SPLAT_TIMEOUT" splat -t tx.qth -L 10 -R 30 -metric -olditm -ano pathloss_itm.ano -o map.ppm -N -d . >splat.log 2>&1 \
    || { echo "SPLAT! failed or timed out after ${SPLAT_TIMEOUT}s (see $WORK/splat.log)" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$start $end" > splat.time
)
read -r s e < "$WORK/splat.time"

echo "== lastmile" >&2
cargo build --release -q -p lastmile
start=$(date +%s.%N)
target/release/lastmile run scenarios/splat-compare.toml -o results/splat-compare --force
end=$(date +%s.%N)

"$PY" - "$WORK/pathloss_itm.ano" results/splat-compare "$s" "$e" "$start" "$end" <<'PYEOF'
import json, sys
import numpy as np
import tifffile
ano, out, s0, s1, l0, l1 = sys.argv[1:]
splat_s, lm_s = float(s1) - float(s0), float(l1) - float(l0)
run = json.load(open(f"{out}/run.json"))
g = run["grid"]
img = tifffile.imread(f"{out}/coverage.tif").astype(np.float64)
img[img == -9999.0] = np.nan
lat, lon, loss, obst = [], [], [], []
for line in open(ano):
    if ";" in line:
        continue
    parts = [p.strip() for p in line.replace("*", "").split(",")]
    if len(parts) < 5:
        continue
    try:
        la, lo_w, _az, _el, l = map(float, parts[:5])
    except ValueError:
        continue
    lat.append(la); lon.append(-lo_w); loss.append(l); obst.append("*" in line)
lat, lon, loss, obst = map(np.asarray, (lat, lon, loss, obst))
r = np.floor((g["north_deg"] - lat) / g["dlat_deg"]).astype(int)
c = np.floor((lon - g["west_deg"]) / g["dlon_deg"]).astype(int)
ok = (r >= 0) & (r < g["rows"]) & (c >= 0) & (c < g["cols"])
ours = np.full(lat.shape, np.nan)
ours[ok] = -img[r[ok], c[ok]]          # EIRP 0 dBm, 0 dBi: received power = −loss
m = np.isfinite(ours) & np.isfinite(loss)
d = ours[m] - loss[m]
ad = np.abs(d)
pct = lambda a, q: float(np.percentile(a, q))
print(json.dumps({
    "splat_wall_s": round(splat_s, 2),
    "lastmile_wall_s": round(lm_s, 2),
    "speedup": round(splat_s / lm_s, 2),
    "lastmile_threads": run["threads"],
    "splat_points": int(len(loss)),
    "compared_points": int(m.sum()),
    "splat_obstructed_fraction": round(float(obst.mean()), 4) if len(obst) else None,
    "splat_loss_p5_p50_p95_db": [round(pct(loss, q), 1) for q in (5, 50, 95)],
    "delta_db_lastmile_minus_splat": {
        "mean": round(float(d.mean()), 3),
        "median": round(pct(d, 50), 3),
        "p5": round(pct(d, 5), 3), "p25": round(pct(d, 25), 3),
        "p75": round(pct(d, 75), 3), "p95": round(pct(d, 95), 3),
        "median_abs": round(pct(ad, 50), 3),
        "within_0_5_db": round(float((ad <= 0.5).mean()), 4),
        "within_1_db": round(float((ad <= 1.0).mean()), 4),
        "within_3_db": round(float((ad <= 3.0).mean()), 4),
    },
}, indent=2))
PYEOF
