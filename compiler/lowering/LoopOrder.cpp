//===- LoopOrder.cpp - The output's contiguous dimension innermost --------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHELOOPORDER
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct LoopOrderPass : lathe::impl::LatheLoopOrderBase<LoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInits() != 1 || op->hasAttr("lathe.matmul") ||
          op->hasAttr("lathe.conv"))
        return;
      if (op.getNumLoops() >= 6 || op.getNumReductionLoops() > 0)
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        auto g = linalg::generalizeNamedOp(rewriter, op);
        if (failed(g))
          continue;
        generic = *g;
      }
      AffineMap out = generic.getIndexingMapsArray().back();
      auto last = dyn_cast<AffineDimExpr>(out.getResults().back());
      if (!last)
        continue;
      unsigned d = last.getPosition();
      if (generic.getIteratorTypesArray()[d] != utils::IteratorType::parallel ||
          d + 1 == generic.getNumLoops())
        continue;
      SmallVector<unsigned> perm;
      for (unsigned i = 0; i < generic.getNumLoops(); ++i)
        if (i != d)
          perm.push_back(i);
      perm.push_back(d);
      (void)linalg::interchangeGenericOp(rewriter, generic, perm);
    }
  }
};
} // namespace
