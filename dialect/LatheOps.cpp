//===- LatheOps.cpp - Lathe op type inference and verifiers ---------------===//
//
// Layer ops infer their result type from their operands; the inference
// doubles as the verifier, so a shape error names the op's location, which
// MLIR generation sets to the layer's line in the model file.
//
//===----------------------------------------------------------------------===//
#include "dialect/LatheOps.h"
#include "runtime/Schedules.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace lathe;

namespace {
/// Collects a shape-inference failure and reports it at `loc` when present.
struct Checker {
  std::optional<Location> loc;
  LogicalResult fail(const Twine &message) const {
    return emitOptionalError(loc, message);
  }
};

RankedTensorType tensorOf(Type t) { return dyn_cast<RankedTensorType>(t); }

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

LogicalResult expectRank(const Checker &c, RankedTensorType t, int64_t rank,
                         StringRef what) {
  if (!t)
    return c.fail(Twine(what) + " must be a ranked tensor");
  if (t.getRank() != rank)
    return c.fail(Twine(what) + " must have rank " + Twine(rank) + ", got " +
                  shapeStr(t.getShape()));
  if (!t.hasStaticShape())
    return c.fail(Twine(what) + " must have a static shape, got " +
                  shapeStr(t.getShape()));
  return success();
}

/// Output size of a strided window of `k` over `in` with the given padding.
FailureOr<int64_t> convOutSize(const Checker &c, int64_t in, int64_t k,
                               int64_t stride, StringRef padding) {
  if (padding == "same")
    return (in + stride - 1) / stride;
  if (padding != "valid")
    return c.fail("padding must be \"valid\" or \"same\", got \"" + padding +
                  "\"");
  if (k > in)
    return c.fail("window of " + Twine(k) + " does not fit input size " +
                  Twine(in) + " without padding");
  return (in - k) / stride + 1;
}

Type f32Tensor(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}
} // namespace

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  auto w = tensorOf(adaptor.getWeight().getType());
  auto b = tensorOf(adaptor.getBias().getType());
  if (failed(expectRank(c, x, 2, "dense input")) ||
      failed(expectRank(c, w, 2, "dense weight")) ||
      failed(expectRank(c, b, 1, "dense bias")))
    return failure();
  if (w.getDimSize(0) != x.getDimSize(1))
    return c.fail("dense weight " + shapeStr(w.getShape()) +
                  " does not take " + Twine(x.getDimSize(1)) +
                  " input features");
  if (b.getDimSize(0) != w.getDimSize(1))
    return c.fail("dense bias " + shapeStr(b.getShape()) +
                  " does not match " + Twine(w.getDimSize(1)) + " units");
  results.push_back(f32Tensor(ctx, {x.getDimSize(0), w.getDimSize(1)}));
  return success();
}

/// The operands of convolution `op`: an input and a filter of `rank`, a
/// bias of the filters; the filter's dimension `in` is the input's channels
/// (the input's last dimension) and its dimension `out` the filters.
static LogicalResult checkConvOperands(const Checker &c, StringRef op,
                                       RankedTensorType x, RankedTensorType f,
                                       RankedTensorType b, int64_t rank,
                                       unsigned in, unsigned out) {
  if (failed(expectRank(c, x, rank, (op + " input").str())) ||
      failed(expectRank(c, f, rank, (op + " filter").str())) ||
      failed(expectRank(c, b, 1, (op + " bias").str())))
    return failure();
  int64_t channels = x.getDimSize(rank - 1);
  if (f.getDimSize(in) != channels)
    return c.fail(op + " filter " + shapeStr(f.getShape()) + " expects " +
                  Twine(f.getDimSize(in)) + " input channels, input has " +
                  Twine(channels));
  if (b.getDimSize(0) != f.getDimSize(out))
    return c.fail(op + " bias " + shapeStr(b.getShape()) + " does not match " +
                  Twine(f.getDimSize(out)) + " filters");
  return success();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  auto f = tensorOf(adaptor.getFilter().getType());
  auto b = tensorOf(adaptor.getBias().getType());
  if (failed(checkConvOperands(c, "conv2d", x, f, b, 4, 2, 3)))
    return failure();
  int64_t stride = adaptor.getStride();
  if (stride <= 0)
    return c.fail("stride must be positive");
  auto h = convOutSize(c, x.getDimSize(1), f.getDimSize(0), stride,
                       adaptor.getPadding());
  if (failed(h))
    return failure();
  auto w = convOutSize(c, x.getDimSize(2), f.getDimSize(1), stride,
                       adaptor.getPadding());
  if (failed(w))
    return failure();
  results.push_back(
      f32Tensor(ctx, {x.getDimSize(0), *h, *w, f.getDimSize(3)}));
  return success();
}

