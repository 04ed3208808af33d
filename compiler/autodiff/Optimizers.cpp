//===- Optimizers.cpp - Parameter updates as IR ---------------------------===//
#include "compiler/autodiff/Optimizers.h"
#include "compiler/autodiff/Backprop.h"
#include "compiler/lowering/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace lathe;
namespace tb = lathe::tb;

OptimizerSpec OptimizerSpec::fromAttr(DictionaryAttr dict) {
  OptimizerSpec s;
  if (auto n = dict.getAs<StringAttr>("name"))
    s.name = n.str();
  auto get = [&](const char *key, double &out) {
    if (auto f = dict.getAs<FloatAttr>(key))
      out = f.getValueAsDouble();
  };
  get("momentum", s.momentum);
  get("nesterov", s.nesterov);
  get("rho", s.rho);
  get("beta1", s.beta1);
  get("beta2", s.beta2);
  get("epsilon", s.epsilon);
  get("weight_decay", s.weightDecay);
  get("clip_norm", s.clipNorm);
  get("clip_value", s.clipValue);
  return s;
}

std::vector<std::string> OptimizerSpec::stateNames() const {
  if (name == "adam" || name == "adamw")
    return {"m", "v"};
  if (name == "rmsprop")
    return momentum > 0 ? std::vector<std::string>{"square_avg", "momentum"}
                        : std::vector<std::string>{"square_avg"};
  if (momentum > 0)
    return {"momentum"};
  return {};
}

using lathe::tb::add;
using lathe::tb::div;
using lathe::tb::mul;
using lathe::tb::sub;

SmallVector<Value> lathe::buildUpdate(OpBuilder &b, Location loc,
                                      const OptimizerSpec &s, Value hyper,
                                      Value p, Value g, ValueRange state,
                                      Value gradScale) {
  // Each update is one loop over the parameter that reads p, g and the
  // state once and writes p' and the new state.
  Value lr = tb::scalarAt(b, loc, hyper, 0);
  auto c = [&](OpBuilder &nb, Location nl, double v) { return tb::f32(nb, nl, v); };
  using Values = SmallVector<Value>;
  // Each loop reads the gradient through `grad`: clipped (scaled to the
  // clipped global norm, clamped to clip_value), then with the L2 decay of
  // PyTorch's `weight_decay`, g + weight_decay * p.
  bool l2 = s.weightDecay > 0 && s.name != "adamw";
  auto grad = [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value g = gradScale ? mul(nb, nl, a[1], gradScale) : a[1];
    if (s.clipValue > 0)
      g = arith::MinimumFOp::create(
          nb, nl, arith::MaximumFOp::create(nb, nl, g, c(nb, nl, -s.clipValue)),
          c(nb, nl, s.clipValue));
    return l2 ? add(nb, nl, g, mul(nb, nl, a[0], c(nb, nl, s.weightDecay))) : g;
  };
  auto loop = [&](ValueRange xs, unsigned n,
                  function_ref<Values(OpBuilder &, Location, ValueRange)> f) {
    return tb::mapN(b, loc, xs, n, f);
  };
  if (s.name == "adam" || s.name == "adamw") {
    Value bc1 = tb::scalarAt(b, loc, hyper, 1);
    Value bc2 = tb::scalarAt(b, loc, hyper, 2);
    Value stepSize = div(b, loc, lr, bc1);
    // 1/sqrt(1 - beta2^t) once per step, so the loop divides only once.
    Value invSqrtBc2 = div(b, loc, c(b, loc, 1.0), math::SqrtOp::create(b, loc, bc2));
    // AdamW's decoupled decay: p * (1 - lr * weight_decay) before the step.
    Value keep;
    if (s.name == "adamw" && s.weightDecay > 0)
      keep = sub(b, loc, c(b, loc, 1.0),
                 mul(b, loc, lr, c(b, loc, s.weightDecay)));
    return loop({p, g, state[0], state[1]}, 3,
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                  Value gr = grad(nb, nl, a);
                  Value m = add(nb, nl, mul(nb, nl, a[2], c(nb, nl, s.beta1)),
                                mul(nb, nl, gr, c(nb, nl, 1 - s.beta1)));
                  Value v = add(
                      nb, nl, mul(nb, nl, a[3], c(nb, nl, s.beta2)),
                      mul(nb, nl, mul(nb, nl, gr, gr), c(nb, nl, 1 - s.beta2)));
                  Value denom = add(
                      nb, nl, mul(nb, nl, math::SqrtOp::create(nb, nl, v), invSqrtBc2),
                      c(nb, nl, s.epsilon));
                  Value p0 = keep ? mul(nb, nl, a[0], keep) : a[0];
                  Value np = sub(
                      nb, nl, p0,
                      mul(nb, nl, stepSize, tb::divByFinite(nb, nl, m, denom)));
                  return {np, m, v};
                });
  }
  if (s.name == "rmsprop") {
    auto average = [&](OpBuilder &nb, Location nl, Value sq, Value grad) {
      return add(nb, nl, mul(nb, nl, sq, c(nb, nl, s.rho)),
                 mul(nb, nl, mul(nb, nl, grad, grad), c(nb, nl, 1 - s.rho)));
    };
    auto scaled = [&](OpBuilder &nb, Location nl, Value grad, Value avg) {
      Value d = add(nb, nl, math::SqrtOp::create(nb, nl, avg),
                    c(nb, nl, s.epsilon));
      return tb::divByFinite(nb, nl, grad, d);
    };
    if (s.momentum > 0)
      return loop({p, g, state[0], state[1]}, 3,
                  [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                    Value gr = grad(nb, nl, a);
                    Value sq = average(nb, nl, a[2], gr);
                    Value buf =
                        add(nb, nl, mul(nb, nl, a[3], c(nb, nl, s.momentum)),
                            scaled(nb, nl, gr, sq));
                    return {sub(nb, nl, a[0], mul(nb, nl, lr, buf)), sq, buf};
                  });
    return loop(
        {p, g, state[0]}, 2,
        [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
          Value gr = grad(nb, nl, a);
          Value sq = average(nb, nl, a[2], gr);
          return {sub(nb, nl, a[0], mul(nb, nl, lr, scaled(nb, nl, gr, sq))),
                  sq};
        });
  }
  // SGD, with PyTorch's momentum buffer (buf = mu buf + g) and Nesterov.
  if (s.momentum > 0) {
    bool nesterov = s.nesterov != 0;
    return loop({p, g, state[0]}, 2,
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                  Value gr = grad(nb, nl, a);
                  Value buf =
                      add(nb, nl, mul(nb, nl, a[2], c(nb, nl, s.momentum)), gr);
                  Value d = nesterov
                                ? add(nb, nl, gr,
                                      mul(nb, nl, buf, c(nb, nl, s.momentum)))
                                : buf;
                  return {sub(nb, nl, a[0], mul(nb, nl, lr, d)), buf};
                });
  }
  return loop({p, g}, 1,
              [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                return {sub(nb, nl, a[0], mul(nb, nl, lr, grad(nb, nl, a)))};
              });
}

