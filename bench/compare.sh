#!/usr/bin/env bash
# Trains the MLP and the CNN for one epoch with Lathe and runs the same
# training step in PyTorch (Debian python3-torch 1.13, one thread, OpenBLAS
# in its AVX-512 setting and glibc's allocator kept from returning memory,
# as ../shared/TOOLCHAIN.md recommends for a fair peer), side by side, and
# prints samples per second and the ratio. Timings on a shared machine are
# noisy: compare ratios from one run, never assert on them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
tmp=$(mktemp -d)
peer() {
  env -u OPENBLAS_CORETYPE MALLOC_MMAP_THRESHOLD_=1073741824 \
    MALLOC_TRIM_THRESHOLD_=4294967296 OPENBLAS_NUM_THREADS=1 \
    /usr/bin/python3 "bench/torch_$1.py" 1 | grep -oE '[0-9]+ samples/s' | grep -oE '^[0-9]+'
}
printf '%-6s %14s %14s %8s\n' model "lathe (s/s)" "pytorch (s/s)" ratio
for m in mlp cnn; do
  ./build/bin/lathe run "models/fashion_$m.lathe" --epochs 1 --validation-split 0 \
    --report "$tmp/$m.json" >/dev/null
  lathe=$(/usr/bin/python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['samples_per_second']))" "$tmp/$m.json")
  torch=$(peer "$m")
  printf '%-6s %14s %14s %7.2fx\n' "$m" "$lathe" "$torch" \
    "$(/usr/bin/python3 -c "print($lathe / $torch)")"
done
rm -rf "$tmp"
