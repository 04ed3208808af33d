"""Usage: same_loss.py CPU.json GPU.json TOLERANCE

Exits 1 unless the two training reports' first-epoch losses (a GAN's
discriminator loss) agree within TOLERANCE, relative to the CPU's."""
import json
import sys


def first_loss(path):
    epoch = json.load(open(path))["epochs"][0]
    return epoch["train"]["loss"] if "train" in epoch else epoch["d_loss"]


cpu, gpu = (first_loss(p) for p in sys.argv[1:3])
tolerance = float(sys.argv[3])
difference = abs(gpu - cpu) / max(abs(cpu), 1e-12)
print(f"cpu loss {cpu:.6f}, gpu loss {gpu:.6f}, relative difference {difference:.2e}")
sys.exit(0 if difference <= tolerance else 1)
