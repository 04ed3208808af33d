//===- ReadInsertedSlices.cpp - Later reads through the insert's result ---===//
//
// `%r = tensor.insert_slice %v into %d[...]` followed by reads of `%v`:
// those reads become reads of `tensor.extract_slice %r[...]`, the same
// values. One-shot bufferization then finds no read of `%v` after the
// insert writes `%d`'s buffer and computes `%v` in that buffer in place,
// where it had given `%v` a buffer of its own and copied it over.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEREADINSERTEDSLICES
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct ReadInsertedSlicesPass
    : lathe::impl::LatheReadInsertedSlicesBase<ReadInsertedSlicesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](tensor::InsertSliceOp insert) {
      Value v = insert.getSource();
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type)
        return;
      // Uses by ops after the insert in its block, or nested in them.
      Block *block = insert->getBlock();
      SmallVector<OpOperand *> later;
      for (OpOperand &use : v.getUses()) {
        Operation *at = block->findAncestorOpInBlock(*use.getOwner());
        if (at && at != insert && insert->isBeforeInBlock(at))
          later.push_back(&use);
      }
      if (later.empty())
        return;
      rewriter.setInsertionPointAfter(insert);
      Value slice = tensor::ExtractSliceOp::create(
          rewriter, insert.getLoc(), type, insert.getResult(),
          insert.getMixedOffsets(), insert.getMixedSizes(),
          insert.getMixedStrides());
      for (OpOperand *use : later)
        rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(slice); });
    });
  }
};
} // namespace
