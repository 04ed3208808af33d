//===- ConvLowering.cpp - Convolution and pooling in linalg ---------------===//
//
// Convolutions are matmuls over im2col rows, so they share the matmul's
// register tiling and vectorization (lathe-vectorize-matmul):
//  - forward: im2col(xpad) [n·ho·wo, kh·kw·c] · filter [kh·kw·c, f] + bias;
//  - dbias sums dy over batch and space;
//  - dfilter = im2col(xpad)ᵀ · dy;
//  - dx: the window gradients dy · filterᵀ added back into the input
//    (col2im), the padding cut off.
// On the CPU lathe-direct-conv later reads the forward product and the
// filter gradient through the windows, and turns dx into direct
// convolutions per stride phase, where that measured faster.
// Max pooling and its argmax are elementwise loops over the output with
// the window unrolled into k*k operands (no reduction loops, no
// read-modify-write of the output; faster than linalg's pooling op lowered
// to loops).
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/ConvLowering.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;
using utils::IteratorType;

namespace {
RankedTensorType f32Type(OpBuilder &b, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, b.getF32Type());
}

/// Writes `src` into a zero tensor of `shape` at `offsets` with `strides`.
Value embed(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> shape,
            ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides) {
  Value zeros = tb::filled(b, loc, shape, 0.0);
  SmallVector<OpFoldResult> off, size, step;
  for (auto [o, s, st] : llvm::zip(offsets, tb::shapeOf(src), strides)) {
    off.push_back(b.getIndexAttr(o));
    size.push_back(b.getIndexAttr(s));
    step.push_back(b.getIndexAttr(st));
  }
  return tensor::InsertSliceOp::create(b, loc, src, zeros, off, size, step);
}

