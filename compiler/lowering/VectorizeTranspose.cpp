//===- VectorizeTranspose.cpp - 16x16 register transposes -----------------===//
//
// A matmul with a transposed operand materializes the transpose (the CNN's
// input gradient reads its 5408x128 dense kernel transposed every step).
// Lowered to loops, that transpose reads one element per cache line and
// LLVM turns it into gathers. Here each 2-D transpose whose sides are
// multiples of 16 becomes loops over 16x16 blocks, each read as 16 row
// vectors, transposed in registers and written as 16 row vectors.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/RegisterTiles.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEVECTORIZETRANSPOSE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
constexpr int64_t kBlock = 16;

struct VectorizeTransposePass
    : lathe::impl::LatheVectorizeTransposeBase<VectorizeTransposePass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (!lathe::isTranspose(op))
        return;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::all_of(ranges, [](int64_t r) {
            return !ShapedType::isDynamic(r) && r % kBlock == 0;
          }))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(
          {rewriter.getIndexAttr(kBlock), rewriter.getIndexAttr(kBlock)});
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
      Operation *tile = tiled->tiledOps.back();
      rewriter.setInsertionPoint(tile);
      FailureOr<linalg::VectorizationResult> vec =
          linalg::vectorize(rewriter, tile);
      if (failed(vec))
        continue;
      rewriter.replaceOp(tile, vec->replacements);
    }
  }
};
} // namespace
