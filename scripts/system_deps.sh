#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing (idempotent).
#   python3-venv  the virtualenv the Makefile builds
#   nodejs, npm   to install the vendored Leaflet assets from the npm registry
#   chromium      the real browser the map tests drive (never a downloaded browser)
#   fonts-nanum   Hangul glyphs for that browser
#   gdal-bin      ogrinfo/ogr2ogr for the export tests and benchmark
#   nginx         the reverse proxy of `make serve` (nginx-light where the release has it);
#                 the package's own service is not used: scripts/serve.py runs its own
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
# nginx for `make serve`: the small build has every module it uses (proxy, upstream hash,
# map, gzip). Only the binary is used; the system service is left alone.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if apt-cache show nginx-light >/dev/null 2>&1; then missing+=(nginx-light); else missing+=(nginx); fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
