//===- VectorizeConv.cpp - Register tiles for direct convolutions ---------===//
//
// The direct convolutions of lathe-direct-conv (linalg.generic ops tagged
// `lathe.conv`) become register kernels on tensors, as the matmuls do in
// lathe-vectorize-matmul: a tile of the output stays in vector registers
// (rows of up to 12 by 32 columns, two 512-bit vectors) across the whole
// reduction, and each reduction step is a load of the 32 columns, one
// broadcast per row and one FMA per row and vector.
//  - forward: the rows are `mt` neighbouring output positions of one
//    output row; a step is one (i, j, c) of the window, its input values
//    at the rows' windows read in place (ow·s + j), no im2col copy. An
//    output row whose width has no good tile is split into a multiple of 8
//    and the rest, each tiled on its own.
//  - filter gradient: the rows are neighbouring (i, j, c) filter taps (8
//    channels; for one or few channels, whole window rows or the whole
//    window); a step is one output position (n, oh, ow), reading dy's 32
//    columns there and each row's input value under it.
// Where the output starts as a constant (zeros) or a bias broadcast, the
// tiles start from it in registers and it is never written.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/RegisterTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEVECTORIZECONV
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using lathe::tileFor;

namespace {
/// What a convolution's output tiles start from.
struct Seed {
  std::optional<double> constant;
  Value bias, biasFrame; // the bias, and the value its columns are counted in
};

/// Takes what `op`'s output starts as into `seed` and points the output at
/// an uninitialized tensor instead (every element is then written once).
Seed takeSeed(linalg::GenericOp op, bool biasAllowed) {
  Seed seed;
  OpOperand &init = op.getDpsInitsMutable()[0];
  if (auto fill = init.get().getDefiningOp<linalg::FillOp>()) {
    auto cst = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
    if (auto f = cst ? dyn_cast<FloatAttr>(cst.getValue()) : FloatAttr()) {
      seed.constant = f.getValueAsDouble();
      init.assign(fill.getOutputs()[0]);
    }
  } else if (Value bias = biasAllowed ? lathe::broadcastOfLast(init.get(), 4) : Value()) {
    seed.bias = bias;
    seed.biasFrame = init.get().getDefiningOp<linalg::GenericOp>().getDpsInits()[0];
    init.assign(seed.biasFrame);
  }
  return seed;
}

/// The stride of a convolution whose input is read at (d1·s + d4) (forward)
/// or (d5·s + d0) (filter gradient): the map at a point.
int64_t strideOf(linalg::GenericOp op, bool forward) {
  SmallVector<int64_t> at(7, 0);
  at[forward ? 1 : 5] = 1;
  return op.getIndexingMapsArray()[0].compose(at)[1];
}

/// Steps up to which a filter gradient's innermost loop (over a row of
/// output positions) is unrolled whole: the DCGAN's rows of 7 ran at 66%
/// of the FMA peak as a loop of 7 steps, unrolled at 69%.
constexpr int64_t kMaxUnrolledSteps = 8;

/// Builds a register kernel at a tile: `rows` accumulators of `vt`.
struct Kernel {
  RewriterBase &rw;
  Location loc;
  VectorType vt;
  Value pad = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0));
  Value zero = index(0);

  Value index(int64_t v) { return arith::ConstantIndexOp::create(rw, loc, v); }

  /// The first values of the `rows` accumulators of `out` (a [.., .., .., nt]
  /// tile), `at(r)` giving row r's indices in it.
  SmallVector<Value> start(const Seed &seed, Value out, int64_t rows,
                           function_ref<SmallVector<Value>(int64_t)> at) {
    SmallVector<Value> acc;
    Value biasRow;
    if (seed.bias) {
      Value f0 = lathe::offsetIn(rw, loc, out, seed.biasFrame, 3);
      biasRow = vector::TransferReadOp::create(rw, loc, vt, seed.bias, ValueRange{f0}, pad,
                                               ArrayRef<bool>{true});
    }
    for (int64_t r = 0; r < rows; ++r) {
      if (seed.constant)
        acc.push_back(arith::ConstantOp::create(
            rw, loc, DenseElementsAttr::get(vt, rw.getF32FloatAttr(*seed.constant))));
      else if (biasRow)
        acc.push_back(biasRow);
      else
        acc.push_back(vector::TransferReadOp::create(rw, loc, vt, out, at(r), pad,
                                                     ArrayRef<bool>{true}));
    }
    return acc;
  }

  /// The reduction: loops of `extents` (outermost first) carrying `acc`;
  /// each step reads the vector of `columns` at (iv..., 0) and adds it,
  /// times the broadcast of `value(row)`, to each row's accumulator. With
  /// `unrollInner`, an innermost loop of at most kMaxUnrolledSteps steps is
  /// unrolled whole.
  SmallVector<Value>
  reduce(ArrayRef<int64_t> extents, ArrayRef<Value> acc, Value columns,
         function_ref<Value(OpBuilder &, Location, ValueRange, int64_t)> value,
         bool unrollInner = false) {
    SmallVector<Value> lbs(extents.size(), zero), steps(extents.size(), index(1)), ubs;
    for (int64_t e : extents)
      ubs.push_back(index(e));
    scf::LoopNest nest = scf::buildLoopNest(
        rw, loc, lbs, ubs, steps, acc,
        [&](OpBuilder &b, Location l, ValueRange iv, ValueRange args) {
          SmallVector<Value> at(iv.begin(), iv.end());
          at.push_back(zero);
          Value v = vector::TransferReadOp::create(b, l, vt, columns, at, pad,
                                                   ArrayRef<bool>{true});
          scf::ValueVector out;
          for (auto [row, a] : llvm::enumerate(args))
            out.push_back(vector::FMAOp::create(
                b, l, vector::BroadcastOp::create(b, l, vt, value(b, l, iv, row)), v, a));
          return out;
        });
    if (unrollInner && extents.back() <= kMaxUnrolledSteps && !nest.loops.empty())
      (void)loopUnrollFull(nest.loops.back());
    return nest.results;
  }

  /// `out` with row r of the tile replaced by `acc[r]`.
  Value finish(Value out, ArrayRef<Value> acc,
               function_ref<SmallVector<Value>(int64_t)> at) {
    for (auto [r, v] : llvm::enumerate(acc))
      out = vector::TransferWriteOp::create(rw, loc, v, out, at(r),
                                            ArrayRef<bool>{true})
                .getResult();
    return out;
  }
};

