#!/usr/bin/env bash
# AVAIL_SPECTRUM throughput of the PAWS database (a benchmark, not a test).
#
# Builds a database of 200 made-up UHF TV stations spread over a rural area (contours by
# ITM F(50,90), 360 radials, computed once at start-up and kept in memory), serves it with
# `lastmile wsdb serve` on 127.0.0.1 (port 0) with 2 worker threads, and drives
# spectrum.paws.getSpectrum requests (portable devices at 64 locations, rotated) with
# Debian's `wrk` and a Lua POST script. Prints one JSON object on stdout:
#   {"stations", "contour_build_s", "requests_per_s", "p50_ms", "p99_ms", "errors", ...}
# "errors" counts non-2xx answers and socket errors. Target: >= 5,000 requests/s with p99 < 20 ms on 2 cores.
#
# Usage: scripts/bench-wsdb.sh [DURATION_S (10)] [CONNECTIONS (32)]
# Needs: wrk (apt-get install wrk), a release build (built here).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNS="${2:-32}"
command -v wrk >/dev/null || { echo "bench-wsdb: needs wrk (apt-get install wrk)" >&2; exit 1; }

cargo build --release --quiet
BIN=target/release/lastmile
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 200 stations: deterministic LCG positions over 41–48 N, 104–94 W; channels 14–36;
# ERP 1–1000 kW; HAAT 30–400 m.
awk 'BEGIN {
  s = 12345; print "id,call_sign,lat_deg,lon_deg,channel,erp_kw,haat_m";
  for (i = 0; i < 200; i++) {
    s = (s * 1103515245 + 12345) % 2147483648; lat = 41 + 7 * s / 2147483648;
    s = (s * 1103515245 + 12345) % 2147483648; lon = -104 + 10 * s / 2147483648;
    s = (s * 1103515245 + 12345) % 2147483648; ch = 14 + int(23 * s / 2147483648);
    s = (s * 1103515245 + 12345) % 2147483648; erp = 1 + int(999 * (s / 2147483648) ^ 2);
    s = (s * 1103515245 + 12345) % 2147483648; haat = 30 + int(370 * s / 2147483648);
    printf "%d,KB%03d,%.4f,%.4f,%d,%d,%d\n", 800000 + i, i, lat, lon, ch, erp, haat;
  } }' > "$WORK/stations.csv"

cat > "$WORK/wsdb.toml" <<TOML
name = "bench: 200 made-up stations"
ruleset = "fcc"
stations = "stations.csv"
store = "registrations.json"
[coverage]
south_deg = 42.0
north_deg = 47.0
west_deg = -103.0
east_deg = -95.0
[terrain]
kind = "synthetic"
base_m = 500.0
relief_m = 80.0
[contours]
model = "itm"
radials = 360
max_km = 200.0
[limits]
rate_per_s = 1000000.0
burst = 1000000.0
TOML

T0=$(date +%s.%N)
"$BIN" wsdb serve --config "$WORK/wsdb.toml" --listen 127.0.0.1:0 --threads 2 \
  > "$WORK/addr" 2> "$WORK/serve.log" &
SERVER_PID=$!
ADDR=""
for _ in $(seq 1 1200); do   # up to 10 min for the contours
  ADDR=$(head -n1 "$WORK/addr" 2>/dev/null || true)
  [ -n "$ADDR" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$ADDR" ] || { echo "bench-wsdb: server did not start" >&2; exit 1; }
T1=$(date +%s.%N)
echo "bench-wsdb: serving at $ADDR; $(grep -m1 'stations' "$WORK/serve.log")" >&2

cat > "$WORK/post.lua" <<'LUA'
local bodies = {}
local n = 0
for i = 0, 63 do
  local lat = 42.2 + 4.6 * ((i * 37) % 64) / 64
  local lon = -102.8 + 7.6 * ((i * 11) % 64) / 64
  bodies[#bodies + 1] = string.format(
    '{"jsonrpc":"2.0","id":%d,"method":"spectrum.paws.getSpectrum","params":{"type":"AVAIL_SPECTRUM_REQ","version":"1.0","deviceDesc":{"serialNumber":"bench-%d","fccId":"BENCH","fccTvbdDeviceType":"MODE_2"},"location":{"point":{"center":{"latitude":%.4f,"longitude":%.4f}}},"antenna":{"height":1.5}}}',
    i, i, lat, lon)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %f %f %f %d %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

# One checked request first: the answer must validate as an AVAIL_SPECTRUM_RESP.
"$BIN" wsdb query --url "http://$ADDR/paws" --lat 44.5 --lon -99.0 --height-m 1.5 \
  --device portable > "$WORK/one.json"
echo "bench-wsdb: one request OK ($(wc -c < "$WORK/one.json") bytes)" >&2
OUT=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$WORK/post.lua" "http://$ADDR/paws")
echo "$OUT" >&2
LINE=$(echo "$OUT" | grep '^BENCH')
read -r _ P50 P99 RPS NREQ NERR <<<"$LINE"
BUILD=$(echo "$T1 - $T0" | bc -l 2>/dev/null || awk "BEGIN{print $T1 - $T0}")
printf '{"stations": 200, "radials": 360, "contour_build_s": %.1f, "requests_per_s": %.0f, "p50_ms": %.3f, "p99_ms": %.3f, "requests": %d, "errors": %d, "connections": %d, "duration_s": %d, "server_threads": 2, "cores": %d}\n' \
  "$BUILD" "$RPS" "$P50" "$P99" "$NREQ" "$NERR" "$CONNS" "$DURATION" "$(nproc)"
