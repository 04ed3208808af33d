//===- Autodiff.cpp - Training, evaluation and prediction entry points ----===//
//
// Reverse-mode differentiation over Lathe ops: the network and its loss are
// cloned into a new function, then walked backwards; each op's gradient
// rule (VJPRules.cpp) turns the gradient of its result into gradients of its
// operands, and gradients reaching one value from several uses are summed.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/autodiff/Backprop.h"
#include "compiler/autodiff/GanSteps.h"
#include "compiler/autodiff/Optimizers.h"
#include "compiler/autodiff/VJPRules.h"
#include "compiler/lowering/TensorBuilders.h"
#include "dialect/LatheOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEAUTODIFF
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;

namespace {

/// Builds the entry points of one supervised recipe.
class RecipeBuilder {
public:
  RecipeBuilder(SupervisedOp recipe, func::FuncOp net, func::FuncOp lossFn)
      : recipe(recipe), net(net), b(recipe) {
    ctx = recipe.getContext();
    inputType = net.getArgumentTypes().front();
    targetType = lossFn.getArgumentTypes()[1];
    batch = recipe.getBatch();
    maskType = RankedTensorType::get({batch}, b.getF32Type());
    hyperType = RankedTensorType::get({4}, b.getF32Type());
    lossType = RankedTensorType::get({}, b.getF32Type());
    for (unsigned i = 1; i < net.getNumArguments(); ++i)
      params.push_back({net.getArgumentTypes()[i],
                        net.getArgAttrOfType<StringAttr>(i, "lathe.param"),
                        net.getArgAttrOfType<StringAttr>(i, "lathe.init"),
                        isBuffer(net, i)});
    for (const Param &p : params)
      buffers.push_back(p.buffer);
    spec = OptimizerSpec::fromAttr(recipe.getOptimizer());
    seeded = needsSeed(net);
    seedType = RankedTensorType::get({}, b.getI32Type());
  }

  LogicalResult build() {
    if (failed(buildTrainStep()) || failed(buildGrad()))
      return failure();
    buildEval();
    buildPredict();
    return success();
  }

private:
  /// A network parameter; a `buffer` (running statistics) gets no gradient
  /// and no optimizer state.
  struct Param {
    Type type;
    StringAttr name, init;
    bool buffer;
  };
  SupervisedOp recipe;
  func::FuncOp net;
  OpBuilder b;
  MLIRContext *ctx;
  Type inputType, targetType, maskType, hyperType, lossType, seedType;
  bool seeded = false; ///< the network has dropout: training takes a seed
  int64_t batch;
  SmallVector<Param> params;
  SmallVector<bool> buffers; ///< each parameter's `buffer`
  OptimizerSpec spec;

  std::string name(StringRef suffix) {
    return (recipe.getSymName() + "." + suffix).str();
  }

  /// A new entry point with roles and names on its arguments.
  func::FuncOp makeFunc(StringRef suffix, ArrayRef<Type> args,
                        ArrayRef<NamedAttrList> attrs, ArrayRef<Type> results) {
    auto fn = func::FuncOp::create(b, recipe.getLoc(), name(suffix),
                                   b.getFunctionType(args, results));
    for (auto [i, a] : llvm::enumerate(attrs))
      fn.setArgAttrs(i, a.getDictionary(ctx));
    fn->setAttr("lathe.entry", b.getUnitAttr());
    fn.addEntryBlock();
    return fn;
  }

  NamedAttrList role(StringRef r, StringAttr pname = {}, StringAttr init = {},
                     bool buffer = false) {
    return argRole(b, r, pname, init, buffer);
  }

  void addParams(SmallVector<Type> &types, SmallVector<NamedAttrList> &attrs) {
    for (const Param &p : params) {
      types.push_back(p.type);
      attrs.push_back(role("param", p.name, p.init, p.buffer));
    }
  }

  Value forward(OpBuilder &fb, Value x, ValueRange ps,
                SmallVector<Operation *> &ops, Value seed = {},
                bool training = false, Value mask = {}) {
    return cloneNetwork(fb, net, x, ps, ops, seed, training, mask);
  }

  /// The trainable ones of `all` (values in the order of `params`).
  SmallVector<Value> trainable(ValueRange all) {
    return trainedOnly<Value>(buffers, all);
  }

  Operation *makeLoss(OpBuilder &fb, Value pred, Value y, Value mask) {
    Location loc = recipe.getLoc();
    StringRef l = recipe.getLoss();
    if (l == "mse")
      return MSEOp::create(fb, loc, pred, y, mask);
    if (l == "binary_crossentropy")
      return BinaryCrossEntropyOp::create(fb, loc, pred, y, mask);
    FloatAttr smoothing = fb.getF64FloatAttr(
        recipe.getLabelSmoothing().convertToDouble());
    if (l == "categorical_crossentropy")
      return CategoricalCrossEntropyOp::create(fb, loc, pred, y, mask,
                                               smoothing);
    return SparseCategoricalCrossEntropyOp::create(fb, loc, pred, y, mask,
                                                   smoothing);
  }

