//===- GpuLoopOrder.cpp - Parallel loops first, reductions innermost ------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPULOOPORDER
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct GpuLoopOrderPass
    : lathe::impl::LatheGpuLoopOrderBase<GpuLoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() > 0 &&
          op.getNumReductionLoops() < op.getNumLoops())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp linalgOp : ops) {
      // The new order: parallel loops, then reductions, each as they were.
      SmallVector<unsigned> order;
      auto iterators = linalgOp.getIteratorTypesArray();
      for (bool reduction : {false, true})
        for (unsigned d = 0; d < iterators.size(); ++d)
          if (linalg::isReductionIterator(iterators[d]) == reduction)
            order.push_back(d);
      if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
        continue;
      rewriter.setInsertionPoint(linalgOp);
      auto op = dyn_cast<linalg::GenericOp>(linalgOp.getOperation());
      if (!op) {
        FailureOr<linalg::GenericOp> generic =
            linalg::generalizeNamedOp(rewriter, linalgOp);
        if (failed(generic)) {
          linalgOp.emitError("cannot put the reductions innermost");
          return signalPassFailure();
        }
        op = *generic;
      }
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitError("cannot put the reductions innermost");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
