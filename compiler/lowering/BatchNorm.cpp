//===- BatchNorm.cpp - Batch normalization as linalg ----------------------===//
//
// Every direction works on `x` as [rows, positions, features] (a dense
// layer's [N, F] as [N, 1, F], an image's [N, H, W, C] as [N, H*W, C]):
// per-feature statistics are reductions over the first two loops, the rest
// loops over all three with the row's mask and the feature's values
// broadcast. With n the values counted per feature (positions times the
// rows whose mask is 1), mean and var (biased) over them, r = 1 / sqrt(var
// + epsilon) and xhat = (x - mean) * r, the gradients are
//   dbeta = sum of m * dy,  dgamma = sum of m * dy * xhat,
//   dx = m * gamma * r * (dy - dbeta / n - xhat * dgamma / n).
// The variance is taken around the mean (two passes), as PyTorch's CPU
// kernel does, not as a difference of squares.
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/BatchNorm.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lathe;
using tb::add;
using tb::div;
using tb::mul;
using tb::sub;
using utils::IteratorType;

namespace {
/// How [N, ..., C] groups into [N, S, C]: the middle dimensions into one
/// (a dense layer's [N, C] takes a unit one, as [N, 1, C]).
SmallVector<ReassociationIndices> rowGroups(int64_t rank) {
  if (rank == 2)
    return {{0}, {1, 2}};
  ReassociationIndices mid;
  for (int64_t d = 1; d + 1 < rank; ++d)
    mid.push_back(d);
  return {{0}, mid, {rank - 1}};
}

/// `x` [N, ..., C] as [N, S, C].
Value asRows(OpBuilder &b, Location loc, Value x) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  int64_t r = s.size();
  if (r == 3)
    return x;
  auto type = RankedTensorType::get(
      {s[0], ShapedType::getNumElements(s.slice(1, r - 2)), s[r - 1]},
      b.getF32Type());
  if (r == 2)
    return tensor::ExpandShapeOp::create(b, loc, type, x, rowGroups(r));
  return tensor::CollapseShapeOp::create(b, loc, type, x, rowGroups(r));
}

/// [N, S, C] back to `shape`.
Value fromRows(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  int64_t r = shape.size();
  if (r == 3)
    return v;
  auto type = RankedTensorType::get(shape, b.getF32Type());
  if (r == 2)
    return tensor::CollapseShapeOp::create(b, loc, type, v, rowGroups(r));
  return tensor::ExpandShapeOp::create(b, loc, type, v, rowGroups(r));
}

/// The operands of a loop over [N, S, C]: `full` tensors of that shape, an
/// optional `mask` [N], `perFeature` tensors [C] and 0-d `scalars`. The body
/// gets them in that order (a mask of 1 when there is none).
struct Operands {
  ValueRange full;
  Value mask;
  ValueRange perFeature, scalars;
};

/// A loop over [N, S, C] that either writes [N, S, C] (`reduce` false) or
/// sums over the rows and positions into [C].
Value rowsLoop(OpBuilder &b, Location loc, const Operands &o, bool reduce,
               tb::Body body) {
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(3, ctx);
  auto row = AffineMap::get(3, 0, {getAffineDimExpr(0, ctx)}, ctx);
  auto feature = AffineMap::get(3, 0, {getAffineDimExpr(2, ctx)}, ctx);
  auto scalar = AffineMap::get(3, 0, {}, ctx);
  SmallVector<Value> ins(o.full);
  SmallVector<AffineMap> maps(o.full.size(), id);
  if (o.mask) {
    ins.push_back(o.mask);
    maps.push_back(row);
  }
  ins.append(o.perFeature.begin(), o.perFeature.end());
  maps.append(o.perFeature.size(), feature);
  ins.append(o.scalars.begin(), o.scalars.end());
  maps.append(o.scalars.size(), scalar);
  ArrayRef<int64_t> shape = tb::shapeOf(o.full[0]);
  bool masked = bool(o.mask);
  unsigned nf = o.full.size();
  auto withMask = [&](OpBuilder &nb, Location nl, ValueRange a) {
    SmallVector<Value> args(a.take_front(nf));
    args.push_back(masked ? a[nf] : tb::f32(nb, nl, 1.0));
    args.append(a.begin() + nf + (masked ? 1 : 0), a.end());
    return args;
  };
  if (!reduce)
    return tb::generic(b, loc, ins, maps,
                       tensor::EmptyOp::create(b, loc, shape, b.getF32Type()),
                       id,
                       {IteratorType::parallel, IteratorType::parallel,
                        IteratorType::parallel},
                       [&](OpBuilder &nb, Location nl, ValueRange a) {
                         return body(nb, nl, withMask(nb, nl, a.drop_back()));
                       });
  return tb::generic(
      b, loc, ins, maps, tb::filled(b, loc, {shape[2]}, 0.0), feature,
      {IteratorType::reduction, IteratorType::reduction,
       IteratorType::parallel},
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        // The body's term, added to the running sum (the last argument).
        return add(nb, nl, body(nb, nl, withMask(nb, nl, a.drop_back())),
                   a.back());
      });
}

