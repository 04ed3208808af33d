//===- Partition.cpp - A step's large ops cut into per-thread parts -------===//
//
// Two cores share a training step well only when each core keeps touching
// the same slices of the same buffers: a weight slice that one core wrote
// in the optimizer update and the other core reads in the next forward
// pass crosses between the cores' caches every step, and on a small model
// that costs more than the second core saves. This pass therefore decides
// one split per op so that ownership is consistent across the whole step:
//
//  - Each large parameter (a weight) is split along its first dimension
//    (a dense layer's input features: contiguous rows, so that the
//    optimizer's flattened update splits into two runs of memory), a
//    wide, short one along its second (wideCut). The
//    split is propagated through
//    the ops that read or write the parameter or a value split the same way:
//    where the split dimension is a parallel loop of an op, the op is cut
//    into parts along that loop (the weight gradient's rows, the optimizer
//    update of those rows); where it is the reduction of a matmul, each
//    part adds up its share of the reduction and the parts are summed (the
//    forward matmul through the weight's rows).
//  - Large ops that no parameter reaches (a convolution over the batch) are
//    cut along their first parallel loop, and that split is propagated too.
//
// An op cut along a parallel loop becomes an scf.forall with one iteration
// per part (tagged `lathe.parts`), each writing its slice of the op's
// destination in place; a fill or broadcast that the destination starts
// from is computed inside each part, so that a matmul's tiles still start
// from it in registers. A cut reduction is such a loop too: iteration t
// adds up its share into zeros, as slice t of a stacked [parts, ...]
// tensor, and an elementwise op sums the slices after the loop. A weight's
// gradient that only its optimizer update reads is computed in the
// update's parts, on their rows (when lathe-fuse-gradient-update then
// computes it in blocks of rows there), not in parts of its own.
// Where cutting costs more than it saves, an op is not cut that way: a
// matmul's short reduction (partial sums as large as the result) or its
// columns into parts narrower than a register tile; a matmul with a long
// reduction into a small result is cut along the reduction instead (an
// LSTM's kernel gradients over all time steps). Loops at the top of a step
// (an embedding's gradient) stay whole, and their ops uncut; an LSTM's
// recurrence comes already cut by the batch (RecurrentLowering).
// lathe-schedule-threads later runs iteration t of every parts loop on
// thread t.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/GradientBlocks.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <algorithm>
#include <deque>

namespace lathe {
#define GEN_PASS_DEF_LATHEPARTITION
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// How one op is cut: along loop `loop`; `reduction` when that loop is the
/// reduction of a matmul.
struct Cut {
  unsigned loop;
  bool reduction;
};

int64_t work(linalg::LinalgOp op) {
  int64_t n = 1;
  for (int64_t s : op.getStaticLoopRanges())
    n *= ShapedType::isDynamic(s) ? 1 : s;
  return n;
}

/// The loop that tensor dimension `pos` of `operand` is indexed by, if it is
/// a plain loop index.
std::optional<unsigned> loopOf(linalg::LinalgOp op, OpOperand &operand, int64_t pos) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  if (pos >= map.getNumResults())
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResult(pos)))
    return d.getPosition();
  return std::nullopt;
}

/// The tensor dimension of `operand` indexed by `loop` alone, if any.
std::optional<int64_t> dimOf(linalg::LinalgOp op, OpOperand &operand, unsigned loop) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  std::optional<int64_t> found;
  for (unsigned p = 0; p < map.getNumResults(); ++p) {
    AffineExpr e = map.getResult(p);
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == loop)
      found = p;
    else if (e.isFunctionOfDim(loop))
      return std::nullopt; // used inside a sum (a convolution's window)
  }
  return found;
}

