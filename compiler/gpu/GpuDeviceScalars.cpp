//===- GpuDeviceScalars.cpp - A step's scalar work stays on the GPU -------===//
//
// After convert-linalg-to-parallel-loops, a reduction to a scalar is an
// scf.for nest with no parallel loop around it, and the initial store of
// its accumulator a lone memref.store: both would run on the host, each
// making the host wait for the kernels before it and pulling their pages
// back from the GPU. Each becomes a one-iteration scf.parallel, a kernel
// of one thread. A scalar that the host loads only to compute with and to
// hand to later parallel loops is loaded inside each of them instead.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/gpu/GpuLoops.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUDEVICESCALARS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether `op` or an op nested in it may write to a view of `root`.
bool mayWrite(Operation *op, Value root) {
  WalkResult r = op->walk([&](Operation *inner) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
    if (!effects) {
      // Loops: their bodies are walked. Anything else unknown may write.
      if (inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
          isMemoryEffectFree(inner))
        return WalkResult::advance();
      return WalkResult::interrupt();
    }
    SmallVector<MemoryEffects::EffectInstance> list;
    effects.getEffects(list);
    for (auto &e : list)
      if (isa<MemoryEffects::Write>(e.getEffect()) &&
          (!e.getValue() || lathe::rootOf(e.getValue()) == root))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return r.wasInterrupted();
}

/// A top-level op that touches memory and should run in a kernel of one
/// thread: a loop with no parallel loop inside and no results, or a store.
bool runsAlone(Operation &op) {
  if (isa<memref::StoreOp>(op))
    return true;
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0)
    return false;
  bool memory = false, parallel = false;
  loop.walk([&](Operation *inner) {
    parallel |= isa<scf::ParallelOp>(inner);
    memory |= isa<memref::LoadOp, memref::StoreOp>(inner);
  });
  return memory && !parallel;
}

struct GpuDeviceScalarsPass
    : lathe::impl::LatheGpuDeviceScalarsBase<GpuDeviceScalarsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    IRRewriter rewriter(&getContext());

    // Loops and stores that would run on the host: one-thread kernels.
    SmallVector<Operation *> alone;
    for (Operation &op : body)
      if (runsAlone(op))
        alone.push_back(&op);
    for (Operation *op : alone) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto loop = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                          ValueRange{one}, ValueRange{one});
      rewriter.moveOpBefore(op, loop.getBody()->getTerminator());
    }

    // Scalars loaded on the host and used only (through pure ops) in later
    // parallel loops: each such loop loads and computes them itself.
    SmallVector<Operation *> chain; // loads and pure ops, in order
    llvm::SmallPtrSet<Operation *, 16> inChain;
    for (Operation &op : body) {
      bool member = false;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        member = llvm::all_of(load.getIndices(), [](Value i) {
          return i.getDefiningOp<arith::ConstantOp>() != nullptr;
        });
      else if (op.getNumRegions() == 0 && op.getNumResults() == 1 &&
               isMemoryEffectFree(&op) && !op.hasTrait<OpTrait::ConstantLike>())
        member = llvm::any_of(op.getOperands(), [&](Value v) {
                   Operation *d = v.getDefiningOp();
                   return d && inChain.contains(d);
                 }) &&
                 llvm::all_of(op.getOperands(), [&](Value v) {
                   Operation *d = v.getDefiningOp();
                   return !d || inChain.contains(d) ||
                          d->hasTrait<OpTrait::ConstantLike>() ||
                          d->getBlock() != &body;
                 });
      if (member) {
        chain.push_back(&op);
        inChain.insert(&op);
      }
    }
    for (Operation *op : chain) {
      // Every use must be inside a top-level parallel loop that comes
      // later, or in another member of the chain.
      SmallVector<scf::ParallelOp> loops;
      bool movable = true;
      for (Operation *user : op->getUsers()) {
        if (inChain.contains(user))
          continue;
        auto loop = user->getParentOfType<scf::ParallelOp>();
        while (loop && loop->getBlock() != &body)
          loop = loop->getParentOfType<scf::ParallelOp>();
        if (!loop) {
          movable = false;
          break;
        }
        if (!llvm::is_contained(loops, loop))
          loops.push_back(loop);
      }
      if (!movable || loops.empty())
        continue;
      // The loads it depends on must read the same value in each loop.
      SmallVector<Operation *> needed;
      SmallVector<Value> work{op->getResult(0)};
      llvm::SmallPtrSet<Operation *, 8> seen;
      while (!work.empty()) {
        Operation *d = work.pop_back_val().getDefiningOp();
        if (!d || !inChain.contains(d) || !seen.insert(d).second)
          continue;
        needed.push_back(d);
        for (Value v : d->getOperands())
          work.push_back(v);
      }
      llvm::sort(needed, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      for (scf::ParallelOp loop : loops) {
        bool safe = true;
        for (Operation *d : needed)
          if (auto load = dyn_cast<memref::LoadOp>(d))
            for (Operation *between = load->getNextNode(); between != loop;
                 between = between->getNextNode())
              safe &= !mayWrite(between, lathe::rootOf(load.getMemRef()));
        if (!safe)
          continue;
        rewriter.setInsertionPointToStart(loop.getBody());
        IRMapping map;
        for (Operation *d : needed)
          rewriter.clone(*d, map);
        Value inside = map.lookup(op->getResult(0));
        rewriter.replaceUsesWithIf(op->getResult(0), inside, [&](OpOperand &u) {
          return loop->isProperAncestor(u.getOwner());
        });
      }
    }
    for (Operation *op : llvm::reverse(chain))
      if (op->use_empty())
        rewriter.eraseOp(op);
  }
};
} // namespace
