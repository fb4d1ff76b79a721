#!/usr/bin/env bash
# The main job (`npm start`): installs what it needs, then starts the API with an
# embedded Postgres (unless DATABASE_URL is set) and runs a short demo traffic run.
set -euo pipefail
cd "$(dirname "$0")/.."
# --help needs no install (when tsx is already there) and starts nothing.
case " $* " in
  *" --help "*|*" -h "*) [ -x node_modules/.bin/tsx ] || bash scripts/ensure-deps.sh ;;
  *) bash scripts/ensure-deps.sh ;;
esac
exec npx tsx scripts/start.ts "$@"
