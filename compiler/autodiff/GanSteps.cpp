//===- GanSteps.cpp - The two training steps of a GAN ---------------------===//
#include "compiler/autodiff/GanSteps.h"
#include "compiler/autodiff/Backprop.h"
#include "compiler/autodiff/Optimizers.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;

namespace {
/// A network's parameters; `buffers` marks those no gradient trains (a
/// batch normalization's running statistics).
struct Network {
  func::FuncOp fn;
  SmallVector<Type> types;
  SmallVector<StringAttr> names, inits;
  SmallVector<bool> buffers;

  /// The trainable ones of `all` (values in the order of the parameters).
  SmallVector<Value> trainable(ValueRange all) const {
    return trainedOnly<Value>(buffers, all);
  }
  SmallVector<Type> trainableTypes() const {
    return trainedOnly<Type>(buffers, types);
  }
};

Network describe(func::FuncOp fn) {
  Network n{fn, {}, {}, {}, {}};
  for (unsigned i = 1; i < fn.getNumArguments(); ++i) {
    n.types.push_back(fn.getArgumentTypes()[i]);
    n.names.push_back(fn.getArgAttrOfType<StringAttr>(i, "lathe.param"));
    n.inits.push_back(fn.getArgAttrOfType<StringAttr>(i, "lathe.init"));
    n.buffers.push_back(isBuffer(fn, i));
  }
  return n;
}

class GanBuilder {
public:
  GanBuilder(GanOp g, func::FuncOp gen, func::FuncOp disc)
      : g(g), b(g), gen(describe(gen)), disc(describe(disc)),
        spec(OptimizerSpec::fromAttr(g.getOptimizer())) {
    batch = g.getBatch();
    z = gen.getArgumentTypes().front();
    image = disc.getArgumentTypes().front();
    label = RankedTensorType::get({batch, 1}, b.getF32Type());
    mask = RankedTensorType::get({batch}, b.getF32Type());
    hyper = RankedTensorType::get({4}, b.getF32Type());
    scalar = RankedTensorType::get({}, b.getF32Type());
  }

  LogicalResult build() {
    if (failed(buildDStep()) || failed(buildGStep()))
      return failure();
    buildGenerate();
    return success();
  }

private:
  GanOp g;
  OpBuilder b;
  Network gen, disc;
  OptimizerSpec spec;
  int64_t batch;
  Type z, image, label, mask, hyper, scalar;

  struct Args {
    SmallVector<Type> types;
    SmallVector<DictionaryAttr> attrs;
    void add(OpBuilder &b, Type t, StringRef role, StringAttr name = {},
             StringAttr init = {}, bool buffer = false) {
      types.push_back(t);
      attrs.push_back(
          argRole(b, role, name, init, buffer).getDictionary(b.getContext()));
    }
  };

  void addParams(Args &a, const Network &n, StringRef role) {
    for (auto [t, name, init, buffer] :
         llvm::zip(n.types, n.names, n.inits, n.buffers))
      a.add(b, t, role, name, init, buffer);
  }
  void addState(Args &a, const Network &n, StringRef role) {
    for (auto [t, name, buffer] : llvm::zip(n.types, n.names, n.buffers))
      for (const std::string &s :
           buffer ? std::vector<std::string>{} : spec.stateNames())
        a.add(b, t, role, b.getStringAttr(name.str() + "." + s),
              b.getStringAttr("zeros"));
  }

  func::FuncOp makeFunc(StringRef suffix, const Args &a,
                        ArrayRef<Type> results) {
    auto fn = func::FuncOp::create(
        b, g.getLoc(), (g.getSymName() + "." + suffix).str(),
        b.getFunctionType(a.types, results));
    for (auto [i, attrs] : llvm::enumerate(a.attrs))
      fn.setArgAttrs(i, attrs);
    fn->setAttr("lathe.entry", b.getUnitAttr());
    fn.addEntryBlock();
    return fn;
  }