/// Whether every indexing map of `op` grows with each loop (no loop with a
/// negative coefficient, as in a filter read with its taps flipped):
/// tiling takes a slice's extent from the map at the tile's first and last
/// indices, which only holds for such maps.
bool growsWithLoops(linalg::LinalgOp op) {
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr e : map.getResults()) {
      bool negative = false;
      e.walk([&](AffineExpr sub) {
        if (auto mul = dyn_cast<AffineBinaryOpExpr>(sub); mul && mul.getKind() == AffineExprKind::Mul)
          if (auto c = dyn_cast<AffineConstantExpr>(mul.getRHS()); c && c.getValue() < 0)
            negative = true;
      });
      if (negative)
        return false;
    }
  return true;
}

/// The dimension a weight is cut along: its first (a dense layer's input
/// features), so that each part's rows are one run of memory; but a wide,
/// short 2-D weight (the DCGAN generator's first layer, 100 x 6272) along
/// its second: cut by its few rows, the forward matmul's short reduction
/// was cut too, each part writing a partial 64 x 6272 result that thread 0
/// then added up alone. Its parts' rows are runs of at least kWideRunBytes,
/// long enough that the two cores' prefetchers do not pull each other's
/// lines (cut by columns, the MLP's 784 x 128 weight, runs of 256 bytes,
/// trained 2.3x slower).
constexpr int64_t kWideRatio = 8;
constexpr int64_t kWideRunBytes = 4096;
int64_t wideCut(RankedTensorType t, int64_t parts) {
  if (t.getRank() != 2)
    return 0;
  int64_t rows = t.getDimSize(0), cols = t.getDimSize(1);
  bool wide = cols >= kWideRatio * rows && cols % parts == 0 &&
              cols / parts * t.getElementTypeBitWidth() / 8 >= kWideRunBytes;
  return wide ? 1 : 0;
}

/// A filter gradient of lathe-direct-conv (loops i, j, c, f, n, oh, ow),
/// whose batch loop is a reduction the parts can share like a matmul's.
bool isFilterGrad(linalg::LinalgOp op) {
  auto kind = op->getAttrOfType<StringAttr>("lathe.conv");
  return kind && kind.getValue() == "filter";
}
constexpr unsigned kFilterGradBatchLoop = 4;
/// The shortest matmul reduction that is cut into parts (see decide).
constexpr int64_t kMinCutReduction = 128;
/// The narrowest parts a matmul's columns are cut into (see decide).
constexpr int64_t kMinCutColumns = 32;
/// A lathe.matmul's loops are (rows, reduction, columns).
constexpr unsigned kMatmulReductionLoop = 1;

/// Whether `op` is a matmul whose reduction (1,024 or more) is long and
/// whose result (64 KB or less) is small: cut along the reduction, its
/// partial sums cost little and each part reads half of each operand.
bool longReductionSmallResult(linalg::LinalgOp op) {
  if (!op->hasAttr("lathe.matmul") || op.getNumLoops() != 3 || op.getNumDpsInits() != 1)
    return false;
  SmallVector<int64_t> r = op.getStaticLoopRanges();
  if (llvm::any_of(r, ShapedType::isDynamic))
    return false;
  auto type = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!type || !type.getElementType().isIntOrFloat())
    return false;
  int64_t bytes = r[0] * r[2] * int64_t(type.getElementType().getIntOrFloatBitWidth() / 8);
  return r[1] >= 1024 && bytes <= (64 << 10);
}

struct PartitionPass : lathe::impl::LathePartitionBase<PartitionPass> {
  using LathePartitionBase::LathePartitionBase;

  void runOnOperation() override {
    if (parts < 2)
      return;
    getOperation().walk([&](func::FuncOp fn) {
      if (fn->hasAttr("lathe.params"))
        partition(fn);
    });
  }