/// The windows of `xp` as rows: [n·ho·wo, kh·kw·c], each row one output
/// position's receptive field in filter order (HWIO), channels innermost.
Value im2col(OpBuilder &b, Location loc, Value xp, int64_t kh, int64_t kw,
             int64_t s, int64_t ho, int64_t wo) {
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  ArrayRef<int64_t> xs = tb::shapeOf(xp);
  int64_t n = xs[0], c = xs[3];
  // Loops (n, oh, ow, i, j, c).
  auto in = AffineMap::get(
      6, 0, {dim(0), dim(1) * s + dim(3), dim(2) * s + dim(4), dim(5)}, ctx);
  Value cols = tb::generic(
      b, loc, {xp}, {in},
      tensor::EmptyOp::create(b, loc, {n, ho, wo, kh, kw, c}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(6, ctx),
      SmallVector<IteratorType>(6, IteratorType::parallel),
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {n * ho * wo, kh * kw * c}), cols,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// [a, b, c, d] as [a·b·c, d].
Value rows(OpBuilder &b, Location loc, Value t) {
  ArrayRef<int64_t> s = tb::shapeOf(t);
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {s[0] * s[1] * s[2], s[3]}), t,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// [a·b·c, d] as `shape` [a, b, c, d].
Value unrows(OpBuilder &b, Location loc, Value t, ArrayRef<int64_t> shape) {
  return tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, shape), t,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// conv(xp, filter) with stride s, plus `bias` when given: one matmul of the
/// im2col rows with the filter as [kh·kw·c, f] (vectorized as all matmuls).
Value conv(OpBuilder &b, Location loc, Value xp, Value filter, Value bias,
           int64_t s) {
  ArrayRef<int64_t> xs = tb::shapeOf(xp), fs = tb::shapeOf(filter);
  int64_t ho = (xs[1] - fs[0]) / s + 1, wo = (xs[2] - fs[1]) / s + 1;
  Value cols = im2col(b, loc, xp, fs[0], fs[1], s, ho, wo);
  Value w = rows(b, loc, filter);
  Value init;
  if (bias) {
    MLIRContext *ctx = b.getContext();
    init = tb::generic(
        b, loc, {bias}, {AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx)},
        tensor::EmptyOp::create(b, loc, {xs[0] * ho * wo, fs[3]},
                                b.getF32Type()),
        AffineMap::getMultiDimIdentityMap(2, ctx),
        {IteratorType::parallel, IteratorType::parallel},
        [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  }
  return unrows(b, loc, tb::matmul(b, loc, cols, w, false, false, init),
                {xs[0], ho, wo, fs[3]});
}

/// The adjoint of im2col: every window's values added back where they came
/// from, padded[n, oh·s + i, ow·s + j, c] += cols[n, oh, ow, i, j, c], with
/// the channels innermost (contiguous on both sides); then the padding is cut
/// off. `outShape` is unpadded.
Value col2im(OpBuilder &b, Location loc, Value cols, ArrayRef<int64_t> outShape,
             const Pads &p, int64_t s, int64_t kh, int64_t kw, int64_t ho,
             int64_t wo) {
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  int64_t n = outShape[0], c = outShape[3];
  int64_t ph = std::max(outShape[1] + p.top + p.bottom, (ho - 1) * s + kh);
  int64_t pw = std::max(outShape[2] + p.left + p.right, (wo - 1) * s + kw);
  Value cols6 = tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, {n, ho, wo, kh, kw, c}), cols,
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
  // Loops (n, oh, ow, i, j, c); several (oh, i) reach one row, so those
  // loops are reductions into the output.
  auto outMap = AffineMap::get(
      6, 0, {dim(0), dim(1) * s + dim(3), dim(2) * s + dim(4), dim(5)}, ctx);
  SmallVector<IteratorType> iters(6, IteratorType::reduction);
  iters.front() = iters.back() = IteratorType::parallel;
  Value padded = tb::generic(
      b, loc, {cols6}, {AffineMap::getMultiDimIdentityMap(6, ctx)},
      tb::filled(b, loc, {n, ph, pw, c}, 0.0), outMap, iters,
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::AddFOp::create(nb, nl, a[1], a[0]));
      });
  if (ph == outShape[1] && pw == outShape[2])
    return padded;
  SmallVector<OpFoldResult> off{b.getIndexAttr(0), b.getIndexAttr(p.top),
                                b.getIndexAttr(p.left), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> size, one(4, b.getIndexAttr(1));
  for (int64_t d : outShape)
    size.push_back(b.getIndexAttr(d));
  return tensor::ExtractSliceOp::create(b, loc, f32Type(b, outShape), padded,
                                        off, size, one);
}
} // namespace

/// The position i * k + j of an element in its k x k window, as an f32 (the
/// argmax of a window is stored as one).
static Value windowPosition(OpBuilder &b, Location loc, Value i, Value j,
                            int64_t k) {
  Value pos = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, i, arith::ConstantIndexOp::create(b, loc, k)),
      j);
  return arith::UIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI32Type(), pos));
}

Pads lathe::convPads(int64_t h, int64_t w, int64_t k, int64_t s, bool same) {
  Pads p;
  if (!same)
    return p;
  auto split = [&](int64_t in, int64_t &lo, int64_t &hi) {
    int64_t out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
    lo = total / 2;
    hi = total - lo;
  };
  split(h, p.top, p.bottom);
  split(w, p.left, p.right);
  return p;
}

Value lathe::padSpatial(OpBuilder &b, Location loc, Value x, const Pads &p) {
  if (!p.top && !p.bottom && !p.left && !p.right)
    return x;
  ArrayRef<int64_t> s = tb::shapeOf(x);
  return embed(b, loc, x,
               {s[0], s[1] + p.top + p.bottom, s[2] + p.left + p.right, s[3]},
               {0, p.top, p.left, 0}, {1, 1, 1, 1});
}

Value lathe::lowerConv2D(OpBuilder &b, Location loc, Value x, Value filter,
                         Value bias, int64_t stride, bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter);
  Value xp = padSpatial(b, loc, x, convPads(xs[1], xs[2], fs[0], stride, same));
  return conv(b, loc, xp, filter, bias, stride);
}

