//===- GradientBlocks.h - Weight gradients computed in update blocks -*- C++ -*-===//
#ifndef LATHE_LOWERING_GRADIENTBLOCKS_H
#define LATHE_LOWERING_GRADIENTBLOCKS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <cstdint>

namespace lathe {

/// The products a linalg op sums per element: its reduction loops' sizes
/// multiplied (0 when one is dynamic).
inline int64_t reductionSize(mlir::linalg::LinalgOp op) {
  int64_t n = 1;
  auto ranges = op.getStaticLoopRanges();
  for (auto [size, kind] : llvm::zip(ranges, op.getIteratorTypesArray()))
    if (kind == mlir::utils::IteratorType::reduction)
      n = mlir::ShapedType::isDynamic(size) ? 0 : n * size;
  return n;
}

/// Rows of the blocks in which lathe-fuse-gradient-update computes a
/// weight's gradient inside its optimizer update.
constexpr int64_t kGradientBlockRows = 8;

/// Whether an update of `rows` x ... x `cols` elements whose gradient sums
/// `reduction` products per element is computed in such blocks: rows in
/// whole blocks, more than one; rows of at least one vector (a gradient of
/// 10 columns is computed better whole); and a gradient with more rows than
/// products (a dense layer's over a batch: each block then rereads little;
/// an LSTM kernel's over batch x time steps, 32 rows over 3,200 products,
/// ran 11% slower in blocks).
/// lathe-partition computes a gradient in its update's parts only then.
inline bool updatesInBlocks(int64_t rows, int64_t cols, int64_t reduction) {
  return rows > 0 && cols > 0 && reduction > 0 &&
         rows % kGradientBlockRows == 0 && rows > kGradientBlockRows &&
         cols >= 16 && rows >= reduction;
}

} // namespace lathe

#endif
