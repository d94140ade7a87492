#!/usr/bin/env bash
# The editors' console browser test drives Debian's Chromium through Debian's chromedriver
# (selenium from PyPI talks to /usr/bin/chromedriver; nothing is downloaded at test time).
# Idempotent: does nothing when both are installed.
set -euo pipefail
if command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-chromium: installing chromium and chromium-driver" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
     chromium chromium-driver) >&2
else
  echo "install-chromium: please install the Debian packages chromium and chromium-driver" \
       "(needs root); the console's browser test is skipped without them" >&2
fi
