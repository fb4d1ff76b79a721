#!/usr/bin/env bash
# Trains the draft LM, the target LM and the PRM and exports them to ONNX (the shipped recipe).
#   npm run models:train -- [--out DIR] [--minutes M] [--budget-scale X] [--device cpu|cuda] [--resume]
# Needs PyTorch and onnx for Debian's /usr/bin/python3, plus OpenBLAS (without it torch falls
# back to the reference BLAS and trains ten times slower); installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
PACKAGES=(python3-torch python3-onnx libopenblas0-pthread)

missing() {
  ! "$PY" -c 'import torch, onnx' 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1
}

if missing; then
  if [ "$(id -u)" = 0 ]; then SUDO=()
  elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo)
  else
    echo "models:train needs ${PACKAGES[*]} from Debian; run as root, or install them: apt-get install --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "› installing ${PACKAGES[*]} (apt, no recommends)" >&2
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
fi
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