namespace {
/// Marks the loop that spreads a max pool's gradient over its input.
constexpr llvm::StringLiteral kMaxPoolGradAttr = "lathe.max_pool_grad";

/// What `dy` sums to over its positions, channel by channel, read from a
/// smaller tensor where there is one: a max pool's gradient puts each
/// window's gradient at one position of the window and zeros elsewhere
/// (and zeros where no window reaches), so it sums to the gradient it
/// spreads. A convolution's bias gradient under a 2x2 max pool then reads a
/// quarter of the data (the CNN's: 0.7 MB, not 2.8 MB).
Value spatialSumSource(Value dy) {
  Value v = dy;
  if (auto embed = v.getDefiningOp<tensor::InsertSliceOp>()) {
    auto fill = embed.getDest().getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
      return dy;
    v = embed.getSource();
  }
  auto spread = v.getDefiningOp<linalg::GenericOp>();
  if (!spread || !spread->hasAttr(kMaxPoolGradAttr))
    return dy;
  return spread.getDpsInputs()[0];
}

/// Σ over batch and space: the bias gradient.
Value sumSpatial(OpBuilder &b, Location loc, Value dy) {
  dy = spatialSumSource(dy);
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  int64_t f = tb::shapeOf(dy)[3];
  return tb::generic(
      b, loc, {dy}, {AffineMap::get(4, 0, {dim(1), dim(2), dim(3), dim(0)}, ctx)},
      tb::filled(b, loc, {f}, 0.0), AffineMap::get(4, 0, {dim(0)}, ctx),
      {IteratorType::parallel, IteratorType::reduction, IteratorType::reduction,
       IteratorType::reduction},
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::AddFOp::create(nb, nl, a[0], a[1]));
      });
}

/// g[kh, kw, c, f] = Σ_{n, oh, ow} xp[n, oh·s + kh, ow·s + kw, c] ·
/// dy[n, oh, ow, f]: the filter gradient of a convolution of xp, as
/// im2col(xp)ᵀ · dy.
Value filterGrad(OpBuilder &b, Location loc, Value xp, Value dy, int64_t kh,
                 int64_t kw, int64_t s) {
  ArrayRef<int64_t> ys = tb::shapeOf(dy);
  int64_t c = tb::shapeOf(xp)[3];
  Value cols = im2col(b, loc, xp, kh, kw, s, ys[1], ys[2]);
  return unrows(b, loc, tb::matmul(b, loc, cols, rows(b, loc, dy), true, false),
                {kh, kw, c, ys[3]});
}
} // namespace

Value lathe::transposedConv(OpBuilder &b, Location loc, Value dy, Value filter,
                            ArrayRef<int64_t> outShape, const Pads &p,
                            int64_t s) {
  ArrayRef<int64_t> fs = tb::shapeOf(filter), ys = tb::shapeOf(dy);
  // The window gradients dy · Wᵀ, [n·ho·wo, kh·kw·c], summed back into the
  // positions they came from.
  Value cols = tb::matmul(b, loc, rows(b, loc, dy), rows(b, loc, filter),
                          false, true);
  return col2im(b, loc, cols, outShape, p, s, fs[0], fs[1], ys[1], ys[2]);
}

SmallVector<Value> lathe::conv2DBackward(OpBuilder &b, Location loc, Value x,
                                         Value filter, Value dy, int64_t s,
                                         bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter);
  Pads p = convPads(xs[1], xs[2], fs[0], s, same);
  Value xp = padSpatial(b, loc, x, p);
  Value dx = transposedConv(b, loc, dy, filter, xs, p, s);
  return {dx, filterGrad(b, loc, xp, dy, fs[0], fs[1], s),
          sumSpatial(b, loc, dy)};
}

/// Keras's output size of a transposed convolution.
static SmallVector<int64_t> transposeShape(ArrayRef<int64_t> xs,
                                           ArrayRef<int64_t> fs, int64_t s,
                                           bool same) {
  auto size = [&](int64_t in, int64_t k) {
    return same ? in * s : (in - 1) * s + k;
  };
  return {xs[0], size(xs[1], fs[0]), size(xs[2], fs[1]), fs[2]};
}

