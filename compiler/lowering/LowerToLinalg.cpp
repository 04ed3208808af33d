//===- LowerToLinalg.cpp - Lathe ops to linalg on tensors -----------------===//
//
// Each Lathe op becomes a few structured ops from TensorBuilders. Losses
// reduce to per-sample values first and then to a weighted batch mean, so
// the optional mask of a partial batch costs one multiply.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/BatchNorm.h"
#include "compiler/lowering/ConvLowering.h"
#include "compiler/lowering/LayerNorm.h"
#include "compiler/lowering/LossTargets.h"
#include "compiler/lowering/Lowering.h"
#include "compiler/lowering/Conv1DLowering.h"
#include "compiler/lowering/GRULowering.h"
#include "compiler/lowering/RecurrentLowering.h"
#include "compiler/lowering/TensorBuilders.h"
#include "dialect/LatheOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHELOWERTOLINALG
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;

namespace {
constexpr double kEps = 1e-7; // probabilities are clamped to [eps, 1 - eps]

Value clampProb(OpBuilder &b, Location loc, Value p, bool upper) {
  Value c = arith::MaximumFOp::create(b, loc, p, tb::f32(b, loc, kEps));
  if (upper)
    c = arith::MinimumFOp::create(b, loc, c, tb::f32(b, loc, 1.0 - kEps));
  return c;
}

Value flat2D(OpBuilder &b, Location loc, Value v) {
  ArrayRef<int64_t> s = tb::shapeOf(v);
  if (s.size() == 2)
    return v;
  if (s.size() == 1)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({s[0], 1}, b.getF32Type()), v,
        ArrayRef<ReassociationIndices>{{0, 1}});
  return tb::reshapeTo(b, loc, v,
                       {s[0], ShapedType::getNumElements(s.drop_front())});
}

Value sumLast(OpBuilder &b, Location loc, Value x) {
  return tb::reduceLast(b, loc, x, 0.0,
                        [](OpBuilder &nb, Location nl, ValueRange a) {
                          return Value(arith::AddFOp::create(nb, nl, a[0], a[1]));
                        });
}
} // namespace

Value lathe::lowerSoftmax(OpBuilder &b, Location loc, Value x) {
  Value mx = tb::reduceLast(
      b, loc, x, -std::numeric_limits<double>::infinity(),
      [](OpBuilder &nb, Location nl, ValueRange a) {
        return Value(arith::MaximumFOp::create(nb, nl, a[0], a[1]));
      });
  Value e = tb::mapWithLast(b, loc, x, mx,
                            [](OpBuilder &nb, Location nl, ValueRange a) {
                              Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
                              return Value(math::ExpOp::create(nb, nl, d));
                            });
  Value s = sumLast(b, loc, e);
  return tb::mapWithLast(b, loc, e, s,
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return Value(arith::DivFOp::create(nb, nl, a[0], a[1]));
                         });
}

Value lathe::lowerActivation(OpBuilder &b, Location loc, Operation *op,
                             Value x) {
  auto unary = [&](auto fn) {
    return tb::map(b, loc, {x}, [&](OpBuilder &nb, Location nl, ValueRange a) {
      return fn(nb, nl, a[0]);
    });
  };
  return TypeSwitch<Operation *, Value>(op)
      .Case([&](ReluOp) {
        return unary([](OpBuilder &nb, Location nl, Value v) {
          return Value(arith::MaximumFOp::create(nb, nl, v, tb::f32(nb, nl, 0)));
        });
      })
      .Case([&](SigmoidOp) {
        return unary([](OpBuilder &nb, Location nl, Value v) {
          Value n = arith::NegFOp::create(nb, nl, v);
          Value e = math::ExpOp::create(nb, nl, n);
          Value d = arith::AddFOp::create(nb, nl, tb::f32(nb, nl, 1), e);
          return Value(arith::DivFOp::create(nb, nl, tb::f32(nb, nl, 1), d));
        });
      })
      .Case([&](TanhOp) {
        return unary([](OpBuilder &nb, Location nl, Value v) {
          return Value(math::TanhOp::create(nb, nl, v));
        });
      })
      .Case([&](LeakyReluOp l) {
        double alpha = l.getAlpha().convertToDouble();
        return unary([&](OpBuilder &nb, Location nl, Value v) {
          Value s = arith::MulFOp::create(nb, nl, v, tb::f32(nb, nl, alpha));
          return Value(arith::MaximumFOp::create(nb, nl, v, s));
        });
      })
      .Case([&](SoftmaxOp) { return lowerSoftmax(b, loc, x); })
      .Default([](Operation *) { return Value(); });
}