  void partition(func::FuncOp fn) {
    Block &body = fn.getBody().front();
    llvm::MapVector<Operation *, Cut> cuts;
    DenseMap<Value, int64_t> split; // value -> tensor dimension it is cut along
    std::deque<std::pair<Value, int64_t>> work_;

    auto fits = [&](linalg::LinalgOp op, unsigned loop) {
      int64_t s = op.getStaticLoopRanges()[loop];
      return !ShapedType::isDynamic(s) && s >= 2 * parts && s % parts == 0 &&
             work(op) >= minWork;
    };
    auto decide = [&](linalg::LinalgOp op, unsigned loop) {
      if (op->getBlock() != &body || cuts.count(op) || !fits(op, loop) ||
          !op.hasPureTensorSemantics() || !growsWithLoops(op))
        return;
      bool reduction = op.getIteratorTypesArray()[loop] == utils::IteratorType::reduction;
      // A matmul with a long reduction into a small result (an LSTM's
      // kernel gradient: 3,200 rows into 32 x 128) is cut along the
      // reduction, whatever cut reached it: each part then reads its share
      // of both operands, where a cut of the result's rows or columns has
      // each part read all of the other operand.
      if (!reduction && longReductionSmallResult(op) && fits(op, kMatmulReductionLoop)) {
        loop = kMatmulReductionLoop;
        reduction = true;
      }
      if (reduction && (!(op->hasAttr("lathe.matmul") || isFilterGrad(op)) ||
                        op.getNumDpsInits() != 1))
        return;
      // A short reduction over many rows (an LSTM's input projection: 32
      // inputs, 3,200 rows) is not cut: each part's partial sums would be
      // as large as the result and take as long to add up as to compute.
      if (reduction && !isFilterGrad(op) && op.getStaticLoopRanges()[loop] < kMinCutReduction)
        return;
      // Nor a matmul's columns into parts narrower than its register tile
      // (two vectors, 32 values): an LSTM's input gradient, [6400, 32],
      // would run on tiles of half the width (it is cut by its rows then).
      if (op->hasAttr("lathe.matmul") && loop == 2 &&
          op.getStaticLoopRanges()[loop] / parts < kMinCutColumns)
        return;
      // Every operand must be indexed by the loop plainly or not at all.
      for (OpOperand &o : op->getOpOperands())
        if (!dimOf(op, o, loop) && op.getMatchingIndexingMap(&o).isFunctionOfDim(loop))
          return;
      cuts[op] = {loop, reduction};
      for (OpOperand &o : op->getOpOperands())
        if (auto p = dimOf(op, o, loop); p && (!reduction || op.isDpsInput(&o)))
          work_.push_back({o.get(), *p});
      if (!reduction)
        for (OpResult r : op->getResults())
          work_.push_back({r, *dimOf(op, *op.getDpsInitOperand(r.getResultNumber()), loop)});
    };
    auto propagate = [&]() {
      while (!work_.empty()) {
        auto [v, pos] = work_.front();
        work_.pop_front();
        if (!split.try_emplace(v, pos).second)
          continue;
        if (auto r = dyn_cast<OpResult>(v))
          if (auto op = dyn_cast<linalg::LinalgOp>(r.getOwner()))
            if (auto l = loopOf(op, *op.getDpsInitOperand(r.getResultNumber()), pos))
              decide(op, *l);
        for (OpOperand &use : v.getUses())
          if (auto op = dyn_cast<linalg::LinalgOp>(use.getOwner()))
            if (auto l = loopOf(op, use, pos))
              decide(op, *l);
      }
    };

    // Seeds: the parameters, largest first, along their first dimension
    // (wideCut: a wide, short weight along its second).
    SmallVector<BlockArgument> params;
    for (int64_t i : cast<DenseI64ArrayAttr>(fn->getAttr("lathe.params")).asArrayRef())
      if (auto t = dyn_cast<RankedTensorType>(fn.getArgument(i).getType());
          t && t.hasStaticShape() && t.getRank() >= 2 && t.getNumElements() >= minWork)
        params.push_back(fn.getArgument(i));
    llvm::sort(params, [](BlockArgument a, BlockArgument b) {
      return cast<RankedTensorType>(a.getType()).getNumElements() >
             cast<RankedTensorType>(b.getType()).getNumElements();
    });
    for (BlockArgument a : params) {
      work_.push_back({a, wideCut(cast<RankedTensorType>(a.getType()), parts)});
      propagate();
    }
    // Then the large ops no parameter reached, along their first parallel loop.
    SmallVector<linalg::LinalgOp> rest;
    for (Operation &op : body)
      if (auto l = dyn_cast<linalg::LinalgOp>(op); l && !cuts.count(&op) && work(l) >= bigWork)
        rest.push_back(l);
    llvm::sort(rest, [](linalg::LinalgOp a, linalg::LinalgOp b) { return work(a) > work(b); });
    for (linalg::LinalgOp op : rest) {
      if (cuts.count(op))
        continue;
      // A direct filter gradient sums over the batch: each part sums its
      // share of the images, which the forward pass cut the same way.
      if (isFilterGrad(op) && fits(op, kFilterGradBatchLoop)) {
        decide(op, kFilterGradBatchLoop);
        propagate();
        continue;
      }
      auto iters = op.getIteratorTypesArray();
      for (unsigned l = 0; l < iters.size(); ++l)
        if (iters[l] == utils::IteratorType::parallel && fits(op, l)) {
          decide(op, l);
          break;
        }
      propagate();
    }
    if (cuts.empty())
      return;

    // Consumers first, so that a fill or broadcast they start from is
    // fused into their parts rather than cut on its own.
    IRRewriter rewriter(fn.getContext());
    SmallVector<Operation *> order;
    for (Operation &op : llvm::reverse(body))
      if (cuts.count(&op))
        order.push_back(&op);
    DenseSet<Operation *> erased;
    for (Operation *o : order) {
      if (erased.count(o))
        continue;
      auto op = cast<linalg::LinalgOp>(o);
      if (op->use_empty()) {
        erased.insert(o);
        rewriter.eraseOp(o);
        continue;
      }
      Cut c = cuts[o];
      if (c.reduction) {
        cutReduction(rewriter, op, c.loop);
        continue;
      }
      // Producers computed in the parts go away with the op.
      SmallVector<Operation *> fused;
      (void)cutParallel(rewriter, op, c.loop, fused);
      erased.insert(fused.begin(), fused.end());
    }
  }