/// A loop over [C] reading `perFeature` tensors [C] and 0-d `scalars`.
Value featureLoop(OpBuilder &b, Location loc, ValueRange perFeature,
                  ValueRange scalars, tb::Body body) {
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<Value> ins(perFeature);
  SmallVector<AffineMap> maps(perFeature.size(), id);
  ins.append(scalars.begin(), scalars.end());
  maps.append(scalars.size(), AffineMap::get(1, 0, {}, ctx));
  int64_t c = tb::shapeOf(perFeature[0])[0];
  return tb::generic(b, loc, ins, maps,
                     tensor::EmptyOp::create(b, loc, {c}, b.getF32Type()), id,
                     {IteratorType::parallel},
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       return body(nb, nl, a.drop_back());
                     });
}

/// The batch's statistics of [N, S, C] `x`.
struct Stats {
  Value count;   ///< 0-d: values counted per feature
  Value mean;    ///< [C]
  Value squares; ///< [C]: sum of m * (x - mean)^2
};

Stats batchStats(OpBuilder &b, Location loc, Value x, Value mask) {
  ArrayRef<int64_t> shape = tb::shapeOf(x);
  Value count;
  if (mask) {
    int64_t s = shape[1];
    count = tb::map(b, loc, {tb::sumAll(b, loc, mask)},
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      return mul(nb, nl, a[0], tb::f32(nb, nl, double(s)));
                    });
  } else {
    count = tb::filled(b, loc, {}, double(shape[0] * shape[1]));
  }
  Value sum = rowsLoop(b, loc, {ValueRange{x}, mask, {}, {}}, true,
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return mul(nb, nl, a[0], a[1]);
                       });
  Value mean = featureLoop(b, loc, {sum}, {count},
                           [](OpBuilder &nb, Location nl, ValueRange a) {
                             return div(nb, nl, a[0], a[1]);
                           });
  Value squares = rowsLoop(b, loc, {ValueRange{x}, mask, {mean}, {}}, true,
                           [](OpBuilder &nb, Location nl, ValueRange a) {
                             Value d = sub(nb, nl, a[0], a[2]);
                             return mul(nb, nl, a[1], mul(nb, nl, d, d));
                           });
  return {count, mean, squares};
}

/// 1 / sqrt(squares / count + epsilon), per feature.
Value reciprocalDeviation(OpBuilder &b, Location loc, const Stats &s,
                          double epsilon) {
  return featureLoop(b, loc, {s.squares}, {s.count},
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       Value var = div(nb, nl, a[0], a[1]);
                       Value sd = math::SqrtOp::create(
                           nb, nl, add(nb, nl, var, tb::f32(nb, nl, epsilon)));
                       return div(nb, nl, tb::f32(nb, nl, 1.0), sd);
                     });
}

/// x * scale + shift per feature, back in `x`'s shape.
Value scaleAndShift(OpBuilder &b, Location loc, Value rows, Value scale,
                    Value shift, ArrayRef<int64_t> shape) {
  Value y = rowsLoop(b, loc, {ValueRange{rows}, {}, {scale, shift}, {}}, false,
                     [](OpBuilder &nb, Location nl, ValueRange a) {
                       return add(nb, nl, mul(nb, nl, a[0], a[2]), a[3]);
                     });
  return fromRows(b, loc, y, shape);
}

/// gamma * r and beta - mean * gamma * r, per feature.
std::pair<Value, Value> affine(OpBuilder &b, Location loc, Value gamma,
                               Value beta, Value mean, Value r) {
  Value scale = featureLoop(b, loc, {gamma, r}, {},
                            [](OpBuilder &nb, Location nl, ValueRange a) {
                              return mul(nb, nl, a[0], a[1]);
                            });
  Value shift = featureLoop(b, loc, {beta, mean, scale}, {},
                            [](OpBuilder &nb, Location nl, ValueRange a) {
                              return sub(nb, nl, a[0], mul(nb, nl, a[1], a[2]));
                            });
  return {scale, shift};
}
} // namespace

