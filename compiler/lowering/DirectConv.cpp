//===- DirectConv.cpp - Convolutions read through their windows -----------===//
//
// lathe-lower-to-linalg writes a convolution as a matmul over im2col rows
// (ConvLowering.cpp), the one form both back ends take. On the CPU the
// rows are a copy of every window, written to memory and read back by the
// matmul (a 5x5 kernel's rows are 25 times its input). This pass rewrites
// the matmuls that read an im2col's rows, where kDirect says so for their
// shape, into direct convolutions: linalg.generic ops tagged `lathe.conv`
// that read the padded input through the window map, which
// lathe-vectorize-conv tiles into registers:
//  - forward ("forward"), loops (n, oh, ow, f, i, j, c):
//      y[n, oh, ow, f] += x[n, oh·s + i, ow·s + j, c] · w[i, j, c, f];
//  - filter gradient ("filter"), loops (i, j, c, f, n, oh, ow):
//      g[i, j, c, f] += x[n, oh·s + i, ow·s + j, c] · dy[n, oh, ow, f].
// The sums run in the same order as the matmuls' (the window in (i, j, c)
// order, then the batch in (n, oh, ow) order), so the results are the
// same. The im2col, once no matmul reads it, is gone.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/RegisterTiles.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEDIRECTCONV
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using utils::IteratorType;

namespace {
/// An im2col: the windows of `x` [n, h, w, c] as rows [n·ho·wo, kh·kw·c].
struct Windows {
  Value x;
  int64_t n, ho, wo, kh, kw, c, stride;
};

/// The im2col whose rows `v` is (a collapse_shape of its 6-D result), if any.
std::optional<Windows> matchWindows(Value v) {
  auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getReassociationIndices() !=
                       SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}})
    return std::nullopt;
  auto g = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != 6 || g.getNumReductionLoops() != 0 ||
      !g.hasPureTensorSemantics())
    return std::nullopt;
  Block &body = g.getRegion().front();
  if (body.getOperations().size() != 1 ||
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] !=
          body.getArgument(0))
    return std::nullopt;
  auto maps = g.getIndexingMapsArray();
  if (!maps[1].isIdentity())
    return std::nullopt;
  auto shape = cast<RankedTensorType>(g.getResult(0).getType()).getShape();
  if (ShapedType::isDynamicShape(shape))
    return std::nullopt;
  MLIRContext *ctx = g.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  for (int64_t s = 1; s <= 8; ++s)
    if (maps[0] == AffineMap::get(6, 0, {d(0), d(1) * s + d(3), d(2) * s + d(4), d(5)}, ctx))
      return Windows{g.getDpsInputs()[0], shape[0], shape[1], shape[2],
                     shape[3], shape[4], shape[5], s};
  return std::nullopt;
}

/// Bytes of filter from which a forward convolution stays a matmul over
/// im2col rows.
constexpr int64_t kDirectForwardFilterBytes = int64_t(2) << 20;

/// Whether a convolution of these sizes runs faster read through its
/// windows than as a matmul over im2col rows. Measured per shape with
/// `lathe-conv-bench` (bench/README.md): direct is 1.1-3.5x as fast for the
/// models' shapes and for 3x3 and 1x1 layers of up to 128 channels, and
/// every filter gradient measured was as fast or faster; forward products
/// through filters of 2 MB and more (3x3 from 128 or 256 channels to 256
/// or 512, on 7x7 images) ran at 0.87-1.03x, the matmul's packed and
/// blocked filter reading better.
bool directPays(const Windows &w, int64_t f, bool filterGrad) {
  return filterGrad || 4 * w.kh * w.kw * w.c * f < kDirectForwardFilterBytes;
}

RankedTensorType f32s(Builder &b, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, b.getF32Type());
}

