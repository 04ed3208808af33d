"""Prints the L2 norm of the weights in two safetensors checkpoints and
whether the first is smaller by 5% or more: check_weight_norms.py DECAYED PLAIN [PREFIX].
Only tensors named PREFIX* (default: every parameter, not the optimizer's
state, which the checkpoint names `optimizer.*`)."""
import json
import math
import struct
import sys
from array import array


def norm(path, prefix):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    total = 0.0
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        if not name.startswith(prefix) or name.startswith("optimizer."):
            continue
        begin, end = info["data_offsets"]
        values = array("f", data[begin:end])
        total += sum(v * v for v in values)
    return math.sqrt(total)


decayed, plain = sys.argv[1], sys.argv[2]
prefix = sys.argv[3] if len(sys.argv) > 3 else ""
a, b = norm(decayed, prefix), norm(plain, prefix)
print(f"norm with decay {a:.4f}, without {b:.4f}")
print("smaller" if a < 0.95 * b else "NOT smaller by 5%")
