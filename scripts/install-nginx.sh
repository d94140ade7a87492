#!/usr/bin/env bash
# Debian's nginx for the scale-out benchmark (make bench-scale): installed when missing (needs
# root, as on CI and the dev machines); the system service is left stopped — the benchmark runs
# its own nginx on loopback ports with deploy/nginx.conf.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
echo "install-nginx: installing nginx" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >&2
systemctl disable --now nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