Value lathe::lowerLoss(OpBuilder &b, Location loc, Operation *op) {
  Value p = op->getOperand(0), t = op->getOperand(1);
  Value mask = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  int64_t batch = tb::shapeOf(p)[0];
  Value perSample;
  double scale = 1.0;
  if (isa<MSEOp, BinaryCrossEntropyOp>(op)) {
    bool mse = isa<MSEOp>(op);
    Value e = tb::map(b, loc, {p, t}, [&](OpBuilder &nb, Location nl,
                                         ValueRange a) {
      if (mse) {
        Value d = arith::SubFOp::create(nb, nl, a[0], a[1]);
        return Value(arith::MulFOp::create(nb, nl, d, d));
      }
      Value pc = clampProb(nb, nl, a[0], true);
      Value one = tb::f32(nb, nl, 1);
      Value lp = math::LogOp::create(nb, nl, pc);
      Value lq = math::LogOp::create(
          nb, nl, arith::SubFOp::create(nb, nl, one, pc));
      Value tq = arith::SubFOp::create(nb, nl, one, a[1]);
      Value s = arith::AddFOp::create(
          nb, nl, arith::MulFOp::create(nb, nl, a[1], lp),
          arith::MulFOp::create(nb, nl, tq, lq));
      return Value(arith::NegFOp::create(nb, nl, s));
    });
    e = flat2D(b, loc, e);
    scale = 1.0 / double(tb::shapeOf(e)[1]);
    perSample = sumLast(b, loc, e);
  } else if (auto cce = dyn_cast<CategoricalCrossEntropyOp>(op)) {
    SmoothedTarget q(cce.getLabelSmoothing(), tb::shapeOf(p)[1]);
    Value e = tb::map(b, loc, {p, t}, [&](OpBuilder &nb, Location nl,
                                         ValueRange a) {
      Value lp = math::LogOp::create(nb, nl, clampProb(nb, nl, a[0], false));
      return Value(arith::NegFOp::create(
          nb, nl, arith::MulFOp::create(nb, nl, q.of(nb, nl, a[1]), lp)));
    });
    perSample = sumLast(b, loc, e);
  } else {
    // -log p[i, label[i]]: a reduction over classes that picks one column;
    // with label smoothing e, -sum over classes of q log p (q = 1 - e + e/K
    // at the label, e/K elsewhere).
    SmoothedTarget q(
        cast<SparseCategoricalCrossEntropyOp>(op).getLabelSmoothing(),
        tb::shapeOf(p)[1]);
    MLIRContext *ctx = b.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
    auto row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    perSample = tb::generic(
        b, loc, {p, t}, {id, row}, tb::filled(b, loc, {batch}, 0.0), row,
        {utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value hit = labelHit(nb, nl, a[1]);
          Value lp = math::LogOp::create(nb, nl, clampProb(nb, nl, a[0], false));
          Value neg = arith::NegFOp::create(nb, nl, lp);
          Value v = q.spread == 0
                        ? Value(arith::SelectOp::create(nb, nl, hit, neg,
                                                        tb::f32(nb, nl, 0)))
                        : Value(arith::MulFOp::create(nb, nl,
                                                      q.ofHit(nb, nl, hit), neg));
          return Value(arith::AddFOp::create(nb, nl, a[2], v));
        });
  }
  Value w = tb::sampleWeights(b, loc, mask, batch, tb::f32(b, loc, scale));
  Value weighted = tb::map(b, loc, {perSample, w},
                           [](OpBuilder &nb, Location nl, ValueRange a) {
                             return Value(arith::MulFOp::create(nb, nl, a[0], a[1]));
                           });
  return tb::sumAll(b, loc, weighted);
}

