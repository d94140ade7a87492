#!/usr/bin/env bash
# Flyers and emergency cards print Japanese, Korean and Chinese phrases: they need a font with
# those characters. Debian's fonts-droid-fallback is a single TTF that has them all. Idempotent.
set -euo pipefail
font=/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
[ -f "$font" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-fonts: installing fonts-droid-fallback" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-droid-fallback) >&2
else
  echo "install-fonts: please install the Debian package fonts-droid-fallback (needs root);" \
       "flyers and cards cannot draw Japanese/Korean/Chinese without it" >&2
fi
