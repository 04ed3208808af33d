"""Usage: same_eval.py CPU.txt GPU.txt TOLERANCE

Exits 1 unless the two outputs of `MODEL eval` (the same checkpoint
evaluated on two targets) report test losses within TOLERANCE, relative to
the CPU's, and accuracies within TOLERANCE."""
import re
import sys


def figures(path):
    text = open(path).read()
    m = re.search(r"test \((\d+) samples\): loss ([-0-9.e]+)\s+accuracy ([0-9.]+)", text)
    if not m:
        sys.exit(f"{path}: no test loss and accuracy in it")
    return float(m.group(2)), float(m.group(3))


(cpu_loss, cpu_acc), (gpu_loss, gpu_acc) = (figures(p) for p in sys.argv[1:3])
tolerance = float(sys.argv[3])
loss_diff = abs(gpu_loss - cpu_loss) / max(abs(cpu_loss), 1e-12)
acc_diff = abs(gpu_acc - cpu_acc)
print(f"cpu loss {cpu_loss} accuracy {cpu_acc}, gpu loss {gpu_loss} accuracy {gpu_acc}")
sys.exit(0 if loss_diff <= tolerance and acc_diff <= tolerance else 1)
