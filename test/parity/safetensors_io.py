"""Reads the F32/I32 safetensors files `lathe trace` writes, into torch tensors."""
import json
import struct

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = {"F32": torch.float32, "I32": torch.int32}[info["dtype"]]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def rel(a, b):
    """||a - b|| / ||b||, in double precision; infinite where either holds a
    NaN or an infinity (a NaN would pass every `error > tolerance` test)."""
    a, b = a.double().flatten(), b.double().flatten()
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        return float("inf")
    return ((a - b).norm() / b.norm().clamp(min=1e-12)).item()
