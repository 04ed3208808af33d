//===- Plot.cpp - Loss curves as PNG images -------------------------------===//
//
// A small raster: lines drawn with Wu-free Bresenham, text in a 3x5 pixel
// font scaled 2x, and PNG encoding with zlib (deflate and crc32).
//
//===----------------------------------------------------------------------===//
#include "runtime/Plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <zlib.h>

using namespace lathe::rt;

namespace {
constexpr int W = 720, H = 440, L = 90, R = 30, T = 50, B = 60;

struct Canvas {
  std::vector<unsigned char> px = std::vector<unsigned char>(W * H * 3, 255);
  void set(int x, int y, unsigned rgb) {
    if (x < 0 || y < 0 || x >= W || y >= H)
      return;
    unsigned char *p = &px[(y * W + x) * 3];
    p[0] = rgb >> 16, p[1] = (rgb >> 8) & 255, p[2] = rgb & 255;
  }
  void line(int x0, int y0, int x1, int y1, unsigned rgb, int width = 1) {
    int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    while (true) {
      for (int a = 0; a < width; ++a)
        for (int b = 0; b < width; ++b)
          set(x0 + a - width / 2, y0 + b - width / 2, rgb);
      if (x0 == x1 && y0 == y1)
        break;
      int e2 = 2 * err;
      if (e2 >= dy)
        err += dy, x0 += sx;
      if (e2 <= dx)
        err += dx, y0 += sy;
    }
  }
  /// 3x5 glyphs, one row per 3 bits, scaled by 2.
  void text(int x, int y, const std::string &s, unsigned rgb) {
    for (char c : s) {
      const unsigned short *g = glyph(c);
      for (int row = 0; row < 5; ++row)
        for (int col = 0; col < 3; ++col)
          if (g && (g[row] >> (2 - col)) & 1)
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                set(x + col * 2 + a, y + row * 2 + b, rgb);
      x += 8;
    }
  }
  static const unsigned short *glyph(char c) {
    static const unsigned short digits[10][5] = {
        {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7},
        {5, 5, 7, 1, 1}, {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1},
        {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}};
    static const struct {
      char c;
      unsigned short g[5];
    } letters[] = {
        {'.', {0, 0, 0, 0, 2}}, {'-', {0, 0, 7, 0, 0}}, {'_', {0, 0, 0, 0, 7}},
        {'a', {0, 6, 3, 5, 7}}, {'b', {4, 4, 7, 5, 7}}, {'c', {0, 7, 4, 4, 7}},
        {'d', {1, 1, 7, 5, 7}}, {'e', {7, 5, 7, 4, 7}}, {'f', {3, 4, 6, 4, 4}},
        {'g', {7, 5, 7, 1, 6}}, {'h', {4, 4, 7, 5, 5}}, {'i', {2, 0, 2, 2, 2}},
        {'k', {4, 5, 6, 5, 5}}, {'l', {6, 2, 2, 2, 7}}, {'m', {0, 7, 7, 5, 5}},
        {'n', {0, 6, 5, 5, 5}}, {'o', {0, 7, 5, 5, 7}}, {'p', {7, 5, 7, 4, 4}},
        {'r', {0, 6, 5, 4, 4}}, {'s', {7, 4, 7, 1, 7}}, {'t', {4, 7, 4, 4, 3}},
        {'u', {0, 5, 5, 5, 7}}, {'v', {0, 5, 5, 5, 2}}, {'y', {5, 5, 7, 1, 6}},
        {'x', {0, 5, 2, 2, 5}}, {'w', {0, 5, 5, 7, 7}}, {':', {0, 2, 0, 2, 0}},
    };
    if (c >= '0' && c <= '9')
      return digits[c - '0'];
    char lc = char(std::tolower(static_cast<unsigned char>(c)));
    for (auto &l : letters)
      if (l.c == lc)
        return l.g;
    return nullptr;
  }
};

void chunk(std::string &out, const char *type, const std::string &data) {
  auto be32 = [&](uint32_t v) {
    for (int i = 3; i >= 0; --i)
      out += char((v >> (8 * i)) & 255);
  };
  be32(uint32_t(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  be32(uint32_t(crc32(0, reinterpret_cast<const Bytef *>(body.data()),
                      uInt(body.size()))));
}
} // namespace

bool lathe::rt::plotPng(const std::string &path, const std::string &title,
                        const std::vector<Series> &series, std::string &error,
                        const Mark &mark) {
  Canvas c;
  double lo = INFINITY, hi = -INFINITY;
  size_t n = 0;
  for (const Series &s : series)
    for (double v : s.values)
      if (std::isfinite(v))
        lo = std::min(lo, v), hi = std::max(hi, v), n = std::max(n, s.values.size());
  if (!std::isfinite(lo))
    lo = 0, hi = 1;
  if (hi - lo < 1e-12)
    hi = lo + 1;
  double pad = (hi - lo) * 0.05;
  lo -= pad, hi += pad;
  int pw = W - L - R, ph = H - T - B;
  auto px = [&](size_t i) {
    return L + (n <= 1 ? pw / 2 : int(std::lround(double(i) * pw / (n - 1))));
  };
  auto py = [&](double v) { return T + int(std::lround((hi - v) / (hi - lo) * ph)); };
  for (int k = 0; k <= 4; ++k) { // grid and value labels
    double v = lo + (hi - lo) * k / 4;
    c.line(L, py(v), W - R, py(v), 0xe0e0e0);
    c.text(8, py(v) - 5, fmt::format("{:.4g}", v), 0x404040);
  }
  c.line(L, T, L, H - B, 0x000000);
  c.line(L, H - B, W - R, H - B, 0x000000);
  c.text(L, H - B + 12, "epoch 1", 0x404040);
  std::string last = fmt::format("{}", std::max<size_t>(n, 1));
  c.text(W - R - 8 * int(last.size()), H - B + 12, last, 0x404040);
  c.text(L, 16, title, 0x000000);
  if (mark.epoch > 0 && size_t(mark.epoch) <= std::max<size_t>(n, 1)) {
    int x = px(size_t(mark.epoch - 1));
    for (int y = T; y < H - B; y += 8)
      c.line(x, y, x, std::min(y + 4, H - B), mark.rgb, 2);
    c.text(x + 6, T + 4, mark.label, mark.rgb);
  }
  int legendX = L + 20;
  for (const Series &s : series) {
    for (size_t i = 1; i < s.values.size(); ++i)
      c.line(px(i - 1), py(s.values[i - 1]), px(i), py(s.values[i]), s.rgb, 2);
    for (size_t i = 0; i < s.values.size(); ++i)
      for (int a = -2; a <= 2; ++a)
        c.line(px(i) - 2, py(s.values[i]) + a, px(i) + 2, py(s.values[i]) + a,
               s.rgb);
    c.line(legendX, H - 22, legendX + 24, H - 22, s.rgb, 3);
    c.text(legendX + 32, H - 27, s.name, 0x000000);
    legendX += 48 + 8 * int(s.name.size());
  }
  return writePng(path, W, H, c.px, error);
}

bool lathe::rt::writePng(const std::string &path, int w, int h,
                         const std::vector<unsigned char> &rgb,
                         std::string &error) {
  std::string raw;
  raw.reserve(size_t(w * 3 + 1) * h);
  for (int y = 0; y < h; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char *>(&rgb[size_t(y) * w * 3]), w * 3);
  }
  uLongf size = compressBound(uLong(raw.size()));
  std::string z(size, '\0');
  compress2(reinterpret_cast<Bytef *>(z.data()), &size,
            reinterpret_cast<const Bytef *>(raw.data()), uLong(raw.size()), 9);
  z.resize(size);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  for (uint32_t v : {uint32_t(w), uint32_t(h)})
    for (int i = 3; i >= 0; --i)
      ihdr += char((v >> (8 * i)) & 255);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5); // 8-bit RGB
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  bool ok = f && std::fwrite(png.data(), 1, png.size(), f) == png.size();
  ok = f && std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = fmt::format("{}: cannot write: {}", path, std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}