Value lathe::lowerConv2DTranspose(OpBuilder &b, Location loc, Value x,
                                  Value filter, Value bias, int64_t s,
                                  bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter);
  SmallVector<int64_t> out = transposeShape(xs, fs, s, same);
  // The transposed convolution of x is the input gradient of the
  // convolution that maps `out` back to x: same filter layout [k, k, out
  // channels, in channels], same padding.
  Pads p = convPads(out[1], out[2], fs[0], s, same);
  Value y = transposedConv(b, loc, x, filter, out, p, s);
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(4, ctx);
  auto channel = AffineMap::get(4, 0, {getAffineDimExpr(3, ctx)}, ctx);
  return tb::generic(
      b, loc, {y, bias}, {id, channel},
      tensor::EmptyOp::create(b, loc, out, b.getF32Type()), id,
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::AddFOp::create(nb, nl, a[0], a[1]));
      });
}

SmallVector<Value> lathe::conv2DTransposeBackward(OpBuilder &b, Location loc,
                                                  Value x, Value filter,
                                                  Value dy, int64_t s,
                                                  bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter);
  SmallVector<int64_t> out = transposeShape(xs, fs, s, same);
  Pads p = convPads(out[1], out[2], fs[0], s, same);
  // Its adjoint is the convolution: dx = conv(pad(dy), filter).
  Value dyp = padSpatial(b, loc, dy, p);
  Value dx = conv(b, loc, dyp, filter, Value(), s);
  return {dx, filterGrad(b, loc, dyp, x, fs[0], fs[1], s),
          sumSpatial(b, loc, dy)};
}

/// The k*k window reads of max pooling as maps over the output's loops
/// (n, oh, ow, c): one per window position (i, j), in row-major order.
static SmallVector<AffineMap> windowMaps(MLIRContext *ctx, int64_t k,
                                         int64_t s) {
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  SmallVector<AffineMap> maps;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j)
      maps.push_back(AffineMap::get(
          4, 0, {dim(0), dim(1) * s + i, dim(2) * s + j, dim(3)}, ctx));
  return maps;
}

/// One elementwise loop over a pooling's output (n, oh, ow, c) reading the
/// k*k window positions of `x` as k*k operands (the window unrolled, in
/// row-major order): the output is written once and the channels are the
/// contiguous innermost loop. `body` combines the k*k values.
static Value overWindows(OpBuilder &b, Location loc, Value x, int64_t k,
                         int64_t s, tb::Body body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t ho = (xs[1] - k) / s + 1, wo = (xs[2] - k) / s + 1;
  SmallVector<Value> reads(k * k, x);
  SmallVector<AffineMap> maps = windowMaps(ctx, k, s);
  // With stride 1 a window position's map would index some dimensions of x
  // as the loops do, and linalg wants those dimensions the loops' size:
  // each position reads its [n, ho, wo, c] slice of x instead.
  if (s == 1 && k > 1)
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j) {
        reads[i * k + j] = tensor::ExtractSliceOp::create(
            b, loc, x, tb::indexAttrs(b, {0, i, j, 0}),
            tb::indexAttrs(b, {xs[0], ho, wo, xs[3]}),
            tb::indexAttrs(b, {1, 1, 1, 1}));
        maps[i * k + j] = AffineMap::getMultiDimIdentityMap(4, ctx);
      }
  return tb::generic(
      b, loc, reads, maps,
      tensor::EmptyOp::create(b, loc, {xs[0], ho, wo, xs[3]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(4, ctx),
      SmallVector<IteratorType>(4, IteratorType::parallel), body);
}

Value lathe::firstMaxPosition(OpBuilder &b, Location loc, ValueRange window) {
  Value best = tb::f32(b, loc, -std::numeric_limits<double>::infinity());
  Value pos = tb::f32(b, loc, -1.0);
  for (auto [w, v] : llvm::enumerate(window)) {
    Value better =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, v, best);
    best = arith::SelectOp::create(b, loc, better, v, best);
    pos = arith::SelectOp::create(b, loc, better, tb::f32(b, loc, double(w)),
                                  pos);
  }
  return pos;
}

