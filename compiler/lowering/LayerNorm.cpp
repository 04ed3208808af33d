//===- LayerNorm.cpp - Layer normalization as linalg ----------------------===//
//
// Both directions work on the rows of `x` collapsed to [rows, features]:
// a row's mean and the reciprocal r = 1 / sqrt(var + epsilon) are row
// reductions, the rest loops over [rows, features] with the row's values
// and the feature's gamma broadcast. With xhat = (x - mean) * r and
// g = dy * gamma, the gradients are
//   dgamma = sum over rows of dy * xhat,  dbeta = sum over rows of dy,
//   dx = r * (g - mean(g) - xhat * mean(g * xhat))   (means over the row).
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/LayerNorm.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lathe;
using utils::IteratorType;

namespace {
/// `x` as [rows, features].
Value rowsOf(OpBuilder &b, Location loc, Value x) {
  ArrayRef<int64_t> shape = tb::shapeOf(x);
  if (shape.size() == 2)
    return x;
  ReassociationIndices lead;
  for (unsigned d = 0; d + 1 < shape.size(); ++d)
    lead.push_back(d);
  int64_t rows = ShapedType::getNumElements(shape.drop_back());
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({rows, shape.back()}, b.getF32Type()), x,
      ArrayRef<ReassociationIndices>{lead, {int64_t(shape.size() - 1)}});
}

/// [rows, features] back to `shape`.
Value shapedAs(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  if (shape.size() == 2)
    return v;
  ReassociationIndices lead;
  for (unsigned d = 0; d + 1 < shape.size(); ++d)
    lead.push_back(d);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, b.getF32Type()), v,
      ArrayRef<ReassociationIndices>{lead, {int64_t(shape.size() - 1)}});
}

Value rowSum(OpBuilder &b, Location loc, Value x, bool squares) {
  return tb::reduceLast(b, loc, x, 0.0,
                        [&](OpBuilder &nb, Location nl, ValueRange a) {
                          Value v = squares ? tb::mul(nb, nl, a[0], a[0]) : a[0];
                          return tb::add(nb, nl, v, a[1]);
                        });
}

/// A loop over [rows, features] reading `full` tensors of that shape,
/// `perRow` tensors [rows] and `perFeature` tensors [features].
Value rowLoop(OpBuilder &b, Location loc, ValueRange full, ValueRange perRow,
              ValueRange perFeature, tb::Body body) {
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  auto col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<Value> ins(full);
  SmallVector<AffineMap> maps(full.size(), id);
  ins.append(perRow.begin(), perRow.end());
  maps.append(perRow.size(), row);
  ins.append(perFeature.begin(), perFeature.end());
  maps.append(perFeature.size(), col);
  Value init = tensor::EmptyOp::create(b, loc, tb::shapeOf(full[0]),
                                       b.getF32Type());
  return tb::generic(b, loc, ins, maps, init, id,
                     {IteratorType::parallel, IteratorType::parallel},
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
                       return body(nb, nl, a.drop_back());
                     });
}

/// The rows' means and reciprocal deviations of [rows, features] `x`.
std::pair<Value, Value> rowStats(OpBuilder &b, Location loc, Value x,
                                 double epsilon) {
  double invN = 1.0 / double(tb::shapeOf(x)[1]);
  auto scaled = [&](Value v) {
    return tb::map(b, loc, {v}, [&](OpBuilder &nb, Location nl, ValueRange a) {
      return tb::mul(nb, nl, a[0], tb::f32(nb, nl, invN));
    });
  };
  Value mean = scaled(rowSum(b, loc, x, false));
  Value centered = tb::mapWithLast(
      b, loc, x, mean, [](OpBuilder &nb, Location nl, ValueRange a) {
        return tb::sub(nb, nl, a[0], a[1]);
      });
  Value r = tb::map(b, loc, {rowSum(b, loc, centered, true)},
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value var = tb::mul(nb, nl, a[0], tb::f32(nb, nl, invN));
                      Value sd = math::SqrtOp::create(
                          nb, nl, tb::add(nb, nl, var, tb::f32(nb, nl, epsilon)));
                      return tb::div(nb, nl, tb::f32(nb, nl, 1.0), sd);
                    });
  return {mean, r};
}
} // namespace

Value lathe::lowerLayerNorm(OpBuilder &b, Location loc, Value x, Value gamma,
                            Value beta, double epsilon) {
  ArrayRef<int64_t> shape = tb::shapeOf(x);
  Value rows = rowsOf(b, loc, x);
  auto [mean, r] = rowStats(b, loc, rows, epsilon);
  Value y = rowLoop(b, loc, {rows}, {mean, r}, {gamma, beta},
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      Value xhat = tb::mul(nb, nl, tb::sub(nb, nl, a[0], a[1]),
                                           a[2]);
                      return tb::add(nb, nl, tb::mul(nb, nl, xhat, a[3]), a[4]);
                    });
  return shapedAs(b, loc, y, shape);
}

SmallVector<Value> lathe::layerNormBackward(OpBuilder &b, Location loc, Value x,
                                            Value gamma, Value dy,
                                            double epsilon) {
  ArrayRef<int64_t> shape = tb::shapeOf(x);
  MLIRContext *ctx = b.getContext();
  Value rows = rowsOf(b, loc, x), dyRows = rowsOf(b, loc, dy);
  int64_t features = tb::shapeOf(rows)[1];
  auto [mean, r] = rowStats(b, loc, rows, epsilon);
  Value xhat = rowLoop(b, loc, {rows}, {mean, r}, {},
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return tb::mul(nb, nl, tb::sub(nb, nl, a[0], a[1]),
                                        a[2]);
                       });
  // dgamma[f] = sum over rows of dy * xhat; dbeta = sum over rows of dy.
  auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value dgamma = tb::generic(
      b, loc, {dyRows, xhat}, {id, id}, tb::filled(b, loc, {features}, 0.0),
      AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx),
      {IteratorType::reduction, IteratorType::parallel},
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return tb::add(nb, nl, tb::mul(nb, nl, a[0], a[1]), a[2]);
      });
  Value dbeta = tb::sumFirst(b, loc, dyRows);
  // dx = r * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma.
  Value g = rowLoop(b, loc, {dyRows}, {}, {gamma},
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      return tb::mul(nb, nl, a[0], a[1]);
                    });
  Value gx = rowLoop(b, loc, {g, xhat}, {}, {},
                     [](OpBuilder &nb, Location nl, ValueRange a) {
                       return tb::mul(nb, nl, a[0], a[1]);
                     });
  double invN = 1.0 / double(features);
  Value sumG = rowSum(b, loc, g, false), sumGx = rowSum(b, loc, gx, false);
  Value dx = rowLoop(
      b, loc, {g, xhat}, {r, sumG, sumGx}, {},
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value n = tb::f32(nb, nl, invN);
        Value t = tb::sub(nb, nl, a[0], tb::mul(nb, nl, a[3], n));
        t = tb::sub(nb, nl, t, tb::mul(nb, nl, a[1], tb::mul(nb, nl, a[4], n)));
        return tb::mul(nb, nl, a[2], t);
      });
  return {shapedAs(b, loc, dx, shape), dgamma, dbeta};
}