Value lathe::lowerBatchNorm(OpBuilder &b, Location loc, Value x, Value gamma,
                            Value beta, Value mean, Value var, double epsilon) {
  Value r = featureLoop(
      b, loc, {var}, {}, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value sd = math::SqrtOp::create(
            nb, nl, add(nb, nl, a[0], tb::f32(nb, nl, epsilon)));
        return div(nb, nl, tb::f32(nb, nl, 1.0), sd);
      });
  auto [scale, shift] = affine(b, loc, gamma, beta, mean, r);
  return scaleAndShift(b, loc, asRows(b, loc, x), scale, shift, tb::shapeOf(x));
}

SmallVector<Value> lathe::lowerBatchNormTrain(OpBuilder &b, Location loc,
                                              Value x, Value gamma, Value beta,
                                              Value mean, Value var, Value mask,
                                              double epsilon, double momentum) {
  Value rows = asRows(b, loc, x);
  Stats s = batchStats(b, loc, rows, mask);
  Value r = reciprocalDeviation(b, loc, s, epsilon);
  auto [scale, shift] = affine(b, loc, gamma, beta, s.mean, r);
  Value y = scaleAndShift(b, loc, rows, scale, shift, tb::shapeOf(x));
  auto blend = [&](Value old, Value fresh) {
    return featureLoop(
        b, loc, {old, fresh}, {},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          return add(nb, nl, mul(nb, nl, tb::f32(nb, nl, momentum), a[0]),
                     mul(nb, nl, tb::f32(nb, nl, 1 - momentum), a[1]));
        });
  };
  // The unbiased variance: squares / (n - 1), n - 1 at least 1.
  Value unbiased =
      featureLoop(b, loc, {s.squares}, {s.count},
                  [](OpBuilder &nb, Location nl, ValueRange a) {
                    Value n1 = arith::MaximumFOp::create(
                        nb, nl, sub(nb, nl, a[1], tb::f32(nb, nl, 1.0)),
                        tb::f32(nb, nl, 1.0));
                    return div(nb, nl, a[0], n1);
                  });
  return {y, blend(mean, s.mean), blend(var, unbiased)};
}

SmallVector<Value> lathe::batchNormBackward(OpBuilder &b, Location loc, Value x,
                                            Value gamma, Value mask, Value dy,
                                            double epsilon) {
  Value rows = asRows(b, loc, x), dyRows = asRows(b, loc, dy);
  Stats s = batchStats(b, loc, rows, mask);
  Value r = reciprocalDeviation(b, loc, s, epsilon);
  Value dbeta = rowsLoop(b, loc, {ValueRange{dyRows}, mask, {}, {}}, true,
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return mul(nb, nl, a[0], a[1]);
                         });
  // dgamma = sum of m * dy * (x - mean) * r.
  Value dgamma =
      rowsLoop(b, loc, {ValueRange{dyRows, rows}, mask, {s.mean, r}, {}}, true,
               [](OpBuilder &nb, Location nl, ValueRange a) {
                 Value xhat = mul(nb, nl, sub(nb, nl, a[1], a[3]), a[4]);
                 return mul(nb, nl, mul(nb, nl, a[0], a[2]), xhat);
               });
  // Per feature: gamma * r, dbeta / n and dgamma / n.
  Value gr = featureLoop(b, loc, {gamma, r}, {},
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return mul(nb, nl, a[0], a[1]);
                         });
  auto perCount = [&](Value v) {
    return featureLoop(b, loc, {v}, {s.count},
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return div(nb, nl, a[0], a[1]);
                       });
  };
  Value p = perCount(dbeta), q = perCount(dgamma);
  Value dx = rowsLoop(
      b, loc, {ValueRange{dyRows, rows}, mask, {s.mean, r, gr, p, q}, {}},
      false, [](OpBuilder &nb, Location nl, ValueRange a) {
        // a: dy, x, m, mean, r, gamma * r, p, q
        Value xhat = mul(nb, nl, sub(nb, nl, a[1], a[3]), a[4]);
        Value t = sub(nb, nl, sub(nb, nl, a[0], a[6]), mul(nb, nl, xhat, a[7]));
        return mul(nb, nl, a[2], mul(nb, nl, a[5], t));
      });
  return {fromRows(b, loc, dx, tb::shapeOf(x)), dgamma, dbeta};
}
