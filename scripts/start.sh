#!/usr/bin/env bash
# The main job (`npm start`): installs what it needs, then starts the API with an
# embedded Postgres (unless DATABASE_URL is set) and runs a short demo traffic run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec npx tsx scripts/start.ts "$@"
