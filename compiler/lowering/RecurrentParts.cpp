//===- RecurrentParts.cpp - Pieces shared by the recurrent layers ---------===//
#include "compiler/lowering/RecurrentParts.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace lathe;
using namespace lathe::rec;
namespace tb = lathe::tb;
using utils::IteratorType;

namespace {
/// Offsets, sizes and strides of index `i` of the first dimension of a
/// tensor of `shape`.
struct RowSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  RowSlice(OpBuilder &b, ArrayRef<int64_t> shape, OpFoldResult i)
      : offsets(shape.size(), b.getIndexAttr(0)),
        strides(shape.size(), b.getIndexAttr(1)) {
    offsets[0] = i;
    sizes.push_back(b.getIndexAttr(1));
    for (int64_t d : shape.drop_front())
      sizes.push_back(b.getIndexAttr(d));
  }
};

/// The part of the batch a recurrence runs on: `dim` of `v` cut into
/// `parts`, part `p` (a value).
Value batchPart(OpBuilder &b, Location loc, Value v, int64_t dim, Value p,
                int64_t parts) {
  ArrayRef<int64_t> shape = tb::shapeOf(v);
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)),
      sizes = tb::indexAttrs(b, shape),
      strides(shape.size(), b.getIndexAttr(1));
  offsets[dim] =
      arith::MulIOp::create(b, loc, p, cidx(b, loc, shape[dim] / parts))
          .getResult();
  sizes[dim] = b.getIndexAttr(shape[dim] / parts);
  return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
}
} // namespace

Value rec::sigmoid(OpBuilder &b, Location l, Value x) {
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
  Value one = tb::f32(b, l, 1);
  return arith::DivFOp::create(b, l, one, tb::add(b, l, one, e));
}

Value rec::dsigmoid(OpBuilder &b, Location l, Value s) {
  return tb::mul(b, l, s, tb::sub(b, l, tb::f32(b, l, 1), s));
}

