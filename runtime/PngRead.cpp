//===- PngRead.cpp - PNG images read as gray pixels -----------------------===//
#include "runtime/PngRead.h"
#include "runtime/Files.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <zlib.h>

using namespace lathe::rt;

namespace {
/// PNG's Paeth predictor.
int paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b),
      pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/// Undoes the row filters of `raw` (rows of a filter byte and `stride`
/// bytes) into `out`; false on an unknown filter type.
bool unfilter(const std::vector<unsigned char> &raw, int height, size_t stride,
              int bpp, std::vector<unsigned char> &out) {
  out.assign(size_t(height) * stride, 0);
  for (int y = 0; y < height; ++y) {
    const unsigned char *in = &raw[size_t(y) * (stride + 1)];
    unsigned char *row = &out[size_t(y) * stride];
    const unsigned char *up = y ? row - stride : nullptr;
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= size_t(bpp) ? row[x - bpp] : 0, b = up ? up[x] : 0,
          c = up && x >= size_t(bpp) ? up[x - bpp] : 0;
      int pred;
      switch (in[0]) {
      case 0:
        pred = 0;
        break;
      case 1:
        pred = a;
        break;
      case 2:
        pred = b;
        break;
      case 3:
        pred = (a + b) / 2;
        break;
      case 4:
        pred = paeth(a, b, c);
        break;
      default:
        return false;
      }
      row[x] = (unsigned char)(in[1 + x] + pred);
    }
  }
  return true;
}
} // namespace

bool lathe::rt::readPngGray(const std::string &path, int &width, int &height,
                            std::vector<uint8_t> &gray, std::string &error) {
  std::string file;
  if (!readFile(path, file, error))
    return false;
  if (decodePngGray(reinterpret_cast<const uint8_t *>(file.data()), file.size(),
                    width, height, gray, error))
    return true;
  error = fmt::format("{}: {}", path, error);
  return false;
}

bool lathe::rt::decodePngGray(const uint8_t *bytes, size_t size, int &width,
                              int &height, std::vector<uint8_t> &gray,
                              std::string &error) {
  auto fail = [&](const std::string &why) {
    error = why;
    return false;
  };
  struct { // the bytes, read as a vector's
    const uint8_t *p;
    size_t n;
    size_t size() const { return n; }
    const uint8_t *data() const { return p; }
    const uint8_t &operator[](size_t i) const { return p[i]; }
  } file{bytes, size};
  static const unsigned char kSignature[8] = {0x89, 'P',  'N',  'G',
                                              '\r', '\n', 0x1a, '\n'};
  if (file.size() < 8 || std::memcmp(file.data(), kSignature, 8) != 0)
    return fail("not a PNG image");
  int depth = 0, color = -1;
  std::vector<unsigned char> idat, palette, trns;
  bool ended = false;
  for (size_t at = 8; at < file.size() && !ended;) {
    if (file.size() - at < 12)
      return fail("truncated");
    uint32_t len = readBE32(&file[at]);
    if (len > file.size() - at - 12)
      return fail("truncated");
    std::string type(reinterpret_cast<const char *>(&file[at + 4]), 4);
    const unsigned char *data = &file[at + 8];
    if (uint32_t(crc32(crc32(0, &file[at + 4], 4), data, len)) !=
        readBE32(data + len))
      return fail(fmt::format("chunk {} is damaged (bad CRC)", type));
    if (type == "IHDR") {
      if (len != 13)
        return fail("bad IHDR chunk");
      width = int(std::min<uint32_t>(readBE32(data), 1u << 20));
      height = int(std::min<uint32_t>(readBE32(data + 4), 1u << 20));
      depth = data[8];
      color = data[9];
      if (data[12] != 0)
        return fail("interlaced PNGs are not read; save it without "
                    "interlacing");
    } else if (type == "PLTE") {
      palette.assign(data, data + len);
    } else if (type == "tRNS") {
      trns.assign(data, data + len);
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      ended = true;
    }
    at += 12 + size_t(len);
  }
  if (color < 0)
    return fail("no IHDR chunk");
  if (!ended)
    return fail("truncated (no IEND chunk)");
  int channels = color == 0   ? 1
                 : color == 2 ? 3
                 : color == 3 ? 1
                 : color == 4 ? 2
                 : color == 6 ? 4
                              : 0;
  bool depthOk = depth == 8 || ((color == 0 || color == 3) &&
                                (depth == 1 || depth == 2 || depth == 4));
  if (!channels || !depthOk)
    return fail(fmt::format("{}-bit images of color type {} are not read "
                            "(8-bit gray, gray with alpha, RGB, RGBA or "
                            "palette images are)",
                            depth, color));
  if (width <= 0 || height <= 0 || int64_t(width) * height > (1 << 26))
    return fail(fmt::format("unreasonable size {}x{}", width, height));
  size_t stride = (size_t(width) * channels * depth + 7) / 8;
  int bpp = std::max(1, channels * depth / 8);
  // (Deflate expands at most about 1032 to 1: a header that promises more
  // than its data can hold is refused before any memory is taken for it.)
  if ((stride + 1) * size_t(height) > idat.size() * 1032 + 1024)
    return fail("its image data is shorter than its header's size needs");
  std::vector<unsigned char> raw((stride + 1) * size_t(height));
  uLongf got = uLongf(raw.size());
  if (uncompress(raw.data(), &got, idat.data(), uLong(idat.size())) != Z_OK ||
      got != raw.size())
    return fail("its image data does not inflate to the size its header "
                "gives");
  std::vector<unsigned char> px;
  if (!unfilter(raw, height, stride, bpp, px))
    return fail("unknown row filter");
  gray.resize(size_t(width) * height);
  for (int y = 0; y < height; ++y) {
    const unsigned char *row = &px[size_t(y) * stride];
    for (int x = 0; x < width; ++x) {
      double v, alpha = 255;
      if (depth < 8) { // gray or palette indices packed in bytes
        int per = 8 / depth, shift = 8 - depth * (x % per + 1);
        int s = (row[x / per] >> shift) & ((1 << depth) - 1);
        if (color == 0) {
          v = s * 255.0 / ((1 << depth) - 1);
        } else {
          if (size_t(s) * 3 + 2 >= palette.size())
            return fail("a pixel's palette index is out of range");
          const unsigned char *c = &palette[size_t(s) * 3];
          v = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
          alpha = size_t(s) < trns.size() ? trns[size_t(s)] : 255;
        }
      } else {
        const unsigned char *p = row + size_t(x) * channels;
        switch (color) {
        case 0:
          v = p[0];
          break;
        case 4:
          v = p[0];
          alpha = p[1];
          break;
        case 2:
          v = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
          break;
        case 6:
          v = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
          alpha = p[3];
          break;
        default: { // palette, 8-bit indices
          if (size_t(p[0]) * 3 + 2 >= palette.size())
            return fail("a pixel's palette index is out of range");
          const unsigned char *c = &palette[size_t(p[0]) * 3];
          v = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
          alpha = size_t(p[0]) < trns.size() ? trns[p[0]] : 255;
        }
        }
      }
      gray[size_t(y) * width + x] = uint8_t(std::lround(v * alpha / 255));
    }
  }
  return true;
}
