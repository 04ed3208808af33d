//===- GradCheck.cpp - Compiled gradients against finite differences ------===//
//
// The compiled code works in f32, so the check does too, with a step and a
// tolerance chosen for it: a central difference with step h = 1e-3 has a
// truncation error of O(h^2) = 1e-6 and a rounding error of about
// 2^-24 |L| / h ~ 1e-4 for the small losses of the test models, so
// |fd - g| <= 2e-3 + 2e-2 |g| separates a wrong rule (errors of order |g|)
// from rounding. Where the two one-sided differences disagree, a kink (ReLU,
// max pooling, clamps) lies within the step: the central difference is then
// meaningless, and the gradient is compared with the one-sided difference
// of the side without the kink, or skipped where it matches neither. (A
// looser test for kinks, half the difference itself, let through kinks
// that move the slope by a few percent, which then failed as mismatches.)
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

double tolerance(double g) { return kAbsTol + kRelTol * std::fabs(g); }

/// How many leading values of a parameter are not trained: an embedding
/// table's row 0, the padding, gets no gradient by definition (PyTorch's
/// padding_idx), though the ids that read it reach the loss.
int64_t untrained(const TensorSpec &t) {
  if (!t.trainable)
    return int64_t(t.size());
  bool table = t.name.size() > 6 &&
               t.name.compare(t.name.size() - 6, 6, ".table") == 0;
  return table && t.shape.size() == 2 ? t.shape[1] : 0;
}

/// How the compiled derivative `g` compares with the loss at w - h, w and
/// w + h (`down`, `mid`, `up`).
struct Comparison {
  double fd;    ///< the central difference
  double error; ///< |fd - g|, or at a kink the one-sided error; NaN: skip
};

Comparison compare(double down, double mid, double up, double g) {
  double fd = (up - down) / (2 * kStep);
  double left = (mid - down) / kStep, right = (up - mid) / kStep;
  // A NaN error is the largest (it would pass every `>` test).
  double error = std::isfinite(g) ? std::fabs(fd - g) : INFINITY;
  if (std::isfinite(g) && std::fabs(left - right) > tolerance(fd)) {
    // A kink between w - h and w + h: the slope changes there, and the
    // central difference averages the two. The gradient at w is the slope
    // on the side without it; where it matches neither side (kinks on
    // both), nothing can be said.
    double side = std::min(std::fabs(left - g), std::fabs(right - g));
    error = side <= tolerance(g) ? side : NAN;
  }
  return {fd, error};
}
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
    if (!info.params[p].trainable) {
      fmt::print("{:<28} {:>7} {:>12} {:>12} {:>8}  (not trained)\n",
                 info.params[p].name, 0, "-", "-", 0);
      continue;
    }
    int64_t first = untrained(info.params[p]), n = w.size() - first;
    int checked = 0, skipped = 0;
    double maxErr = 0, maxGrad = 0;
    std::uniform_int_distribution<int64_t> pick(0, n - 1);
    for (int k = 0; k < std::min<int64_t>(coords, n); ++k) {
      int64_t i = first + (n <= coords ? k : pick(rng));
      float w0 = w[i];
      w[i] = float(w0 + kStep);
      double up = s.loss(batch);
      w[i] = float(w0 - kStep);
      double down = s.loss(batch);
      w[i] = w0;
      double mid = s.loss(batch);
      double g = grads[p][i];
      auto [fd, err] = compare(down, mid, up, g);
      if (std::isnan(err)) {
        ++skipped;
        continue;
      }
      maxErr = std::max(maxErr, err);
      maxGrad = std::max(maxGrad, std::fabs(g));
      ++checked;
      if (!(err <= tolerance(g))) {
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
    for (int64_t i = untrained(info.params[p]); i < int64_t(v.back().size());
         ++i) {
      v.back()[i] = normal(rng);
      norm += v.back()[i] * v.back()[i];
    }
  }
  double gv = 0;
  for (size_t p = 0; p < v.size(); ++p)
    for (int64_t i = 0; i < s.params()[p].size(); ++i) {
      v[p][i] /= std::sqrt(norm);
      gv += v[p][i] * grads[p][i];
    }
  // From copies of the weights, which repeated shifts in f32 would not
  // give back exactly.
  std::vector<Buffer> w0;
  for (Buffer &w : s.params()) {
    w0.emplace_back(w.size());
    std::copy(w.data(), w.data() + w.size(), w0.back().data());
  }
  auto shift = [&](double h) {
    for (size_t p = 0; p < v.size(); ++p)
      for (int64_t i = 0; i < s.params()[p].size(); ++i)
        s.params()[p][i] = float(w0[p][i] + h * v[p][i]);
  };
  shift(kStep);
  double up = s.loss(batch);
  shift(-kStep);
  double down = s.loss(batch);
  shift(0);
  double mid = s.loss(batch);
  auto [fd, err] = compare(down, mid, up, gv);
  // (At kinks on both sides of the step, as for a coordinate, no verdict.)
  bool dirOk = std::isnan(err) || err <= tolerance(gv);
  fmt::print("random direction: finite difference {:.6g}, compiled {:.6g}{}\n",
             fd, gv,
             !dirOk ? "  MISMATCH" : std::isnan(err) ? "  (kinks, skipped)" : "");
  if (!dirOk)
    ++failures;
  fmt::print("gradient check {}\n", failures ? "FAILED" : "passed");
  return failures;
}