LogicalResult Conv2DTransposeOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  auto f = tensorOf(adaptor.getFilter().getType());
  auto b = tensorOf(adaptor.getBias().getType());
  if (failed(checkConvOperands(c, "conv2d_transpose", x, f, b, 4, 3, 2)))
    return failure();
  int64_t s = adaptor.getStride();
  if (s <= 0)
    return c.fail("stride must be positive");
  StringRef padding = adaptor.getPadding();
  auto out = [&](int64_t in, int64_t k) {
    return padding == "same" ? in * s : (in - 1) * s + k;
  };
  if (padding != "same" && padding != "valid")
    return c.fail("padding must be \"valid\" or \"same\", got \"" + padding +
                  "\"");
  results.push_back(f32Tensor(ctx, {x.getDimSize(0),
                                    out(x.getDimSize(1), f.getDimSize(0)),
                                    out(x.getDimSize(2), f.getDimSize(1)),
                                    f.getDimSize(2)}));
  return success();
}

/// The result of a pooling op over `size`×`size` windows moved by `stride`.
template <typename Adaptor>
static LogicalResult inferPool(MLIRContext *ctx, std::optional<Location> loc,
                               Adaptor adaptor, const char *what,
                               SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  if (failed(expectRank(c, x, 4, what)))
    return failure();
  int64_t k = adaptor.getSize(), s = adaptor.getStride();
  if (k <= 0 || s <= 0)
    return c.fail("pool size and stride must be positive");
  auto h = convOutSize(c, x.getDimSize(1), k, s, "valid");
  if (failed(h))
    return failure();
  auto w = convOutSize(c, x.getDimSize(2), k, s, "valid");
  if (failed(w))
    return failure();
  results.push_back(
      f32Tensor(ctx, {x.getDimSize(0), *h, *w, x.getDimSize(3)}));
  return success();
}

LogicalResult Conv1DOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  auto f = tensorOf(adaptor.getFilter().getType());
  auto b = tensorOf(adaptor.getBias().getType());
  if (failed(checkConvOperands(c, "conv1d", x, f, b, 3, 1, 2)))
    return failure();
  auto t = convOutSize(c, x.getDimSize(1), f.getDimSize(0),
                       adaptor.getStride(), adaptor.getPadding());
  if (failed(t))
    return failure();
  results.push_back(f32Tensor(ctx, {x.getDimSize(0), *t, f.getDimSize(2)}));
  return success();
}

template <typename Adaptor>
static LogicalResult inferPool1D(MLIRContext *ctx, std::optional<Location> loc,
                                 Adaptor adaptor, const char *what,
                                 SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  if (failed(expectRank(c, x, 3, what)))
    return failure();
  auto t = convOutSize(c, x.getDimSize(1), adaptor.getSize(),
                       adaptor.getStride(), "valid");
  if (failed(t))
    return failure();
  results.push_back(f32Tensor(ctx, {x.getDimSize(0), *t, x.getDimSize(2)}));
  return success();
}

LogicalResult MaxPool1DOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool1D(ctx, loc, adaptor, "maxpool1d input", results);
}

LogicalResult AvgPool1DOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool1D(ctx, loc, adaptor, "avgpool1d input", results);
}

LogicalResult MaxPool2DOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool(ctx, loc, adaptor, "maxpool2d input", results);
}

LogicalResult AvgPool2DOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool(ctx, loc, adaptor, "avgpool2d input", results);
}

/// A sequence mask for `x` [batch, time, ...]: [batch, time].
static LogicalResult checkMask(std::optional<Location> loc, StringRef op,
                               RankedTensorType x, Value mask) {
  Checker c{loc};
  auto m = tensorOf(mask.getType());
  if (!m || m.getRank() != 2 || m.getDimSize(0) != x.getDimSize(0) ||
      m.getDimSize(1) != x.getDimSize(1))
    return c.fail(op + " mask must be [" + Twine(x.getDimSize(0)) + ", " +
                  Twine(x.getDimSize(1)) + "] (batch, time), got " +
                  (m ? shapeStr(m.getShape()) : std::string("no tensor")));
  return success();
}

