//===- Outlining.h - What outlined functions copy in ------------*- C++ -*-===//
#ifndef LATHE_LOWERING_OUTLINING_H
#define LATHE_LOWERING_OUTLINING_H

#include "mlir/IR/Operation.h"

namespace lathe {

/// Ops copied into a function outlined from a step (lathe-split-functions'
/// pieces, lathe-schedule-threads' tasks) instead of crossing its call:
/// cheap, without effects, without regions (constants, poison, globals'
/// addresses, views).
bool rematerializable(mlir::Operation *op);

} // namespace lathe

#endif