/// `v` [a·b·c, d] as the 4-D `shape` [a, b, c, d].
Value expand(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  return tensor::ExpandShapeOp::create(b, loc, f32s(b, shape), v,
                                       ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// The destination a matmul's C starts as, in the 4-D `shape`: a fill or a
/// broadcast of a bias over rows is made anew in 4-D (lathe-vectorize-conv
/// starts its tiles from them in registers); anything else is reshaped.
Value initIn4D(OpBuilder &b, Location loc, Value init, ArrayRef<int64_t> shape) {
  MLIRContext *ctx = b.getContext();
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return linalg::FillOp::create(b, loc, fill.getInputs()[0], empty).getResult(0);
  if (Value bias = lathe::broadcastOfLast(init, 2)) {
    auto id = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto last = AffineMap::get(4, 0, {getAffineDimExpr(3, ctx)}, ctx);
    return linalg::GenericOp::create(
               b, loc, empty.getType(), ValueRange{bias}, ValueRange{empty},
               ArrayRef<AffineMap>{last, id},
               SmallVector<IteratorType>(4, IteratorType::parallel),
               [](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(nb, nl, a[0]);
               })
        .getResult(0);
  }
  return expand(b, loc, init, shape);
}

/// The multiply-add body of a convolution: out + a · b.
void multiplyAdd(OpBuilder &b, Location loc, ValueRange a) {
  auto fm = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
  Value p = arith::MulFOp::create(b, loc, a[0], a[1], fm);
  linalg::YieldOp::create(b, loc, Value(arith::AddFOp::create(b, loc, a[2], p, fm)));
}

/// Replaces the matmul `op` that reads the rows of `w` with a direct
/// convolution: the forward product (im2col rows · filter rows) or the
/// filter gradient (im2col rowsᵀ · dy rows).
void rewrite(RewriterBase &rewriter, linalg::GenericOp op, const Windows &w,
             bool filterGrad) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t f = cast<RankedTensorType>(op.getResult(0).getType()).getDimSize(1);
  SmallVector<int64_t> window{w.kh, w.kw, w.c, f}, outputs{w.n, w.ho, w.wo, f};
  rewriter.setInsertionPoint(op);
  // The second operand: the filter [kh, kw, c, f] or dy [n, ho, wo, f].
  Value second = expand(rewriter, loc, op.getDpsInputs()[1], filterGrad ? outputs : window);
  Value init = initIn4D(rewriter, loc, op.getDpsInits()[0], filterGrad ? window : outputs);
  int64_t s = w.stride;
  // Loops (n, oh, ow, f, i, j, c) forward, (i, j, c, f, n, oh, ow) for the
  // filter gradient.
  auto [n, oh, ow, i, j, c] = filterGrad ? std::array{d(4), d(5), d(6), d(0), d(1), d(2)}
                                         : std::array{d(0), d(1), d(2), d(4), d(5), d(6)};
  SmallVector<AffineMap> maps{
      AffineMap::get(7, 0, {n, oh * s + i, ow * s + j, c}, ctx),
      AffineMap::get(7, 0, filterGrad ? ArrayRef<AffineExpr>{n, oh, ow, d(3)}
                                      : ArrayRef<AffineExpr>{i, j, c, d(3)}, ctx),
      AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<IteratorType> iters(4, IteratorType::parallel);
  iters.append(3, IteratorType::reduction);
  auto conv = linalg::GenericOp::create(rewriter, loc, init.getType(), ValueRange{w.x, second},
                                        ValueRange{init}, maps, iters, multiplyAdd);
  conv->setAttr("lathe.conv", rewriter.getStringAttr(filterGrad ? "filter" : "forward"));
  rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
      op, op.getResult(0).getType(), conv.getResult(0),
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

struct DirectConvPass : lathe::impl::LatheDirectConvBase<DirectConvPass> {
  using LatheDirectConvBase::LatheDirectConvBase;

  void runOnOperation() override {
    if (mode != "auto" && mode != "direct" && mode != "im2col") {
      getOperation()->emitError("lathe-direct-conv: mode is auto, direct or im2col, not '")
          << mode << "'";
      return signalPassFailure();
    }
    if (mode == "im2col")
      return;
    SmallVector<linalg::GenericOp> matmuls;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("lathe.matmul") && op.getNumLoops() == 3 &&
          op.hasPureTensorSemantics() && op.getNumDpsInputs() == 2)
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    llvm::SetVector<Operation *> windows;
    for (linalg::GenericOp op : matmuls) {
      std::optional<Windows> w = matchWindows(op.getDpsInputs()[0]);
      if (!w || !lathe::matmulReadsAt(op, 1, 1, 2) || !lathe::matmulReadsAt(op, 2, 0, 2))
        continue;
      bool forward = lathe::matmulReadsAt(op, 0, 0, 1), filterGrad = lathe::matmulReadsAt(op, 0, 1, 0);
      int64_t f = cast<RankedTensorType>(op.getResult(0).getType()).getDimSize(1);
      if (ShapedType::isDynamic(f) || (!forward && !filterGrad) ||
          (mode == "auto" && !directPays(*w, f, filterGrad)))
        continue;
      windows.insert(op.getDpsInputs()[0].getDefiningOp());
      rewrite(rewriter, op, *w, filterGrad);
    }
    // The rows and the im2col, where nothing reads them any more.
    for (Operation *collapse : windows) {
      if (!collapse->use_empty())
        continue;
      Operation *im2col = collapse->getOperand(0).getDefiningOp();
      rewriter.eraseOp(collapse);
      if (im2col->use_empty())
        rewriter.eraseOp(im2col);
    }
  }
};
} // namespace
