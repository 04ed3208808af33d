//===- Conv1DLowering.cpp - Convolution and pooling over sequences --------===//
//
// A sequence [n, t, c] is stored with each step's channels contiguous, so a
// window of k steps is one contiguous run of k·c values: the convolution's
// rows [n·t', k·c] are runs copied out of the padded input, and the
// forward product, the filter gradient and the window gradients are three
// matmuls. The window gradients go back into the input as k strided adds,
// one per window offset; a pooling's gradient, whose windows never overlap,
// as k strided inserts.
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/Conv1DLowering.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace lathe;
using utils::IteratorType;

namespace {
RankedTensorType f32Type(OpBuilder &b, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, b.getF32Type());
}

SmallVector<OpFoldResult> attrs(OpBuilder &b, ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> r;
  for (int64_t v : values)
    r.push_back(b.getIndexAttr(v));
  return r;
}

/// Steps [first, first + (count - 1)·stride] of [n, t, c], every `stride`th.
Value stepsOf(OpBuilder &b, Location loc, Value x, int64_t first,
              int64_t count, int64_t stride) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  return tensor::ExtractSliceOp::create(b, loc, x, attrs(b, {0, first, 0}),
                                        attrs(b, {s[0], count, s[2]}),
                                        attrs(b, {1, stride, 1}));
}

/// `dest` with `v` written over steps first, first + stride, ...
Value setSteps(OpBuilder &b, Location loc, Value v, Value dest, int64_t first,
               int64_t stride) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::InsertSliceOp::create(b, loc, v, dest, attrs(b, {0, first, 0}),
                                       attrs(b, s), attrs(b, {1, stride, 1}));
}

/// TensorFlow's padding of a window of `k` steps: {before, after}.
std::pair<int64_t, int64_t> timePads(int64_t t, int64_t k, int64_t s,
                                     bool same) {
  if (!same)
    return {0, 0};
  int64_t out = (t + s - 1) / s;
  int64_t total = std::max<int64_t>((out - 1) * s + k - t, 0);
  return {total / 2, total - total / 2};
}

/// x [n, t, c] with `pads` zero steps before and after.
Value padTime(OpBuilder &b, Location loc, Value x,
              std::pair<int64_t, int64_t> pads) {
  if (!pads.first && !pads.second)
    return x;
  ArrayRef<int64_t> s = tb::shapeOf(x);
  Value zeros =
      tb::filled(b, loc, {s[0], s[1] + pads.first + pads.second, s[2]}, 0.0);
  return setSteps(b, loc, x, zeros, pads.first, 1);
}

/// The windows of xp [n, tp, c] as rows [n·t', k·c]: row (n, t) is steps
/// t·s .. t·s + k - 1, in filter order (step, then channel).
Value windowRows(OpBuilder &b, Location loc, Value xp, int64_t k, int64_t s,
                 int64_t out) {
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  ArrayRef<int64_t> xs = tb::shapeOf(xp);
  // Loops (n, t, i, c).
  Value cols = tb::generic(
      b, loc, {xp}, {AffineMap::get(4, 0, {dim(0), dim(1) * s + dim(2), dim(3)}, ctx)},
      tensor::EmptyOp::create(b, loc, {xs[0], out, k, xs[2]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(4, ctx),
      SmallVector<IteratorType>(4, IteratorType::parallel),
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {xs[0] * out, k * xs[2]}), cols,
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
}

/// [a, b, c] as [a·b, c], and back.
Value flat(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {s[0] * s[1], s[2]}), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}
Value unflat(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  return tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, shape), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}
} // namespace

