//===- Plot.h - Loss curves as PNG images -----------------------*- C++ -*-===//
#ifndef LATHE_RUNTIME_PLOT_H
#define LATHE_RUNTIME_PLOT_H

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::rt {

struct Series {
  std::string name;
  std::vector<double> values; ///< one per epoch
  unsigned rgb;               ///< 0xRRGGBB
};

/// Writes an 8-bit RGB image (`rgb` holds width * height * 3 bytes) as a
/// PNG, atomically.
bool writePng(const std::string &path, int width, int height,
              const std::vector<unsigned char> &rgb, std::string &error);

/// An epoch marked on a plot: a dashed vertical line and its label.
struct Mark {
  int64_t epoch = 0; ///< 1-based; 0: none
  std::string label;
  unsigned rgb = 0x2ca02c;
};

/// Draws the series against the epoch on shared axes, with the value range
/// and epoch count written on the axes, a legend and `mark`, and writes a
/// PNG (atomically). False with `error` set on failure.
bool plotPng(const std::string &path, const std::string &title,
             const std::vector<Series> &series, std::string &error,
             const Mark &mark = {});

} // namespace lathe::rt

#endif
