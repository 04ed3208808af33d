//===- FuseGradientUpdate.cpp - A weight's gradient computed per update block -===//
//
// A dense layer's weight gradient is a matmul (x^T times the output's
// gradient) that only the optimizer update reads, element by element. As
// two ops, the gradient goes to memory whole and comes back: 2.8 MB for the
// CNN's dense layer, more than a core's L2, and 400 KB of the MLP's 1.6 MB
// working set. This pass tiles the update along its first loop in blocks of
// 8 rows (an scf.for) and computes the matmul's block in each, from zeros in
// a block-sized buffer that stays in L1; the matmul's vectorization then
// works on each block as on any small matmul.
//
// It runs after lathe-partition, which computes the gradient in the parts
// of the update that read it, so that each part's update fuses its rows.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/GradientBlocks.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEFUSEGRADIENTUPDATE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
constexpr int64_t kRows = lathe::kGradientBlockRows;

/// The matmul among `update`'s inputs that only `update` reads, in the same
/// block, when `update` is an elementwise op over whole operands (identity
/// maps) that reads a parameter and whose first loop splits into blocks of
/// kRows.
linalg::LinalgOp fusableGradient(linalg::GenericOp update) {
  if (!update.hasPureTensorSemantics() || update.getNumLoops() < 2 ||
      update.getNumReductionLoops() != 0 ||
      !llvm::all_of(update.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return nullptr;
  // An update reads the parameter it updates: a function argument, or
  // the part's slice of one.
  auto parameter = [](Value v) {
    while (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>())
      v = slice.getSource();
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
  };
  if (!llvm::any_of(update.getDpsInputs(), parameter))
    return nullptr;
  SmallVector<int64_t> ranges = update.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges[0]) || ShapedType::isDynamic(ranges.back()))
    return nullptr;
  for (OpOperand *in : update.getDpsInputOperands()) {
    auto mm = in->get().getDefiningOp<linalg::LinalgOp>();
    if (mm && mm->hasAttr("lathe.matmul") && mm->getBlock() == update->getBlock() &&
        mm->getNumResults() == 1 && mm->getResult(0).hasOneUse() &&
        mm.getNumDpsInits() == 1 &&
        mm.getMatchingIndexingMap(mm.getDpsInitOperand(0)).isProjectedPermutation() &&
        lathe::updatesInBlocks(ranges[0], ranges.back(), lathe::reductionSize(mm)))
      return mm;
  }
  return nullptr;
}

struct FuseGradientUpdatePass
    : lathe::impl::LatheFuseGradientUpdateBase<FuseGradientUpdatePass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, linalg::LinalgOp>> updates;
    getOperation().walk([&](linalg::GenericOp g) {
      if (linalg::LinalgOp grad = fusableGradient(g))
        updates.push_back({g, grad});
    });
    IRRewriter rewriter(&getContext());
    for (auto [update, grad] : updates)
      fuse(rewriter, update, grad);
  }

  void fuse(IRRewriter &rewriter, linalg::GenericOp update, linalg::LinalgOp grad) {
    // The matmul and the fill it starts from; nothing else (what they read
    // is computed once, before).
    Operation *start = grad.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    scf::SCFTileAndFuseOptions options;
    SmallVector<OpFoldResult> sizes(update.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[0] = rewriter.getIndexAttr(kRows);
    options.tilingOptions.setTileSizes(sizes);
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer,
            bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *op = producer.getOwner();
          if (op == grad.getOperation() || (start && op == start))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(update);
    FailureOr<scf::SCFTileAndFuseResult> result = scf::tileConsumerAndFuseProducersUsingSCF(
        rewriter, cast<TilingInterface>(update.getOperation()), options);
    if (failed(result))
      return;
    for (OpResult r : update->getResults())
      rewriter.replaceAllUsesWith(r, result->replacements.lookup(r));
    rewriter.eraseOp(update);
    // The block's gradient starts from a block-sized empty tensor, not from
    // a slice of a whole one: bufferized, a buffer of one block.
    for (Operation *op : result->tiledAndFusedOps) {
      auto fill = dyn_cast<linalg::FillOp>(op);
      if (!fill)
        continue;
      auto slice = fill.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice || !slice.getResultType().hasStaticShape())
        continue;
      Value source = slice.getSource();
      while (auto outer = source.getDefiningOp<tensor::ExtractSliceOp>())
        source = outer.getSource();
      if (!source.getDefiningOp<tensor::EmptyOp>())
        continue;
      rewriter.setInsertionPoint(slice);
      Value block = tensor::EmptyOp::create(rewriter, slice.getLoc(),
                                            slice.getResultType().getShape(),
                                            slice.getResultType().getElementType());
      rewriter.replaceOp(slice, block);
    }
    // The whole gradient and its zeros are left with only the slices that
    // tiling made of them and no longer reads.
    for (Operation *op : {grad.getOperation(), start}) {
      if (!op)
        continue;
      for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
        if (isa<tensor::ExtractSliceOp>(user) && user->use_empty())
          rewriter.eraseOp(user);
      if (op->use_empty())
        rewriter.eraseOp(op);
    }
  }
};
} // namespace
