#!/usr/bin/env bash
# Installs every Debian package demine needs to build, test and run.
# Idempotent and quiet when everything is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  clang libclang-rt-14-dev clang-format cppcheck
  libsqlite3-dev sqlite3
  libgeos-dev libproj-dev proj-data
  libgdal-dev gdal-bin python3-gdal
  postgresql postgresql-15-postgis-3
  libmicrohttpd-dev libsodium-dev libcairo2-dev libpq-dev libjson-c-dev
  libprotobuf-c-dev protobuf-c-compiler
  hyperfine libjemalloc-dev
  chromium fonts-dejavu-core
  # reports: Pango text on cairo (PDF, SVG, PNG), XLSX, and the tests that read
  # them back (pdftotext, pdftoppm, pdffonts; openpyxl)
  libpango1.0-dev libxlsxwriter-dev poppler-utils python3-openpyxl
)
# Node.js and npm build the browser UI (web/); a newer Node.js already on the
# machine (e.g. from NodeSource, which bundles npm) is kept as it is.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
