//===- Backprop.h - Cloning networks and the reverse sweep ------*- C++ -*-===//
#ifndef LATHE_AUTODIFF_BACKPROP_H
#define LATHE_AUTODIFF_BACKPROP_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace lathe {

/// Clones the body of network `net` at the builder, with `x` for its input
/// and `params` for its parameters; appends the cloned ops to `ops` and
/// returns the network's output. With a `seed` (tensor<i32>) the copies of
/// dropout layers draw their masks from it, each from its own stream;
/// without one they are the identity. `training` makes batch normalizations
/// `lathe.batchnorm_train` over the batch (its rows whose `mask` is 1,
/// where a mask is given).
mlir::Value cloneNetwork(mlir::OpBuilder &b, mlir::func::FuncOp net,
                         mlir::Value x, mlir::ValueRange params,
                         llvm::SmallVectorImpl<mlir::Operation *> &ops,
                         mlir::Value seed = {}, bool training = false,
                         mlir::Value mask = {});

/// `params` with each running statistic that a training batch
/// normalization among `ops` reads replaced by the one it computes.
llvm::SmallVector<mlir::Value>
withRunningStats(llvm::ArrayRef<mlir::Operation *> ops,
                 mlir::ValueRange params);

/// The elements of `all` (one per parameter) whose parameter is not
/// `frozen`: the trained parameters' values or types.
template <typename T, typename Range>
llvm::SmallVector<T> trainedOnly(llvm::ArrayRef<bool> frozen, Range &&all) {
  llvm::SmallVector<T> out;
  for (auto [f, x] : llvm::zip(frozen, all))
    if (!f)
      out.push_back(x);
  return out;
}

/// Whether argument `arg` of network `net` is a parameter that no gradient
/// trains (`lathe.buffer`: a batch normalization's running statistics).
bool isBuffer(mlir::func::FuncOp net, unsigned arg);

/// The attributes of an entry point's argument: `lathe.role`, and for
/// parameters and state `lathe.param` (its name) and `lathe.init`;
/// `lathe.buffer` for a parameter no gradient trains.
mlir::NamedAttrList argRole(mlir::Builder &b, llvm::StringRef role,
                            mlir::StringAttr param = {},
                            mlir::StringAttr init = {}, bool buffer = false);

/// Marks the first `count` results of training step `fn` as the new values
/// of its arguments `first`, `first + 1`, ... (parameters, then optimizer
/// state): `lathe.updates`, which lathe-update-in-place reads to write them
/// into those arguments' buffers.
void setUpdatedArgs(mlir::func::FuncOp fn, unsigned first, unsigned count);
/// The same with result i the new value of argument `args[i]`.
void setUpdatedArgs(mlir::func::FuncOp fn, llvm::ArrayRef<int64_t> args);

/// Whether `net` has a layer that draws random numbers while training.
bool needsSeed(mlir::func::FuncOp net);

/// Reverse-mode sweep over `ops` (in program order) from the scalar
/// `roots`, each seeded with 1, so the result is d(Σ roots) / d(each of
/// `wrt`). Gradients reaching a value from several uses are summed; a value
/// the roots do not depend on gets zeros.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
backprop(mlir::OpBuilder &b, llvm::ArrayRef<mlir::Operation *> ops,
         mlir::ValueRange roots, mlir::ValueRange wrt);

} // namespace lathe

#endif
