#!/usr/bin/env bash
# The one command that runs every check: installs what the tests need (scripts/setup.sh),
# then formatting, clippy with all features, and every test with all features.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== cargo fmt --check" >&2
cargo fmt --all -- --check

echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== cargo test (all features)" >&2
cargo test --workspace --all-features

echo "== release build and CLI integration tests" >&2
cargo build --release --all-features

echo "== notebooks (results/rural-tvws from the release build, then nbmake)" >&2
target/release/lastmile run scenarios/rural-tvws.toml --force
.venv/bin/python -m pytest -q --nbmake notebooks/
