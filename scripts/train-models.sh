#!/usr/bin/env bash
# Trains the draft LM, target LM and PRM and exports them to ONNX.
#   npm run models:train -- [--out DIR] [--minutes M] [--device cpu|cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
  echo "torch/onnx missing for $PY: running apt-get install -y python3-torch python3-onnx"
  apt-get update -qq && apt-get install -y python3-torch python3-onnx
fi
OUT=models
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--out" ]]; then OUT="${args[$((i + 1))]}"; fi
done
"$PY" -u scripts/train/train.py "$@"
echo "verifying ONNX exports with onnxruntime-node"
node scripts/train/verify-onnx.cjs "$OUT/draft.onnx" "$OUT/target.onnx" "$OUT/prm.onnx"
du -ch "$OUT"/*.onnx | tail -1
