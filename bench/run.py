"""Lathe against PyTorch on this machine, in one run: each of the seven
models trained for a fixed number of steps by its built executable and by
bench/peer.py (same layers, batch, optimizer, threads), alternating A B A B
and taking the median of the repeats, since the machine is shared and noisy.
Prints a Markdown table (samples/s, ratio, threads, batch, compile time);
with --gemm also the GEMM and FMA-peak rows of bench/gemm.

PyTorch runs in its strong setting (TOOLCHAIN.md): OPENBLAS_CORETYPE unset
(AVX-512 kernels), glibc malloc kept from returning memory, OpenBLAS on one
thread. Usage: run.py [--repeats N] [--models a,b] [--gemm]
(--models '' --gemm: the GEMM rows only)."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATHE = os.path.join(ROOT, "build", "bin", "lathe")
PY = "/usr/bin/python3"

# model: (steps timed, batch)
MODELS = {
    "linear_regression": (20000, 16),
    "logistic_regression": (20000, 32),
    "fashion_mlp": (1000, 32),
    "fashion_cnn": (200, 32),
    "spam_lstm": (100, 32),
    "news_lstm": (30, 32),
    "fashion_dcgan": (8, 64),
}
# Timed with --models only: models not in models/, and where their files are.
EXTRA = {"spam_gru": (100, 32), "spam_bilstm": (100, 32), "spam_cnn": (200, 32),
         "spam_masked": (200, 32)}
EXTRA_FILES = {m: os.path.join("test", "e2e", "Inputs", f"{m}.lathe") for m in EXTRA}


def model_file(model):
    return os.path.join(ROOT, EXTRA_FILES.get(model, os.path.join("models", f"{model}.lathe")))


def peer_env():
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.update(MALLOC_MMAP_THRESHOLD_="1073741824",
               MALLOC_TRIM_THRESHOLD_="4294967296", OPENBLAS_NUM_THREADS="1")
    return env


def lathe_rate(exe, model, steps, batch, work, threads=1):
    """Samples/s of the executable's training loop over `steps` steps after
    a warm-up epoch (the peer warms up too): the epochs after the first,
    enough of them to cover `steps` (a small dataset's epochs are short)."""
    report = os.path.join(work, f"{model}.json")
    if model == "fashion_dcgan":
        out = subprocess.run([exe, "train", "--epochs", "2", "--limit",
                              str(steps * batch), "--threads", str(threads)],
                             capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
        return float(re.findall(r"([0-9.]+) images/s", out)[-1])
    out = subprocess.run([exe, "train", "--validation-split", "0", "--limit",
                          str(steps * batch), "--epochs", "1", "--threads",
                          str(threads)], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    n = int(re.search(r"on (\d+) samples", out).group(1))
    epochs = 1 + -(-steps * batch // n)
    subprocess.run([exe, "train", "--validation-split", "0", "--limit",
                    str(steps * batch), "--epochs", str(epochs), "--report",
                    report, "--threads", str(threads)], capture_output=True,
                   text=True, check=True, cwd=ROOT)
    timed = json.load(open(report))["epochs"][1:]
    return n * len(timed) / sum(e["seconds"] for e in timed)


def jit_seconds(model, batch):
    """`lathe run`'s time from the model file to code ready to train (the
    "compiled ... in" it prints): the JIT's time to the first step, compiled
    anew (--no-cache), not loaded from the object cache."""
    out = subprocess.run([LATHE, "run", model_file(model),
                          "--epochs", "1", "--limit", str(batch), "--no-cache"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(re.search(r"compiled .* in ([0-9.]+)s", out).group(1))


def peer_rate(model, steps, threads):
    out = subprocess.run([PY, os.path.join(ROOT, "bench", "peer.py"), model,
                          str(steps), str(threads)], capture_output=True,
                         text=True, check=True, env=peer_env()).stdout
    return float(re.search(r"([0-9.]+) samples/s", out).group(1))


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--gemm", action="store_true")
    args = ap.parse_args()
    for script in (["scripts/setup.sh", "--tests"], ["scripts/build.sh"]):
        subprocess.run(["bash", *script], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="lathe-bench-")
    print(f"{time.strftime('%Y-%m-%d')}, {cpu_name()}, {os.cpu_count()} cores; "
          f"median of {args.repeats} alternating runs\n")
    models = [m for m in args.models.split(",") if m]  # --models '': GEMM only
    if models:
        print("| model | batch | steps | lathe samples/s, 1 thread | pytorch, 1 thread | ratio "
              "| lathe, 2 threads | pytorch, 2 threads | ratio | lathe 1→2 threads | compile s | jit s |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        steps, batch = {**MODELS, **EXTRA}[model]
        exe = os.path.join(work, model)
        start = time.perf_counter()
        subprocess.run([LATHE, "build", model_file(model),
                        "-o", exe], check=True, capture_output=True)
        compile_s = time.perf_counter() - start
        jit_s = statistics.median(jit_seconds(model, batch) for _ in range(args.repeats))
        runs = {k: [] for k in ("a1", "b1", "a2", "b2")}
        for _ in range(args.repeats):
            runs["a1"].append(lathe_rate(exe, model, steps, batch, work, 1))
            runs["b1"].append(peer_rate(model, steps, 1))
            runs["a2"].append(lathe_rate(exe, model, steps, batch, work, 2))
            runs["b2"].append(peer_rate(model, steps, 2))
        a1, b1, a2, b2 = (statistics.median(runs[k]) for k in ("a1", "b1", "a2", "b2"))
        print(f"| {model} | {batch} | {steps} | {a1:,.0f} | {b1:,.0f} | "
              f"{a1 / b1:.2f}x | {a2:,.0f} | {b2:,.0f} | {a2 / b2:.2f}x | "
              f"{a2 / a1:.2f}x | {compile_s:.2f} | {jit_s:.2f} |", flush=True)
    if args.gemm:
        gemm = os.path.join(ROOT, "build", "bin", "lathe-gemm-bench")
        for coretype in (None, "Haswell", "SkylakeX"):
            env = peer_env()
            if coretype:
                env["OPENBLAS_CORETYPE"] = coretype
            out = subprocess.run([gemm], capture_output=True, text=True,
                                 check=True, env=env).stdout
            print(f"\nOpenBLAS {'with OPENBLAS_CORETYPE=' + coretype if coretype else 'choosing its kernels itself (OPENBLAS_CORETYPE unset)'}:")
            print(out.rstrip())


if __name__ == "__main__":
    sys.exit(main())