  LogicalResult buildTrainStep() {
    auto states = spec.stateNames();
    SmallVector<Type> types;
    SmallVector<NamedAttrList> attrs;
    addParams(types, attrs);
    for (const Param &p : params)
      for (const std::string &s :
           p.buffer ? std::vector<std::string>{} : states) {
        types.push_back(p.type);
        attrs.push_back(role("state", b.getStringAttr(p.name.str() + "." + s),
                             b.getStringAttr("zeros")));
      }
    types.push_back(hyperType);
    attrs.push_back(role("hyper"));
    if (seeded) {
      types.push_back(seedType);
      attrs.push_back(role("seed"));
    }
    types.append({inputType, targetType, maskType});
    attrs.append({role("input"), role("target"), role("mask")});
    SmallVector<Type> results;
    for (const Param &p : params)
      results.push_back(p.type);
    for (const Param &p : params)
      for (size_t i = 0; i < (p.buffer ? 0 : states.size()); ++i)
        results.push_back(p.type);
    results.push_back(lossType);
    results.push_back(net.getResultTypes().front());
    auto fn = makeFunc("train_step", types, attrs, results);
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    unsigned np = params.size(), ns = states.size();
    unsigned nt =
        llvm::count_if(params, [](const Param &p) { return !p.buffer; });
    setUpdatedArgs(fn, 0, np + nt * ns);
    ValueRange ps = body.getArguments().take_front(np);
    ValueRange st = body.getArguments().slice(np, nt * ns);
    unsigned a = np + nt * ns;
    Value hyper = body.getArgument(a++);
    Value seed = seeded ? body.getArgument(a++) : Value();
    Value x = body.getArgument(a), y = body.getArgument(a + 1),
          mask = body.getArgument(a + 2);
    SmallVector<Operation *> ops;
    Value pred = forward(fb, x, ps, ops, seed, /*training=*/true, mask);
    Operation *lossOp = makeLoss(fb, pred, y, mask);
    ops.push_back(lossOp);
    SmallVector<Value> tps = trainable(ps);
    auto grads = backprop(fb, ops, lossOp->getResult(0), tps);
    if (failed(grads))
      return failure();
    // Trainable parameters from the optimizer, running statistics from the
    // forward pass; then the optimizer state.
    SmallVector<Value> rets =
        buildStepUpdates(fb, recipe.getLoc(), spec, hyper, buffers, ps,
                         withRunningStats(ops, ps), *grads, st);
    rets.push_back(lossOp->getResult(0));
    rets.push_back(pred);
    func::ReturnOp::create(fb, recipe.getLoc(), rets);
    return success();
  }

  /// A function of (params, x, y, mask) whose body so far is the network
  /// and its masked loss; the caller adds the rest and the return.
  struct LossFunction {
    OpBuilder fb;
    ValueRange params;
    SmallVector<Operation *> ops; // network ops, then the loss
    Value pred, loss;
  };
  LossFunction buildLossFunction(StringRef suffix, ArrayRef<Type> results,
                                 bool training) {
    SmallVector<Type> types;
    SmallVector<NamedAttrList> attrs;
    addParams(types, attrs);
    bool withSeed = training && seeded;
    if (withSeed) {
      types.push_back(seedType);
      attrs.push_back(role("seed"));
    }
    types.append({inputType, targetType, maskType});
    attrs.append({role("input"), role("target"), role("mask")});
    auto fn = makeFunc(suffix, types, attrs, results);
    Block &body = fn.getBody().front();
    unsigned np = params.size(), a = np + (withSeed ? 1 : 0);
    LossFunction f{OpBuilder::atBlockEnd(&body),
                   body.getArguments().take_front(np), {}, {}, {}};
    f.pred = forward(f.fb, body.getArgument(a), f.params, f.ops,
                     withSeed ? body.getArgument(np) : Value(), training,
                     training ? body.getArgument(a + 2) : Value());
    Operation *lossOp = makeLoss(f.fb, f.pred, body.getArgument(a + 1),
                                 body.getArgument(a + 2));
    f.ops.push_back(lossOp);
    f.loss = lossOp->getResult(0);
    return f;
  }

  LogicalResult buildGrad() {
    SmallVector<Type> results{lossType};
    for (const Param &p : params)
      if (!p.buffer)
        results.push_back(p.type);
    LossFunction f = buildLossFunction("grad", results, /*training=*/true);
    auto grads = backprop(f.fb, f.ops, f.loss, trainable(f.params));
    if (failed(grads))
      return failure();
    SmallVector<Value> rets{f.loss};
    rets.append(*grads);
    func::ReturnOp::create(f.fb, recipe.getLoc(), rets);
    return success();
  }

  void buildEval() {
    LossFunction f = buildLossFunction(
        "eval_step", {lossType, net.getResultTypes().front()},
        /*training=*/false);
    func::ReturnOp::create(f.fb, recipe.getLoc(), ValueRange{f.loss, f.pred});
  }

  void buildPredict() {
    SmallVector<Type> types;
    SmallVector<NamedAttrList> attrs;
    addParams(types, attrs);
    types.push_back(inputType);
    attrs.push_back(role("input"));
    auto fn = makeFunc("predict", types, attrs,
                       {net.getResultTypes().front()});
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    unsigned np = params.size();
    SmallVector<Operation *> ops;
    Value pred = forward(fb, body.getArgument(np),
                         body.getArguments().take_front(np), ops);
    func::ReturnOp::create(fb, recipe.getLoc(), pred);
  }
};

struct AutodiffPass : lathe::impl::LatheAutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<SupervisedOp> recipes(module.getOps<SupervisedOp>());
    for (SupervisedOp r : recipes) {
      auto net = symbols.lookup<func::FuncOp>(r.getNetwork());
      auto lossFn = symbols.lookup<func::FuncOp>(r.getLossFn());
      if (!net || !lossFn) {
        r.emitError("recipe does not name its network and loss functions");
        return signalPassFailure();
      }
      if (failed(RecipeBuilder(r, net, lossFn).build()))
        return signalPassFailure();
    }
    SmallVector<GanOp> gans(module.getOps<GanOp>());
    for (GanOp g : gans)
      if (failed(buildGanSteps(g, symbols)))
        return signalPassFailure();
  }
};
} // namespace