  /// One optimizer step of network `n`'s trainable parameters among
  /// `params` with `grads`; returns all its new parameters (the running
  /// statistics from `stats`, the new values the step's forward passes
  /// computed) then its new state.
  SmallVector<Value> update(OpBuilder &fb, const Network &n, Value hyperArg,
                            ValueRange params, ArrayRef<Value> stats,
                            ValueRange grads, ValueRange state) {
    return buildStepUpdates(fb, g.getLoc(), spec, hyperArg, n.buffers, params,
                            stats, grads, state);
  }

  /// The running statistics among `n`'s parameters (their indices).
  static SmallVector<unsigned> bufferIndices(const Network &n) {
    SmallVector<unsigned> out;
    for (auto [i, buffer] : llvm::enumerate(n.buffers))
      if (buffer)
        out.push_back(i);
    return out;
  }

  unsigned stateCount(const Network &n) {
    return n.trainableTypes().size() * spec.stateNames().size();
  }

  LogicalResult buildDStep() {
    Args a;
    addParams(a, gen, "gparam");
    addParams(a, disc, "dparam");
    addState(a, disc, "dstate");
    a.add(b, hyper, "hyper");
    a.add(b, image, "input");
    a.add(b, mask, "mask");
    a.add(b, z, "noise");
    unsigned nd = disc.types.size(), ns = spec.stateNames().size();
    SmallVector<unsigned> gbuf = bufferIndices(gen);
    // The discriminator's new parameters and state, then the generator's
    // new running statistics.
    SmallVector<Type> results(disc.types);
    for (Type t : disc.trainableTypes())
      results.append(ns, t);
    for (unsigned i : gbuf)
      results.push_back(gen.types[i]);
    results.append({scalar, label, label});
    auto fn = makeFunc("d_step", a, results);
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    unsigned ng = gen.types.size(), nds = stateCount(disc);
    SmallVector<int64_t> updated;
    for (unsigned i = 0; i < nd + nds; ++i)
      updated.push_back(ng + i);
    updated.append(gbuf.begin(), gbuf.end());
    setUpdatedArgs(fn, updated);
    ValueRange gp = body.getArguments().take_front(ng);
    ValueRange dp = body.getArguments().slice(ng, nd);
    ValueRange ds = body.getArguments().slice(ng + nd, nds);
    unsigned k = ng + nd + nds;
    Value hyperArg = body.getArgument(k), real = body.getArgument(k + 1),
          maskArg = body.getArgument(k + 2), zArg = body.getArgument(k + 3);
    Location loc = g.getLoc();
    // The generator is frozen: its ops are not part of the sweep. Every
    // pass is a training one (batch statistics), as in PyTorch's DCGAN
    // loop: the discriminator on the real batch, the generator, then the
    // discriminator on the generated batch, each updating its running
    // statistics in that order.
    SmallVector<Operation *> frozen, ops;
    Value dReal = cloneNetwork(fb, disc.fn, real, dp, ops, {}, true, maskArg);
    SmallVector<Value> dp2 = withRunningStats(ops, dp);
    Value fake = cloneNetwork(fb, gen.fn, zArg, gp, frozen, {}, true);
    Value dFake = cloneNetwork(fb, disc.fn, fake, dp2, ops, {}, true);
    SmallVector<Value> dStats = withRunningStats(ops, dp2);
    SmallVector<Value> gStats = withRunningStats(frozen, gp);
    auto realLoss = BinaryCrossEntropyOp::create(
        fb, loc, dReal, tb::filled(fb, loc, {batch, 1}, 1.0), maskArg);
    auto fakeLoss = BinaryCrossEntropyOp::create(
        fb, loc, dFake, tb::filled(fb, loc, {batch, 1}, 0.0), Value());
    ops.append({realLoss, fakeLoss});
    auto grads = backprop(fb, ops, {realLoss, fakeLoss}, disc.trainable(dp));
    if (failed(grads))
      return failure();
    SmallVector<Value> rets =
        update(fb, disc, hyperArg, dp, dStats, *grads, ds);
    for (unsigned i : gbuf)
      rets.push_back(gStats[i]);
    Value total = tb::toTensor(
        fb, loc,
        arith::AddFOp::create(fb, loc, tb::scalarAt(fb, loc, realLoss),
                              tb::scalarAt(fb, loc, fakeLoss)));
    rets.append({total, dReal, dFake});
    func::ReturnOp::create(fb, loc, rets);
    return success();
  }

