//===- StridedCopies.cpp - Copies between strided views as loops ----------===//
//
// A memref.copy between views that are not one contiguous run of memory
// (a gradient copied into a column block of a wider one, a slice of a
// padded buffer) lowers to a call of the runtime's memrefCopy, which walks
// descriptors and copies one inner run at a time with memcpy: for an LSTM's
// gate gradients, 3,200 calls of 128 bytes each. With static shapes it
// becomes a linalg.copy here instead, which lowers to loops whose
// contiguous innermost one LLVM vectorizes. Copies of one contiguous run
// stay memref.copy (a memcpy).
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHESTRIDEDCOPIES
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
bool contiguous(MemRefType t) {
  return t.getLayout().isIdentity() || memref::isStaticShapeAndContiguousRowMajor(t);
}

struct StridedCopiesPass
    : lathe::impl::LatheStridedCopiesBase<StridedCopiesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto from = dyn_cast<MemRefType>(copy.getSource().getType());
      auto to = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (from && to && from.hasStaticShape() && to.hasStaticShape() &&
          from.getRank() > 0 && (!contiguous(from) || !contiguous(to)))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      rewriter.eraseOp(copy);
    }
  }
};
} // namespace
