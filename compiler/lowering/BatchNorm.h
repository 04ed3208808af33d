//===- BatchNorm.h - Batch normalization as linalg --------------*- C++ -*-===//
#ifndef LATHE_LOWERING_BATCHNORM_H
#define LATHE_LOWERING_BATCHNORM_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// (x - mean) / sqrt(var + epsilon) * gamma + beta per feature (the last
/// dimension of `x`) with the running statistics `mean` and `var`.
mlir::Value lowerBatchNorm(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value gamma, mlir::Value beta,
                           mlir::Value mean, mlir::Value var, double epsilon);

/// Batch normalization with the statistics of the batch (its rows whose
/// `mask` is 1, where a mask is given): {y, new running mean, new running
/// variance}, as `lathe.batchnorm_train` defines them.
llvm::SmallVector<mlir::Value>
lowerBatchNormTrain(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    mlir::Value gamma, mlir::Value beta, mlir::Value mean,
                    mlir::Value var, mlir::Value mask, double epsilon,
                    double momentum);

/// The gradients of the training batch normalization: {dx, dgamma, dbeta}.
llvm::SmallVector<mlir::Value>
batchNormBackward(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                  mlir::Value gamma, mlir::Value mask, mlir::Value dy,
                  double epsilon);

} // namespace lathe

#endif
