//===- Outlining.h - Ops of a step moved into a function --------*- C++ -*-===//
#ifndef LATHE_LOWERING_OUTLINING_H
#define LATHE_LOWERING_OUTLINING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"

namespace lathe {

/// Ops copied into a function outlined from a step (lathe-split-functions'
/// pieces, lathe-schedule-threads' tasks) instead of crossing its call:
/// cheap, without effects, without regions (constants, poison, globals'
/// addresses, views).
bool rematerializable(mlir::Operation *op);

/// Moves `ops` (consecutive ops of one block; ops between them that are not
/// listed stay, after the call) into a new private, noinline, internal
/// function `name` called in their place, with `leading` as its first
/// arguments. Buffers are passed as arguments (noalias for allocations),
/// rematerializable values copied in, values used after the ops returned.
/// Returns the call, or nothing (and changes nothing) when a view with a
/// layout would have to be passed.
mlir::func::CallOp outlineOps(mlir::func::FuncOp f,
                              llvm::ArrayRef<mlir::Operation *> ops,
                              llvm::StringRef name,
                              llvm::ArrayRef<mlir::Value> leading = {});

} // namespace lathe

#endif
