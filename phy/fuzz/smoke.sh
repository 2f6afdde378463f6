#!/usr/bin/env bash
# Short libFuzzer smoke run of the receive-chain fuzz target on stable Rust
# (RUSTC_BOOTSTRAP=1 unlocks the sanitizer flags cargo-fuzz would pass on nightly).
# Usage: phy/fuzz/smoke.sh [SECONDS]   (default 60). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps the coverage flags off build scripts and proc macros.
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo build --release --target "$host" --bin rx_chain
mkdir -p corpus/rx_chain artifacts/rx_chain
"./target/$host/release/rx_chain" corpus/rx_chain -artifact_prefix=artifacts/rx_chain/ \
  -max_total_time="$secs" -max_len=40000 -rss_limit_mb=2048 -timeout=20