/// [batch, positions..., c] -> [batch, c] of an image or a sequence, the
/// sequence's steps masked with `mask` (if any).
static LogicalResult inferGlobalPool(MLIRContext *ctx,
                                     std::optional<Location> loc, Value input,
                                     Value mask, StringRef op,
                                     SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(input.getType());
  if (failed(expectRank(c, x, x && x.getRank() == 3 ? 3 : 4,
                        (op + " input").str())))
    return failure();
  if (mask && x.getRank() != 3)
    return c.fail(op + ": only a sequence [batch, time, c] takes a mask");
  if (mask && failed(checkMask(loc, op, x, mask)))
    return failure();
  results.push_back(
      f32Tensor(ctx, {x.getDimSize(0), x.getShape().back()}));
  return success();
}

LogicalResult
GlobalAvgPoolOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  return inferGlobalPool(ctx, loc, adaptor.getInput(), adaptor.getMask(),
                         "global_avgpool", results);
}

LogicalResult
GlobalMaxPoolOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &results) {
  return inferGlobalPool(ctx, loc, adaptor.getInput(), adaptor.getMask(),
                         "global_maxpool", results);
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(adaptor.getInput().getType());
  if (!x || x.getRank() < 1 || !x.hasStaticShape())
    return c.fail("flatten input must be a static tensor with a batch "
                  "dimension");
  int64_t n = 1;
  for (int64_t d : x.getShape().drop_front())
    n *= d;
  results.push_back(f32Tensor(ctx, {x.getDimSize(0), n}));
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto x = getInput().getType(), y = getResult().getType();
  if (!x.hasStaticShape() || !y.hasStaticShape())
    return emitOpError("needs static shapes");
  if (x.getRank() < 1 || y.getRank() < 1 || x.getDimSize(0) != y.getDimSize(0))
    return emitOpError("must keep the batch dimension: ")
           << shapeStr(x.getShape()) << " to " << shapeStr(y.getShape());
  if (x.getNumElements() != y.getNumElements())
    return emitOpError("cannot reshape ")
           << shapeStr(x.getShape()) << " (" << x.getNumElements()
           << " elements) to " << shapeStr(y.getShape()) << " ("
           << y.getNumElements() << " elements)";
  return success();
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *ctx,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto ids = tensorOf(adaptor.getIds().getType());
  auto table = tensorOf(adaptor.getTable().getType());
  if (failed(expectRank(c, ids, 2, "embedding ids")) ||
      failed(expectRank(c, table, 2, "embedding table")))
    return failure();
  results.push_back(f32Tensor(
      ctx, {ids.getDimSize(0), ids.getDimSize(1), table.getDimSize(1)}));
  return success();
}

LogicalResult SequenceMaskOp::inferReturnTypes(MLIRContext *ctx,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto ids = tensorOf(adaptor.getIds().getType());
  if (failed(expectRank(c, ids, 2, "sequence_mask ids")))
    return failure();
  results.push_back(f32Tensor(ctx, ids.getShape()));
  return success();
}

/// The result of a recurrent layer with `gates` gates: an LSTM's bias is
/// [4*units], a GRU's [2, 3*units] (one row for the input, one for the
/// state).
static LogicalResult inferRecurrent(MLIRContext *ctx,
                                    std::optional<Location> loc, StringRef op,
                                    int64_t gates, Value input, Value kernel,
                                    Value recurrent, Value bias, Value mask,
                                    bool returnSequences,
                                    SmallVectorImpl<Type> &results) {
  Checker c{loc};
  auto x = tensorOf(input.getType());
  auto k = tensorOf(kernel.getType());
  auto r = tensorOf(recurrent.getType());
  auto b = tensorOf(bias.getType());
  bool twoBiases = gates == 3;
  auto what = [&](const char *s) { return (op + s).str(); };
  if (failed(expectRank(c, x, 3, what(" input"))) ||
      failed(expectRank(c, k, 2, what(" kernel"))) ||
      failed(expectRank(c, r, 2, what(" recurrent kernel"))) ||
      failed(expectRank(c, b, twoBiases ? 2 : 1, what(" bias"))))
    return failure();
  int64_t units = r.getDimSize(0), width = gates * units;
  if (r.getDimSize(1) != width)
    return c.fail(op + " recurrent kernel must be [units, " + Twine(gates) +
                  "*units], got " + shapeStr(r.getShape()));
  if (k.getDimSize(0) != x.getDimSize(2) || k.getDimSize(1) != width)
    return c.fail(op + " kernel must be [" + Twine(x.getDimSize(2)) + ", " +
                  Twine(width) + "], got " + shapeStr(k.getShape()));
  if (twoBiases ? b.getDimSize(0) != 2 || b.getDimSize(1) != width
                : b.getDimSize(0) != width)
    return c.fail(op + " bias must be [" + (twoBiases ? "2, " : "") +
                  Twine(width) + "], got " + shapeStr(b.getShape()));
  if (mask && failed(checkMask(loc, op, x, mask)))
    return failure();
  if (returnSequences)
    results.push_back(
        f32Tensor(ctx, {x.getDimSize(0), x.getDimSize(1), units}));
  else
    results.push_back(f32Tensor(ctx, {x.getDimSize(0), units}));
  return success();
}