SmallVector<Value> lathe::buildUpdates(OpBuilder &b, Location loc,
                                       const OptimizerSpec &s, Value hyper,
                                       ValueRange params, ValueRange grads,
                                       ValueRange state) {
  Value scale;
  if (s.clipNorm > 0) {
    Value total = tb::f32(b, loc, 0.0);
    for (Value g : grads)
      total =
          add(b, loc, total, tb::scalarAt(b, loc, tb::sumSquares(b, loc, g)));
    Value norm = math::SqrtOp::create(b, loc, total);
    Value coef = div(b, loc, tb::f32(b, loc, s.clipNorm),
                     add(b, loc, norm, tb::f32(b, loc, 1e-6)));
    scale = arith::MinimumFOp::create(b, loc, coef, tb::f32(b, loc, 1.0));
  }
  unsigned ns = s.stateNames().size();
  SmallVector<Value> newParams, newState;
  for (unsigned i = 0; i < params.size(); ++i) {
    auto u = buildUpdate(b, loc, s, hyper, params[i], grads[i],
                         state.slice(i * ns, ns), scale);
    newParams.push_back(u[0]);
    newState.append(u.begin() + 1, u.end());
  }
  newParams.append(newState);
  return newParams;
}

SmallVector<Value> lathe::buildStepUpdates(OpBuilder &b, Location loc,
                                           const OptimizerSpec &s, Value hyper,
                                           ArrayRef<bool> frozen,
                                           ValueRange params,
                                           ArrayRef<Value> newValues,
                                           ValueRange grads, ValueRange state) {
  SmallVector<Value> updated = buildUpdates(
      b, loc, s, hyper, trainedOnly<Value>(frozen, params), grads, state);
  SmallVector<Value> out(newValues);
  unsigned t = 0;
  for (auto [f, v] : llvm::zip(frozen, out))
    if (!f)
      v = updated[t++];
  out.append(updated.begin() + t, updated.end());
  return out;
}