Value lathe::lowerConv1D(OpBuilder &b, Location loc, Value x, Value filter,
                         Value bias, int64_t stride, bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter);
  Value xp = padTime(b, loc, x, timePads(xs[1], fs[0], stride, same));
  int64_t out = (tb::shapeOf(xp)[1] - fs[0]) / stride + 1;
  Value cols = windowRows(b, loc, xp, fs[0], stride, out);
  MLIRContext *ctx = b.getContext();
  Value init = tb::generic(
      b, loc, {bias}, {AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx)},
      tensor::EmptyOp::create(b, loc, {xs[0] * out, fs[2]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(2, ctx),
      {IteratorType::parallel, IteratorType::parallel},
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  Value y = tb::matmul(b, loc, cols, flat(b, loc, filter), false, false, init);
  return unflat(b, loc, y, {xs[0], out, fs[2]});
}

SmallVector<Value> lathe::conv1DBackward(OpBuilder &b, Location loc, Value x,
                                         Value filter, Value dy, int64_t stride,
                                         bool same) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), fs = tb::shapeOf(filter),
                    ys = tb::shapeOf(dy);
  int64_t k = fs[0], c = fs[1], out = ys[1];
  auto pads = timePads(xs[1], k, stride, same);
  Value xp = padTime(b, loc, x, pads);
  Value dyRows = flat(b, loc, dy);
  Value w = flat(b, loc, filter);
  Value db = tb::sumFirst(b, loc, dyRows);
  Value dw = unflat(
      b, loc,
      tb::matmul(b, loc, windowRows(b, loc, xp, k, stride, out), dyRows, true,
                 false),
      fs);
  // The windows' gradients [n, t', k, c]; window offset i adds its column
  // block into steps i, i + s, ... of the padded input's gradient.
  Value dcols = tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, {xs[0], out, k, c}),
      tb::matmul(b, loc, dyRows, w, false, true),
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  ArrayRef<int64_t> ps = tb::shapeOf(xp);
  Value dxp = tb::filled(b, loc, ps, 0.0);
  auto id3 = AffineMap::getMultiDimIdentityMap(3, b.getContext());
  for (int64_t i = 0; i < k; ++i) {
    Value block = tensor::ExtractSliceOp::create(
        b, loc, f32Type(b, {xs[0], out, c}), dcols, attrs(b, {0, 0, i, 0}),
        attrs(b, {xs[0], out, 1, c}), attrs(b, {1, 1, 1, 1}));
    Value sum = tb::generic(
        b, loc, {block}, {id3}, stepsOf(b, loc, dxp, i, out, stride), id3,
        SmallVector<IteratorType>(3, IteratorType::parallel),
        [](OpBuilder &nb, Location nl, ValueRange a) {
          return tb::add(nb, nl, a[1], a[0]);
        });
    dxp = setSteps(b, loc, sum, dxp, i, stride);
  }
  Value dx = dxp;
  if (ps[1] != xs[1])
    dx = stepsOf(b, loc, dxp, pads.first, xs[1], 1);
  return {dx, dw, db};
}

/// One elementwise loop over the output (n, t, c) reading the `k` steps of
/// each window as k operands; `body` combines them.
static Value overWindows(OpBuilder &b, Location loc, Value x, int64_t k,
                         int64_t s, tb::Body body) {
  MLIRContext *ctx = b.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  ArrayRef<int64_t> xs = tb::shapeOf(x);
  int64_t out = (xs[1] - k) / s + 1;
  SmallVector<AffineMap> maps;
  for (int64_t i = 0; i < k; ++i)
    maps.push_back(AffineMap::get(3, 0, {dim(0), dim(1) * s + i, dim(2)}, ctx));
  return tb::generic(
      b, loc, SmallVector<Value>(k, x), maps,
      tensor::EmptyOp::create(b, loc, {xs[0], out, xs[2]}, b.getF32Type()),
      AffineMap::getMultiDimIdentityMap(3, ctx),
      SmallVector<IteratorType>(3, IteratorType::parallel), body);
}

Value lathe::lowerPool1D(OpBuilder &b, Location loc, Value x, int64_t k,
                         int64_t s, bool max) {
  return overWindows(
      b, loc, x, k, s, [&](OpBuilder &nb, Location nl, ValueRange a) {
        if (max) { // in window order from -inf, as the 2-D pooling
          Value m = tb::f32(nb, nl, -std::numeric_limits<double>::infinity());
          for (int64_t i = 0; i < k; ++i)
            m = arith::MaximumFOp::create(nb, nl, m, a[i]);
          return m;
        }
        Value sum = a[0];
        for (int64_t i = 1; i < k; ++i)
          sum = tb::add(nb, nl, sum, a[i]);
        return tb::mul(nb, nl, sum, tb::f32(nb, nl, 1.0 / double(k)));
      });
}

Value lathe::pool1DBackward(OpBuilder &b, Location loc, Value x, Value dy,
                            int64_t k, int64_t s, bool max) {
  // The offset of each window's first maximum, scanning from -inf.
  Value arg;
  if (max)
    arg = overWindows(
        b, loc, x, k, s, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value best =
              tb::f32(nb, nl, -std::numeric_limits<double>::infinity());
          Value pos = tb::f32(nb, nl, -1.0);
          for (int64_t i = 0; i < k; ++i) {
            Value better = arith::CmpFOp::create(
                nb, nl, arith::CmpFPredicate::OGT, a[i], best);
            best = arith::SelectOp::create(nb, nl, better, a[i], best);
            pos = arith::SelectOp::create(nb, nl, better,
                                          tb::f32(nb, nl, double(i)), pos);
          }
          return pos;
        });
  // Window offset i writes its share into steps i, i + s, ...: the windows
  // do not overlap, so each step is written by one window at most.
  Value dx = tb::filled(b, loc, tb::shapeOf(x), 0.0);
  SmallVector<Value> reads{dy};
  if (max)
    reads.push_back(arg);
  for (int64_t i = 0; i < k; ++i) {
    Value share = tb::map(
        b, loc, reads,
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          if (!max)
            return tb::mul(nb, nl, a[0], tb::f32(nb, nl, 1.0 / double(k)));
          Value hit = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                            a[1], tb::f32(nb, nl, double(i)));
          return arith::SelectOp::create(nb, nl, hit, a[0], tb::f32(nb, nl, 0));
        });
    dx = setSteps(b, loc, share, dx, i, s);
  }
  return dx;
}