LogicalResult LSTMOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &results) {
  return inferRecurrent(ctx, loc, "lstm", 4, adaptor.getInput(),
                        adaptor.getKernel(), adaptor.getRecurrent(),
                        adaptor.getBias(), adaptor.getMask(),
                        adaptor.getReturnSequences(), results);
}

LogicalResult GRUOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  return inferRecurrent(ctx, loc, "gru", 3, adaptor.getInput(),
                        adaptor.getKernel(), adaptor.getRecurrent(),
                        adaptor.getBias(), adaptor.getMask(),
                        adaptor.getReturnSequences(), results);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  Checker c{loc};
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return c.fail("concat needs at least one input");
  auto first = tensorOf(inputs.front().getType());
  if (!first || !first.hasStaticShape() || first.getRank() < 1)
    return c.fail("concat inputs must be static tensors of rank 1 or more");
  SmallVector<int64_t> shape(first.getShape());
  shape.back() = 0;
  for (Value v : inputs) {
    auto t = tensorOf(v.getType());
    if (!t || !t.hasStaticShape() || t.getRank() != first.getRank() ||
        t.getShape().drop_back() != first.getShape().drop_back())
      return c.fail("concat inputs must differ in their last dimension only, "
                    "got " +
                    shapeStr(first.getShape()) + " and " +
                    (t ? shapeStr(t.getShape()) : std::string("a non-tensor")));
    shape.back() += t.getShape().back();
  }
  results.push_back(f32Tensor(ctx, shape));
  return success();
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0.0 && rate < 1.0))
    return emitOpError("rate must be in [0, 1), got ") << rate;
  return success();
}

LogicalResult LeakyReluOp::verify() {
  double alpha = getAlpha().convertToDouble();
  if (!(alpha >= 0.0 && alpha < 1.0))
    return emitOpError("alpha must be in [0, 1), got ") << alpha;
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto x = getInput().getType();
  if (x.getRank() < 2)
    return emitOpError("input needs a batch and a feature dimension");
  int64_t f = x.getShape().back();
  for (auto [what, t] : {std::pair{"gamma", getGamma().getType()},
                         {"beta", getBeta().getType()}})
    if (t.getRank() != 1 || t.getDimSize(0) != f)
      return emitOpError(what) << " must be [" << f << "], got "
                               << shapeStr(t.getShape());
  double eps = getEpsilon().convertToDouble();
  if (!(eps > 0))
    return emitOpError("epsilon must be positive, got ") << eps;
  return success();
}

namespace {
/// The checks both batch normalizations share: every per-feature operand is
/// [features], epsilon is positive and momentum in [0, 1).
LogicalResult verifyBatchNorm(Operation *op, RankedTensorType x,
                              ValueRange perFeature, double eps,
                              double momentum) {
  if (x.getRank() < 2)
    return op->emitOpError("input needs a batch and a feature dimension");
  int64_t f = x.getShape().back();
  const char *names[] = {"gamma", "beta", "mean", "var"};
  for (auto [what, v] : llvm::zip(names, perFeature)) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != f)
      return op->emitOpError(what)
             << " must be [" << f << "], got " << shapeStr(t.getShape());
  }
  if (!(eps > 0))
    return op->emitOpError("epsilon must be positive, got ") << eps;
  if (!(momentum >= 0 && momentum < 1))
    return op->emitOpError("momentum must be in [0, 1), got ") << momentum;
  return success();
}
} // namespace

