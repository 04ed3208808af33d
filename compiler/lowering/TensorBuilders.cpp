//===- TensorBuilders.cpp - Small linalg-on-tensors vocabulary ------------===//
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using utils::IteratorType;

namespace lathe::tb {

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Value f32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

Value add(OpBuilder &b, Location l, Value x, Value y) {
  return arith::AddFOp::create(b, l, x, y);
}
Value sub(OpBuilder &b, Location l, Value x, Value y) {
  return arith::SubFOp::create(b, l, x, y);
}
Value mul(OpBuilder &b, Location l, Value x, Value y) {
  return arith::MulFOp::create(b, l, x, y);
}
Value div(OpBuilder &b, Location l, Value x, Value y) {
  return arith::DivFOp::create(b, l, x, y);
}
Value divByFinite(OpBuilder &b, Location l, Value x, Value y) {
  return arith::DivFOp::create(
      b, l, x, y, arith::FastMathFlags::arcp | arith::FastMathFlags::ninf);
}

Value stepOrKeep(OpBuilder &b, Location loc, Value m, Value v, Value kept) {
  Value step = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE, m,
                                     f32(b, loc, 0));
  return arith::SelectOp::create(b, loc, step, v, kept);
}

Value filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
             double value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::FillOp::create(b, loc, f32(b, loc, value), empty)
      .getResult(0);
}

Value generic(OpBuilder &b, Location loc, ValueRange inputs,
              ArrayRef<AffineMap> inMaps, Value init, AffineMap outMap,
              ArrayRef<IteratorType> iters, Body body) {
  SmallVector<AffineMap> maps(inMaps.begin(), inMaps.end());
  maps.push_back(outMap);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return op.getResult(0);
}

Value map(OpBuilder &b, Location loc, ValueRange xs, Body body) {
  ArrayRef<int64_t> shape = shapeOf(xs.front());
  unsigned rank = shape.size();
  auto id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  SmallVector<AffineMap> maps(xs.size(), id);
  SmallVector<IteratorType> iters(rank, IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return generic(b, loc, xs, maps, init, id, iters,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

SmallVector<Value>
mapN(OpBuilder &b, Location loc, ValueRange xs, unsigned n,
     function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  ArrayRef<int64_t> shape = shapeOf(xs.front());
  unsigned rank = shape.size();
  auto id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  SmallVector<Value> inits;
  for (unsigned i = 0; i < n; ++i)
    inits.push_back(tensor::EmptyOp::create(b, loc, shape, b.getF32Type()));
  SmallVector<AffineMap> maps(xs.size() + n, id);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange(ValueRange(inits)), xs, inits, maps,
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl,
                                body(nb, nl, args.take_front(xs.size())));
      });
  return SmallVector<Value>(op.getResults());
}

