"""Lathe's NVPTX target against PyTorch CUDA (eager) on the same GPU.

Builds the MLP and the CNN with `lathe build --target=nvptx --batch B`,
trains each for a fixed number of samples with the executable and with its
PyTorch twin (peer.py on `cuda`, same batch), alternating the two, and
prints a Markdown table of samples/s (medians) and ratios with the card's
name. Needs an NVIDIA GPU, its driver, and PyTorch built for CUDA; says so
and exits 1 without them.

On a GPU machine without LLVM, build the executables elsewhere
(`lathe build models/M.lathe --target=nvptx --batch 128 -o DIR/M`) and
pass --exes DIR; --data KIND:PATH points them at the data.

Usage: gpu.py [--batch 128] [--repeats 3] [--models fashion_mlp,fashion_cnn]
              [--exes DIR] [--data KIND:PATH]"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LATHE = os.path.join(ROOT, "build", "bin", "lathe")
STEPS = {"fashion_mlp": 400, "fashion_cnn": 400}


def card():
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0)


def lathe_rate(exe, batch, steps, report, data):
    """Samples/s of the epochs after the first (a warm-up)."""
    extra = ["--data", data] if data else []
    subprocess.run([exe, "train", "--validation-split", "0", "--limit",
                    str(steps * batch), "--epochs", "3", "--report", report]
                   + extra, check=True, capture_output=True, text=True, cwd=ROOT)
    epochs = json.load(open(report))["epochs"][1:]
    return steps * batch * len(epochs) / sum(e["seconds"] for e in epochs)


def peer_rate(model, batch, steps):
    out = subprocess.run([sys.executable, os.path.join(HERE, "peer.py"),
                          model, str(steps), "1", "cuda", str(batch)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.split(" samples/s")[0].split()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="fashion_mlp,fashion_cnn")
    ap.add_argument("--exes", help="prebuilt executables, DIR/MODEL")
    ap.add_argument("--data", help="KIND:PATH for the executables")
    args = ap.parse_args()
    name = card()
    if name is None:
        print("gpu.py needs an NVIDIA GPU and PyTorch for CUDA; neither is here")
        return 1
    work = tempfile.mkdtemp(prefix="lathe-gpu-bench-")
    print(f"{time.strftime('%Y-%m-%d')}, {name}, batch {args.batch}; "
          f"median of {args.repeats} alternating runs\n")
    print("| model | lathe samples/s | pytorch cuda samples/s | ratio | compile s |")
    print("|---|---|---|---|---|")
    for model in args.models.split(","):
        if args.exes:
            exe, compile_s = os.path.abspath(os.path.join(args.exes, model)), None
        else:
            exe = os.path.join(work, model)
            start = time.perf_counter()
            subprocess.run([LATHE, "build",
                            os.path.join(ROOT, "models", f"{model}.lathe"),
                            "--target=nvptx", "--batch", str(args.batch),
                            "-o", exe], check=True, capture_output=True)
            compile_s = time.perf_counter() - start
        steps = STEPS.get(model, 100)
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(lathe_rate(exe, args.batch, steps,
                                   os.path.join(work, f"{model}.json"), args.data))
            theirs.append(peer_rate(model, args.batch, steps))
        a, b = statistics.median(ours), statistics.median(theirs)
        built = "built elsewhere" if compile_s is None else f"{compile_s:.2f}"
        print(f"| {model} | {a:,.0f} | {b:,.0f} | {a / b:.2f}x | {built} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