Value lathe::lowerMaxPool(OpBuilder &b, Location loc, Value x, int64_t k,
                          int64_t s) {
  // The maximum is taken in the window's row-major order from -inf, as
  // linalg's pooling op does.
  return overWindows(
      b, loc, x, k, s, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value m = tb::f32(nb, nl, -std::numeric_limits<double>::infinity());
        for (int64_t w = 0; w < k * k; ++w)
          m = arith::MaximumFOp::create(nb, nl, m, a[w]);
        return m;
      });
}

/// The gradient of a pooling whose windows overlap (stride < size): for
/// each window position (i, j), `share(i, j)` [n, ho, wo, c] added into
/// the input positions (oh·s + i, ow·s + j), k² strided adds into zeros.
static Value addOverlapping(
    OpBuilder &b, Location loc, ArrayRef<int64_t> xs, int64_t k, int64_t s,
    function_ref<Value(int64_t, int64_t)> share) {
  Value dx = tb::filled(b, loc, xs, 0.0);
  auto id = AffineMap::getMultiDimIdentityMap(4, b.getContext());
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      Value part = share(i, j);
      SmallVector<OpFoldResult> offsets = tb::indexAttrs(b, {0, i, j, 0}),
                                sizes = tb::indexAttrs(b, tb::shapeOf(part)),
                                strides = tb::indexAttrs(b, {1, s, s, 1});
      Value at = tensor::ExtractSliceOp::create(b, loc, dx, offsets, sizes,
                                                strides);
      Value sum = tb::generic(
          b, loc, {part}, {id}, at, id,
          SmallVector<IteratorType>(4, IteratorType::parallel),
          [](OpBuilder &nb, Location nl, ValueRange a) {
            return tb::add(nb, nl, a[1], a[0]);
          });
      dx = tensor::InsertSliceOp::create(b, loc, sum, dx, offsets, sizes,
                                         strides);
    }
  return dx;
}

Value lathe::maxPoolBackward(OpBuilder &b, Location loc, Value x, Value dy,
                             int64_t k, int64_t s) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x), ys = tb::shapeOf(dy);
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  // Pass 1, over the output's windows: the position i * k + j of the first
  // maximum of each window, scanning in row-major order from -inf.
  Value arg = overWindows(
      b, loc, x, k, s, [&](OpBuilder &nb, Location nl, ValueRange a) {
        return firstMaxPosition(nb, nl, a.take_front(k * k));
      });
  if (s < k)
    return addOverlapping(b, loc, xs, k, s, [&](int64_t i, int64_t j) {
      return tb::map(b, loc, {dy, arg},
                     [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
                       Value hit = arith::CmpFOp::create(
                           nb, nl, arith::CmpFPredicate::OEQ, a[1],
                           tb::f32(nb, nl, double(i * k + j)));
                       return arith::SelectOp::create(nb, nl, hit, a[0],
                                                      tb::f32(nb, nl, 0));
                     });
    });
  // Pass 2, loops over the covered input (n, ih, iw, c): the gradient goes
  // where the position in the window is the argmax.
  int64_t ch = ys[1] * s, cw = ys[2] * s;
  auto win = AffineMap::get(
      4, 0, {dim(0), dim(1).floorDiv(s), dim(2).floorDiv(s), dim(3)}, ctx);
  Value covered = tb::generic(
      b, loc, {dy, arg}, {win, win},
      tensor::EmptyOp::create(b, loc, {xs[0], ch, cw, xs[3]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(4, ctx),
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value sc = arith::ConstantIndexOp::create(nb, nl, s);
        Value i = arith::RemUIOp::create(nb, nl,
                                         linalg::IndexOp::create(nb, nl, 1), sc);
        Value j = arith::RemUIOp::create(nb, nl,
                                         linalg::IndexOp::create(nb, nl, 2), sc);
        Value posF = windowPosition(nb, nl, i, j, k);
        Value kc = arith::ConstantIndexOp::create(nb, nl, k);
        Value inside = arith::AndIOp::create(
            nb, nl,
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, i, kc),
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, j, kc));
        Value hit = arith::AndIOp::create(
            nb, nl, inside,
            arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, posF,
                                  a[1]));
        return Value(arith::SelectOp::create(nb, nl, hit, a[0],
                                             tb::f32(nb, nl, 0)));
      });
  covered.getDefiningOp()->setAttr(kMaxPoolGradAttr, b.getUnitAttr());
  if (ch == xs[1] && cw == xs[2])
    return covered;
  return embed(b, loc, covered, xs, {0, 0, 0, 0}, {1, 1, 1, 1});
}