Value lathe::lowerDense(OpBuilder &b, Location loc, Value x, Value w,
                        Value bias) {
  ArrayRef<int64_t> xs = tb::shapeOf(x), ws = tb::shapeOf(w);
  MLIRContext *ctx = b.getContext();
  auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto col = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  Value empty = tensor::EmptyOp::create(b, loc, {xs[0], ws[1]}, b.getF32Type());
  Value init = tb::generic(
      b, loc, {bias}, {col}, empty, id,
      {utils::IteratorType::parallel, utils::IteratorType::parallel},
      [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  return tb::matmul(b, loc, x, w, false, false, init);
}

FailureOr<Value> lathe::lowerOp(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  if (auto d = dyn_cast<DenseOp>(op))
    return lowerDense(b, loc, d.getInput(), d.getWeight(), d.getBias());
  if (isa<ReluOp, SigmoidOp, TanhOp, LeakyReluOp, SoftmaxOp>(op))
    return lowerActivation(b, loc, op, op->getOperand(0));
  if (isa<MSEOp, BinaryCrossEntropyOp, CategoricalCrossEntropyOp,
          SparseCategoricalCrossEntropyOp>(op))
    return lowerLoss(b, loc, op);
  if (auto c = dyn_cast<Conv1DOp>(op))
    return lowerConv1D(b, loc, c.getInput(), c.getFilter(), c.getBias(),
                       int64_t(c.getStride()), c.getPadding() == "same");
  if (auto m = dyn_cast<MaxPool1DOp>(op))
    return lowerPool1D(b, loc, m.getInput(), int64_t(m.getSize()),
                       int64_t(m.getStride()), /*max=*/true);
  if (auto m = dyn_cast<AvgPool1DOp>(op))
    return lowerPool1D(b, loc, m.getInput(), int64_t(m.getSize()),
                       int64_t(m.getStride()), /*max=*/false);
  if (auto c = dyn_cast<Conv2DOp>(op))
    return lowerConv2D(b, loc, c.getInput(), c.getFilter(), c.getBias(),
                       int64_t(c.getStride()), c.getPadding() == "same");
  if (auto c = dyn_cast<Conv2DTransposeOp>(op))
    return lowerConv2DTranspose(b, loc, c.getInput(), c.getFilter(),
                                c.getBias(), int64_t(c.getStride()),
                                c.getPadding() == "same");
  if (auto m = dyn_cast<MaxPool2DOp>(op))
    return lowerMaxPool(b, loc, m.getInput(), int64_t(m.getSize()),
                        int64_t(m.getStride()));
  if (auto n = dyn_cast<LayerNormOp>(op))
    return lowerLayerNorm(b, loc, n.getInput(), n.getGamma(), n.getBeta(),
                          n.getEpsilon().convertToDouble());
  if (auto n = dyn_cast<BatchNormOp>(op))
    return lowerBatchNorm(b, loc, n.getInput(), n.getGamma(), n.getBeta(),
                          n.getMean(), n.getVar(),
                          n.getEpsilon().convertToDouble());
  if (auto m = dyn_cast<AvgPool2DOp>(op))
    return lowerAvgPool(b, loc, m.getInput(), int64_t(m.getSize()),
                        int64_t(m.getStride()));
  if (auto m = dyn_cast<GlobalAvgPoolOp>(op))
    return lowerGlobalAvgPool(b, loc, m.getInput(), m.getMask());
  if (auto m = dyn_cast<SequenceMaskOp>(op))
    return lowerSequenceMask(b, loc, m.getIds());
  if (auto m = dyn_cast<GlobalMaxPoolOp>(op))
    return lowerGlobalMaxPool(b, loc, m.getInput(), m.getMask());
  if (auto e = dyn_cast<EmbeddingOp>(op))
    return lowerEmbedding(b, loc, e.getIds(), e.getTable());
  if (auto l = dyn_cast<LSTMOp>(op))
    return lowerLSTM(b, loc, l.getInput(), l.getKernel(), l.getRecurrent(),
                     l.getBias(), sequenceMode(l))
        .out;
  if (auto l = dyn_cast<GRUOp>(op))
    return lowerGRU(b, loc, l.getInput(), l.getKernel(), l.getRecurrent(),
                    l.getBias(), sequenceMode(l))
        .out;
  if (auto c = dyn_cast<ConcatOp>(op))
    return tb::concatLast(b, loc, c.getInputs());
  if (auto d = dyn_cast<DropoutOp>(op)) {
    if (!d.getSeed())
      return d.getInput(); // evaluation and prediction
    return applyDropoutMask(b, loc, d.getInput(), d.getSeed(),
                            int64_t(d.getStream()),
                            d.getRate().convertToDouble());
  }
  if (isa<FlattenOp, ReshapeOp>(op))
    return tb::reshapeTo(
        b, loc, op->getOperand(0),
        cast<RankedTensorType>(op->getResult(0).getType()).getShape());
  return op->emitError() << "'" << op->getName()
                         << "' cannot be compiled to native code yet";
}

namespace {
struct LowerToLinalgPass
    : lathe::impl::LatheLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<LatheDialect>(op->getDialect()) &&
          !isa<SupervisedOp, GanOp>(op))
        ops.push_back(op);
    });
    bool failed = false;
    for (Operation *op : ops) {
      // Autodiff leaves a layer dead where its gradient rule rebuilt the
      // forward pass with the activations the backward pass needs.
      if (op->use_empty()) {
        op->erase();
        continue;
      }
      OpBuilder b(op);
      if (auto n = dyn_cast<BatchNormTrainOp>(op)) {
        op->replaceAllUsesWith(
            lowerBatchNormTrain(b, op->getLoc(), n.getInput(), n.getGamma(),
                                n.getBeta(), n.getMean(), n.getVar(),
                                n.getMask(), n.getEpsilon().convertToDouble(),
                                n.getMomentum().convertToDouble()));
        op->erase();
        continue;
      }
      FailureOr<Value> v = lowerOp(b, op);
      if (mlir::failed(v)) {
        failed = true;
        continue;
      }
      op->getResult(0).replaceAllUsesWith(*v);
      op->erase();
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