/// Replaces the register tile `t` of a forward convolution (loops tb, 1,
/// mt, nt, kh, kw, c: mt output positions of a row in each of tb images)
/// with its kernel: each step one window tap (i, j, c), the filter's
/// columns there, the input at each position's window.
void forwardKernel(RewriterBase &rw, linalg::GenericOp t, int64_t s, const Seed &seed) {
  SmallVector<int64_t> r = t.getStaticLoopRanges();
  Value xs = t.getDpsInputs()[0], ws = t.getDpsInputs()[1], ys = t.getDpsInits()[0];
  rw.setInsertionPoint(t);
  Kernel k{rw, t.getLoc(), VectorType::get({r[3]}, rw.getF32Type())};
  auto at = [&](int64_t row) -> SmallVector<Value> {
    return {k.index(row / r[2]), k.zero, k.index(row % r[2]), k.zero};
  };
  SmallVector<Value> acc = k.start(seed, ys, r[0] * r[2], at);
  acc = k.reduce({r[4], r[5], r[6]}, acc, ws,
                 [&](OpBuilder &b, Location l, ValueRange iv, int64_t row) -> Value {
                   Value col = arith::AddIOp::create(
                       b, l, iv[1], arith::ConstantIndexOp::create(b, l, row % r[2] * s));
                   return tensor::ExtractOp::create(
                       b, l, xs,
                       ValueRange{arith::ConstantIndexOp::create(b, l, row / r[2]), iv[0],
                                  col, iv[2]});
                 });
  rw.replaceOp(t, k.finish(ys, acc, at));
}

