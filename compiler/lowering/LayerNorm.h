//===- LayerNorm.h - Layer normalization as linalg ----------------*- C++ -*-===//
#ifndef LATHE_LOWERING_LAYERNORM_H
#define LATHE_LOWERING_LAYERNORM_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// (x - mean) / sqrt(var + epsilon) * gamma + beta over the last dimension
/// of `x` (any rank of 2 or more), the variance biased.
mlir::Value lowerLayerNorm(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value gamma, mlir::Value beta,
                           double epsilon);

/// The gradients of layer normalization: {dx, dgamma, dbeta}.
llvm::SmallVector<mlir::Value>
layerNormBackward(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                  mlir::Value gamma, mlir::Value dy, double epsilon);

} // namespace lathe

#endif
