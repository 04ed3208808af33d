//===- GpuLoops.h - The parallel loops the GPU passes rewrite ---*- C++ -*-===//
//
// lathe-gpu-split-reductions, lathe-gpu-scatter-atomics,
// lathe-gpu-register-tiles and lathe-gpu-map-loops each rewrite a
// function's outermost scf.parallel loops (each becomes one kernel) when
// their bounds are static.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_GPU_GPULOOPS_H
#define LATHE_GPU_GPULOOPS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <optional>

namespace lathe {

/// The scf.parallel loops under `root` that no other one encloses.
inline llvm::SmallVector<mlir::scf::ParallelOp>
outermostParallelLoops(mlir::Operation *root) {
  llvm::SmallVector<mlir::scf::ParallelOp> loops;
  root->walk([&](mlir::scf::ParallelOp loop) {
    if (!loop->getParentOfType<mlir::scf::ParallelOp>())
      loops.push_back(loop);
  });
  return loops;
}

/// The trip counts of a loop whose dimensions all start at 0 with step 1
/// and end at constants; nothing otherwise.
inline std::optional<llvm::SmallVector<int64_t>>
staticTripCounts(mlir::scf::ParallelOp loop) {
  llvm::SmallVector<int64_t> counts;
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = mlir::getConstantIntValue(lb),
                           u = mlir::getConstantIntValue(ub),
                           s = mlir::getConstantIntValue(step);
    if (!l || !u || !s || *l != 0 || *s != 1)
      return std::nullopt;
    counts.push_back(*u);
  }
  return counts;
}

/// Whether `v` depends, through ops inside `within`, on one of `ivs`.
inline bool dependsOn(mlir::Value v, llvm::ArrayRef<mlir::Value> ivs,
                      mlir::Operation *within) {
  if (llvm::is_contained(ivs, v))
    return true;
  mlir::Operation *d = v.getDefiningOp();
  if (!d || !within->isAncestor(d))
    return false;
  return llvm::any_of(d->getOperands(), [&](mlir::Value o) {
    return dependsOn(o, ivs, within);
  });
}

/// The buffer a view is a view of.
inline mlir::Value rootOf(mlir::Value memref) {
  while (auto view = memref.getDefiningOp<mlir::ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

} // namespace lathe

#endif
