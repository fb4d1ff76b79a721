#!/usr/bin/env bash
# Reruns the recipe's data and sampling stages from the committed first-schedule draft and the
# target, then the PRM's second stage from the committed first-stage weights and, beside it, the
# draft's second schedule from draft-base.pt, and checks that they give the committed
# models/checkpoints/prm-slips.pt and draft.pt (and draft.onnx) bit for bit; then averages the PRM with the committed
# prm-fresh.pt (--stage prm-soup) and checks that this gives the shipped prm.pt and prm.onnx
# (about 85 minutes on 2 cores, search metrics included).
#   npm run models:reproduce-prm [-- --keep DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) DIR="${2:?--keep needs a folder}"; shift 2 ;;
    *) echo "unknown argument $1 (usage: npm run models:reproduce-prm [-- --keep DIR])" >&2; exit 2 ;;
  esac
done
bash scripts/train/install-deps.sh
bash scripts/ensure-deps.sh
if [ -z "$DIR" ]; then DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT; fi
mkdir -p "$DIR/work" "$DIR/checkpoints" "$DIR/out"
cp models/checkpoints/draft-base.pt models/checkpoints/draft.pt models/checkpoints/target.pt "$DIR/checkpoints/"
export SPECS_TRAIN_WORK="$DIR/work" SPECS_TRAIN_CHECKPOINTS="$DIR/checkpoints"
stage() { "$PY" -u scripts/train/train.py --out "$DIR/out" --stage "$@"; }

echo "== data, then the draft's and the target's samples side by side (one thread each), in $DIR"
stage data
stage sample-draft & draft=$!
stage sample-target & target=$!
wait "$draft"; wait "$target"
same() { # same FILE SHIPPED: sha256 equality, said either way
  local got want
  got=$(sha256sum < "$1" | cut -d' ' -f1); want=$(sha256sum < "$2" | cut -d' ' -f1)
  if [ "$got" = "$want" ]; then echo "reproduced: $1 is $2 bit for bit (sha256 $got)"
  else echo "NOT reproduced: $1 has sha256 $got, $2 $want" >&2; return 1; fi
}
echo "== the PRM's second stage from models/checkpoints/prm-base.pt, beside the draft's second schedule from draft-base.pt"
stage draft-more & more=$!
stage prm-slips --init-from models/checkpoints/prm-base.pt
wait "$more"
same "$DIR/checkpoints/draft.pt" models/checkpoints/draft.pt
same "$DIR/out/draft.onnx" models/draft.onnx
same "$DIR/checkpoints/prm-slips.pt" models/checkpoints/prm-slips.pt
echo "== the soup of that and the committed models/checkpoints/prm-fresh.pt"
cp models/checkpoints/prm-fresh.pt "$DIR/checkpoints/"
stage prm-soup
same "$DIR/checkpoints/prm.pt" models/checkpoints/prm.pt
same "$DIR/out/prm.onnx" models/prm.onnx