Value rec::cidx(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

Value rec::row(OpBuilder &b, Location loc, Value src, OpFoldResult i) {
  auto type = cast<RankedTensorType>(src.getType());
  RowSlice r(b, type.getShape(), i);
  auto rt = RankedTensorType::get(type.getShape().drop_front(),
                                  type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, rt, src, r.offsets, r.sizes,
                                        r.strides);
}

Value rec::setRow(OpBuilder &b, Location loc, Value v, Value dest,
                  OpFoldResult i) {
  RowSlice r(b, tb::shapeOf(dest), i);
  return tensor::InsertSliceOp::create(b, loc, v, dest, r.offsets, r.sizes,
                                       r.strides);
}

Value rec::rows(OpBuilder &b, Location loc, Value src, int64_t first,
                int64_t count) {
  ArrayRef<int64_t> s = tb::shapeOf(src);
  return tensor::ExtractSliceOp::create(
      b, loc, src, tb::indexAttrs(b, {first, 0, 0}),
      tb::indexAttrs(b, {count, s[1], s[2]}), tb::indexAttrs(b, {1, 1, 1}));
}

/// [a, b, c] -> [b, a, c], dimension `reversed` of x (if any) read from
/// its end.
static Value swapLeading(OpBuilder &b, Location loc, Value x,
                         std::optional<unsigned> reversed) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> read{getAffineDimExpr(1, ctx),
                               getAffineDimExpr(0, ctx),
                               getAffineDimExpr(2, ctx)};
  if (reversed)
    read[*reversed] = s[*reversed] - 1 - read[*reversed];
  Value init =
      tensor::EmptyOp::create(b, loc, {s[1], s[0], s[2]}, b.getF32Type());
  return tb::generic(b, loc, {x}, {AffineMap::get(3, 0, read, ctx)}, init,
                     AffineMap::getMultiDimIdentityMap(3, ctx),
                     SmallVector<IteratorType>(3, IteratorType::parallel),
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value rec::timeMajor(OpBuilder &b, Location loc, Value x, bool reverse) {
  return swapLeading(b, loc, x,
                     reverse ? std::optional<unsigned>(1) : std::nullopt);
}

Value rec::batchMajor(OpBuilder &b, Location loc, Value x, bool reverse) {
  return swapLeading(b, loc, x,
                     reverse ? std::optional<unsigned>(0) : std::nullopt);
}

Value rec::timeMajorMask(OpBuilder &b, Location loc, Value mask, bool reverse) {
  ArrayRef<int64_t> s = tb::shapeOf(mask);
  MLIRContext *ctx = b.getContext();
  AffineExpr t = getAffineDimExpr(0, ctx);
  AffineMap read = AffineMap::get(
      2, 0, {getAffineDimExpr(1, ctx), reverse ? s[1] - 1 - t : t}, ctx);
  Value init = tensor::EmptyOp::create(b, loc, {s[1], s[0]}, b.getF32Type());
  return tb::generic(b, loc, {mask}, {read}, init,
                     AffineMap::getMultiDimIdentityMap(2, ctx),
                     SmallVector<IteratorType>(2, IteratorType::parallel),
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

void rec::padStepGrads(OpBuilder &b, Location loc, Value m,
                       MutableArrayRef<Value> d, unsigned gates,
                       ValueRange passed) {
  Value zero = tb::f32(b, loc, 0);
  for (unsigned k = 0; k < d.size(); ++k)
    d[k] = tb::stepOrKeep(b, loc, m, d[k], k < gates ? zero : passed[k - gates]);
}

Value rec::collapseLeading(OpBuilder &b, Location loc, Value x) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  auto type = RankedTensorType::get({s[0] * s[1], s[2]}, b.getF32Type());
  return tensor::CollapseShapeOp::create(
      b, loc, type, x, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

Value rec::expandLeading(OpBuilder &b, Location loc, Value x, int64_t first) {
  ArrayRef<int64_t> s = tb::shapeOf(x);
  auto type =
      RankedTensorType::get({first, s[0] / first, s[1]}, b.getF32Type());
  return tensor::ExpandShapeOp::create(
      b, loc, type, x, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

Value rec::initialStates(OpBuilder &b, Location loc, int64_t steps,
                         int64_t batch, int64_t units) {
  // Only row 0 filled: one fill of the whole tensor would be copied by
  // bufferization (0.4 MB per step for the spam LSTM's two states).
  return setRow(b, loc, tb::filled(b, loc, {batch, units}, 0.0),
                tensor::EmptyOp::create(b, loc, {steps + 1, batch, units},
                                        b.getF32Type()),
                b.getIndexAttr(0));
}

Value rec::layerOutput(OpBuilder &b, Location loc, Value h, SequenceMode mode) {
  int64_t steps = tb::shapeOf(h)[0] - 1;
  if (!mode.returnSequences)
    return row(b, loc, h, b.getIndexAttr(steps));
  Value seq = batchMajor(b, loc, rows(b, loc, h, 1, steps), mode.reverse);
  if (!mode.mask)
    return seq;
  // A padding step's element is zeros (its state is the previous one's).
  return tb::mapWithLast(
      b, loc, seq, mode.mask, [](OpBuilder &nb, Location nl, ValueRange a) {
        return tb::stepOrKeep(nb, nl, a[1], a[0], tb::f32(nb, nl, 0));
      });
}

ProductGrads rec::productGrads(OpBuilder &b, Location loc, Value dIn,
                               Value dState, Value xFlat, Value h, Value kernel,
                               bool reverse) {
  int64_t steps = tb::shapeOf(h)[0] - 1;
  ProductGrads g;
  g.dkernel = tb::matmul(b, loc, xFlat, dIn, true, false);
  Value hPrev = collapseLeading(b, loc, rows(b, loc, h, 0, steps));
  g.drecurrent = tb::matmul(b, loc, hPrev, dState, true, false);
  Value dxFlat = tb::matmul(b, loc, dIn, kernel, false, true);
  g.dx = batchMajor(b, loc, expandLeading(b, loc, dxFlat, steps), reverse);
  return g;
}

SmallVector<Value> rec::cellGeneric(OpBuilder &b, Location loc, ValueRange ins,
                                    ValueRange outs, MultiBody body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(ins.size() + outs.size(),
                              AffineMap::getMultiDimIdentityMap(2, ctx));
  for (auto [i, v] : llvm::enumerate(ins))
    if (tb::shapeOf(v).size() == 1)
      maps[i] = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange(outs), ins, outs, maps,
      SmallVector<IteratorType>(2, IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return SmallVector<Value>(op.getResults());
}

/// The blocks of `u` along dimension `dim` of a 2-D tensor.
static SmallVector<Value> blocksAlong(OpBuilder &b, Location loc, Value x,
                                      unsigned dim, int64_t u) {
  SmallVector<int64_t> sizes(tb::shapeOf(x));
  int64_t count = sizes[dim] / u;
  sizes[dim] = u;
  SmallVector<Value> blocks;
  for (int64_t k = 0; k < count; ++k) {
    SmallVector<int64_t> offsets{0, 0};
    offsets[dim] = k * u;
    blocks.push_back(tensor::ExtractSliceOp::create(
        b, loc, x, tb::indexAttrs(b, offsets), tb::indexAttrs(b, sizes),
        tb::indexAttrs(b, {1, 1})));
  }
  return blocks;
}

SmallVector<Value> rec::gateSlices(OpBuilder &b, Location loc, Value z,
                                   int64_t u) {
  return blocksAlong(b, loc, z, 1, u);
}

SmallVector<Value> rec::rowBlocks(OpBuilder &b, Location loc, Value x,
                                  int64_t u) {
  return blocksAlong(b, loc, x, 0, u);
}

SmallVector<Value> rec::perBatchPart(OpBuilder &b, Location loc, int64_t parts,
                                     ArrayRef<Batched> ins,
                                     ArrayRef<Batched> outs, PartBody body) {
  auto values = [](ArrayRef<Batched> xs) {
    SmallVector<Value> v;
    for (const Batched &x : xs)
      v.push_back(x.v);
    return v;
  };
  if (parts <= 1)
    return body(b, loc, values(ins), values(outs));
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(parts)}, values(outs),
      std::nullopt);
  forall->setAttr("lathe.parts", b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value p = forall.getInductionVar(0);
  SmallVector<Value> partIns, partOuts;
  for (const Batched &x : ins)
    partIns.push_back(batchPart(b, loc, x.v, x.dim, p, parts));
  for (auto [x, arg] : llvm::zip(outs, forall.getRegionIterArgs()))
    partOuts.push_back(batchPart(b, loc, arg, x.dim, p, parts));
  SmallVector<Value> results = body(b, loc, partIns, partOuts);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [r, part, arg] :
       llvm::zip(results, partOuts, forall.getRegionIterArgs())) {
    auto slice = part.getDefiningOp<tensor::ExtractSliceOp>();
    tensor::ParallelInsertSliceOp::create(
        b, loc, r, arg, slice.getMixedOffsets(), slice.getMixedSizes(),
        slice.getMixedStrides());
  }
  return SmallVector<Value>(forall.getResults());
}

int64_t rec::recurrenceParts(OpBuilder &b, int64_t batch) {
  Operation *at = b.getInsertionBlock()->getParentOp();
  auto module =
      isa<ModuleOp>(at) ? cast<ModuleOp>(at) : at->getParentOfType<ModuleOp>();
  auto attr = module ? module->getAttrOfType<IntegerAttr>("lathe.step_parts")
                     : IntegerAttr();
  for (int64_t parts = attr ? attr.getInt() : 1; parts > 1; --parts)
    if (batch % parts == 0 && batch / parts >= 8)
      return parts;
  return 1;
}
