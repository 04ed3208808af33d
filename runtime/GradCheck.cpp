//===- GradCheck.cpp - Compiled gradients against finite differences ------===//
//
// The compiled code works in f32, so the check does too, with a step and a
// tolerance chosen for it: a central difference with step h = 1e-3 has a
// truncation error of O(h^2) = 1e-6 and a rounding error of about
// 2^-24 |L| / h ~ 1e-4 for the small losses of the test models, so
// |fd - g| <= 2e-3 + 2e-2 |g| separates a wrong rule (errors of order |g|)
// from rounding. Where the two one-sided differences disagree the point sits
// on a kink (ReLU, clamps) and is skipped, as differences are meaningless
// there.
//
//===----------------------------------------------------------------------===//
#include "runtime/GradCheck.h"
#include "runtime/Checkpoint.h"

#include <cmath>
#include <fmt/format.h>
#include <random>

using namespace lathe::rt;

namespace {
constexpr double kStep = 1e-3, kAbsTol = 2e-3, kRelTol = 2e-2;

} // namespace

int lathe::rt::checkGradients(const ModelInfo &info, EntryPoints entry,
                              uint64_t seed, int coords) {
  Session s(info, entry);
  s.initialize(seed);
  std::mt19937_64 rng(seed + 99);
  Batch batch = randomBatch(s, rng);
  std::vector<Buffer> grads;
  float base = s.gradients(batch, grads);
  fmt::print("loss {:.6f} on a batch of {} with {} padding row(s)\n", base,
             info.batch, info.batch - batch.count);
  fmt::print("{:<28} {:>7} {:>12} {:>12} {:>8}\n", "parameter", "checked",
             "max |error|", "max |grad|", "skipped");
  int failures = 0;
  for (size_t p = 0; p < info.params.size(); ++p) {
    Buffer &w = s.params()[p];
    int64_t n = w.size();
    int checked = 0, skipped = 0;
    double maxErr = 0, maxGrad = 0;
    std::uniform_int_distribution<int64_t> pick(0, n - 1);
    for (int k = 0; k < std::min<int64_t>(coords, n); ++k) {
      int64_t i = n <= coords ? k : pick(rng);
      float w0 = w[i];
      w[i] = float(w0 + kStep);
      double up = s.loss(batch);
      w[i] = float(w0 - kStep);
      double down = s.loss(batch);
      w[i] = w0;
      double mid = s.loss(batch);
      double fd = (up - down) / (2 * kStep);
      double left = (mid - down) / kStep, right = (up - mid) / kStep;
      if (std::fabs(left - right) > kAbsTol + kRelTol * std::fabs(fd) + 0.5 * std::fabs(fd)) {
        ++skipped; // a kink between w - h and w + h
        continue;
      }
      double g = grads[p][i];
      // A NaN error is the largest (it would pass every `>` test).
      double err = std::isfinite(g) ? std::fabs(fd - g) : INFINITY;
      maxErr = std::max(maxErr, err);
      maxGrad = std::max(maxGrad, std::fabs(g));
      ++checked;
      if (!(err <= kAbsTol + kRelTol * std::fabs(g))) {
        ++failures;
        fmt::print("  MISMATCH {}[{}]: finite difference {:.6g}, compiled "
                   "{:.6g}\n",
                   info.params[p].name, i, fd, g);
      }
    }
    fmt::print("{:<28} {:>7} {:>12.3g} {:>12.3g} {:>8}\n", info.params[p].name,
               checked, maxErr, maxGrad, skipped);
  }
  // One random unit direction v through every parameter: dL/dv = g . v.
  std::normal_distribution<double> normal(0, 1);
  std::vector<std::vector<double>> v;
  double norm = 0;
  for (size_t p = 0; p < info.params.size(); ++p) {
    v.emplace_back(s.params()[p].size());
    for (double &x : v.back()) {
      x = normal(rng);
      norm += x * x;
    }
  }
  double gv = 0;
  for (size_t p = 0; p < v.size(); ++p)
    for (int64_t i = 0; i < s.params()[p].size(); ++i) {
      v[p][i] /= std::sqrt(norm);
      gv += v[p][i] * grads[p][i];
    }
  auto shift = [&](double h) {
    for (size_t p = 0; p < v.size(); ++p)
      for (int64_t i = 0; i < s.params()[p].size(); ++i)
        s.params()[p][i] += float(h * v[p][i]);
  };
  double h = kStep;
  shift(h);
  double up = s.loss(batch);
  shift(-2 * h);
  double down = s.loss(batch);
  shift(h);
  double fd = (up - down) / (2 * h);
  bool dirOk = std::fabs(fd - gv) <= kAbsTol + kRelTol * std::fabs(gv);
  fmt::print("random direction: finite difference {:.6g}, compiled {:.6g}{}\n",
             fd, gv, dirOk ? "" : "  MISMATCH");
  if (!dirOk)
    ++failures;
  fmt::print("gradient check {}\n", failures ? "FAILED" : "passed");
  return failures;
}
