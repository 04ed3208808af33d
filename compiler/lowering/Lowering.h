//===- Lowering.h - Lathe ops as linalg on tensors ---------------*- C++ -*-===//
#ifndef LATHE_LOWERING_LOWERING_H
#define LATHE_LOWERING_LOWERING_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// Builds the linalg form of one Lathe op at the builder's position; reports
/// an error on the op and fails when it has no lowering yet.
mlir::FailureOr<mlir::Value> lowerOp(mlir::OpBuilder &b, mlir::Operation *op);

mlir::Value lowerDense(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value w, mlir::Value bias);
mlir::Value lowerSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);
mlir::Value lowerActivation(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Operation *op, mlir::Value x);
/// The (masked) batch-mean loss of a Lathe loss op, as a 0-d tensor.
mlir::Value lowerLoss(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::Operation *op);

} // namespace lathe

#endif
