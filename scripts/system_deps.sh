#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing (idempotent).
#   python3-venv  the virtualenv the Makefile builds
#   nodejs, npm   to install the vendored Leaflet assets from the npm registry
#   chromium      the real browser the map tests drive (never a downloaded browser)
#   fonts-nanum   Hangul glyphs for that browser
#   gdal-bin      ogrinfo/ogr2ogr for the export tests and benchmark
# PostgreSQL + PostGIS are handled by scripts/pg.sh.
set -euo pipefail
missing=()
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A Korean font, so Hangul renders in the browser tests' screenshots.
[ -d /usr/share/fonts/truetype/nanum ] || missing+=(fonts-nanum)
# ogr2ogr / ogrinfo: the export tests read files back with ogrinfo, the export benchmark
# compares with ogr2ogr.
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
