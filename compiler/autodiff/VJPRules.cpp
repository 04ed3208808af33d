//===- VJPRules.cpp - Gradient rules of the Lathe ops ---------------------===//
//
// One rule per op, all in this table. `y` is the op's result, `dy` its
// gradient; rules prefer the result over recomputation where the derivative
// is a function of it (sigmoid, tanh, softmax).
//
//===----------------------------------------------------------------------===//
#include "compiler/autodiff/VJPRules.h"
#include "compiler/lowering/BatchNorm.h"
#include "compiler/lowering/ConvLowering.h"
#include "compiler/lowering/LayerNorm.h"
#include "compiler/lowering/LossTargets.h"
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

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;

namespace {
using Grads = SmallVector<Value>;

Value maxPool1DBackward(OpBuilder &b, Location l, Value x, Value dy, int64_t k,
                        int64_t s) {
  return pool1DBackward(b, l, x, dy, k, s, /*max=*/true);
}
Value avgPool1DBackward(OpBuilder &b, Location l, Value x, Value dy, int64_t k,
                        int64_t s) {
  return pool1DBackward(b, l, x, dy, k, s, /*max=*/false);
}
constexpr double kEps = 1e-7; // must match the forward clamp

using tb::mul;
using tb::sub;
Value cst(OpBuilder &b, Location l, double v) { return tb::f32(b, l, v); }

/// Inside [eps, 1 - eps] the clamp passes the gradient; outside it is zero.
Value insideClamp(OpBuilder &b, Location l, Value p, bool upper) {
  Value ok = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, p,
                                   cst(b, l, kEps));
  if (upper)
    ok = arith::AndIOp::create(
        b, l, ok,
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, p,
                              cst(b, l, 1.0 - kEps)));
  return ok;
}

Grads lossVJP(OpBuilder &b, Location loc, Operation *op, Value dy) {
  Value p = op->getOperand(0), t = op->getOperand(1);
  Value mask = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  ArrayRef<int64_t> shape = tb::shapeOf(p);
  double perSample = 1.0;
  if (isa<MSEOp, BinaryCrossEntropyOp>(op))
    perSample = double(ShapedType::getNumElements(shape.drop_front()));
  Value scale = arith::DivFOp::create(b, loc, tb::scalarAt(b, loc, dy),
                                      cst(b, loc, perSample));
  Value w = tb::sampleWeights(b, loc, mask, shape[0], scale);
  Value dp;
  if (isa<MSEOp>(op)) {
    dp = tb::mapWithFirst(b, loc, {p, t}, w,
                          [](OpBuilder &nb, Location nl, ValueRange a) {
                            Value d = sub(nb, nl, a[0], a[1]);
                            return mul(nb, nl, mul(nb, nl, d, cst(nb, nl, 2)),
                                       a[2]);
                          });
  } else if (isa<BinaryCrossEntropyOp>(op)) {
    dp = tb::mapWithFirst(
        b, loc, {p, t}, w, [](OpBuilder &nb, Location nl, ValueRange a) {
          Value one = cst(nb, nl, 1);
          Value pc = arith::MinimumFOp::create(
              nb, nl, arith::MaximumFOp::create(nb, nl, a[0], cst(nb, nl, kEps)),
              cst(nb, nl, 1 - kEps));
          Value den = mul(nb, nl, pc, sub(nb, nl, one, pc));
          Value g = arith::DivFOp::create(nb, nl, sub(nb, nl, pc, a[1]), den);
          g = mul(nb, nl, g, a[2]);
          return Value(arith::SelectOp::create(
              nb, nl, insideClamp(nb, nl, a[0], true), g, cst(nb, nl, 0)));
        });
  } else if (auto cce = dyn_cast<CategoricalCrossEntropyOp>(op)) {
    SmoothedTarget q(cce.getLabelSmoothing(), shape[1]);
    dp = tb::mapWithFirst(
        b, loc, {p, t}, w, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value pc = arith::MaximumFOp::create(nb, nl, a[0], cst(nb, nl, kEps));
          Value g = arith::DivFOp::create(nb, nl, q.of(nb, nl, a[1]), pc);
          g = arith::NegFOp::create(nb, nl, mul(nb, nl, g, a[2]));
          return Value(arith::SelectOp::create(
              nb, nl, insideClamp(nb, nl, a[0], false), g, cst(nb, nl, 0)));
        });
  } else {
    // -w / p at the label (where p is inside the clamp); with label
    // smoothing, -w q / p at every class.
    SmoothedTarget q(
        cast<SparseCategoricalCrossEntropyOp>(op).getLabelSmoothing(),
        shape[1]);
    MLIRContext *ctx = b.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
    auto row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
    dp = tb::generic(
        b, loc, {p, t, w}, {id, row, row}, init, id,
        {utils::IteratorType::parallel, utils::IteratorType::parallel},
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value hit = labelHit(nb, nl, a[1]);
          Value inside = insideClamp(nb, nl, a[0], false);
          Value pc = arith::MaximumFOp::create(nb, nl, a[0], cst(nb, nl, kEps));
          Value wq = q.spread == 0 ? a[2] : mul(nb, nl, a[2], q.ofHit(nb, nl, hit));
          Value g = arith::NegFOp::create(nb, nl,
                                          arith::DivFOp::create(nb, nl, wq, pc));
          Value take = q.spread == 0 ? Value(arith::AndIOp::create(nb, nl, hit, inside))
                                     : inside;
          return Value(arith::SelectOp::create(nb, nl, take, g, cst(nb, nl, 0)));
        });
  }
  Grads g(op->getNumOperands());
  g[0] = dp;
  return g;
}