/// Replaces the register tile `t` of a filter gradient (loops ti, tj, tc,
/// nt, n, ho, wo) with its kernel: each step one output position, dy's
/// columns there, the input under it at each row's tap.
void filterKernel(RewriterBase &rw, linalg::GenericOp t, int64_t s, const Seed &seed) {
  SmallVector<int64_t> r = t.getStaticLoopRanges();
  int64_t tj = r[1], tc = r[2];
  Value xs = t.getDpsInputs()[0], dys = t.getDpsInputs()[1], gs = t.getDpsInits()[0];
  rw.setInsertionPoint(t);
  Kernel k{rw, t.getLoc(), VectorType::get({r[3]}, rw.getF32Type())};
  auto tap = [&](int64_t row) {
    return std::array<int64_t, 3>{row / (tj * tc), row / tc % tj, row % tc};
  };
  auto at = [&](int64_t row) -> SmallVector<Value> {
    auto [a, b, c] = tap(row);
    return {k.index(a), k.index(b), k.index(c), k.zero};
  };
  SmallVector<Value> acc = k.start(seed, gs, r[0] * tj * tc, at);
  acc = k.reduce({r[4], r[5], r[6]}, acc, dys,
                 [&](OpBuilder &b, Location l, ValueRange iv, int64_t row) -> Value {
                   auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
                   auto [ta, tb, tcc] = tap(row);
                   Value h = arith::AddIOp::create(
                       b, l, arith::MulIOp::create(b, l, iv[1], cst(s)), cst(ta));
                   Value w = arith::AddIOp::create(
                       b, l, arith::MulIOp::create(b, l, iv[2], cst(s)), cst(tb));
                   return tensor::ExtractOp::create(b, l, xs, ValueRange{iv[0], h, w, cst(tcc)});
                 },
                 /*unrollInner=*/true);
  rw.replaceOp(t, k.finish(gs, acc, at));
}

