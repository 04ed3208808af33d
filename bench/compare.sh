#!/usr/bin/env bash
# Trains the MLP, the CNN and the two text models for one epoch with Lathe
# and runs the same training step in PyTorch (Debian python3-torch 1.13, one thread, OpenBLAS
# in its AVX-512 setting and glibc's allocator kept from returning memory,
# as ../shared/TOOLCHAIN.md recommends for a fair peer), side by side, and
# prints samples per second and the ratio. Timings on a shared machine are
# noisy: compare ratios from one run, never assert on them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
tmp=$(mktemp -d)
peer() { # SCRIPT ARGS...
  env -u OPENBLAS_CORETYPE MALLOC_MMAP_THRESHOLD_=1073741824 \
    MALLOC_TRIM_THRESHOLD_=4294967296 OPENBLAS_NUM_THREADS=1 \
    /usr/bin/python3 "bench/$1" "${@:2}" | grep -oE '[0-9]+ samples/s' | grep -oE '^[0-9]+'
}
printf '%-6s %14s %14s %8s\n' model "lathe (s/s)" "pytorch (s/s)" ratio
row() { # NAME MODEL_FILE PEER_SCRIPT PEER_ARGS...
  ./build/bin/lathe run "models/$2" --epochs 1 --report "$tmp/$1.json" >/dev/null
  lathe=$(/usr/bin/python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['samples_per_second']))" "$tmp/$1.json")
  torch=$(peer "${@:3}")
  printf '%-6s %14s %14s %7.2fx\n' "$1" "$lathe" "$torch" \
    "$(/usr/bin/python3 -c "print($lathe / $torch)")"
}
row mlp fashion_mlp.lathe torch_mlp.py 1
row cnn fashion_cnn.lathe torch_cnn.py 1
row spam spam_lstm.lathe torch_text.py spam 1
row news news_lstm.lathe torch_text.py news 1
rm -rf "$tmp"
