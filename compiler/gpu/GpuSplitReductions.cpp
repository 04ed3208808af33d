//===- GpuSplitReductions.cpp - Long sums split across threads ------------===//
//
// After convert-linalg-to-parallel-loops a reduction is an scf.parallel
// over the output elements whose body is an scf.for nest that loads the
// output element, adds a term and stores it back. With few outputs (32
// bias gradients summed over a batch of 26x26 images) most of the GPU
// idles while each thread walks tens of thousands of terms. The outermost
// reduction loop is cut into chunks, one more parallel dimension; a
// thread sums its chunk in a private scalar and adds it to the output with
// one atomic add. The output holds the op's initial value already (the
// fill before it), so the result is the same sum in another order.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/gpu/GpuLoops.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <algorithm>

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUSPLITREDUCTIONS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// The accumulation in a reduction nest: `store (load M[i] + v), M[i]`
/// with the same indices, none depending on the nest's loops, and no other
/// access to M in the nest.
struct Accumulation {
  memref::LoadOp load;
  memref::StoreOp store;
  Operation *combine; // a sum (arith.addf) can be split
};

std::optional<Accumulation> findAccumulation(scf::ForOp outer) {
  SmallVector<memref::StoreOp> stores;
  outer.walk([&](memref::StoreOp s) { stores.push_back(s); });
  if (stores.size() != 1)
    return std::nullopt;
  memref::StoreOp store = stores.front();
  Operation *add = store.getValueToStore().getDefiningOp();
  if (!add || add->getNumResults() != 1 || !isMemoryEffectFree(add))
    return std::nullopt;
  memref::LoadOp load;
  for (Value v : add->getOperands())
    if (auto l = v.getDefiningOp<memref::LoadOp>())
      if (l.getMemRef() == store.getMemRef() &&
          l.getIndices() == store.getIndices())
        load = l;
  if (!load || !load->hasOneUse() || load->getBlock() != store->getBlock())
    return std::nullopt;
  // The indices must not depend on the nest's loops (only on values from
  // outside `outer`, possibly through pure ops inside it).
  std::function<bool(Value)> invariant = [&](Value v) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return !outer->isAncestor(arg.getOwner()->getParentOp());
    Operation *d = v.getDefiningOp();
    if (!outer->isAncestor(d))
      return true;
    return isMemoryEffectFree(d) && d->getNumRegions() == 0 &&
           llvm::all_of(d->getOperands(), invariant);
  };
  if (!llvm::all_of(store.getIndices(), invariant))
    return std::nullopt;
  // No other access to the output in the nest.
  Value out = store.getMemRef();
  bool other = false;
  outer.walk([&](Operation *op) {
    if (op != load && op != store &&
        llvm::is_contained(op->getOperands(), out))
      other = true;
    if (!isa<memref::LoadOp, memref::StoreOp, scf::ForOp, scf::YieldOp>(op) &&
        !isMemoryEffectFree(op))
      other = true;
  });
  if (other)
    return std::nullopt;
  return Accumulation{load, store, add};
}

/// `v` computed after `outer` when it is defined inside it (from values
/// outside it, through pure ops).
Value hoisted(RewriterBase &rewriter, scf::ForOp outer, Value v,
              IRMapping &map) {
  if (Value m = map.lookupOrNull(v))
    return m;
  Operation *d = v.getDefiningOp();
  if (!d || !outer->isAncestor(d))
    return v;
  for (Value o : d->getOperands())
    hoisted(rewriter, outer, o, map);
  return rewriter.clone(*d, map)->getResult(
      cast<OpResult>(v).getResultNumber());
}

/// The output element kept in a private scalar through the nest: loaded
/// once before it and stored once after it, instead of a load and a store
/// of global memory every iteration (LLVM cannot tell that the output
/// aliases none of the inputs).
void promote(RewriterBase &rewriter, scf::ForOp outer, Accumulation acc) {
  Location loc = outer.getLoc();
  rewriter.setInsertionPoint(outer);
  IRMapping before;
  SmallVector<Value> indices;
  for (Value i : acc.store.getIndices())
    indices.push_back(hoisted(rewriter, outer, i, before));
  Value out = acc.store.getMemRef();
  Type elem = acc.load.getType();
  Value priv = memref::AllocaOp::create(rewriter, loc, MemRefType::get({}, elem));
  Value init = memref::LoadOp::create(rewriter, loc, out, indices);
  memref::StoreOp::create(rewriter, loc, init, priv, ValueRange{});
  rewriter.setInsertionPoint(acc.load);
  rewriter.replaceOp(acc.load,
                     memref::LoadOp::create(rewriter, loc, priv, ValueRange{}));
  rewriter.setInsertionPoint(acc.store);
  memref::StoreOp::create(rewriter, loc, acc.combine->getResult(0), priv,
                          ValueRange{});
  rewriter.eraseOp(acc.store);
  rewriter.setInsertionPointAfter(outer);
  Value result = memref::LoadOp::create(rewriter, loc, priv, ValueRange{});
  memref::StoreOp::create(rewriter, loc, result, out, indices);
}

