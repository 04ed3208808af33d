//===- GradientBlocks.h - Weight gradients computed in update blocks -*- C++ -*-===//
#ifndef LATHE_LOWERING_GRADIENTBLOCKS_H
#define LATHE_LOWERING_GRADIENTBLOCKS_H

#include <cstdint>

namespace lathe {

/// Rows of the blocks in which lathe-fuse-gradient-update computes a
/// weight's gradient inside its optimizer update.
constexpr int64_t kGradientBlockRows = 8;

/// Whether an update of `rows` x ... x `cols` elements is computed in such
/// blocks: rows in whole blocks, more than one, and rows of at least one
/// vector (a gradient of 10 columns is computed better whole).
/// lathe-partition computes a gradient in its update's parts only then.
inline bool updatesInBlocks(int64_t rows, int64_t cols) {
  return rows > 0 && cols > 0 && rows % kGradientBlockRows == 0 &&
         rows > kGradientBlockRows && cols >= 16;
}

} // namespace lathe

#endif