Value lathe::lowerAvgPool(OpBuilder &b, Location loc, Value x, int64_t k,
                          int64_t s) {
  // The window's k*k reads summed in row-major order, then scaled by 1/k^2.
  return overWindows(b, loc, x, k, s,
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value sum = a[0];
                       for (int64_t w = 1; w < k * k; ++w)
                         sum = arith::AddFOp::create(nb, nl, sum, a[w]);
                       return Value(arith::MulFOp::create(
                           nb, nl, sum, tb::f32(nb, nl, 1.0 / double(k * k))));
                     });
}

Value lathe::avgPoolBackward(OpBuilder &b, Location loc, Value x, Value dy,
                             int64_t k, int64_t s) {
  // Loops over the covered input (n, ih, iw, c): the window's gradient over
  // k^2 where the position lies in the window, zero in the gap between
  // windows (stride > size).
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x), ys = tb::shapeOf(dy);
  if (s < k) {
    Value share = tb::map(b, loc, {dy},
                          [&](OpBuilder &nb, Location nl, ValueRange a) {
                            return tb::mul(nb, nl, a[0],
                                           tb::f32(nb, nl, 1.0 / double(k * k)));
                          });
    return addOverlapping(b, loc, xs, k, s,
                          [&](int64_t, int64_t) { return share; });
  }
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  int64_t ch = ys[1] * s, cw = ys[2] * s;
  auto win = AffineMap::get(
      4, 0, {dim(0), dim(1).floorDiv(s), dim(2).floorDiv(s), dim(3)}, ctx);
  Value covered = tb::generic(
      b, loc, {dy}, {win},
      tensor::EmptyOp::create(b, loc, {xs[0], ch, cw, xs[3]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(4, ctx),
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value share = arith::MulFOp::create(
            nb, nl, a[0], tb::f32(nb, nl, 1.0 / double(k * k)));
        if (s == k)
          return share;
        Value sc = arith::ConstantIndexOp::create(nb, nl, s);
        Value kc = arith::ConstantIndexOp::create(nb, nl, k);
        auto inWindow = [&](unsigned d) {
          Value at = arith::RemUIOp::create(
              nb, nl, linalg::IndexOp::create(nb, nl, d), sc);
          return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult, at,
                                       kc);
        };
        Value inside = arith::AndIOp::create(nb, nl, inWindow(1), inWindow(2));
        return Value(
            arith::SelectOp::create(nb, nl, inside, share, tb::f32(nb, nl, 0)));
      });
  if (ch == xs[1] && cw == xs[2])
    return covered;
  return embed(b, loc, covered, xs, {0, 0, 0, 0}, {1, 1, 1, 1});
}

/// The map (n, positions..., c) -> (n, c) of a global pooling over `x`.
static AffineMap firstAndLast(MLIRContext *ctx, unsigned rank) {
  return AffineMap::get(
      rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(rank - 1, ctx)},
      ctx);
}

/// 1 / the positions of each channel of [n, positions..., c].
static double perPosition(ArrayRef<int64_t> xs) {
  return 1.0 / double(ShapedType::getNumElements(xs.drop_front().drop_back()));
}

