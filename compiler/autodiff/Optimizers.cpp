//===- Optimizers.cpp - Parameter updates as IR ---------------------------===//
#include "compiler/autodiff/Optimizers.h"
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
  return s;
}

std::vector<std::string> OptimizerSpec::stateNames() const {
  if (name == "adam")
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
                                      Value p, Value g, ValueRange state) {
  // Each update is one loop over the parameter that reads p, g and the
  // state once and writes p' and the new state.
  Value lr = tb::scalarAt(b, loc, hyper, 0);
  auto c = [&](OpBuilder &nb, Location nl, double v) { return tb::f32(nb, nl, v); };
  using Values = SmallVector<Value>;
  auto loop = [&](ValueRange xs, unsigned n,
                  function_ref<Values(OpBuilder &, Location, ValueRange)> f) {
    return tb::mapN(b, loc, xs, n, f);
  };
  if (s.name == "adam") {
    Value bc1 = tb::scalarAt(b, loc, hyper, 1);
    Value bc2 = tb::scalarAt(b, loc, hyper, 2);
    Value stepSize = div(b, loc, lr, bc1);
    // 1/sqrt(1 - beta2^t) once per step, so the loop divides only once.
    Value invSqrtBc2 = div(b, loc, c(b, loc, 1.0), math::SqrtOp::create(b, loc, bc2));
    return loop({p, g, state[0], state[1]}, 3,
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                  Value m = add(nb, nl, mul(nb, nl, a[2], c(nb, nl, s.beta1)),
                                mul(nb, nl, a[1], c(nb, nl, 1 - s.beta1)));
                  Value v = add(nb, nl, mul(nb, nl, a[3], c(nb, nl, s.beta2)),
                                mul(nb, nl, mul(nb, nl, a[1], a[1]),
                                    c(nb, nl, 1 - s.beta2)));
                  Value denom = add(
                      nb, nl, mul(nb, nl, math::SqrtOp::create(nb, nl, v), invSqrtBc2),
                      c(nb, nl, s.epsilon));
                  Value np = sub(nb, nl, a[0],
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
                    Value sq = average(nb, nl, a[2], a[1]);
                    Value buf = add(nb, nl,
                                    mul(nb, nl, a[3], c(nb, nl, s.momentum)),
                                    scaled(nb, nl, a[1], sq));
                    return {sub(nb, nl, a[0], mul(nb, nl, lr, buf)), sq, buf};
                  });
    return loop({p, g, state[0]}, 2,
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                  Value sq = average(nb, nl, a[2], a[1]);
                  return {sub(nb, nl, a[0],
                              mul(nb, nl, lr, scaled(nb, nl, a[1], sq))),
                          sq};
                });
  }
  // SGD, with PyTorch's momentum buffer (buf = mu buf + g) and Nesterov.
  if (s.momentum > 0) {
    bool nesterov = s.nesterov != 0;
    return loop({p, g, state[0]}, 2,
                [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
                  Value buf = add(nb, nl,
                                  mul(nb, nl, a[2], c(nb, nl, s.momentum)), a[1]);
                  Value d = nesterov ? add(nb, nl, a[1],
                                           mul(nb, nl, buf, c(nb, nl, s.momentum)))
                                     : buf;
                  return {sub(nb, nl, a[0], mul(nb, nl, lr, d)), buf};
                });
  }
  return loop({p, g}, 1, [&](OpBuilder &nb, Location nl, ValueRange a) -> Values {
    return {sub(nb, nl, a[0], mul(nb, nl, lr, a[1]))};
  });
}
