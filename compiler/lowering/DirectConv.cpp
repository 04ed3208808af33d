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
// The input gradient (and a transposed convolution, the same sums) is
// written as window gradients dy · Wᵀ [n·ho·wo, kh·kw·c] that col2im adds
// back into the padded input. Each output position gathers only the taps
// of its stride phase, so the sums become one stride-1 forward
// convolution per phase (r, q) of the output's rows and columns:
//      dx[n, r + s·a, q + s·b, c] = Σ_{t, u, f} dy[n, a − t, b − u, f]
//                                     · w[r + s·t, q + s·u, c, f],
// dy padded with zeros where a − t leaves it, the taps flipped. The
// window gradients (25 times dy's size for a 5x5 filter) are never
// written, and each output is written once.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/RegisterTiles.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEDIRECTCONV
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using utils::IteratorType;
namespace tb = lathe::tb;

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

/// A direct convolution of `x` with `second` (the filter [kh, kw, c, f]
/// forward, dy [n, ho, wo, f] for the filter gradient) into `init`, stride
/// `s`.
linalg::GenericOp directConv(RewriterBase &rw, Location loc, Value x, Value second, Value init,
                             int64_t s, bool filterGrad) {
  MLIRContext *ctx = rw.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
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
  auto conv = linalg::GenericOp::create(rw, loc, init.getType(), ValueRange{x, second},
                                        ValueRange{init}, maps, iters, multiplyAdd);
  conv->setAttr("lathe.conv", rw.getStringAttr(filterGrad ? "filter" : "forward"));
  return conv;
}

/// Replaces the matmul `op` that reads the rows of `w` with a direct
/// convolution: the forward product (im2col rows · filter rows) or the
/// filter gradient (im2col rowsᵀ · dy rows).
void rewrite(RewriterBase &rewriter, linalg::GenericOp op, const Windows &w,
             bool filterGrad) {
  Location loc = op.getLoc();
  int64_t f = cast<RankedTensorType>(op.getResult(0).getType()).getDimSize(1);
  SmallVector<int64_t> window{w.kh, w.kw, w.c, f}, outputs{w.n, w.ho, w.wo, f};
  rewriter.setInsertionPoint(op);
  // The second operand: the filter [kh, kw, c, f] or dy [n, ho, wo, f].
  Value second = expand(rewriter, loc, op.getDpsInputs()[1], filterGrad ? outputs : window);
  Value init = initIn4D(rewriter, loc, op.getDpsInits()[0], filterGrad ? window : outputs);
  auto conv = directConv(rewriter, loc, w.x, second, init, w.stride, filterGrad);
  rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
      op, op.getResult(0).getType(), conv.getResult(0),
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// A col2im whose windows are a matmul's product dy · Wᵀ: the input
/// gradient of a convolution (or a transposed convolution's forward),
///   padded[n, oh·s + i, ow·s + j, c] += Σ_f dy[n, oh, ow, f] · w[i, j, c, f].
struct WindowSums {
  linalg::GenericOp col2im;
  Value dy, filter; // [n, ho, wo, f], [kh, kw, c, f]
  int64_t stride;
};

/// The 4-D source of `v`, a collapse_shape [a, b, c, d] -> [a·b·c, d].
Value rowsOf(Value v) {
  auto collapse = v ? v.getDefiningOp<tensor::CollapseShapeOp>() : nullptr;
  if (!collapse || collapse.getReassociationIndices() !=
                       SmallVector<ReassociationIndices>{{0, 1, 2}, {3}})
    return {};
  return collapse.getSrc();
}

/// The input of `v`, if `v` is a materialized transpose (lathe::isTranspose).
Value transposeOf(Value v) {
  auto g = v ? v.getDefiningOp<linalg::GenericOp>() : nullptr;
  return g && lathe::isTranspose(g) ? g.getDpsInputs()[0] : Value();
}

bool isZeroFill(Value v) {
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

std::optional<WindowSums> matchWindowSums(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 || g.getNumLoops() != 6 ||
      g.getNumReductionLoops() != 4 || !g.hasPureTensorSemantics() ||
      !isZeroFill(g.getDpsInits()[0]))
    return std::nullopt;
  Block &body = g.getRegion().front();
  auto add = dyn_cast<arith::AddFOp>(body.front());
  if (body.getOperations().size() != 2 || !add ||
      cast<linalg::YieldOp>(body.getTerminator()).getValues()[0] != add.getResult() ||
      !llvm::is_contained(add->getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(add->getOperands(), body.getArgument(1)))
    return std::nullopt;
  auto maps = g.getIndexingMapsArray();
  auto iters = g.getIteratorTypesArray();
  if (!maps[0].isIdentity() || iters[0] != IteratorType::parallel ||
      iters[5] != IteratorType::parallel)
    return std::nullopt;
  auto expand = g.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || expand.getReassociationIndices() !=
                     SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}})
    return std::nullopt;
  // The window gradients dy · Wᵀ, or (W · dyᵀ)ᵀ where tb::matmul
  // transposed the product (dy the smaller operand).
  Value product = expand.getSrc();
  Value swapped = transposeOf(product);
  auto mm = (swapped ? swapped : product).getDefiningOp<linalg::GenericOp>();
  if (!mm || !mm->hasAttr("lathe.matmul") || mm.getNumLoops() != 3 ||
      mm.getNumDpsInputs() != 2 || !lathe::matmulReadsAt(mm, 0, 0, 1) ||
      !lathe::matmulReadsAt(mm, 2, 0, 2) || !isZeroFill(mm.getDpsInits()[0]))
    return std::nullopt;
  // B as the transpose of a value: materialized, or read so.
  Value b = mm.getDpsInputs()[1];
  Value bT = lathe::matmulReadsAt(mm, 1, 2, 1)   ? b
             : lathe::matmulReadsAt(mm, 1, 1, 2) ? transposeOf(b)
                                                 : Value();
  Value a = mm.getDpsInputs()[0];
  Value dy = rowsOf(swapped ? bT : a), filter = rowsOf(swapped ? a : bT);
  if (!bT || !dy || !filter)
    return std::nullopt;
  auto cols = cast<RankedTensorType>(expand.getType()).getShape();
  auto ys = cast<RankedTensorType>(dy.getType()).getShape();
  auto fs = cast<RankedTensorType>(filter.getType()).getShape();
  if (ShapedType::isDynamicShape(cols) || ShapedType::isDynamicShape(ys) ||
      ShapedType::isDynamicShape(fs) || cols[0] != ys[0] || cols[1] != ys[1] ||
      cols[2] != ys[2] || cols[3] != fs[0] || cols[4] != fs[1] || cols[5] != fs[2])
    return std::nullopt;
  MLIRContext *ctx = g.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  for (int64_t s = 1; s <= 8; ++s)
    if (maps[1] == AffineMap::get(6, 0, {d(0), d(1) * s + d(3), d(2) * s + d(4), d(5)}, ctx))
      return WindowSums{g, dy, filter, s};
  return std::nullopt;
}

