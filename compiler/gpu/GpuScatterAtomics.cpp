//===- GpuScatterAtomics.cpp - Scattered sums as parallel atomic adds -----===//
//
// A convolution's input gradient puts its patches back into the image
// (col2im): out[n, 2i + ky, 2j + kx, c] += cols[n, i, j, ky, kx, c]. The
// patches overlap, so convert-linalg-to-parallel-loops runs i, j, ky and
// kx as sequential loops inside a parallel loop over n and c: 64 threads
// for a 64-image batch of one channel, each walking 4,900 terms. Every
// term here is added to one element, so the nest is parallel in all its
// dimensions once the read-modify-write becomes an atomic add.
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
#define GEN_PASS_DEF_LATHEGPUSCATTERATOMICS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether two index lists are the same values.
bool sameIndices(ValueRange a, ValueRange b, Operation *within) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b)) {
    if (x == y)
      continue;
    // Equal affine.apply ops (the lowering repeats them for the store).
    Operation *dx = x.getDefiningOp(), *dy = y.getDefiningOp();
    if (!dx || !dy || !within->isAncestor(dx) ||
        !OperationEquivalence::isEquivalentTo(
            dx, dy, OperationEquivalence::ignoreValueEquivalence, nullptr,
            OperationEquivalence::IgnoreLocations) ||
        !isMemoryEffectFree(dx) || dx->getNumRegions() != 0)
      return false;
    if (!sameIndices(dx->getOperands(), dy->getOperands(), within))
      return false;
  }
  return true;
}

struct GpuScatterAtomicsPass
    : lathe::impl::LatheGpuScatterAtomicsBase<GpuScatterAtomicsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : lathe::outermostParallelLoops(getOperation()))
      rewrite(rewriter, loop);
  }

  void rewrite(IRRewriter &rewriter, scf::ParallelOp loop) {
    if (loop.getNumReductions() != 0 || !lathe::staticTripCounts(loop))
      return;
    // A perfect nest of scf.for loops from 0 with step 1 and fixed ends.
    SmallVector<scf::ForOp> nest;
    Block *body = loop.getBody();
    while (true) {
      auto ops = body->without_terminator();
      if (std::distance(ops.begin(), ops.end()) != 1)
        break;
      auto inner = dyn_cast<scf::ForOp>(*ops.begin());
      if (!inner || inner.getNumResults() != 0)
        return;
      std::optional<int64_t> lb = getConstantIntValue(inner.getLowerBound()),
                             ub = getConstantIntValue(inner.getUpperBound()),
                             step = getConstantIntValue(inner.getStep());
      if (!lb || !ub || !step || *lb != 0 || *step != 1)
        return;
      nest.push_back(inner);
      body = inner.getBody();
    }
    if (nest.empty())
      return;
    // The innermost body: straight-line code whose one write is
    // out[idx] = out[idx] + v, and which reads `out` nowhere else.
    memref::StoreOp store;
    for (Operation &op : body->without_terminator()) {
      if (op.getNumRegions() != 0)
        return;
      if (auto s = dyn_cast<memref::StoreOp>(op)) {
        if (store)
          return;
        store = s;
      } else if (!isa<memref::LoadOp>(op) && !isMemoryEffectFree(&op)) {
        return;
      }
    }
    if (!store)
      return;
    auto sum = store.getValue().getDefiningOp<arith::AddFOp>();
    if (!sum || sum->getBlock() != body)
      return;
    Value root = lathe::rootOf(store.getMemRef());
    memref::LoadOp old;
    Value term;
    for (auto [x, y] : {std::pair{sum.getLhs(), sum.getRhs()},
                        std::pair{sum.getRhs(), sum.getLhs()}}) {
      auto l = x.getDefiningOp<memref::LoadOp>();
      if (l && l.getMemRef() == store.getMemRef() &&
          sameIndices(l.getIndices(), store.getIndices(), nest.front())) {
        old = l;
        term = y;
        break;
      }
    }
    if (!old || !sum->hasOneUse() || !old->hasOneUse())
      return;
    for (Operation &op : body->without_terminator())
      if (auto l = dyn_cast<memref::LoadOp>(op))
        if (l != old && lathe::rootOf(l.getMemRef()) == root)
          return;
    SmallVector<Value> ivs;
    for (scf::ForOp f : nest)
      ivs.push_back(f.getInductionVar());
    // A target that no sequential loop moves is a plain reduction
    // (lathe-gpu-split-reductions).
    if (!llvm::any_of(store.getIndices(), [&](Value i) {
          return lathe::dependsOn(i, ivs, nest.front());
        }))
      return;

    // The parallel loop's last dimension stays last (neighbouring threads,
    // neighbouring channels); the sequential loops go just before it.
    Location loc = loop.getLoc();
    rewriter.setInsertionPoint(loop);
    SmallVector<Value> lbs, ubs, steps, from;
    auto add = [&](Value lb, Value ub, Value step, Value iv) {
      lbs.push_back(lb);
      ubs.push_back(ub);
      steps.push_back(step);
      from.push_back(iv);
    };
    unsigned last = loop.getNumLoops() - 1;
    for (unsigned i = 0; i < last; ++i)
      add(loop.getLowerBound()[i], loop.getUpperBound()[i], loop.getStep()[i],
          loop.getInductionVars()[i]);
    for (scf::ForOp f : nest)
      add(f.getLowerBound(), f.getUpperBound(), f.getStep(),
          f.getInductionVar());
    add(loop.getLowerBound()[last], loop.getUpperBound()[last],
        loop.getStep()[last], loop.getInductionVars()[last]);
    auto flat = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
    IRMapping map;
    for (auto [iv, to] : llvm::zip(from, flat.getInductionVars()))
      map.map(iv, to);
    rewriter.setInsertionPoint(flat.getBody()->getTerminator());
    for (Operation &op : body->without_terminator()) {
      if (&op == old.getOperation() || &op == sum.getOperation())
        continue;
      if (&op == store.getOperation()) {
        SmallVector<Value> index;
        for (Value i : store.getIndices())
          index.push_back(map.lookupOrDefault(i));
        memref::AtomicRMWOp::create(rewriter, loc, arith::AtomicRMWKind::addf,
                                    map.lookupOrDefault(term),
                                    map.lookupOrDefault(store.getMemRef()),
                                    index);
        continue;
      }
      rewriter.clone(op, map);
    }
    rewriter.eraseOp(loop);
  }
};
} // namespace