  LogicalResult buildGStep() {
    Args a;
    addParams(a, gen, "gparam");
    addState(a, gen, "gstate");
    addParams(a, disc, "dparam");
    a.add(b, hyper, "hyper");
    a.add(b, z, "noise");
    unsigned ng = gen.types.size(), nd = disc.types.size(),
             ns = spec.stateNames().size(), ngs = stateCount(gen);
    SmallVector<unsigned> dbuf = bufferIndices(disc);
    // The generator's new parameters and state, then the discriminator's
    // new running statistics.
    SmallVector<Type> results(gen.types);
    for (Type t : gen.trainableTypes())
      results.append(ns, t);
    for (unsigned i : dbuf)
      results.push_back(disc.types[i]);
    results.push_back(scalar);
    auto fn = makeFunc("g_step", a, results);
    SmallVector<int64_t> updated;
    for (unsigned i = 0; i < ng + ngs; ++i)
      updated.push_back(i);
    for (unsigned i : dbuf)
      updated.push_back(ng + ngs + i);
    setUpdatedArgs(fn, updated);
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    ValueRange gp = body.getArguments().take_front(ng);
    ValueRange gs = body.getArguments().slice(ng, ngs);
    ValueRange dp = body.getArguments().slice(ng + ngs, nd);
    unsigned k = ng + ngs + nd;
    Value hyperArg = body.getArgument(k), zArg = body.getArgument(k + 1);
    Location loc = g.getLoc();
    SmallVector<Operation *> ops;
    Value fake = cloneNetwork(fb, gen.fn, zArg, gp, ops, {}, true);
    Value dFake = cloneNetwork(fb, disc.fn, fake, dp, ops, {}, true);
    SmallVector<Value> gStats = withRunningStats(ops, gp);
    SmallVector<Value> dStats = withRunningStats(ops, dp);
    auto loss = BinaryCrossEntropyOp::create(
        fb, loc, dFake, tb::filled(fb, loc, {batch, 1}, 1.0), Value());
    ops.push_back(loss);
    auto grads = backprop(fb, ops, {loss}, gen.trainable(gp));
    if (failed(grads))
      return failure();
    SmallVector<Value> rets = update(fb, gen, hyperArg, gp, gStats, *grads, gs);
    for (unsigned i : dbuf)
      rets.push_back(dStats[i]);
    rets.push_back(loss);
    func::ReturnOp::create(fb, loc, rets);
    return success();
  }

  void buildGenerate() {
    Args a;
    addParams(a, gen, "gparam");
    a.add(b, z, "noise");
    auto fn = makeFunc("generate", a, {gen.fn.getResultTypes().front()});
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    SmallVector<Operation *> ops;
    Value out = cloneNetwork(fb, gen.fn, body.getArguments().back(),
                             body.getArguments().drop_back(), ops);
    func::ReturnOp::create(fb, g.getLoc(), out);
  }
};
} // namespace

LogicalResult lathe::buildGanSteps(GanOp g, SymbolTable &symbols) {
  auto gen = symbols.lookup<func::FuncOp>(g.getGenerator());
  auto disc = symbols.lookup<func::FuncOp>(g.getDiscriminator());
  if (!gen || !disc)
    return g.emitError("gan does not name its networks");
  return GanBuilder(g, gen, disc).build();
}
