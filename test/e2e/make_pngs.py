"""Writes Fashion-MNIST test images as PNG files and as CSV rows:
make_pngs.py IDX_GZ DIR COUNT

For each of the first COUNT test images: DIR/N.csv (its 784 pixel bytes),
and DIR/N-gray.png, -rgb.png, -rgba.png (opaque), -palette.png and
-gray4.png (4-bit gray: the pixels rounded to multiples of 17, whose CSV is
DIR/N-gray4.csv), each with a different row filter. Also the bad files the
test feeds to predict: DIR/big.png (32x32), DIR/notpng.png, DIR/crc.png (a
damaged chunk), DIR/interlaced.png.
"""
import gzip
import os
import struct
import sys
import zlib

idx, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
pixels = gzip.open(idx).read()[16:]


def chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filtered(rows, bpp, kind):
    """The rows with PNG filter `kind` (0-4) applied."""
    out, prev = b"", bytes(len(rows[0]))
    for row in rows:
        f = bytearray()
        for x, v in enumerate(row):
            a = row[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            f.append((v - pred) & 255)
        out += bytes([kind]) + bytes(f)
        prev = row
    return out


def png(path, w, h, depth, color, rows, bpp, kind, extra=b"", interlace=0):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(filtered(rows, bpp, kind))) +
            chunk(b"IEND", b""))
    open(path, "wb").write(data)


os.makedirs(out, exist_ok=True)
for n in range(count):
    px = pixels[n * 784:(n + 1) * 784]
    rows = [px[r * 28:(r + 1) * 28] for r in range(28)]
    open(f"{out}/{n}.csv", "w").write(",".join(map(str, px)) + "\n")
    png(f"{out}/{n}-gray.png", 28, 28, 8, 0, rows, 1, 1)
    png(f"{out}/{n}-rgb.png", 28, 28, 8, 2,
        [bytes(v for p in r for v in (p, p, p)) for r in rows], 3, 4)
    png(f"{out}/{n}-rgba.png", 28, 28, 8, 6,
        [bytes(v for p in r for v in (p, p, p, 255)) for r in rows], 4, 3)
    palette = b"".join(bytes((i, i, i)) for i in range(256))
    png(f"{out}/{n}-palette.png", 28, 28, 8, 3, rows, 1, 2,
        extra=chunk(b"PLTE", palette))
    q = [bytes((p + 8) // 17 for p in r) for r in rows]  # 0..15
    packed = [bytes(r[i] << 4 | r[i + 1] for i in range(0, 28, 2)) for r in q]
    png(f"{out}/{n}-gray4.png", 28, 28, 4, 0, packed, 1, 0)
    open(f"{out}/{n}-gray4.csv", "w").write(
        ",".join(str(v * 17) for r in q for v in r) + "\n")
png(f"{out}/big.png", 32, 32, 8, 0, [bytes(32)] * 32, 1, 0)
open(f"{out}/notpng.png", "w").write("not an image\n")
good = open(f"{out}/0-gray.png", "rb").read()
open(f"{out}/crc.png", "wb").write(good[:50] + bytes([good[50] ^ 1]) + good[51:])
png(f"{out}/interlaced.png", 28, 28, 8, 0, [bytes(28)] * 28, 1, 0, interlace=1)