/// 1 / the steps of each sequence that are not padding, [n] from a mask
/// [n, t] (1 where there are none: their mean is zeros).
static Value inverseSteps(OpBuilder &b, Location loc, Value mask) {
  Value steps = tb::reduceLast(
      b, loc, mask, 0.0, [](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::AddFOp::create(nb, nl, a[0], a[1]));
      });
  return tb::map(b, loc, {steps}, [](OpBuilder &nb, Location nl, ValueRange a) {
    Value one = tb::f32(nb, nl, 1);
    return Value(arith::DivFOp::create(
        nb, nl, one, arith::MaximumFOp::create(nb, nl, a[0], one)));
  });
}

/// lowerGlobalAvgPool over a masked sequence.
static Value maskedGlobalAvgPool(OpBuilder &b, Location loc, Value x,
                                 Value mask) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  auto id = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap channel = firstAndLast(ctx, 3), step = id.getMajorSubMap(2);
  Value sum = tb::generic(
      b, loc, {x, mask}, {id, step}, tb::filled(b, loc, {xs[0], xs[2]}, 0.0),
      channel,
      {IteratorType::parallel, IteratorType::reduction, IteratorType::parallel},
      [](OpBuilder &nb, Location nl, ValueRange a) {
        Value v = tb::stepOrKeep(nb, nl, a[1], a[0], tb::f32(nb, nl, 0));
        return Value(arith::AddFOp::create(nb, nl, a[2], v));
      });
  return tb::mapWithLast(b, loc, sum, inverseSteps(b, loc, mask),
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return tb::mul(nb, nl, a[0], a[1]);
                         });
}

/// globalAvgPoolBackward over a masked sequence.
static Value maskedGlobalAvgPoolBackward(OpBuilder &b, Location loc, Value x,
                                         Value mask, Value dy) {
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(3, ctx);
  Value inv = inverseSteps(b, loc, mask);
  return tb::generic(
      b, loc, {dy, mask, inv},
      {firstAndLast(ctx, 3), id.getMajorSubMap(2), id.getMajorSubMap(1)},
      tensor::EmptyOp::create(b, loc, tb::shapeOf(x), b.getF32Type()), id,
      SmallVector<IteratorType>(3, IteratorType::parallel),
      [](OpBuilder &nb, Location nl, ValueRange a) {
        Value share = arith::MulFOp::create(nb, nl, a[0], a[2]);
        return tb::stepOrKeep(nb, nl, a[1], share, tb::f32(nb, nl, 0));
      });
}

Value lathe::lowerGlobalAvgPool(OpBuilder &b, Location loc, Value x,
                                Value mask) {
  if (mask)
    return maskedGlobalAvgPool(b, loc, x, mask);
  // Loops (n, h, w, c) (or (n, t, c)), the channels innermost and
  // contiguous: a sum per (n, c) over the positions, then scaled.
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  unsigned rank = xs.size();
  SmallVector<IteratorType> iters(rank, IteratorType::reduction);
  iters.front() = iters.back() = IteratorType::parallel;
  Value sum =
      tb::generic(b, loc, {x}, {AffineMap::getMultiDimIdentityMap(rank, ctx)},
                  tb::filled(b, loc, {xs[0], xs.back()}, 0.0),
                  firstAndLast(ctx, rank), iters,
                  [](OpBuilder &nb, Location nl, ValueRange a) {
                    return Value(arith::AddFOp::create(nb, nl, a[0], a[1]));
                  });
  double inv = perPosition(xs);
  return tb::map(b, loc, {sum}, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return Value(arith::MulFOp::create(nb, nl, a[0], tb::f32(nb, nl, inv)));
  });
}

Value lathe::globalAvgPoolBackward(OpBuilder &b, Location loc, Value x,
                                   Value dy, Value mask) {
  if (mask)
    return maskedGlobalAvgPoolBackward(b, loc, x, mask, dy);
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  unsigned rank = xs.size();
  double inv = perPosition(xs);
  return tb::generic(
      b, loc, {dy}, {firstAndLast(ctx, rank)},
      tensor::EmptyOp::create(b, loc, xs, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(rank, ctx),
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::MulFOp::create(nb, nl, a[0], tb::f32(nb, nl, inv)));
      });
}

