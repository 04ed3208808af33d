//===- Timing.h - What the benchmarks time with ----------------*- C++ -*-===//
#ifndef LATHE_BENCH_TIMING_H
#define LATHE_BENCH_TIMING_H

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace lathe::bench {

/// Seconds `f` takes, once.
inline double secondsOf(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The median of `v` (the mean of the middle two when there are an even
/// number).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

} // namespace lathe::bench

#endif