struct GpuSplitReductionsPass
    : lathe::impl::LatheGpuSplitReductionsBase<GpuSplitReductionsPass> {
  using Base::Base;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : lathe::outermostParallelLoops(getOperation()))
      split(rewriter, loop);
  }

  void split(IRRewriter &rewriter, scf::ParallelOp loop) {
    if (loop.getNumReductions() != 0)
      return;
    std::optional<SmallVector<int64_t>> counts = lathe::staticTripCounts(loop);
    if (!counts)
      return;
    int64_t outputs = 1;
    for (int64_t c : *counts)
      outputs *= c;
    // The body: pure index computations, then one reduction nest.
    scf::ForOp outer;
    for (Operation &op : loop.getBody()->without_terminator()) {
      if (auto f = dyn_cast<scf::ForOp>(op)) {
        if (outer)
          return;
        outer = f;
      } else if (!isMemoryEffectFree(&op) || op.getNumRegions() != 0) {
        return;
      }
    }
    if (!outer || outer.getNumResults() != 0 || outer->getNextNode() !=
                                                    loop.getBody()->getTerminator())
      return;
    // A perfect nest with fixed bounds (a sum over batch, rows and
    // columns) becomes one loop, so that chunks can be finer than a batch
    // row.
    auto tripCount = [](scf::ForOp f) -> std::optional<int64_t> {
      std::optional<APInt> n = f.getStaticTripCount();
      return n ? std::optional<int64_t>(n->getSExtValue()) : std::nullopt;
    };
    if (findAccumulation(outer) && tripCount(outer)) {
      SmallVector<scf::ForOp> nest{outer};
      while (true) {
        Block *b = nest.back().getBody();
        auto next = dyn_cast<scf::ForOp>(&b->front());
        if (!next || &b->front() != b->getTerminator()->getPrevNode() ||
            next.getNumResults() != 0 || !tripCount(next))
          break;
        nest.push_back(next);
      }
      if (nest.size() > 1)
        (void)coalesceLoops(rewriter, nest);
    }
    auto lb = getConstantIntValue(outer.getLowerBound()),
         st = getConstantIntValue(outer.getStep());
    std::optional<int64_t> outerTrips = tripCount(outer);
    if (!lb || !st || !outerTrips || *lb != 0 || *st != 1)
      return;
    int64_t trips = *outerTrips;
    // Iterations of the loops inside the outer one, per outer iteration.
    int64_t inner = 1;
    outer.getBody()->walk([&](scf::ForOp f) {
      if (std::optional<int64_t> n = tripCount(f))
        inner *= std::max<int64_t>(1, *n);
    });
    int64_t chunks = std::min({trips, trips * inner / minChunk,
                               (targetThreads + outputs - 1) / outputs});
    std::optional<Accumulation> acc = findAccumulation(outer);
    if (!acc)
      return;
    if (chunks < 2 || !isa<arith::AddFOp>(acc->combine))
      return promote(rewriter, outer, *acc);
    int64_t chunk = (trips + chunks - 1) / chunks;
    chunks = (trips + chunk - 1) / chunk;

    Location loc = loop.getLoc();
    // One more parallel dimension: the chunk.
    rewriter.setInsertionPoint(loop);
    SmallVector<Value> lbs(loop.getLowerBound()), ubs(loop.getUpperBound()),
        steps(loop.getStep());
    // The chunk is the slowest dimension: neighbouring threads keep
    // neighbouring output elements, so their loads still coalesce.
    lbs.insert(lbs.begin(), arith::ConstantIndexOp::create(rewriter, loc, 0));
    ubs.insert(ubs.begin(),
               arith::ConstantIndexOp::create(rewriter, loc, chunks));
    steps.insert(steps.begin(),
                 arith::ConstantIndexOp::create(rewriter, loc, 1));
    auto wide = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
    Block *body = wide.getBody();
    rewriter.eraseOp(body->getTerminator());
    SmallVector<Value> ivs(body->getArguments().drop_front());
    Value c = body->getArguments().front();
    rewriter.mergeBlocks(loop.getBody(), body, ivs);
    rewriter.eraseOp(loop);

    // The chunk's range of the outer reduction loop.
    rewriter.setInsertionPoint(outer);
    Value size = arith::ConstantIndexOp::create(rewriter, loc, chunk);
    Value end = arith::ConstantIndexOp::create(rewriter, loc, trips);
    Value begin = arith::MulIOp::create(rewriter, loc, c, size);
    Value stop = arith::MinSIOp::create(
        rewriter, loc, arith::AddIOp::create(rewriter, loc, begin, size), end);
    outer.getLowerBoundMutable().assign(begin);
    outer.getUpperBoundMutable().assign(stop);

    // A private accumulator in place of the output element.
    Type elem = acc->load.getType();
    auto privType = MemRefType::get({}, elem);
    Value priv = memref::AllocaOp::create(rewriter, loc, privType);
    Value zero = arith::ConstantOp::create(rewriter, loc, elem,
                                           rewriter.getZeroAttr(elem));
    memref::StoreOp::create(rewriter, loc, zero, priv, ValueRange{});
    rewriter.setInsertionPoint(acc->load);
    Value partial = memref::LoadOp::create(rewriter, loc, priv, ValueRange{});
    rewriter.replaceOp(acc->load, partial);
    rewriter.setInsertionPoint(acc->store);
    memref::StoreOp::create(rewriter, loc, acc->combine->getResult(0), priv,
                            ValueRange{});
    // After the nest: the output element's indices (recomputed outside
    // it), and one atomic add of the chunk's sum.
    rewriter.setInsertionPointAfter(outer);
    IRMapping map;
    SmallVector<Value> indices;
    for (Value i : acc->store.getIndices())
      indices.push_back(hoisted(rewriter, outer, i, map));
    Value sum = memref::LoadOp::create(rewriter, loc, priv, ValueRange{});
    memref::AtomicRMWOp::create(rewriter, loc, arith::AtomicRMWKind::addf, sum,
                                acc->store.getMemRef(), indices);
    rewriter.eraseOp(acc->store);
  }
};
} // namespace
