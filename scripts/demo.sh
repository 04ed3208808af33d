#!/usr/bin/env bash
# The main job: installs what is missing, builds Lathe, then compiles the
# Fashion-MNIST MLP in memory and trains it, printing its test accuracy.
# Another model: scripts/demo.sh models/logistic_regression.lathe [lathe run options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
model=${1:-models/fashion_mlp.lathe}
shift || true
./build/bin/lathe run "$model" "$@"