/// The row-major position of the current element among the positions (every
/// dimension but the first and the last) of a rank-`rank` loop nest over
/// `shape`, as an f32 (exact below 2^24 positions).
static Value positionIndex(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Value p = arith::ConstantIndexOp::create(b, loc, 0);
  for (unsigned d = 1; d + 1 < shape.size(); ++d) {
    p = arith::MulIOp::create(b, loc, p,
                              arith::ConstantIndexOp::create(b, loc, shape[d]));
    p = arith::AddIOp::create(b, loc, p, linalg::IndexOp::create(b, loc, d));
  }
  return arith::UIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI32Type(), p));
}

Value lathe::lowerGlobalMaxPool(OpBuilder &b, Location loc, Value x,
                                Value mask) {
  // As the mean's loops, a maximum from -inf in row-major order.
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  unsigned rank = xs.size();
  SmallVector<IteratorType> iters(rank, IteratorType::reduction);
  iters.front() = iters.back() = IteratorType::parallel;
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  double lowest = -std::numeric_limits<double>::infinity();
  Value init = tb::filled(b, loc, {xs[0], xs.back()}, lowest);
  if (!mask)
    return tb::generic(b, loc, {x}, {id}, init, firstAndLast(ctx, rank), iters,
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return Value(
                             arith::MaximumFOp::create(nb, nl, a[1], a[0]));
                       });
  // Padding steps read as -inf; a sequence of padding only gives zeros.
  Value max = tb::generic(
      b, loc, {x, mask}, {id, id.getMajorSubMap(2)}, init,
      firstAndLast(ctx, rank), iters,
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value v = tb::stepOrKeep(nb, nl, a[1], a[0], tb::f32(nb, nl, lowest));
        return Value(arith::MaximumFOp::create(nb, nl, a[2], v));
      });
  return tb::map(b, loc, {max}, [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value none = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, a[0],
                                       tb::f32(nb, nl, lowest));
    return Value(
        arith::SelectOp::create(nb, nl, none, tb::f32(nb, nl, 0), a[0]));
  });
}

Value lathe::globalMaxPoolBackward(OpBuilder &b, Location loc, Value x,
                                   Value max, Value dy, Value mask) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  unsigned rank = xs.size();
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel = firstAndLast(ctx, rank);
  // The first position holding each channel's maximum: the least position
  // where x equals it (none, and no gradient, where the maximum is NaN),
  // among the steps that are not padding where there is a mask (none where
  // all are).
  double none = double(ShapedType::getNumElements(xs));
  SmallVector<IteratorType> iters(rank, IteratorType::reduction);
  iters.front() = iters.back() = IteratorType::parallel;
  SmallVector<Value> ins{x, max};
  SmallVector<AffineMap> maps{id, channel};
  if (mask) {
    ins.push_back(mask);
    maps.push_back(id.getMajorSubMap(2));
  }
  Value first = tb::generic(
      b, loc, ins, maps, tb::filled(b, loc, {xs[0], xs.back()}, none), channel,
      iters, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value at = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                         a[0], a[1]);
        Value pos = arith::SelectOp::create(nb, nl, at,
                                            positionIndex(nb, nl, xs),
                                            tb::f32(nb, nl, none));
        if (mask)
          pos = tb::stepOrKeep(nb, nl, a[2], pos, tb::f32(nb, nl, none));
        return Value(arith::MinimumFOp::create(nb, nl, a.back(), pos));
      });
  return tb::generic(
      b, loc, {dy, first}, {channel, channel},
      tensor::EmptyOp::create(b, loc, xs, b.getF32Type()), id,
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value hit = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                          positionIndex(nb, nl, xs), a[1]);
        return Value(
            arith::SelectOp::create(nb, nl, hit, a[0], tb::f32(nb, nl, 0)));
      });
}