/// Whether window sums (a convolution's input gradient, a transposed
/// convolution) of these sizes run faster as direct convolutions per
/// stride phase than as a matmul and col2im. Measured with
/// `lathe-conv-bench`: 1.2-2.2x as fast from 8 output channels (the
/// kernel's vectors are the output channels) with filters under 2 MB; with
/// 1 or 3 channels 0.15-0.8x, and through a 2.4 MB filter 0.56x, as the
/// forward product.
bool windowSumsPay(const WindowSums &w) {
  auto filter = cast<RankedTensorType>(w.filter.getType());
  return filter.getDimSize(2) >= 8 && 4 * filter.getNumElements() < kDirectForwardFilterBytes;
}

/// One stride phase of window sums along a dimension: the output rows
/// r + s·a (a from `first`, `count` of them), which gather the taps r + s·t
/// (`taps` of them).
struct Phase {
  int64_t r, taps, first, count;
};

/// The phases of a dimension of kernel size `k` and stride `s`, over the
/// padded rows [lo, lo + extent).
SmallVector<Phase> phasesOf(int64_t k, int64_t s, int64_t lo, int64_t extent) {
  SmallVector<Phase> phases;
  for (int64_t r = 0; r < s; ++r) {
    int64_t first = std::max<int64_t>(0, llvm::divideCeilSigned(lo - r, s));
    int64_t last = llvm::divideFloorSigned(lo + extent - 1 - r, s);
    if (last >= first)
      phases.push_back({r, r < k ? llvm::divideCeilSigned(k - r, s) : 0, first, last - first + 1});
  }
  return phases;
}

