#!/bin/bash
# Packs `lathe run --target=nvptx` for an NVIDIA machine that has a driver
# and Python but no LLVM: `lathe` itself, linked against LLVM's and MLIR's
# static libraries (no libLLVM or libMLIR to carry; about 32 MB once
# compressed with xz), the MLP, CNN and spam LSTM model files, the first
# 2,000 training and 500 test images of Fashion-MNIST and the first 100
# messages of each SpamAssassin group. There, `bash DIR/run.sh` trains
# each model 10 steps with `lathe run` on the CPU and on the GPU and
# compares the losses (within 1e-3, test/gpu/same_loss.py), as
# test/gpu/run-on-gpu.test does on a GPU machine with Lathe built.
#
# Usage: scripts/gpu-jit-bundle.sh DIR [--xz=LEVEL]
# (BUILD=path/to/build when Lathe was built elsewhere than build/; a lower
# xz level packs faster and larger: 0 takes seconds, the default 6 about
# half a minute)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/gpu-jit-bundle.sh DIR [--xz=LEVEL]}
shift
level=6
for a in "$@"; do
  case $a in
    --xz=[0-9]) level=${a#--xz=} ;;
    *) echo "gpu-jit-bundle.sh: unknown option $a" >&2; exit 1 ;;
  esac
done
build=${BUILD:-$root/build}
[ -x "$build/bin/lathe" ] || { echo "gpu-jit-bundle.sh: no $build/bin/lathe: build Lathe first (scripts/build.sh)" >&2; exit 1; }
build=$(cd "$build" && pwd)
data=/usr/share/datasets/fashion-mnist
[ -f $data/train-images-idx3-ubyte.gz ] || { echo "gpu-jit-bundle.sh: $data is missing (apt install dataset-fashion-mnist)" >&2; exit 1; }
llvm=$(llvm-config-22 --libdir 2>/dev/null || echo /usr/lib/llvm-22/lib)
mkdir -p "$out/lib" "$out/fashion-mnist" "$out/models" "$out/scripts"
out=$(cd "$out" && pwd)

# The link of build/bin/lathe with every MLIR and LLVM archive in place of
# the two shared libraries; --gc-sections drops what is not reached.
link=$(ninja -C "$build" -t commands bin/lathe | tail -1)
case $link in *libMLIR.so*libLLVM.so*) ;; *)
  echo "gpu-jit-bundle.sh: unexpected link command for bin/lathe:" >&2; echo "$link" >&2; exit 1 ;;
esac
# libLLVM's compression library, which the archives leave to be linked.
zstd=/usr/lib/x86_64-linux-gnu/libzstd.so.1
archives="-Wl,--start-group $(echo "$llvm"/libMLIR*.a "$llvm"/libLLVM*.a) -Wl,--end-group"
link=$(echo "$link" | sed -E \
  -e 's#^: && ##' -e 's# && :$##' \
  -e "s# -o bin/lathe # -o $out/lathe.static #" \
  -e "s#[^ ]*/libMLIR\.so[.0-9]*#$archives#" \
  -e "s#[^ ]*/libLLVM\.so[.0-9]*#$zstd#")
(cd "$build" && eval "$link")
llvm-strip-22 "$out/lathe.static" 2>/dev/null || strip "$out/lathe.static"
xz -T2 -$level -f "$out/lathe.static"
# The shared libraries outside glibc and libstdc++ that it links.
ldd "$build/bin/lathe" | awk '/=> \// {print $3}' |
  grep -E 'libfmt|libomp' | xargs -r -I{} cp -L {} "$out/lib/"
cp -L "$zstd" "$out/lib/"

# A slice of Fashion-MNIST in its own format: the first N images and labels.
/usr/bin/python3 - "$data" "$out/fashion-mnist" <<'PY'
import gzip, struct, sys
source, target = sys.argv[1:3]
for split, count in (("train", 2000), ("t10k", 500)):
    for kind, item in (("images-idx3", 784), ("labels-idx1", 1)):
        name = f"{split}-{kind}-ubyte.gz"
        data = gzip.open(f"{source}/{name}").read()
        dims = data[3]
        header = bytearray(data[:4 + 4 * dims])
        header[4:8] = struct.pack(">I", count)
        body = data[4 + 4 * dims:4 + 4 * dims + count * item]
        with gzip.open(f"{target}/{name}", "wb") as f:
            f.write(bytes(header) + body)
PY
# A slice of the SpamAssassin corpus: the first 100 messages of each group.
spam=$root/.data/spam-assassin/data
[ -d "$spam" ] || { echo "gpu-jit-bundle.sh: $spam is missing (scripts/setup.sh fetches it)" >&2; exit 1; }
for g in "$spam"/*/; do
  mkdir -p "$out/spam/$(basename "$g")"
  find "$g" -maxdepth 1 -name '*.txt' | sort | sed -n 1,100p | xargs -I{} cp {} "$out/spam/$(basename "$g")/"
done
cp "$root/models/fashion_mlp.lathe" "$root/models/fashion_cnn.lathe" "$root/models/spam_lstm.lathe" "$out/models/"
cp "$root/test/gpu/same_loss.py" "$out/scripts/"
cat > "$out/run.sh" <<'RUN'
#!/bin/bash
# lathe run on the CPU and with --target=nvptx: the same loss after 10 steps.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
work=$(mktemp -d)
python3 -c 'import lzma, shutil, sys
with lzma.open(sys.argv[1]) as f, open(sys.argv[2], "wb") as g: shutil.copyfileobj(f, g)' \
  "$here/lathe.static.xz" "$work/lathe" && chmod +x "$work/lathe" || exit 1
status=0
for m in fashion_mlp fashion_cnn spam_lstm; do
  data=fashion_mnist:$here/fashion-mnist
  [ $m = spam_lstm ] && data=spam_assassin:$here/spam
  for t in cpu nvptx; do
    "$work/lathe" run "$here/models/$m.lathe" --target=$t \
      --data "$data" --epochs 1 --limit 320 \
      --validation-split 0 --report "$work/$m.$t.json" >"$work/$m.$t.log" 2>&1 ||
      { echo "lathe run $m --target=$t failed:"; tail -5 "$work/$m.$t.log"; status=1; continue 2; }
    echo "$m --target=$t: $(grep -E "^(epoch|test)" "$work/$m.$t.log" | tr "\n" " ")"
  done
  echo -n "lathe run $m: "
  python3 "$here/scripts/same_loss.py" "$work/$m.cpu.json" "$work/$m.nvptx.json" 1e-3 || status=1
done
exit $status
RUN
chmod +x "$out/run.sh"
echo "bundled in $out ($(du -sh "$out" | cut -f1)); on the GPU machine: bash $out/run.sh"
