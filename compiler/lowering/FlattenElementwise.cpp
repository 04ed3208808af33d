//===- FlattenElementwise.cpp - N-D elementwise loops as one loop ---------===//
//
// An elementwise linalg op over an N-D tensor (a convolution's activation,
// a pooling gradient's zero fill) lowers to N nested loops whose addresses
// LLVM cannot always prove contiguous: it vectorizes them with gathers and
// scatters. Where every operand is read and written whole in the same
// order (identity maps, or scalars), the op is collapsed to one dimension:
// one loop over contiguous memory, which vectorizes plainly. The reshapes
// this adds are views after bufferization, no copies; ops that read
// strided slices or whose results are written into slices (an LSTM cell's
// gates and states) are left as they are, since there the reshapes would
// cost copies. After bufferization the same op can be collapsed whenever
// the buffers it touches are contiguous, with views and no copies: the
// pipeline runs the pass again there (a small weight's optimizer update,
// written into the caller's buffer, was a loop of 10 scalar updates per
// row of a 128x10 weight).
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEFLATTENELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether a unit-stride slice of `sizes` of a tensor of static `shape` is
/// one contiguous run of it: after the first dimension taken partly, every
/// dimension is whole.
bool isContiguous(ArrayRef<int64_t> shape, ArrayRef<OpFoldResult> sizes) {
  bool partial = false;
  for (size_t d = 0; d < shape.size(); ++d) {
    std::optional<int64_t> n = getConstantIntValue(sizes[d]);
    if (!n || (partial && *n != shape[d]))
      return false;
    if (*n != 1)
      partial = true;
  }
  return true;
}

/// Whether `v` is a slice that is not one contiguous run of its source:
/// collapsing it would make bufferization copy it.
bool isStridedSlice(Value v) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return false;
  if (!slice.hasUnitStride() || !slice.getSourceType().hasStaticShape() ||
      !isContiguous(slice.getSourceType().getShape(), slice.getMixedSizes()))
    return true;
  return isStridedSlice(slice.getSource());
}

/// Whether `insert` writes a region of its destination that is not one
/// contiguous run (a padded buffer's interior).
bool insertsStrided(tensor::InsertSliceOp insert) {
  return !insert.hasUnitStride() || !insert.getDestType().hasStaticShape() ||
         !isContiguous(insert.getDestType().getShape(), insert.getMixedSizes());
}

/// Whether `v`, a part of a step cut by lathe-partition, is inserted by its
/// loop's parallel_insert_slice into a result that is then written into a
/// strided slice: empty-tensor elimination makes that slice the part's
/// buffer, and a collapsed op would compute into a temporary copied in and
/// out (the DCGAN's activations written into their padded buffers).
bool partWrittenIntoStridedSlice(Value v) {
  for (Operation *user : v.getUsers()) {
    auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(user);
    auto forall = insert ? insert->getParentOfType<scf::ForallOp>() : nullptr;
    auto arg = insert ? dyn_cast<BlockArgument>(insert.getDest()) : nullptr;
    if (!forall || !arg || arg.getOwner()->getParentOp() != forall)
      continue;
    Value result = forall->getResult(arg.getArgNumber() - forall.getRank());
    for (Operation *u : result.getUsers())
      if (auto outer = dyn_cast<tensor::InsertSliceOp>(u))
        if (outer.getSource() == result && insertsStrided(outer))
          return true;
  }
  return false;
}

/// All loops of `op` as one group when it is elementwise over whole,
/// identically laid out operands; nothing otherwise.
SmallVector<ReassociationIndices> flattenable(linalg::LinalgOp op) {
  unsigned n = op.getNumLoops();
  if (n < 2 || op.getNumReductionLoops() != 0 || !isa<linalg::GenericOp>(op.getOperation()))
    return {};
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isIdentity() && map.getNumResults() != 0)
      return {};
  ReassociationIndices all;
  for (unsigned i = 0; i < n; ++i)
    all.push_back(i);
  // On buffers, the reshapes are views of contiguous memory or impossible.
  if (op.hasPureBufferSemantics()) {
    for (Value v : op->getOperands())
      if (auto m = dyn_cast<MemRefType>(v.getType());
          m && !memref::isStaticShapeAndContiguousRowMajor(m))
        return {};
    return {all};
  }
  if (!op.hasPureTensorSemantics())
    return {};
  // Strided slices in, results written into slices (the reshape back would
  // hide the slice from empty-tensor elimination) or returned (an optimizer
  // update: reshaped, it is computed into a temporary and copied into the
  // caller's buffer): copies would cost more than the nested loops.
  for (Value v : op->getOperands())
    if (isStridedSlice(v))
      return {};
  for (Value r : op->getResults()) {
    for (Operation *user : r.getUsers())
      if (isa<tensor::InsertSliceOp, func::ReturnOp>(user))
        return {};
    if (partWrittenIntoStridedSlice(r))
      return {};
  }
  return {all};
}

struct FlattenElementwisePass
    : lathe::impl::LatheFlattenElementwiseBase<FlattenElementwisePass> {
  void runOnOperation() override {
    // Zero fills of N-D tensors become generics first, so they flatten too.
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::FillOp> fills;
    getOperation()->walk([&](linalg::FillOp f) {
      if (f.getNumLoops() >= 2)
        fills.push_back(f);
    });
    for (linalg::FillOp f : fills) {
      rewriter.setInsertionPoint(f);
      (void)linalg::generalizeNamedOp(rewriter, f);
    }
    RewritePatternSet patterns(&getContext());
    linalg::populateCollapseDimensions(patterns, flattenable);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
