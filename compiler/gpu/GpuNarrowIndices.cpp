//===- GpuNarrowIndices.cpp - Kernels' index splits in 32 bits ------------===//
//
// A flattened parallel loop gives each thread one linear index, split
// back into the loop's dimensions by affine.delinearize_index: a division
// and a remainder per dimension, in 64 bits (MLIR's index). NVIDIA GPUs
// have no 64-bit integer divide; LLVM expands a 64-bit division by a
// constant into 64-bit multiplies, each several 32-bit instructions. When
// the whole index space fits in 31 bits, the split is done in i32, where
// a division by a constant is one mul.hi and a shift.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUNARROWINDICES
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct GpuNarrowIndicesPass
    : lathe::impl::LatheGpuNarrowIndicesBase<GpuNarrowIndicesPass> {
  void runOnOperation() override {
    SmallVector<affine::AffineDelinearizeIndexOp> splits;
    getOperation()->walk(
        [&](affine::AffineDelinearizeIndexOp op) { splits.push_back(op); });
    IRRewriter b(&getContext());
    for (affine::AffineDelinearizeIndexOp op : splits) {
      if (!op.getDynamicBasis().empty())
        continue;
      ArrayRef<int64_t> basis = op.getStaticBasis();
      // The outermost extent may be absent (unbounded): then unknown.
      if (basis.size() != op.getNumResults())
        continue;
      int64_t total = 1;
      bool fits = true;
      for (int64_t extent : basis) {
        if (extent <= 0 || total > (int64_t(1) << 31) / extent) {
          fits = false;
          break;
        }
        total *= extent;
      }
      if (!fits || total >= (int64_t(1) << 31))
        continue;
      Location loc = op.getLoc();
      b.setInsertionPoint(op);
      Type i32 = b.getI32Type();
      Value rest = arith::IndexCastUIOp::create(b, loc, i32, op.getLinearIndex());
      SmallVector<Value> parts(basis.size());
      for (int64_t d = int64_t(basis.size()) - 1; d >= 0; --d) {
        if (d == 0) {
          parts[d] = rest;
          break;
        }
        Value extent = arith::ConstantIntOp::create(b, loc, i32, basis[d]);
        parts[d] = arith::RemUIOp::create(b, loc, rest, extent);
        rest = arith::DivUIOp::create(b, loc, rest, extent);
      }
      SmallVector<Value> results;
      for (Value p : parts)
        results.push_back(
            arith::IndexCastUIOp::create(b, loc, b.getIndexType(), p));
      b.replaceOp(op, results);
    }
  }
};
} // namespace
