"""Checks that a file is a well-formed PNG: signature, IHDR, each chunk's
CRC, and IDAT data that inflates to height * (1 + width * 3) bytes:
check_png.py FILE [RRGGBB]. With a color (of an image whose rows are not
filtered, as Lathe writes them), also prints how many pixels have it."""
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
pos, idat, size = 8, b"", None
while pos < len(data):
    (n,) = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
    (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
    if kind == b"IHDR":
        size = struct.unpack(">II", body[:8])
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h = size
raw = zlib.decompress(idat)
assert len(raw) == h * (1 + 3 * w), "bad image data"
print(f"png {w}x{h}")
if len(sys.argv) > 2:
    color = bytes.fromhex(sys.argv[2])
    count = 0
    for y in range(h):
        row = raw[y * (1 + 3 * w):(y + 1) * (1 + 3 * w)]
        assert row[0] == 0, "a filtered row"
        count += sum(row[1 + 3 * x:4 + 3 * x] == color for x in range(w))
    print(f"{sys.argv[2]} pixels: {count}")
