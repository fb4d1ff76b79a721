#!/usr/bin/env bash
# PyTorch and onnx for Debian's /usr/bin/python3, plus OpenBLAS (without it torch falls back
# to the reference BLAS and trains ten times slower); installs what is missing, from apt,
# without recommends and without questions. Used by `npm run models:train` and by the tests
# of the training code.
set -euo pipefail
PY=/usr/bin/python3
PACKAGES=(python3-torch python3-onnx libopenblas0-pthread)

missing() {
  ! "$PY" -c 'import torch, onnx' 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1
}

if missing; then
  if [ "$(id -u)" = 0 ]; then SUDO=()
  elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo)
  else
    echo "the training code needs ${PACKAGES[*]} from Debian; run as root, or install them: apt-get install --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
  fi
  echo "› installing ${PACKAGES[*]} (apt, no recommends)" >&2
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
fi