/// The largest divisor of `n` that is at most `cap` (at least 1).
int64_t divisorUpTo(int64_t n, int64_t cap) {
  for (int64_t d = std::min(n, cap); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Bytes of input images and their output gradients that one block of a
/// filter gradient's batch may span (half the L2 cache): measured on the
/// DCGAN's second convolution (64 images of 14x14x64, 5x5 to 128
/// channels), unblocked 0.82x the im2col matmul's speed, in blocks 1.2x.
constexpr int64_t kBatchBlockBytes = int64_t(512) << 10;

/// Output positions of a forward convolution's register tile at most, two
/// vectors of accumulators each.
constexpr int64_t kMaxTilePositions = 14;

/// Bytes of a forward convolution's filter above which it is cut into
/// blocks of columns, outermost (16 images of 7x7x256, 3x3 to 256
/// channels: 0.87x the im2col matmul's speed with the output rows outer).
constexpr int64_t kFilterPanelBytes = int64_t(512) << 10;

struct VectorizeConvPass : lathe::impl::LatheVectorizeConvBase<VectorizeConvPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("lathe.conv") && op.getNumLoops() == 7 && op.hasPureTensorSemantics() &&
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        ops.push_back(op);
    });
    IRRewriter rw(&getContext());
    for (linalg::GenericOp op : ops) {
      Location opLoc = op.getLoc();
      bool forward = op->getAttrOfType<StringAttr>("lathe.conv").getValue() == "forward";
      int64_t s = strideOf(op, forward);
      SmallVector<int64_t> r = op.getStaticLoopRanges();
      int64_t nt = tileFor(r[3], 32, {32, 16, 8, 4, 2});
      if (!forward) {
        // The batch in blocks whose images and gradients stay in L2 while
        // every tile sweeps them; the tiles then add into the gradient
        // (which starts as its fill in memory).
        auto inputType = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
        int64_t imageBytes = 4 * (inputType.getNumElements() / r[4] + r[5] * r[6] * r[3]);
        int64_t nb = 1;
        for (int64_t d = r[4]; d >= 1; --d)
          if (r[4] % d == 0 && d * imageBytes <= kBatchBlockBytes) {
            nb = d;
            break;
          }
        Seed seed;
        Operation *target = op;
        if (nb < r[4]) {
          rw.setInsertionPoint(op);
          auto blocks = lathe::tileOp(rw, op, {0, 0, 0, 0, nb, 0, 0});
          if (failed(blocks)) {
            mlir::emitError(opLoc, "filter gradient could not be cut into batch blocks");
            return signalPassFailure();
          }
          target = blocks->tiledOps.back();
        } else {
          seed = takeSeed(op, false);
        }
        // Taps: 8 channels, or whole window rows (or the whole window) of
        // few channels; at most 12 rows.
        int64_t tc = tileFor(r[2], 12, {8, 6, 4, 3, 2});
        int64_t tj = tc == r[2] ? divisorUpTo(r[1], 12 / tc) : 1;
        int64_t ti = tj == r[1] ? divisorUpTo(r[0], 12 / (tc * tj)) : 1;
        rw.setInsertionPoint(target);
        auto tiled = lathe::tileOp(rw, target, {ti, tj, tc, nt, 0, 0, 0}, {3, 0, 1, 2, 4, 5, 6});
        if (failed(tiled)) {
          mlir::emitError(opLoc, "filter gradient could not be tiled");
          return signalPassFailure();
        }
        filterKernel(rw, cast<linalg::GenericOp>(tiled->tiledOps.back()), s, seed);
        continue;
      }
      Seed seed = takeSeed(op, true);
      // Output positions along a row: all of a row of up to 12, else 8 or
      // 6 that divide it, else a multiple of 8 and the rest split apart.
      SmallVector<linalg::GenericOp> pieces{op};
      int64_t wo = r[2];
      if (wo > 12 && wo % 8 && wo % 6) {
        rw.setInsertionPoint(op);
        auto [first, second] = linalg::splitOp(rw, cast<TilingInterface>(op.getOperation()), 2,
                                               rw.getIndexAttr(wo - wo % 8));
        pieces = {cast<linalg::GenericOp>(first.getOperation()),
                  cast<linalg::GenericOp>(second.getOperation())};
      }
      for (linalg::GenericOp piece : pieces) {
        int64_t w = piece.getStaticLoopRanges()[2];
        int64_t mt = w <= 12 ? w : w % 8 == 0 ? 8 : 6;
        rw.setInsertionPoint(piece);
        // A filter larger than kFilterPanelBytes: blocks of its columns
        // that fit are the outer loop, each staying in L2 while every
        // output row reads it.
        Operation *target = piece;
        int64_t columnBytes = 4 * r[4] * r[5] * r[6];
        if (columnBytes * r[3] > kFilterPanelBytes) {
          int64_t fb = nt;
          for (int64_t b = r[3]; b >= nt; b -= nt)
            if (r[3] % b == 0 && b % nt == 0 && b * columnBytes <= kFilterPanelBytes) {
              fb = b;
              break;
            }
          auto blocks = lathe::tileOp(rw, piece, {0, 0, 0, fb, 0, 0, 0});
          if (failed(blocks)) {
            mlir::emitError(opLoc, "convolution could not be cut into filter blocks");
            return signalPassFailure();
          }
          target = blocks->tiledOps.back();
        }
        // A short row (a 7x7 output: 7 positions, 14 accumulators) is
        // tiled with the same row of other images, up to 14 positions (28
        // accumulators): more independent FMAs in flight.
        int64_t tb = mt == w && mt < 12 ? divisorUpTo(r[0], kMaxTilePositions / mt) : 1;
        auto tiled = lathe::tileOp(rw, target, {tb, 1, mt, nt, 0, 0, 0});
        if (failed(tiled)) {
          mlir::emitError(opLoc, "convolution could not be tiled");
          return signalPassFailure();
        }
        forwardKernel(rw, cast<linalg::GenericOp>(tiled->tiledOps.back()), s, seed);
      }
    }
  }
};
} // namespace
