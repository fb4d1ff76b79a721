#!/usr/bin/env bash
# Trains the draft LM, the target LM and the PRM and exports them to ONNX (the shipped recipe).
#   npm run models:train -- [--out DIR] [--minutes M] [--budget-scale X] [--device cpu|cuda] [--resume]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
bash scripts/train/install-deps.sh
bash scripts/ensure-deps.sh

OUT=models
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    -h|--help) exec "$PY" -u scripts/train/train.py --help ;;
    --out) OUT="${args[$((i + 1))]:-models}" ;;
  esac
done
"$PY" -u scripts/train/train.py "$@"
echo "verifying ONNX exports with onnxruntime-node"
node scripts/train/verify-onnx.cjs "$OUT/draft.onnx" "$OUT/target.onnx" "$OUT/prm.onnx"
du -ch "$OUT"/*.onnx | tail -1
npx --no-install tsx scripts/models-chart.ts --manifest "$OUT/manifest.json"
