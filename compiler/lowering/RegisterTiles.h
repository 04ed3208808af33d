//===- RegisterTiles.h - Tile sizes and tiling for register kernels -*- C++ -*-===//
//
// Shared by lathe-vectorize-matmul, lathe-vectorize-conv,
// lathe-vectorize-transpose and lathe-direct-conv: the choice of a tile
// size that divides a static extent, tiling an op into scf loops in a
// given order, and the forms of the matmuls, bias broadcasts and
// transposes they match.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_LOWERING_REGISTERTILES_H
#define LATHE_LOWERING_REGISTERTILES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {

/// The largest of `choices` that divides `n` (`n` itself when it is at most
/// `cap`: one vector of any width beats several narrow ones).
inline int64_t tileFor(int64_t n, int64_t cap, llvm::ArrayRef<int64_t> choices) {
  if (n <= cap)
    return n;
  for (int64_t c : choices)
    if (n % c == 0)
      return c;
  return 1;
}

/// Tiles `op` by `sizes` (0: that loop untiled) into loops of `type`,
/// outermost first in the order `interchange`; replaces `op` with the loops
/// and sets the insertion point at the tiled op inside them.
inline mlir::FailureOr<mlir::scf::SCFTilingResult>
tileOp(mlir::RewriterBase &rewriter, mlir::Operation *op,
       llvm::ArrayRef<int64_t> sizes, llvm::ArrayRef<int64_t> interchange = {},
       mlir::scf::SCFTilingOptions::LoopType type =
           mlir::scf::SCFTilingOptions::LoopType::ForOp) {
  mlir::scf::SCFTilingOptions options;
  options.setTileSizes(
      mlir::getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  options.setInterchange(interchange);
  options.setLoopType(type);
  mlir::FailureOr<mlir::scf::SCFTilingResult> tiled = mlir::scf::tileUsingSCF(
      rewriter, llvm::cast<mlir::TilingInterface>(op), options);
  if (succeeded(tiled)) {
    rewriter.replaceOp(op, tiled->replacements);
    rewriter.setInsertionPoint(tiled->tiledOps.back());
  }
  return tiled;
}

/// Whether the matmul `op` (loops i, k, j) reads its operand `i` at (loop
/// `a`, loop `b`).
bool matmulReadsAt(mlir::linalg::GenericOp op, unsigned i, unsigned a,
                   unsigned b);

/// The 1-D tensor (a bias) that `v` broadcasts, if `v` is the result of a
/// linalg.generic of `rank` parallel loops that yields its one input read
/// through (d0, ..., d{rank-1}) -> (d{rank-1}) into an identity-mapped init.
mlir::Value broadcastOfLast(mlir::Value v, unsigned rank);

/// Whether `op` is a 2-D generic that only copies its one input
/// transposed.
bool isTranspose(mlir::linalg::GenericOp op);

/// Where `tile` (a value derived from `base` through extract_slice ops and
/// the iteration arguments of scf.for and scf.forall loops) starts in
/// `base` along dimension `dim`.
mlir::Value offsetIn(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tile,
                     mlir::Value base, unsigned dim);

} // namespace lathe

#endif