Value elementwise(OpBuilder &b, Location loc, Value a, Value c,
                  function_ref<Value(OpBuilder &, Location, Value, Value)> f) {
  return tb::map(b, loc, {a, c}, [&](OpBuilder &nb, Location nl, ValueRange v) {
    return f(nb, nl, v[0], v[1]);
  });
}
} // namespace

FailureOr<SmallVector<Value>> lathe::buildVJP(OpBuilder &b, Operation *op,
                                              Value dy) {
  Location loc = op->getLoc();
  Value y = op->getNumResults() ? op->getResult(0) : Value();
  auto one = [&](Value dx) {
    Grads g(op->getNumOperands());
    g[0] = dx;
    return g;
  };
  // A pooling op's input gradient.
  auto pool = [&](auto m, Value (*backward)(OpBuilder &, Location, Value, Value,
                                            int64_t, int64_t)) {
    return one(backward(b, loc, m.getInput(), dy, int64_t(m.getSize()),
                        int64_t(m.getStride())));
  };
  // A recurrent layer's gradients. The backward loop needs every step's
  // pre-activations and states: the forward loop is rebuilt so that it keeps
  // them, in place of the layer (left dead, and dropped by the lowering).
  auto recurrent = [&](auto l, auto lower, auto backward) {
    decltype(lower(b, loc, l.getInput(), l.getKernel(), l.getRecurrent(),
                   l.getBias(), sequenceMode(l))) fwd;
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(l);
      fwd = lower(b, loc, l.getInput(), l.getKernel(), l.getRecurrent(),
                  l.getBias(), sequenceMode(l));
    }
    l.getResult().replaceAllUsesWith(fwd.out);
    SmallVector<Value> g = backward(b, loc, fwd, l.getInput(), l.getKernel(),
                                    l.getRecurrent(), dy, sequenceMode(l));
    return Grads(g.begin(), g.end());
  };
  return TypeSwitch<Operation *, FailureOr<Grads>>(op)
      .Case([&](DenseOp d) -> FailureOr<Grads> {
        // y = x W + b:  dx = dy Wᵀ,  dW = xᵀ dy,  db = Σ_rows dy
        Value dx = tb::matmul(b, loc, dy, d.getWeight(), false, true);
        Value dw = tb::matmul(b, loc, d.getInput(), dy, true, false);
        Value db = tb::sumFirst(b, loc, dy);
        return Grads{dx, dw, db};
      })
      .Case([&](Conv1DOp c) -> FailureOr<Grads> {
        return conv1DBackward(b, loc, c.getInput(), c.getFilter(), dy,
                              int64_t(c.getStride()),
                              c.getPadding() == "same");
      })
      .Case([&](MaxPool1DOp m) -> FailureOr<Grads> {
        return pool(m, maxPool1DBackward);
      })
      .Case([&](AvgPool1DOp m) -> FailureOr<Grads> {
        return pool(m, avgPool1DBackward);
      })
      .Case([&](Conv2DOp c) -> FailureOr<Grads> {
        // See ConvLowering.cpp: dbias sums, dfilter contracts x with dy,
        // dx correlates the dilated dy with the flipped filter.
        return conv2DBackward(b, loc, c.getInput(), c.getFilter(), dy,
                              int64_t(c.getStride()),
                              c.getPadding() == "same");
      })
      .Case([&](Conv2DTransposeOp c) -> FailureOr<Grads> {
        // Its adjoint is the strided convolution (ConvLowering.cpp).
        return conv2DTransposeBackward(b, loc, c.getInput(), c.getFilter(), dy,
                                       int64_t(c.getStride()),
                                       c.getPadding() == "same");
      })
      .Case([&](MaxPool2DOp m) -> FailureOr<Grads> {
        return pool(m, maxPoolBackward);
      })
      .Case([&](AvgPool2DOp m) -> FailureOr<Grads> {
        return pool(m, avgPoolBackward);
      })
      .Case([&](LayerNormOp n) -> FailureOr<Grads> {
        return layerNormBackward(b, loc, n.getInput(), n.getGamma(), dy,
                                 n.getEpsilon().convertToDouble());
      })
      .Case([&](BatchNormTrainOp n) -> FailureOr<Grads> {
        Grads g =
            batchNormBackward(b, loc, n.getInput(), n.getGamma(), n.getMask(),
                              dy, n.getEpsilon().convertToDouble());
        g.append(n->getNumOperands() - g.size(), Value()); // statistics, mask
        return g;
      })
      .Case([&](GlobalAvgPoolOp m) -> FailureOr<Grads> {
        return one(
            globalAvgPoolBackward(b, loc, m.getInput(), dy, m.getMask()));
      })
      .Case([&](GlobalMaxPoolOp m) -> FailureOr<Grads> {
        return one(globalMaxPoolBackward(b, loc, m.getInput(), m.getResult(),
                                         dy, m.getMask()));
      })
      .Case([&](ReluOp r) -> FailureOr<Grads> {
        return one(elementwise(b, loc, dy, r.getInput(),
                               [](OpBuilder &nb, Location nl, Value g, Value x) {
                                 Value pos = arith::CmpFOp::create(
                                     nb, nl, arith::CmpFPredicate::OGT, x,
                                     cst(nb, nl, 0));
                                 return Value(arith::SelectOp::create(
                                     nb, nl, pos, g, cst(nb, nl, 0)));
                               }));
      })
      .Case([&](LeakyReluOp r) -> FailureOr<Grads> {
        double alpha = r.getAlpha().convertToDouble();
        return one(elementwise(
            b, loc, dy, r.getInput(),
            [&](OpBuilder &nb, Location nl, Value g, Value x) {
              Value pos = arith::CmpFOp::create(
                  nb, nl, arith::CmpFPredicate::OGT, x, cst(nb, nl, 0));
              return Value(arith::SelectOp::create(
                  nb, nl, pos, g, mul(nb, nl, g, cst(nb, nl, alpha))));
            }));
      })
      .Case([&](SigmoidOp) -> FailureOr<Grads> {
        // dx = dy · y (1 - y)
        return one(elementwise(b, loc, dy, y,
                               [](OpBuilder &nb, Location nl, Value g, Value s) {
                                 Value d = mul(nb, nl, s,
                                               sub(nb, nl, cst(nb, nl, 1), s));
                                 return mul(nb, nl, g, d);
                               }));
      })
      .Case([&](TanhOp) -> FailureOr<Grads> {
        // dx = dy · (1 - y²)
        return one(elementwise(b, loc, dy, y,
                               [](OpBuilder &nb, Location nl, Value g, Value t) {
                                 Value d = sub(nb, nl, cst(nb, nl, 1),
                                               mul(nb, nl, t, t));
                                 return mul(nb, nl, g, d);
                               }));
      })
      .Case([&](SoftmaxOp) -> FailureOr<Grads> {
        // dx = y ⊙ (dy - Σ_last(dy ⊙ y))
        Value prod = elementwise(b, loc, dy, y,
                                 [](OpBuilder &nb, Location nl, Value g,
                                    Value s) { return mul(nb, nl, g, s); });
        Value s = tb::reduceLast(b, loc, prod, 0.0,
                                 [](OpBuilder &nb, Location nl, ValueRange a) {
                                   return Value(
                                       arith::AddFOp::create(nb, nl, a[0], a[1]));
                                 });
        Value centered = tb::mapWithLast(
            b, loc, dy, s, [](OpBuilder &nb, Location nl, ValueRange a) {
              return sub(nb, nl, a[0], a[1]);
            });
        return one(elementwise(b, loc, y, centered,
                               [](OpBuilder &nb, Location nl, Value s, Value c) {
                                 return mul(nb, nl, s, c);
                               }));
      })
      .Case([&](EmbeddingOp e) -> FailureOr<Grads> {
        // Token ids have no gradient; the table's is a scatter-add.
        return Grads{Value(), embeddingBackward(b, loc, e.getIds(),
                                                e.getTable(), dy)};
      })
      .Case([&](LSTMOp l) -> FailureOr<Grads> {
        return recurrent(l, lowerLSTM, lstmBackward);
      })
      .Case([&](GRUOp l) -> FailureOr<Grads> {
        return recurrent(l, lowerGRU, gruBackward);
      })
      .Case([&](ConcatOp c) -> FailureOr<Grads> {
        // Each input's gradient is its block of dy's last dimension.
        Grads g;
        int64_t at = 0;
        for (Value in : c.getInputs()) {
          int64_t size = tb::shapeOf(in).back();
          g.push_back(tb::sliceLast(b, loc, dy, at, size));
          at += size;
        }
        return g;
      })
      .Case([&](DropoutOp d) -> FailureOr<Grads> {
        // The same mask again, from the same seed and stream.
        Grads g(op->getNumOperands());
        g[0] = d.getSeed() ? applyDropoutMask(b, loc, dy, d.getSeed(),
                                              int64_t(d.getStream()),
                                              d.getRate().convertToDouble())
                           : dy;
        return g;
      })
      .Case<FlattenOp, ReshapeOp>([&](Operation *) -> FailureOr<Grads> {
        auto in = cast<RankedTensorType>(op->getOperand(0).getType());
        return one(tb::reshapeTo(b, loc, dy, in.getShape()));
      })
      .Case<MSEOp, BinaryCrossEntropyOp, CategoricalCrossEntropyOp,
            SparseCategoricalCrossEntropyOp>(
          [&](Operation *) -> FailureOr<Grads> {
            return lossVJP(b, loc, op, dy);
          })
      .Default([&](Operation *) -> FailureOr<Grads> {
        return op->emitError() << "'" << op->getName()
                               << "' has no gradient rule yet";
      });
}
