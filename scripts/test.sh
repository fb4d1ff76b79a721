#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need, then runs unit, integration
# (real Postgres, Redis, ONNX models), fuzz and browser tests, then the training code's tests
# (PyTorch) and the fault suite.
# Postgres and Redis must be reachable (TEST_DATABASE_URL, TEST_REDIS_URL; .ci/run starts local ones).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --browser
npx tsc --noEmit -p tsconfig.json
npx jest --maxWorkers=2 "$@"
if [ $# -eq 0 ]; then
  # The training code's own tests (PyTorch from Debian, installed when missing).
  bash scripts/train/install-deps.sh
  /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
  # Then the fault suite: real API and worker processes on their own Postgres and Redis, faults injected.
  npx tsx scripts/test-faults.ts
fi