LogicalResult BatchNormOp::verify() {
  return verifyBatchNorm(
      *this, getInput().getType(), {getGamma(), getBeta(), getMean(), getVar()},
      getEpsilon().convertToDouble(), getMomentum().convertToDouble());
}

LogicalResult BatchNormTrainOp::verify() {
  auto x = getInput().getType();
  if (Value m = getMask()) {
    auto t = cast<RankedTensorType>(m.getType());
    if (x.getRank() < 1 || t.getRank() != 1 ||
        t.getDimSize(0) != x.getDimSize(0))
      return emitOpError("mask must be [")
             << x.getDimSize(0) << "], got " << shapeStr(t.getShape());
  }
  return verifyBatchNorm(*this, x, {getGamma(), getBeta(), getMean(), getVar()},
                         getEpsilon().convertToDouble(),
                         getMomentum().convertToDouble());
}

LogicalResult SoftmaxOp::verify() {
  if (getInput().getType().getRank() < 1)
    return emitOpError("needs at least one dimension");
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

static LogicalResult verifyMask(Operation *op, RankedTensorType p,
                                Value mask) {
  if (!mask)
    return success();
  auto m = cast<RankedTensorType>(mask.getType());
  if (m.getRank() != 1 || p.getRank() < 1 || m.getDimSize(0) != p.getDimSize(0))
    return op->emitOpError("mask must be [")
           << (p.getRank() ? p.getDimSize(0) : 0) << "], got "
           << shapeStr(m.getShape());
  return success();
}

static LogicalResult verifySameShapeLoss(Operation *op, RankedTensorType p,
                                         RankedTensorType t) {
  if (failed(verifyMask(op, p, op->getNumOperands() > 2 ? op->getOperand(2)
                                                         : Value())))
    return failure();
  if (p.getShape() != t.getShape())
    return op->emitOpError("prediction ")
           << shapeStr(p.getShape()) << " and target "
           << shapeStr(t.getShape()) << " must have the same shape";
  return success();
}

LogicalResult MSEOp::verify() {
  return verifySameShapeLoss(*this, getPrediction().getType(),
                             getTarget().getType());
}

LogicalResult BinaryCrossEntropyOp::verify() {
  return verifySameShapeLoss(*this, getPrediction().getType(),
                             getTarget().getType());
}

/// A label smoothing in [0, 1).
static LogicalResult verifySmoothing(Operation *op, llvm::APFloat e) {
  double v = e.convertToDouble();
  if (!(v >= 0 && v < 1))
    return op->emitOpError("label_smoothing must be in [0, 1), got ") << v;
  return success();
}

LogicalResult CategoricalCrossEntropyOp::verify() {
  if (failed(verifySmoothing(*this, getLabelSmoothing())))
    return failure();
  if (getPrediction().getType().getRank() != 2)
    return emitOpError("prediction must be [batch, classes], got ")
           << shapeStr(getPrediction().getType().getShape());
  return verifySameShapeLoss(*this, getPrediction().getType(),
                             getTarget().getType());
}

LogicalResult SparseCategoricalCrossEntropyOp::verify() {
  if (failed(verifySmoothing(*this, getLabelSmoothing())))
    return failure();
  auto p = getPrediction().getType();
  auto t = getTarget().getType();
  if (p.getRank() != 2)
    return emitOpError("prediction must be [batch, classes], got ")
           << shapeStr(p.getShape());
  if (t.getRank() != 1 || t.getDimSize(0) != p.getDimSize(0))
    return emitOpError("target must be [")
           << p.getDimSize(0) << "] labels, got " << shapeStr(t.getShape());
  return verifyMask(*this, p, getMask());
}

//===----------------------------------------------------------------------===//
// Recipes
//===----------------------------------------------------------------------===//

static const char *const kOptimizers[] = {"sgd", "rmsprop", "adam", "adamw"};
static const char *const kLosses[] = {"mse", "binary_crossentropy",
                                      "categorical_crossentropy",
                                      "sparse_categorical_crossentropy"};

static LogicalResult verifyOptimizer(Operation *op, DictionaryAttr opt) {
  auto name = opt.getAs<StringAttr>("name");
  if (!name || !llvm::is_contained(kOptimizers, name.getValue()))
    return op->emitOpError(
        "optimizer needs a name of sgd, rmsprop, adam or adamw");
  auto lr = opt.getAs<FloatAttr>("lr");
  if (!lr || !(lr.getValueAsDouble() > 0))
    return op->emitOpError("optimizer needs a positive learning rate `lr`");
  if (auto w = opt.getAs<FloatAttr>("warmup")) {
    double v = w.getValueAsDouble();
    if (!(v >= 0) || v != std::floor(v))
      return op->emitOpError("optimizer warmup must be a whole number of "
                             "steps");
  }
  if (auto wd = opt.getAs<FloatAttr>("weight_decay"))
    if (!(wd.getValueAsDouble() >= 0))
      return op->emitOpError("optimizer weight_decay must not be negative");
  if (Attribute s = opt.get("schedule")) {
    auto str = dyn_cast<StringAttr>(s);
    if (!str || !lathe::isSchedule(str.getValue()))
      return op->emitOpError("optimizer schedule must be ")
             << lathe::scheduleList();
  }
  return success();
}

static LogicalResult verifyLossName(Operation *op, StringRef loss) {
  if (!llvm::is_contained(kLosses, loss))
    return op->emitOpError("unknown loss \"") << loss << "\"";
  return success();
}

static FailureOr<func::FuncOp> lookupFunc(Operation *op,
                                          SymbolTableCollection &tables,
                                          FlatSymbolRefAttr ref,
                                          StringRef role) {
  auto fn = tables.lookupNearestSymbolFrom<func::FuncOp>(op, ref);
  if (!fn)
    return op->emitOpError(role) << " " << ref << " is not a function";
  if (fn.getNumArguments() < 1 || fn.getNumResults() != 1)
    return op->emitOpError(role)
           << " " << ref << " must take an input and return one tensor";
  return fn;
}

LogicalResult SupervisedOp::verify() {
  if (failed(verifyOptimizer(*this, getOptimizer())) ||
      failed(verifyLossName(*this, getLoss())))
    return failure();
  double split = getValidationSplit().convertToDouble();
  if (!(split >= 0.0 && split < 1.0))
    return emitOpError("validation_split must be in [0, 1)");
  int64_t patience = int64_t(getEarlyStopping()); // (I64Attr is unsigned)
  if (patience < 0)
    return emitOpError("early_stopping must not be negative");
  if (patience > 0 && split == 0.0)
    return emitOpError("early_stopping needs a validation_split");
  return success();
}

LogicalResult
SupervisedOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto net = lookupFunc(*this, tables, getNetworkAttr(), "network");
  if (failed(net))
    return failure();
  auto lossFn = tables.lookupNearestSymbolFrom<func::FuncOp>(*this,
                                                             getLossFnAttr());
  if (!lossFn)
    return emitOpError("loss_fn ") << getLossFnAttr() << " is not a function";
  auto in = dyn_cast<RankedTensorType>(net->getArgumentTypes().front());
  if (!in || in.getRank() < 1 || in.getDimSize(0) != int64_t(getBatch()))
    return emitOpError("network input must have the batch size ")
           << getBatch() << " as its leading dimension";
  return success();
}

LogicalResult GanOp::verify() {
  if (failed(verifyOptimizer(*this, getOptimizer())) ||
      failed(verifyLossName(*this, getLoss())))
    return failure();
  if (getNoise() != "normal" && getNoise() != "uniform")
    return emitOpError("noise must be \"normal\" or \"uniform\"");
  return success();
}

LogicalResult GanOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto gen = lookupFunc(*this, tables, getGeneratorAttr(), "generator");
  if (failed(gen))
    return failure();
  auto disc =
      lookupFunc(*this, tables, getDiscriminatorAttr(), "discriminator");
  if (failed(disc))
    return failure();
  auto z = dyn_cast<RankedTensorType>(gen->getArgumentTypes().front());
  if (!z || z.getRank() != 2 || z.getDimSize(1) != int64_t(getNoiseDim()))
    return emitOpError("generator input must be [batch, ")
           << getNoiseDim() << "]";
  Type fake = gen->getResultTypes().front();
  Type real = disc->getArgumentTypes().front();
  if (fake != real)
    return emitOpError("generator output ")
           << fake << " does not match discriminator input " << real;
  return success();
}

#define GET_OP_CLASSES
#include "dialect/LatheOps.cpp.inc"
