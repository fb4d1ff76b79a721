#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need, then runs unit,
# integration (real Postgres, Redis, ONNX models) and browser tests.
# Postgres and Redis must be reachable (TEST_DATABASE_URL, TEST_REDIS_URL; .ci/run starts local ones).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser
npx tsc --noEmit -p tsconfig.json
exec npx jest --maxWorkers=2 "$@"