Value mapWithLast(OpBuilder &b, Location loc, Value a, Value v, Body body) {
  ArrayRef<int64_t> shape = shapeOf(a);
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto dropLast = id.getMajorSubMap(rank - 1);
  SmallVector<IteratorType> iters(rank, IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return generic(b, loc, {a, v}, {id, dropLast}, init, id, iters,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

Value mapWithRow(OpBuilder &b, Location loc, Value a, Value v, Body body) {
  ArrayRef<int64_t> shape = shapeOf(a);
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<IteratorType> iters(2, IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return generic(b, loc, {a, v}, {id, col}, init, id, iters,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

Value transposed(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> s = shapeOf(x);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  Value t = tensor::EmptyOp::create(b, loc, {s[1], s[0]}, b.getF32Type());
  return generic(b, loc, {x}, {AffineMap::get(2, 0, {d1, d0}, ctx)}, t,
                 AffineMap::getMultiDimIdentityMap(2, ctx),
                 {IteratorType::parallel, IteratorType::parallel},
                 [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value matmul(OpBuilder &b, Location loc, Value a, Value bm, bool transA,
             bool transB, Value init) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> as = shapeOf(a), bs = shapeOf(bm);
  int64_t m = transA ? as[1] : as[0];
  int64_t n = transB ? bs[0] : bs[1];
  int64_t depth = transB ? bs[1] : bs[0];
  if (transB && !transA && !init && m * depth + m * n < n * depth) {
    // A·Bᵀ with B much larger than A and C (a dense layer's input
    // gradient, dY·Wᵀ): (B·Aᵀ)ᵀ transposes A and the product instead of B.
    return transposed(b, loc, matmul(b, loc, bm, transposed(b, loc, a),
                                     false, false));
  }
  if (!init)
    init = filled(b, loc, {m, n}, 0.0);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx);
  // Bᵀ is materialized (k·n copies against m·k·n multiply-adds), so every
  // product has the one loop order the matmul vectorizer tiles.
  if (transB)
    bm = transposed(b, loc, bm);
  // Loops (i, k, j): the innermost loop walks C and B contiguously. The op
  // is tagged `lathe.matmul` for lathe-vectorize-matmul.
  AffineExpr i = d0, k = d1, j = d2;
  auto aMap = AffineMap::get(3, 0, transA ? ArrayRef<AffineExpr>{k, i}
                                          : ArrayRef<AffineExpr>{i, k},
                             ctx);
  auto bMap = AffineMap::get(3, 0, {k, j}, ctx);
  auto cMap = AffineMap::get(3, 0, {i, j}, ctx);
  SmallVector<IteratorType> iters{IteratorType::parallel,
                                  IteratorType::reduction,
                                  IteratorType::parallel};
  auto fm = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
  Value c = generic(b, loc, {a, bm}, {aMap, bMap}, init, cMap, iters,
                    [&](OpBuilder &nb, Location nl, ValueRange args) {
                      Value p = arith::MulFOp::create(nb, nl, args[0], args[1],
                                                      fm);
                      return Value(
                          arith::AddFOp::create(nb, nl, args[2], p, fm));
                    });
  c.getDefiningOp()->setAttr("lathe.matmul", b.getUnitAttr());
  return c;
}

Value reduceLast(OpBuilder &b, Location loc, Value x, double initValue,
                 Body combine) {
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto out = id.getMajorSubMap(rank - 1);
  SmallVector<IteratorType> iters(rank, IteratorType::parallel);
  iters.back() = IteratorType::reduction;
  Value init = filled(b, loc, shape.drop_back(), initValue);
  return generic(b, loc, {x}, {id}, init, out, iters, combine);
}

Value sumFirst(OpBuilder &b, Location loc, Value x) {
  ArrayRef<int64_t> shape = shapeOf(x);
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  // Loops: d0..d{r-2} over the kept dims, d{r-1} over the summed first dim.
  SmallVector<AffineExpr> in{getAffineDimExpr(rank - 1, ctx)};
  SmallVector<AffineExpr> out;
  for (unsigned d = 0; d + 1 < rank; ++d) {
    in.push_back(getAffineDimExpr(d, ctx));
    out.push_back(getAffineDimExpr(d, ctx));
  }
  SmallVector<IteratorType> iters(rank, IteratorType::parallel);
  iters.back() = IteratorType::reduction;
  Value init = filled(b, loc, shape.drop_front(), 0.0);
  return generic(b, loc, {x}, {AffineMap::get(rank, 0, in, ctx)}, init,
                 AffineMap::get(rank, 0, out, ctx), iters,
                 [](OpBuilder &nb, Location nl, ValueRange args) {
                   return Value(arith::AddFOp::create(nb, nl, args[0], args[1]));
                 });
}

/// The sum of every element of `x`, or of their squares, as a 0-d tensor.
static Value reduceAll(OpBuilder &b, Location loc, Value x, bool squares) {
  unsigned rank = shapeOf(x).size();
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<IteratorType> iters(rank, IteratorType::reduction);
  Value init = filled(b, loc, {}, 0.0);
  return generic(b, loc, {x}, {id}, init, AffineMap::get(rank, 0, {}, ctx),
                 iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
                   Value v = squares ? Value(arith::MulFOp::create(
                                           nb, nl, args[0], args[0]))
                                     : args[0];
                   return Value(arith::AddFOp::create(nb, nl, v, args[1]));
                 });
}

Value sumAll(OpBuilder &b, Location loc, Value x) {
  return reduceAll(b, loc, x, false);
}

Value sumSquares(OpBuilder &b, Location loc, Value x) {
  // One chain of adds through every element would take an add's latency
  // per element; summed as rows of `lanes` columns, the columns are
  // independent sums that vectorize, and only their `lanes` sums remain.
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t n = ShapedType::getNumElements(shape);
  int64_t lanes = n % 64 == 0 && n >= 256  ? 64
                  : n % 16 == 0 && n >= 64 ? 16
                                           : 0;
  if (!lanes)
    return reduceAll(b, loc, x, true);
  MLIRContext *ctx = b.getContext();
  Value flat = x;
  if (shape.size() != 1) {
    ReassociationIndices all;
    for (unsigned d = 0; d < shape.size(); ++d)
      all.push_back(d);
    flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({n}, b.getF32Type()), x,
        ArrayRef<ReassociationIndices>{all});
  }
  Value rows = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({n / lanes, lanes}, b.getF32Type()), flat,
      ArrayRef<ReassociationIndices>{{0, 1}});
  // Loops: d0 over the columns, d1 over the rows summed.
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  Value columns =
      generic(b, loc, {rows}, {AffineMap::get(2, 0, {d1, d0}, ctx)},
              filled(b, loc, {lanes}, 0.0), AffineMap::get(2, 0, {d0}, ctx),
              {IteratorType::parallel, IteratorType::reduction},
              [](OpBuilder &nb, Location nl, ValueRange args) {
                Value sq = arith::MulFOp::create(nb, nl, args[0], args[0]);
                return Value(arith::AddFOp::create(nb, nl, sq, args[1]));
              });
  return reduceAll(b, loc, columns, false);
}

Value scalarAt(OpBuilder &b, Location loc, Value t, int64_t index) {
  SmallVector<Value> idx;
  if (index >= 0)
    idx.push_back(arith::ConstantIndexOp::create(b, loc, index));
  return tensor::ExtractOp::create(b, loc, t, idx);
}

Value toTensor(OpBuilder &b, Location loc, Value s) {
  return tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({}, b.getF32Type()), ValueRange{s});
}

Value mapWithFirst(OpBuilder &b, Location loc, ValueRange xs, Value v,
                   Body body) {
  ArrayRef<int64_t> shape = shapeOf(xs.front());
  unsigned rank = shape.size();
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto first = AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps(xs.size(), id);
  maps.push_back(first);
  SmallVector<Value> inputs(xs.begin(), xs.end());
  inputs.push_back(v);
  SmallVector<IteratorType> iters(rank, IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return generic(b, loc, inputs, maps, init, id, iters,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> from = shapeOf(v);
  if (from == shape)
    return v;
  auto flatType = RankedTensorType::get(
      {from[0], ShapedType::getNumElements(from.drop_front())},
      b.getF32Type());
  Value flat = v;
  if (from.size() > 2) {
    SmallVector<ReassociationIndices> re{{0}, {}};
    for (unsigned d = 1; d < from.size(); ++d)
      re[1].push_back(d);
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, v, re);
  }
  if (shape.size() <= 2)
    return flat;
  SmallVector<ReassociationIndices> re{{0}, {}};
  for (unsigned d = 1; d < shape.size(); ++d)
    re[1].push_back(d);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, b.getF32Type()), flat, re);
}

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> r;
  for (int64_t v : values)
    r.push_back(b.getIndexAttr(v));
  return r;
}

Value concatLast(OpBuilder &b, Location loc, ValueRange parts, Value dest) {
  SmallVector<int64_t> shape(shapeOf(parts.front()));
  unsigned rank = shape.size();
  if (!dest) {
    shape.back() = 0;
    for (Value p : parts)
      shape.back() += shapeOf(p).back();
    dest = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  }
  auto id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  SmallVector<OpFoldResult> ones = indexAttrs(b, SmallVector<int64_t>(rank, 1));
  int64_t at = 0;
  for (Value part : parts) {
    SmallVector<int64_t> offsets(rank, 0);
    offsets.back() = at;
    SmallVector<OpFoldResult> o = indexAttrs(b, offsets),
                              sizes = indexAttrs(b, shapeOf(part));
    Value block = tensor::ExtractSliceOp::create(b, loc, dest, o, sizes, ones);
    Value copy =
        generic(b, loc, {part}, {id}, block, id,
                SmallVector<IteratorType>(rank, IteratorType::parallel),
                [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    dest = tensor::InsertSliceOp::create(b, loc, copy, dest, o, sizes, ones);
    at += shapeOf(part).back();
  }
  return dest;
}

Value sliceLast(OpBuilder &b, Location loc, Value x, int64_t offset,
                int64_t size) {
  SmallVector<int64_t> offsets(shapeOf(x).size(), 0), sizes(shapeOf(x));
  offsets.back() = offset;
  sizes.back() = size;
  return tensor::ExtractSliceOp::create(
      b, loc, x, indexAttrs(b, offsets), indexAttrs(b, sizes),
      indexAttrs(b, SmallVector<int64_t>(sizes.size(), 1)));
}

Value sampleWeights(OpBuilder &b, Location loc, Value mask, int64_t batch,
                    Value scale) {
  if (!mask) {
    Value w = arith::DivFOp::create(b, loc, scale, f32(b, loc, double(batch)));
    Value empty = tensor::EmptyOp::create(b, loc, {batch}, b.getF32Type());
    return linalg::FillOp::create(b, loc, w, empty).getResult(0);
  }
  Value count = scalarAt(b, loc, sumAll(b, loc, mask));
  count = arith::MaximumFOp::create(b, loc, count, f32(b, loc, 1.0));
  Value factor = arith::DivFOp::create(b, loc, scale, count);
  return map(b, loc, {mask}, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return Value(arith::MulFOp::create(nb, nl, a[0], factor));
  });
}

} // namespace lathe::tb
