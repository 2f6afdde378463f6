#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: system packages (SoapySDR for the
# `soapy` feature, GDAL's command-line tools to check our GeoTIFFs), the Rust components,
# and a Python venv for the notebooks and reference scripts. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(pkg-config libsoapysdr-dev gdal-bin)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt

# Python venv for notebooks and reference scripts.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r scripts/requirements.txt
