#!/usr/bin/env bash
# Installs what is missing, builds Lathe, and compiles a model from models/
# (default: the Fashion-MNIST CNN) to the Lathe dialect, printing its IR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
model=${1:-models/fashion_cnn.lathe}
./build/bin/lathe --emit=ast "$model"
echo
./build/bin/lathe "$model"
