#!/usr/bin/env bash
# Flyers and emergency cards print Japanese, Korean and Traditional Chinese phrases: they need a
# font with kana, Hangul and Han characters. Debian's fonts-noto-cjk (Noto Sans CJK, one .ttc with
# a Japanese, Korean and Traditional Chinese face) covers all three; Droid Sans Fallback does not
# have Hangul. Only the package without recommends is installed (it is the sans face we use).
# Idempotent: nothing happens when the font is already there.
set -euo pipefail
font=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
[ -f "$font" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-fonts: installing fonts-noto-cjk" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends fonts-noto-cjk) >&2
else
  # Not fatal: the chat and the bot work without it; only cards and flyers need the font.
  echo "install-fonts: please install the Debian package fonts-noto-cjk (needs root);" \
       "flyers and cards cannot draw Japanese/Korean/Chinese without it" >&2
fi
