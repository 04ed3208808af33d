//===- LowerVectors.cpp - Matmul tiles' vector ops to FMAs ----------------===//
//
// The pattern sets run in separate greedy rewrites: mixing the contraction
// lowering with canonicalization can rewrite without end.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lathe {
#define GEN_PASS_DEF_LATHELOWERVECTORS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct LowerVectorsPass
    : lathe::impl::LatheLowerVectorsBase<LowerVectorsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto run = [&](auto populate) {
      RewritePatternSet patterns(ctx);
      populate(patterns);
      return applyPatternsGreedily(getOperation(), std::move(patterns));
    };
    if (failed(run([](RewritePatternSet &p) {
          vector::populateVectorTransferPermutationMapLoweringPatterns(p);
          vector::populateVectorTransposeLoweringPatterns(
              p, vector::VectorTransposeLowering::EltWise);
          vector::populateVectorContractLoweringPatterns(
              p, vector::VectorContractLowering::OuterProduct);
        })) ||
        failed(run([](RewritePatternSet &p) {
          vector::populateVectorOuterProductLoweringPatterns(p);
        })) ||
        failed(run([](RewritePatternSet &p) {
          vector::populateVectorTransferLoweringPatterns(p, 1);
          vector::populateVectorShapeCastLoweringPatterns(p);
          vector::populateVectorBroadcastLoweringPatterns(p);
        })))
      signalPassFailure();
  }
};
} // namespace
