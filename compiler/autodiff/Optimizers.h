//===- Optimizers.h - Parameter updates as IR ---------------------*- C++ -*-===//
#ifndef LATHE_AUTODIFF_OPTIMIZERS_H
#define LATHE_AUTODIFF_OPTIMIZERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <string>
#include <vector>

namespace lathe {

/// An optimizer as the recipe's `optimizer` dictionary describes it.
struct OptimizerSpec {
  std::string name = "sgd";
  double momentum = 0, nesterov = 0, rho = 0.9, beta1 = 0.9, beta2 = 0.999,
         epsilon = 1e-7, weightDecay = 0, clipNorm = 0, clipValue = 0;
  static OptimizerSpec fromAttr(mlir::DictionaryAttr dict);
  /// Names of the per-parameter state tensors, e.g. {"m", "v"} for Adam.
  std::vector<std::string> stateNames() const;
};

/// Builds one step of the optimizer for parameter `p` with gradient `g` and
/// its state tensors. `hyper` is tensor<4xf32>: [lr, 1 - beta1^t,
/// 1 - beta2^t, 0]. Returns the new parameter followed by the new state.
/// The formulas are PyTorch's (torch.optim.SGD, RMSprop, Adam, AdamW): a
/// `weight_decay` adds weight_decay * p to the gradient, except AdamW's,
/// which scales p by 1 - lr * weight_decay before the step.
/// A non-null `gradScale` (an f32 scalar) multiplies the gradient first.
llvm::SmallVector<mlir::Value>
buildUpdate(mlir::OpBuilder &b, mlir::Location loc, const OptimizerSpec &spec,
            mlir::Value hyper, mlir::Value p, mlir::Value g,
            mlir::ValueRange state, mlir::Value gradScale = {});

/// One optimizer step of all `params` with their `grads` and `state` (each
/// parameter's `stateNames().size()` tensors in turn). Returns the new
/// parameters followed by the new state, in the same order. Gradient
/// clipping applies to the step's gradients together: `clip_norm` scales
/// them by min(1, clip_norm / (norm + 1e-6)), their global norm taken over
/// every parameter (PyTorch's clip_grad_norm_), then `clip_value` clamps
/// each element to [-clip_value, clip_value] (clip_grad_value_).
llvm::SmallVector<mlir::Value>
buildUpdates(mlir::OpBuilder &b, mlir::Location loc, const OptimizerSpec &spec,
             mlir::Value hyper, mlir::ValueRange params, mlir::ValueRange grads,
             mlir::ValueRange state);

/// buildUpdates over the parameters not marked `frozen`: `params` holds all
/// of them in order, `grads` and `state` the trained ones'. A frozen
/// parameter's new value is its entry of `newValues` (a running statistic
/// the step's forward pass computed). Returns every new parameter, then the
/// new state.
llvm::SmallVector<mlir::Value>
buildStepUpdates(mlir::OpBuilder &b, mlir::Location loc,
                 const OptimizerSpec &spec, mlir::Value hyper,
                 llvm::ArrayRef<bool> frozen, mlir::ValueRange params,
                 llvm::ArrayRef<mlir::Value> newValues, mlir::ValueRange grads,
                 mlir::ValueRange state);

} // namespace lathe

#endif