  /// An optimizer update: an elementwise op that reads a parameter (a
  /// function argument).
  static bool isUpdate(linalg::LinalgOp op) {
    return op.getNumReductionLoops() == 0 &&
           llvm::any_of(op.getDpsInputs(), [](Value v) {
             auto arg = dyn_cast<BlockArgument>(v);
             return arg && isa<func::FuncOp>(arg.getOwner()->getParentOp());
           });
  }

  /// A producer worth computing inside its consumer's parts: a fill or a
  /// broadcast (a bias), which then starts each part's matmul in registers.
  static bool fusable(Operation *op) {
    if (isa<linalg::FillOp>(op))
      return true;
    auto g = dyn_cast<linalg::GenericOp>(op);
    if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
        g.getNumReductionLoops() != 0)
      return false;
    Block &body = g.getRegion().front();
    return body.getOperations().size() == 1 &&
           cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] == body.getArgument(0);
  }

  /// Cuts `op` along a parallel loop: an scf.forall of `parts` iterations,
  /// each computing its slice into its slice of the destination. A fill or
  /// broadcast that the destination starts as is computed in each part
  /// instead, on that part's slice (in the parts of each op that starts from
  /// it, when several do).
  /// The producers computed in the parts (and erased) are added to `fused`.
  LogicalResult cutParallel(IRRewriter &rewriter, linalg::LinalgOp op, unsigned loop,
                            SmallVector<Operation *> &fused) {
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[loop] = rewriter.getIndexAttr(op.getStaticLoopRanges()[loop] / parts);
    scf::SCFTilingOptions tiling;
    tiling.setTileSizes(sizes).setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    rewriter.setInsertionPoint(op);
    auto result = scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), tiling);
    if (failed(result))
      return failure();
    auto forall = cast<scf::ForallOp>(result->loops.front().getOperation());
    forall->setAttr("lathe.parts", rewriter.getUnitAttr());
    bool update = isUpdate(op);
    rewriter.replaceOp(op, result->replacements);
    // Computes the producer of `slice` in the parts; the producer goes once
    // nothing else reads it.
    auto fuseIntoParts = [&](tensor::ExtractSliceOp slice, Operation *producer) {
      std::optional<scf::SCFFuseProducerOfSliceResult> part =
          scf::tileAndFuseProducerOfSlice(rewriter, slice, result->loops);
      if (!part)
        return part;
      if (slice->use_empty())
        rewriter.eraseOp(slice);
      if (producer->use_empty()) {
        fused.push_back(producer);
        rewriter.eraseOp(producer);
      }
      return part;
    };
    // A weight's gradient that only this update reads is computed in the
    // update's parts too, on the rows each part updates
    // (lathe-fuse-gradient-update then computes it block by block).
    if (update)
      for (Operation *tiled : result->tiledOps) {
        SmallVector<int64_t> ranges = cast<linalg::LinalgOp>(tiled).getStaticLoopRanges();
        if (ranges.size() < 2 || ShapedType::isDynamic(ranges.front()) ||
            ShapedType::isDynamic(ranges.back()))
          continue;
        for (Value in : cast<linalg::LinalgOp>(tiled).getDpsInputs()) {
          auto slice = in.getDefiningOp<tensor::ExtractSliceOp>();
          auto grad = slice ? slice.getSource().getDefiningOp<linalg::LinalgOp>() : nullptr;
          if (!grad || !grad->hasAttr("lathe.matmul") || grad->getNumResults() != 1 ||
              !grad->getResult(0).hasOneUse() ||
              !lathe::updatesInBlocks(ranges.front(), ranges.back(), lathe::reductionSize(grad)))
            continue;
          auto start = grad.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
          std::optional<scf::SCFFuseProducerOfSliceResult> part = fuseIntoParts(slice, grad);
          if (!part || part->tiledOps.size() != 1)
            continue;
          // And the zeros it starts from, on those rows only.
          auto gradPart = cast<linalg::LinalgOp>(part->tiledOps.front());
          auto startSlice = gradPart.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
          if (start && startSlice && startSlice.getSource() == start.getResult(0))
            (void)fuseIntoParts(startSlice, start);
        }
      }
    for (unsigned i = 0; i < forall.getOutputs().size(); ++i) {
      Value init = forall.getOutputs()[i];
      auto producer = init.getDefiningOp<linalg::LinalgOp>();
      if (!producer || !fusable(producer) || producer->getNumResults() != 1)
        continue;
      Value dest = producer.getDpsInits()[0];
      BlockArgument arg = forall.getRegionIterArgs()[i];
      // The parts write the slices their loops reach; where those do not
      // cover the destination (a strided convolution's col2im whose windows
      // miss the last rows), the rest must keep the producer's values, so
      // it is not computed per part.
      auto coversDest = [&](Operation *user) {
        auto s = dyn_cast<tensor::ExtractSliceOp>(user);
        return !s || (s.getResultType().hasStaticShape() &&
                      s.getResultType().getNumElements() * parts ==
                          cast<RankedTensorType>(arg.getType()).getNumElements());
      };
      if (!llvm::all_of(arg.getUsers(), coversDest))
        continue;
      for (Operation *user : llvm::to_vector(arg.getUsers())) {
        auto s = dyn_cast<tensor::ExtractSliceOp>(user);
        if (!s)
          continue;
        rewriter.setInsertionPointAfter(s);
        FailureOr<TilingResult> tile =
            cast<TilingInterface>(producer.getOperation())
                .generateResultTileValue(rewriter, 0, s.getMixedOffsets(), s.getMixedSizes());
        if (failed(tile) || tile->tiledOps.size() != 1)
          return failure();
        auto tiled = cast<linalg::LinalgOp>(tile->tiledOps.front());
        rewriter.modifyOpInPlace(tiled, [&] { tiled.getDpsInitsMutable()[0].assign(s); });
        rewriter.replaceAllUsesExcept(s, tiled->getResult(0), tiled);
      }
      rewriter.modifyOpInPlace(forall, [&] { forall.getOutputsMutable()[i].assign(dest); });
      if (producer->use_empty()) {
        fused.push_back(producer);
        rewriter.eraseOp(producer);
      }
    }
    return success();
  }

  /// Cuts a matmul (or a direct filter gradient) along its reduction: an scf.forall of `parts`
  /// iterations (tagged `lathe.parts`, so that part t runs on thread t),
  /// iteration t adding its share of the reduction into zeros, as slice t of
  /// a stacked [parts, ...] tensor; then the destination the matmul started
  /// from (unless it is zeros) and the parts are summed.
  void cutReduction(IRRewriter &rewriter, linalg::LinalgOp op, unsigned loop) {
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    int64_t size = op.getStaticLoopRanges()[loop] / parts;
    Value init = op.getDpsInits()[0];
    auto type = cast<RankedTensorType>(init.getType());
    unsigned rank = type.getRank();
    SmallVector<int64_t> stackedShape{parts};
    llvm::append_range(stackedShape, type.getShape());
    Value stacked = tensor::EmptyOp::create(rewriter, loc, stackedShape, type.getElementType());
    auto index = [&](int64_t v) -> OpFoldResult { return rewriter.getIndexAttr(v); };
    // Slice t of the stacked tensor, as a tensor of the destination's shape.
    auto partOffsets = [&](OpFoldResult t) {
      SmallVector<OpFoldResult> offsets(rank + 1, index(0));
      offsets[0] = t;
      return offsets;
    };
    SmallVector<OpFoldResult> partSizes{index(1)}, partStrides(rank + 1, index(1));
    for (int64_t s : type.getShape())
      partSizes.push_back(index(s));

    auto forall = scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{index(parts)},
                                        ValueRange{stacked}, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value t = forall.getInductionVar(0), out = forall.getRegionIterArgs()[0];
      Value offset = arith::MulIOp::create(rewriter, loc, t,
                                           arith::ConstantIndexOp::create(rewriter, loc, size));
      SmallVector<Value> operands;
      for (OpOperand &o : op->getOpOperands()) {
        Value v = o.get();
        if (!op.isDpsInput(&o)) {
          Value dest = tensor::ExtractSliceOp::create(rewriter, loc, type, out, partOffsets(t),
                                                      partSizes, partStrides);
          Value zero = arith::ConstantOp::create(rewriter, loc,
                                                 rewriter.getZeroAttr(type.getElementType()));
          v = linalg::FillOp::create(rewriter, loc, zero, dest).getResult(0);
        } else if (std::optional<int64_t> p = dimOf(op, o, loop)) {
          auto vt = cast<RankedTensorType>(v.getType());
          SmallVector<OpFoldResult> offsets(vt.getRank(), index(0)), sizes,
              strides(vt.getRank(), index(1));
          for (int64_t s : vt.getShape())
            sizes.push_back(index(s));
          offsets[*p] = offset;
          sizes[*p] = index(size);
          v = tensor::ExtractSliceOp::create(rewriter, loc, v, offsets, sizes, strides);
        }
        operands.push_back(v);
      }
      Operation *clone = mlir::clone(rewriter, op, {type}, operands);
      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(rewriter, loc, clone->getResult(0), out,
                                            partOffsets(t), partSizes, partStrides);
    }
    forall->setAttr("lathe.parts", rewriter.getUnitAttr());

    SmallVector<Value> terms;
    auto fill = init.getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      terms.push_back(init);
    for (int64_t t = 0; t < parts; ++t)
      terms.push_back(tensor::ExtractSliceOp::create(rewriter, loc, type, forall.getResult(0),
                                                     partOffsets(index(t)), partSizes,
                                                     partStrides));
    SmallVector<AffineMap> maps(terms.size() + 1, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    auto sum = linalg::GenericOp::create(
        rewriter, loc, type, terms, ValueRange{empty}, maps, iters,
        [&](OpBuilder &bb, Location l, ValueRange args) {
          Value acc = args[0];
          for (size_t i = 1; i < terms.size(); ++i)
            acc = arith::AddFOp::create(bb, l, acc, args[i]);
          linalg::YieldOp::create(bb, l, acc);
        });
    rewriter.replaceOp(op, sum.getResults());
  }
};
} // namespace
