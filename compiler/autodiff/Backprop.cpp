//===- Backprop.cpp - Cloning networks and the reverse sweep --------------===//
#include "compiler/autodiff/Backprop.h"
#include "compiler/autodiff/VJPRules.h"
#include "compiler/lowering/TensorBuilders.h"
#include "dialect/LatheOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
namespace tb = lathe::tb;

Value lathe::cloneNetwork(OpBuilder &b, func::FuncOp net, Value x,
                          ValueRange params, SmallVectorImpl<Operation *> &ops,
                          Value seed, bool training, Value mask) {
  IRMapping map;
  map.map(net.getArgument(0), x);
  for (auto [i, p] : llvm::enumerate(params))
    map.map(net.getArgument(i + 1), p);
  int64_t stream = 0;
  for (Operation &op : net.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op))
      return map.lookup(ret.getOperand(0));
    if (auto d = dyn_cast<DropoutOp>(op); d && seed) {
      auto copy = DropoutOp::create(b, d.getLoc(), map.lookup(d.getInput()),
                                    seed, d.getRateAttr(),
                                    b.getI64IntegerAttr(++stream));
      map.map(d.getResult(), copy.getResult());
      ops.push_back(copy);
      continue;
    }
    if (auto n = dyn_cast<BatchNormOp>(op); n && training) {
      auto copy = BatchNormTrainOp::create(
          b, n.getLoc(), map.lookup(n.getInput()), map.lookup(n.getGamma()),
          map.lookup(n.getBeta()), map.lookup(n.getMean()),
          map.lookup(n.getVar()), mask, n.getEpsilonAttr(),
          n.getMomentumAttr());
      map.map(n.getResult(), copy.getResult());
      ops.push_back(copy);
      continue;
    }
    ops.push_back(b.clone(op, map));
  }
  return {};
}

SmallVector<Value> lathe::withRunningStats(ArrayRef<Operation *> ops,
                                           ValueRange params) {
  SmallVector<Value> out(params.begin(), params.end());
  for (Operation *op : ops)
    if (auto n = dyn_cast<BatchNormTrainOp>(op))
      for (auto [old, fresh] : {std::pair{n.getMean(), n.getNewMean()},
                                {n.getVar(), n.getNewVar()}})
        for (auto [i, p] : llvm::enumerate(params))
          if (p == old)
            out[i] = fresh;
  return out;
}

bool lathe::isBuffer(func::FuncOp net, unsigned arg) {
  return net.getArgAttr(arg, "lathe.buffer") != nullptr;
}

NamedAttrList lathe::argRole(Builder &b, StringRef role, StringAttr param,
                             StringAttr init, bool buffer) {
  NamedAttrList l;
  l.append("lathe.role", b.getStringAttr(role));
  if (param)
    l.append("lathe.param", param);
  if (init)
    l.append("lathe.init", init);
  if (buffer)
    l.append("lathe.buffer", b.getUnitAttr());
  return l;
}

void lathe::setUpdatedArgs(func::FuncOp fn, unsigned first, unsigned count) {
  SmallVector<int64_t> args;
  for (unsigned i = 0; i < count; ++i)
    args.push_back(first + i);
  setUpdatedArgs(fn, args);
}

void lathe::setUpdatedArgs(func::FuncOp fn, ArrayRef<int64_t> args) {
  fn->setAttr("lathe.updates", DenseI64ArrayAttr::get(fn.getContext(), args));
}

bool lathe::needsSeed(func::FuncOp net) {
  return !net.getBody().getOps<DropoutOp>().empty();
}

FailureOr<SmallVector<Value>> lathe::backprop(OpBuilder &b,
                                              ArrayRef<Operation *> ops,
                                              ValueRange roots,
                                              ValueRange wrt) {
  DenseMap<Value, Value> grads;
  for (Value r : roots)
    grads[r] = tb::filled(b, r.getLoc(), {}, 1.0);
  for (Operation *op : llvm::reverse(ops)) {
    // Only the first result of an op has a gradient (a training batch
    // normalization's others are its running statistics).
    if (!isa<LatheDialect>(op->getDialect()) || op->getNumResults() == 0)
      continue;
    auto it = grads.find(op->getResult(0));
    if (it == grads.end())
      continue;
    auto g = buildVJP(b, op, it->second);
    if (failed(g))
      return failure();
    for (auto [operand, dg] : llvm::zip(op->getOperands(), *g)) {
      if (!dg)
        continue;
      auto [slot, fresh] = grads.try_emplace(operand, dg);
      if (!fresh)
        slot->second = tb::map(b, op->getLoc(), {slot->second, dg},
                               [](OpBuilder &nb, Location nl, ValueRange a) {
                                 return Value(
                                     arith::AddFOp::create(nb, nl, a[0], a[1]));
                               });
    }
  }
  SmallVector<Value> out;
  for (Value v : wrt) {
    Value g = grads.lookup(v);
    if (!g)
      g = tb::filled(b, v.getLoc(), tb::shapeOf(v), 0.0);
    out.push_back(g);
  }
  return out;
}
