//===- ApproximateMath.cpp - exp, log and tanh as polynomials -------------===//
//
// libm's expf, logf and tanhf are scalar calls: a loop that calls them does
// not vectorize, and an LSTM spends most of its step in tanhf. MLIR's f32
// polynomial approximations are plain arithmetic (within a few ulp over the
// whole range, saturating where the functions do), so LLVM vectorizes the
// elementwise loops around them.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEAPPROXIMATEMATH
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct ApproximateMathPass
    : lathe::impl::LatheApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return name == math::ExpOp::getOperationName() ||
                 name == math::LogOp::getOperationName() ||
                 name == math::TanhOp::getOperationName();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
