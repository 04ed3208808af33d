//===- FuseElementwise.cpp - Single-use elementwise producers into consumers ===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEFUSEELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct FuseElementwisePass
    : lathe::impl::LatheFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          Operation *consumer = operand->getOwner();
          return producer && producer->hasOneUse() &&
                 !producer->hasAttr("lathe.matmul") &&
                 !consumer->hasAttr("lathe.matmul");
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
