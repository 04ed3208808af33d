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
struct Network {
  func::FuncOp fn;
  SmallVector<Type> types;
  SmallVector<StringAttr> names, inits;
};

Network describe(func::FuncOp fn) {
  Network n{fn, {}, {}, {}};
  for (unsigned i = 1; i < fn.getNumArguments(); ++i) {
    n.types.push_back(fn.getArgumentTypes()[i]);
    n.names.push_back(fn.getArgAttrOfType<StringAttr>(i, "lathe.param"));
    n.inits.push_back(fn.getArgAttrOfType<StringAttr>(i, "lathe.init"));
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
             StringAttr init = {}) {
      types.push_back(t);
      attrs.push_back(
          argRole(b, role, name, init).getDictionary(b.getContext()));
    }
  };

  void addParams(Args &a, const Network &n, StringRef role) {
    for (auto [t, name, init] : llvm::zip(n.types, n.names, n.inits))
      a.add(b, t, role, name, init);
  }
  void addState(Args &a, const Network &n, StringRef role) {
    for (auto [t, name] : llvm::zip(n.types, n.names))
      for (const std::string &s : spec.stateNames())
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

  /// Updates `params` with `grads`; returns new params then new state.
  SmallVector<Value> update(OpBuilder &fb, Value hyperArg, ValueRange params,
                            ValueRange grads, ValueRange state) {
    return buildUpdates(fb, g.getLoc(), spec, hyperArg, params, grads, state);
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
    SmallVector<Type> results(disc.types);
    for (Type t : disc.types)
      results.append(ns, t);
    results.append({scalar, label, label});
    auto fn = makeFunc("d_step", a, results);
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    unsigned ng = gen.types.size();
    setUpdatedArgs(fn, ng, nd + nd * ns);
    ValueRange gp = body.getArguments().take_front(ng);
    ValueRange dp = body.getArguments().slice(ng, nd);
    ValueRange ds = body.getArguments().slice(ng + nd, nd * ns);
    unsigned k = ng + nd + nd * ns;
    Value hyperArg = body.getArgument(k), real = body.getArgument(k + 1),
          maskArg = body.getArgument(k + 2), zArg = body.getArgument(k + 3);
    Location loc = g.getLoc();
    // The generator is frozen: its ops are not part of the sweep.
    SmallVector<Operation *> frozen, ops;
    Value fake = cloneNetwork(fb, gen.fn, zArg, gp, frozen);
    Value dReal = cloneNetwork(fb, disc.fn, real, dp, ops);
    Value dFake = cloneNetwork(fb, disc.fn, fake, dp, ops);
    auto realLoss = BinaryCrossEntropyOp::create(
        fb, loc, dReal, tb::filled(fb, loc, {batch, 1}, 1.0), maskArg);
    auto fakeLoss = BinaryCrossEntropyOp::create(
        fb, loc, dFake, tb::filled(fb, loc, {batch, 1}, 0.0), Value());
    ops.append({realLoss, fakeLoss});
    auto grads = backprop(fb, ops, {realLoss, fakeLoss}, dp);
    if (failed(grads))
      return failure();
    SmallVector<Value> rets = update(fb, hyperArg, dp, *grads, ds);
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
             ns = spec.stateNames().size();
    SmallVector<Type> results(gen.types);
    for (Type t : gen.types)
      results.append(ns, t);
    results.push_back(scalar);
    auto fn = makeFunc("g_step", a, results);
    setUpdatedArgs(fn, 0, ng + ng * ns);
    Block &body = fn.getBody().front();
    OpBuilder fb = OpBuilder::atBlockEnd(&body);
    ValueRange gp = body.getArguments().take_front(ng);
    ValueRange gs = body.getArguments().slice(ng, ng * ns);
    ValueRange dp = body.getArguments().slice(ng + ng * ns, nd);
    unsigned k = ng + ng * ns + nd;
    Value hyperArg = body.getArgument(k), zArg = body.getArgument(k + 1);
    Location loc = g.getLoc();
    SmallVector<Operation *> ops;
    Value fake = cloneNetwork(fb, gen.fn, zArg, gp, ops);
    Value dFake = cloneNetwork(fb, disc.fn, fake, dp, ops);
    auto loss = BinaryCrossEntropyOp::create(
        fb, loc, dFake, tb::filled(fb, loc, {batch, 1}, 1.0), Value());
    ops.push_back(loss);
    auto grads = backprop(fb, ops, {loss}, gp);
    if (failed(grads))
      return failure();
    SmallVector<Value> rets = update(fb, hyperArg, gp, *grads, gs);
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
