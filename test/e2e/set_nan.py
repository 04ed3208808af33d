"""Writes a copy of a safetensors file with the first value of one F32
tensor set to NaN: set_nan.py IN OUT TENSOR."""
import json
import struct
import sys

src, dst, name = sys.argv[1:4]
data = bytearray(open(src, "rb").read())
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
begin = header[name]["data_offsets"][0]
data[8 + n + begin:8 + n + begin + 4] = struct.pack("<f", float("nan"))
open(dst, "wb").write(bytes(data))