/// Replaces window sums (and the slice that cuts off their padding) with
/// direct convolutions, one per stride phase (r, q): output position
/// (r + s·a, q + s·b) of the padded result gathers the taps (r + s·t,
/// q + s·u), each reading dy at (a − t, b − u):
///   out[n, a, b, c] = Σ_{t, u, f} dy[n, a − t, b − u, f] · w[r + s·t, q + s·u, c, f],
/// a stride-1 forward convolution of dy (zero-padded by the taps) with the
/// phase's taps flipped and each tap transposed to [f, c], written to the
/// phase's rows and columns of the result. No window gradients are
/// written and nothing is added back; each output is written once.
void rewriteWindowSums(RewriterBase &rw, const WindowSums &w) {
  linalg::GenericOp g = w.col2im;
  Location loc = g.getLoc();
  MLIRContext *ctx = g.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto ys = cast<RankedTensorType>(w.dy.getType()).getShape();
  auto fs = cast<RankedTensorType>(w.filter.getType()).getShape();
  auto padded = cast<RankedTensorType>(g.getResult(0).getType()).getShape();
  int64_t n = ys[0], ho = ys[1], wo = ys[2], f = ys[3], kh = fs[0], kw = fs[1], c = fs[2];
  int64_t s = w.stride;
  // What is read: the padded sums, or the one slice that cuts the padding off.
  Value result = g.getResult(0);
  int64_t top = 0, left = 0, h = padded[1], wd = padded[2];
  if (result.hasOneUse())
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(*result.getUsers().begin())) {
      auto off = slice.getStaticOffsets(), size = slice.getStaticSizes();
      if (slice.hasUnitStride() && slice.getType().getRank() == 4 &&
          !ShapedType::isDynamicShape(off) && !ShapedType::isDynamicShape(size) &&
          off[0] == 0 && off[3] == 0 && size[0] == n && size[3] == c) {
        top = off[1], left = off[2], h = size[1], wd = size[2];
        result = slice.getResult();
      }
    }
  rw.setInsertionPoint(g);
  SmallVector<Phase> rows = phasesOf(kh, s, top, h), cols = phasesOf(kw, s, left, wd);
  // dy with T - 1 zero rows above (T = the most taps of a phase) and as
  // many below as the last phase reads; the same for columns.
  int64_t th = llvm::divideCeilSigned(kh, s), tw = llvm::divideCeilSigned(kw, s), below = 0, right = 0;
  for (const Phase &p : rows)
    below = std::max(below, p.first + p.count - ho);
  for (const Phase &p : cols)
    right = std::max(right, p.first + p.count - wo);
  Value dyp = w.dy;
  auto index = [&](int64_t v) -> OpFoldResult { return rw.getIndexAttr(v); };
  auto indices = [&](ArrayRef<int64_t> vs) {
    return llvm::map_to_vector(vs, [&](int64_t v) { return index(v); });
  };
  if (th > 1 || tw > 1 || below || right)
    dyp = tensor::InsertSliceOp::create(
        rw, loc, w.dy, tb::filled(rw, loc, {n, th - 1 + ho + below, tw - 1 + wo + right, f}, 0),
        indices({0, th - 1, tw - 1, 0}), indices(ys), indices({1, 1, 1, 1}));
  // The filter with its taps flipped and each tap transposed: [kh, kw, f, c].
  Value flipped = tb::generic(
      rw, loc, {w.filter},
      {AffineMap::get(4, 0, {getAffineConstantExpr(kh - 1, ctx) - d(0),
                             getAffineConstantExpr(kw - 1, ctx) - d(1), d(3), d(2)}, ctx)},
      tensor::EmptyOp::create(rw, loc, ArrayRef<int64_t>{kh, kw, f, c}, rw.getF32Type()),
      AffineMap::getMultiDimIdentityMap(4, ctx),
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  Value out = tensor::EmptyOp::create(rw, loc, ArrayRef<int64_t>{n, h, wd, c}, rw.getF32Type());
  Value zero = arith::ConstantOp::create(rw, loc, rw.getF32FloatAttr(0));
  for (const Phase &pr : rows)
    for (const Phase &pc : cols) {
      auto offsets = indices({0, pr.r + s * pr.first - top, pc.r + s * pc.first - left, 0});
      auto sizes = indices({n, pr.count, pc.count, c});
      auto strides = indices({1, s, s, 1});
      // Zeros of the phase's shape, which empty-tensor elimination later
      // places in the phase's rows and columns of the result.
      Value dest = tensor::EmptyOp::create(rw, loc, ArrayRef<int64_t>{n, pr.count, pc.count, c},
                                           rw.getF32Type());
      Value part = linalg::FillOp::create(rw, loc, zero, dest).getResult(0);
      if (pr.taps && pc.taps) {
        Value x = tensor::ExtractSliceOp::create(
            rw, loc, dyp,
            indices({0, pr.first + th - pr.taps, pc.first + tw - pc.taps, 0}),
            indices({n, pr.count + pr.taps - 1, pc.count + pc.taps - 1, f}),
            indices({1, 1, 1, 1}));
        Value taps = tensor::ExtractSliceOp::create(
            rw, loc, flipped,
            indices({kh - 1 - pr.r - s * (pr.taps - 1), kw - 1 - pc.r - s * (pc.taps - 1), 0, 0}),
            indices({pr.taps, pc.taps, f, c}), indices({s, s, 1, 1}));
        part = directConv(rw, loc, x, taps, part, 1, false).getResult(0);
      }
      out = tensor::InsertSliceOp::create(rw, loc, part, out, offsets, sizes, strides);
    }
  rw.replaceAllUsesWith(result, out);
  // The slice, the sums, the window gradients and what only they read.
  SmallVector<Operation *> dead{result.getDefiningOp()};
  if (dead.front() != g)
    dead.push_back(g);
  for (size_t i = 0; i < dead.size(); ++i) {
    Operation *op = dead[i];
    if (!op->use_empty() || !isMemoryEffectFree(op))
      continue;
    SmallVector<Value> operands(op->getOperands());
    rw.eraseOp(op);
    for (Value v : operands)
      if (Operation *def = v.getDefiningOp(); def && !llvm::is_contained(dead, def))
        dead.push_back(def);
  }
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
    // Window sums of a matmul's products: an input gradient or a
    // transposed convolution.
    SmallVector<WindowSums> sums;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (std::optional<WindowSums> w = matchWindowSums(op);
          w && (mode == "direct" || windowSumsPay(*w)))
        sums.push_back(*w);
    });
    for (const WindowSums &w : sums)
      rewriteWindowSums(rewriter, w);
  }
};
} // namespace
