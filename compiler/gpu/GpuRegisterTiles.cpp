//===- GpuRegisterTiles.cpp - A tile of outputs per thread ----------------===//
//
// One thread per output element of a matmul loads a row operand and a
// column operand for every multiply-add. Unrolling the parallel loop's
// last two dimensions by `size` and jamming the copies of the reduction
// loop into one gives each thread a size x size tile: per step of the
// reduction it loads `size` row and `size` column operands for size^2
// multiply-adds. The body must be what lathe-gpu-split-reductions leaves:
// straight-line code, one reduction loop (its accumulators private
// scalars), straight-line code.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/gpu/GpuLoops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUREGISTERTILES
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct GpuRegisterTilesPass
    : lathe::impl::LatheGpuRegisterTilesBase<GpuRegisterTilesPass> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : lathe::outermostParallelLoops(getOperation()))
      tile(rewriter, loop);
  }

  void tile(IRRewriter &rewriter, scf::ParallelOp loop) {
    int64_t rank = loop.getNumLoops();
    if (rank < 2 || loop.getNumReductions() != 0 || size < 2)
      return;
    std::optional<SmallVector<int64_t>> trips = lathe::staticTripCounts(loop);
    if (!trips)
      return;
    SmallVector<int64_t> counts = *trips;
    if (counts[rank - 1] % size || counts[rank - 2] % size)
      return;
    // Straight-line code, one reduction loop, straight-line code.
    Block *body = loop.getBody();
    scf::ForOp reduction;
    for (Operation &op : body->without_terminator()) {
      if (auto f = dyn_cast<scf::ForOp>(op)) {
        if (reduction || f.getNumResults() != 0)
          return;
        reduction = f;
      } else if (op.getNumRegions() != 0) {
        return;
      }
    }
    if (!reduction)
      return;
    SmallVector<Value> tiled{body->getArgument(rank - 2),
                             body->getArgument(rank - 1)};
    for (Value bound : {reduction.getLowerBound(), reduction.getUpperBound(),
                        reduction.getStep()})
      if (lathe::dependsOn(bound, tiled, loop))
        return;
    // Only loads, stores, atomics and pure ops: each copy touches its own
    // output element.
    bool plain = true;
    loop.walk([&](Operation *op) {
      if (op == loop || isa<scf::ForOp, scf::YieldOp, scf::ReduceOp>(op))
        return;
      plain &= isa<memref::LoadOp, memref::StoreOp, memref::AllocaOp,
                   memref::AtomicRMWOp>(op) ||
               isMemoryEffectFree(op);
    });
    if (!plain)
      return;

    Location loc = loop.getLoc();
    rewriter.setInsertionPoint(loop);
    SmallVector<Value> ubs(loop.getUpperBound());
    for (int64_t d : {rank - 2, rank - 1})
      ubs[d] = arith::ConstantIndexOp::create(rewriter, loc, counts[d] / size);
    auto tiles = scf::ParallelOp::create(rewriter, loc, loop.getLowerBound(),
                                         ubs, loop.getStep());
    Block *tileBody = tiles.getBody();
    rewriter.setInsertionPointToStart(tileBody);
    Value edge = arith::ConstantIndexOp::create(rewriter, loc, size);
    Value rowBase = arith::MulIOp::create(
        rewriter, loc, tileBody->getArgument(rank - 2), edge);
    Value colBase = arith::MulIOp::create(
        rewriter, loc, tileBody->getArgument(rank - 1), edge);
    // One mapping per output of the tile.
    SmallVector<IRMapping> maps(size * size);
    for (int64_t a = 0; a < size; ++a)
      for (int64_t b = 0; b < size; ++b) {
        IRMapping &map = maps[a * size + b];
        for (int64_t d = 0; d < rank - 2; ++d)
          map.map(body->getArgument(d), tileBody->getArgument(d));
        map.map(body->getArgument(rank - 2),
                arith::AddIOp::create(
                    rewriter, loc, rowBase,
                    arith::ConstantIndexOp::create(rewriter, loc, a)));
        map.map(body->getArgument(rank - 1),
                arith::AddIOp::create(
                    rewriter, loc, colBase,
                    arith::ConstantIndexOp::create(rewriter, loc, b)));
      }
    auto cloneEach = [&](Operation *op) {
      for (IRMapping &map : maps)
        rewriter.clone(*op, map);
    };
    for (Operation &op : llvm::make_range(body->begin(),
                                          reduction->getIterator()))
      cloneEach(&op);
    // The reduction loop once, its body once per output.
    auto jammed = scf::ForOp::create(
        rewriter, loc, maps[0].lookupOrDefault(reduction.getLowerBound()),
        maps[0].lookupOrDefault(reduction.getUpperBound()),
        maps[0].lookupOrDefault(reduction.getStep()));
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(jammed.getBody()->getTerminator());
      for (IRMapping &map : maps) {
        map.map(reduction.getInductionVar(), jammed.getInductionVar());
        for (Operation &op : reduction.getBody()->without_terminator())
          rewriter.clone(op, map);
      }
    }
    for (Operation &op : llvm::make_range(std::next(reduction->getIterator()),
                                          std::prev(body->end())))
      cloneEach(&op);
    rewriter.eraseOp(loop);
  }
};
} // namespace
