//===- VJPRules.h - Gradient rules of the Lathe ops ---------------*- C++ -*-===//
#ifndef LATHE_AUTODIFF_VJPRULES_H
#define LATHE_AUTODIFF_VJPRULES_H

#include "mlir/IR/Builders.h"

namespace lathe {

/// The vector-Jacobian product of `op`: given the gradient `dy` of its
/// (single) result, builds the gradient of each operand at the builder's
/// position. Entries are null for operands without a gradient (labels,
/// masks). Reports an error on the op and fails when it has no rule yet.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildVJP(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value dy);

} // namespace lathe

#endif
