//===- GradCheckTest.cpp - lathe gradcheck catches what it should ---------===//
//
// checkGradients run on entry points written here, over one parameter w of
// 16 values: L(w) = sum_i (w_i - 1)^2 / 2 + k |w_0 - c|, its gradient
// optionally wrong at one coordinate. A check that passed everything would
// pass the model tests too; here it must
// - pass the true gradient;
// - fail a gradient 5% off at one coordinate, or NaN there;
// - pass the true gradient where a small kink (k = 0.05) lies within the
//   step of w_0: the central difference is off there by more than the
//   tolerance, and the gradient is the slope of the side without the kink
//   (a looser test for kinks used to report it as a mismatch).
// Prints one line per failed expectation and a summary; exits non-zero on
// any failure. Run by gradcheck.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/GradCheck.h"
#include "test/unit/Expect.h"

#include <cmath>
#include <fmt/format.h>

namespace {
using lathe::test::expect;
using namespace lathe::rt;

constexpr int64_t kSize = 16;
constexpr uint64_t kSeed = 5;

/// The loss's kink (weight k at w_0 = c) and the coordinate whose
/// gradient is scaled by `wrongScale` (or replaced by NaN).
struct Setup {
  double k = 0, c = 0;
  int64_t wrongAt = -1;
  double wrongScale = 1;
  bool nan = false;
} setup;

float *arg(void **args, int i) { return *static_cast<float **>(args[i]); }

double lossOf(const float *w) {
  double l = setup.k * std::fabs(double(w[0]) - setup.c);
  for (int64_t i = 0; i < kSize; ++i)
    l += 0.5 * (double(w[i]) - 1) * (double(w[i]) - 1);
  return l;
}

// The packed conventions of Session (runtime/Session.cpp): w, x, y, mask,
// then the loss and the gradient (grad) or the predictions (eval_step).
void grad(void **args) {
  const float *w = arg(args, 0);
  float *g = arg(args, 5);
  arg(args, 4)[0] = float(lossOf(w));
  for (int64_t i = 0; i < kSize; ++i)
    g[i] = float(double(w[i]) - 1);
  g[0] += float(setup.k * (double(w[0]) > setup.c ? 1 : -1));
  if (setup.wrongAt >= 0)
    g[setup.wrongAt] = setup.nan ? NAN : float(g[setup.wrongAt] * setup.wrongScale);
}

void evalStep(void **args) {
  arg(args, 4)[0] = float(lossOf(arg(args, 0)));
  arg(args, 5)[0] = 0;
}

ModelInfo info() {
  ModelInfo m;
  m.name = "quadratic";
  m.loss = "mse";
  m.batch = 2;
  m.task = Task::Regression;
  m.input = {1};
  m.output = {1};
  m.params = {TensorSpec{"w", "uniform", {kSize}}};
  return m;
}

int check(const std::string &what) {
  fmt::print("-- {}\n", what);
  EntryPoints entry;
  entry.grad = grad;
  entry.evalStep = evalStep;
  return checkGradients(info(), entry, kSeed, int(kSize));
}
} // namespace

int main() {
  expect(check("true gradient") == 0, "the true gradient passes");

  setup.wrongAt = 5;
  setup.wrongScale = 1.05;
  expect(check("w[5] 5% off") >= 1, "a gradient 5% off fails");
  setup.nan = true;
  expect(check("w[5] NaN") >= 1, "a NaN gradient fails");
  setup = Setup();

  // w_0 as the check sees it: the same initialization of the same seed.
  EntryPoints entry;
  entry.grad = grad;
  entry.evalStep = evalStep;
  Session s(info(), entry);
  s.initialize(kSeed);
  double w0 = s.params()[0][0];
  // The kink 0.3 of the step (1e-3) above w_0: the slope at w_0 is
  // w_0 - 1 - k; the central difference is off by 0.7 k = 0.035.
  setup.k = 0.05;
  setup.c = w0 + 0.3e-3;
  expect(check("a kink within the step") == 0,
         "the true gradient passes next to a kink");
  setup.wrongAt = 0;
  setup.wrongScale = 1.05;
  expect(check("a kink within the step, w[0] 5% off") >= 1,
         "a gradient 5% off fails next to a kink");
  setup.nan = true;
  expect(check("a kink within the step, w[0] NaN") >= 1,
         "a NaN gradient fails next to a kink");
  return lathe::test::summary();
}
