//===- Conv1DLowering.cpp - Convolution and pooling over sequences --------===//
//
// A convolution over a sequence [n, t, c] is the 2-D one over an image of
// one row, [n, 1, t, c], with a filter [1, k, c, f]: ConvLowering.cpp's
// lowering and gradients, and on the CPU lathe-direct-conv's windows read
// in place, serve both. "same" pads only the steps, here, before that
// (the 2-D padding splits a square window's). A pooling over time is one
// elementwise loop over its output reading the window's k steps; its
// gradient k strided inserts, one per window offset (adds where the
// windows overlap).
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/Conv1DLowering.h"
#include "compiler/lowering/ConvLowering.h"
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

/// Steps [first, first + (count - 1)·stride] of [n, t, c], every `stride`th.
Value stepsOf(OpBuilder &b, Location loc, Value x, int64_t first, int64_t count,
              int64_t stride) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  return tensor::ExtractSliceOp::create(b, loc, x,
                                        tb::indexAttrs(b, {0, first, 0}),
                                        tb::indexAttrs(b, {s[0], count, s[2]}),
                                        tb::indexAttrs(b, {1, stride, 1}));
}

/// `dest` with `v` written over steps first, first + stride, ...
Value setSteps(OpBuilder &b, Location loc, Value v, Value dest, int64_t first,
               int64_t stride) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::InsertSliceOp::create(
      b, loc, v, dest, tb::indexAttrs(b, {0, first, 0}), tb::indexAttrs(b, s),
      tb::indexAttrs(b, {1, stride, 1}));
}

} // namespace

/// A filter [k, c, f] as an image filter of one row, [1, k, c, f], and
/// back.
static Value asImageFilter(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, {1, s[0], s[1], s[2]}), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}
static Value fromImageFilter(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {s[1], s[2], s[3]}), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}

/// [n, t, c] as an image of one row, [n, 1, t, c], and back.
static Value asImage(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::ExpandShapeOp::create(
      b, loc, f32Type(b, {s[0], 1, s[1], s[2]}), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}
static Value fromImage(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  return tensor::CollapseShapeOp::create(
      b, loc, f32Type(b, {s[0], s[2], s[3]}), v,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
}

/// x [n, t, c] as an image of one row, with TensorFlow's padding of a
/// window of `k` steps at both ends ("same"; its 2-D padding would pad the
/// row too); the padding before it in `before`.
static Value paddedImage(OpBuilder &b, Location loc, Value x, int64_t k,
                         int64_t stride, bool same, int64_t &before) {
  int64_t t = tb::shapeOf(x)[1];
  Pads p = convPads(t, t, k, stride, same);
  before = p.left;
  return padSpatial(b, loc, asImage(b, loc, x), Pads{0, 0, p.left, p.right});
}

Value lathe::lowerConv1D(OpBuilder &b, Location loc, Value x, Value filter,
                         Value bias, int64_t stride, bool same) {
  int64_t before;
  Value xp =
      paddedImage(b, loc, x, tb::shapeOf(filter)[0], stride, same, before);
  return fromImage(b, loc,
                   lowerConv2D(b, loc, xp, asImageFilter(b, loc, filter), bias,
                               stride, /*same=*/false));
}

SmallVector<Value> lathe::conv1DBackward(OpBuilder &b, Location loc, Value x,
                                         Value filter, Value dy, int64_t stride,
                                         bool same) {
  int64_t before;
  Value xp =
      paddedImage(b, loc, x, tb::shapeOf(filter)[0], stride, same, before);
  SmallVector<Value> g =
      conv2DBackward(b, loc, xp, asImageFilter(b, loc, filter),
                     asImage(b, loc, dy), stride, /*same=*/false);
  Value dx = fromImage(b, loc, g[0]);
  int64_t t = tb::shapeOf(x)[1];
  if (tb::shapeOf(dx)[1] != t)
    dx = stepsOf(b, loc, dx, before, t, 1);
  return {dx, fromImageFilter(b, loc, g[1]), g[2]};
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
  // With stride 1 a window offset's map would index the steps as the loops
  // do, and linalg wants that dimension the loops' size: each offset reads
  // its `out` steps of x instead.
  SmallVector<Value> reads(k, x);
  if (s == 1 && k > 1)
    for (int64_t i = 0; i < k; ++i) {
      reads[i] = stepsOf(b, loc, x, i, out, 1);
      maps[i] = AffineMap::getMultiDimIdentityMap(3, ctx);
    }
  return tb::generic(
      b, loc, reads, maps,
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
          return firstMaxPosition(nb, nl, a.take_front(k));
        });
  // Window offset i writes its share into steps i, i + s, ...; where the
  // windows overlap (s < k), adds it.
  Value dx = tb::filled(b, loc, tb::shapeOf(x), 0.0);
  SmallVector<Value> reads{dy};
  if (max)
    reads.push_back(arg);
  for (int64_t i = 0; i < k; ++i) {
    Value share = tb::map(
        b, loc, reads, [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          if (!max)
            return tb::mul(nb, nl, a[0], tb::f32(nb, nl, 1.0 / double(k)));
          Value hit = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                            a[1], tb::f32(nb, nl, double(i)));
          return arith::SelectOp::create(nb, nl, hit, a[0], tb::f32(nb, nl, 0));
        });
    if (s < k) {
      auto id3 = AffineMap::getMultiDimIdentityMap(3, b.getContext());
      share = tb::generic(
          b, loc, {share}, {id3},
          stepsOf(b, loc, dx, i, tb::shapeOf(dy)[1], s), id3,
          SmallVector<IteratorType>(3, IteratorType::parallel),
          [](OpBuilder &nb, Location nl, ValueRange a) {
            return tb::add(nb, nl, a[1], a[0]);
          });
    }
    dx = setSteps(b, loc, share, dx, i, s);
  }
  return dx;
}
