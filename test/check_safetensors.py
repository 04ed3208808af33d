"""Lists a safetensors file's tensors, one `NAME DTYPE [SHAPE]` line each,
after checking that the header is JSON and every tensor's bytes lie inside
the file and match its dtype and shape."""
import json
import struct
import sys

data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n])
size = {"F32": 4, "I32": 4, "F64": 8, "I64": 8}
for name, t in sorted(header.items()):
    if name == "__metadata__":
        continue
    begin, end = t["data_offsets"]
    count = 1
    for d in t["shape"]:
        count *= d
    assert 8 + n + end <= len(data), f"{name}: bytes past the end"
    assert end - begin == count * size[t["dtype"]], f"{name}: size mismatch"
    print(f"{name} {t['dtype']} [{', '.join(map(str, t['shape']))}]")
