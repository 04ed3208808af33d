//===- GpuMapLoops.cpp - One flat scf.parallel per kernel -----------------===//
//
// gpu-map-parallel-loops maps the first three dimensions of a parallel
// loop to x, y and z and runs the others sequentially, so a 4-D
// elementwise loop, or a 6-D im2col, would run most of its work in one
// thread. Flattened first, every loop has one dimension, which 256-thread
// blocks cover; neighbouring threads take neighbouring elements of the
// last (contiguous) dimension, so their loads coalesce.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/gpu/GpuLoops.h"

#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUMAPLOOPS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
constexpr int64_t kThreadsPerBlock = 256;

/// The loop's static trip counts when it starts at 0 with step 1 and has
/// no reductions; empty otherwise.
SmallVector<int64_t> staticCounts(scf::ParallelOp loop) {
  if (loop.getNumReductions() != 0)
    return {};
  return lathe::staticTripCounts(loop).value_or(SmallVector<int64_t>{});
}

/// `loop` (trip counts `counts`, `total` iterations) as one loop over all
/// its iterations.
scf::ParallelOp flatten(RewriterBase &rewriter, scf::ParallelOp loop,
                        ArrayRef<int64_t> counts, int64_t total) {
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value end = arith::ConstantIndexOp::create(rewriter, loc, total);
  auto flat = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                      ValueRange{end}, ValueRange{one});
  Block *body = flat.getBody();
  rewriter.setInsertionPointToStart(body);
  SmallVector<Value> indices;
  if (counts.size() == 1) {
    indices.push_back(body->getArgument(0));
  } else {
    auto split = affine::AffineDelinearizeIndexOp::create(
        rewriter, loc, body->getArgument(0), counts);
    indices.append(split.getResults().begin(), split.getResults().end());
  }
  Operation *newEnd = body->getTerminator();
  Block *old = loop.getBody();
  Operation *oldEnd = old->getTerminator();
  rewriter.inlineBlockBefore(old, newEnd, indices);
  rewriter.eraseOp(oldEnd);
  rewriter.eraseOp(loop);
  return flat;
}

struct GpuMapLoopsPass : lathe::impl::LatheGpuMapLoopsBase<GpuMapLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : lathe::outermostParallelLoops(getOperation())) {
      SmallVector<int64_t> counts = staticCounts(loop);
      if (counts.empty())
        continue;
      int64_t total = 1;
      for (int64_t c : counts)
        total *= c;
      scf::ParallelOp flat = flatten(rewriter, loop, counts, total);
      if (total > 1)
        scf::tileParallelLoop(flat, {std::min(total, kThreadsPerBlock)},
                              /*noMinMaxBounds=*/true);
    }
  }
};
} // namespace
