//===- SplitFunctions.cpp - Large entry points as calls to pieces ---------===//
//
// MLIR runs its function passes on several functions at once, and Lathe's
// code generation compiles functions on several threads (splitModule):
// both wait for the largest function. A training step is one function
// that holds most of a model's code, so compiling it is the critical path
// of `lathe run` and `lathe build`. After bufferization its body is one
// block of allocations, loops and structured ops over buffers; this pass
// cuts that block into consecutive pieces of about equal size, each a
// private function that the step calls:
//
// - allocations move to the top of the step and stay there; each piece
//   takes the buffers it uses as arguments (marked noalias: buffers the
//   step allocates are distinct from each other and from its arguments),
//   and the deallocations stay in the step, after the call of the piece
//   that held them;
// - constants and views (subviews, reshapes) are copied next to each op
//   that uses them, so no view crosses a call;
// - scalars a piece computes for a later one (an optimizer's bias
//   corrections) are its results.
//
// A function whose block holds anything else crossing a cut (a buffer that
// is neither an allocation nor an argument) is left whole.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"
#include "compiler/lowering/Outlining.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace lathe {
#define GEN_PASS_DEF_LATHESPLITFUNCTIONS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
using lathe::rematerializable;

/// The op of `block` that holds `op` (itself if it is in `block`).
Operation *topLevel(Operation *op, Block &block) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  return op;
}

/// An estimate of the size of the code `op` becomes: its ops, nested ones
/// included, each vector op counted once per 16 elements (vectors are
/// unrolled into 512-bit registers later).
int64_t weight(Operation *op) {
  int64_t n = 0;
  op->walk([&](Operation *o) {
    int64_t w = 1;
    for (Type t : llvm::concat<Type>(o->getOperandTypes(), o->getResultTypes()))
      if (auto v = dyn_cast<VectorType>(t))
        w = std::max(w, v.getNumElements() / 16);
    n += w;
  });
  return n;
}

/// Copies each rematerializable op of `block` in front of every op that
/// uses it, latest first so that a view of a view is copied with it.
void rematerialize(Block &block) {
  SmallVector<Operation *> ops;
  for (Operation &op : block)
    if (rematerializable(&op))
      ops.push_back(&op);
  OpBuilder b(block.getParentOp()->getContext());
  for (Operation *op : llvm::reverse(ops)) {
    llvm::MapVector<Operation *, SmallVector<OpOperand *>> users;
    for (Value r : op->getResults())
      for (OpOperand &use : r.getUses())
        users[topLevel(use.getOwner(), block)].push_back(&use);
    for (auto &[user, uses] : users) {
      b.setInsertionPoint(user);
      Operation *copy = b.clone(*op);
      for (OpOperand *use : uses)
        use->set(copy->getResult(
            cast<OpResult>(use->get()).getResultNumber()));
    }
    op->erase();
  }
}

/// A run of a block's ops to outline: its ops, the deallocations among them
/// (which stay behind), the values it reads from before it and those it
/// makes for after it.
struct Run {
  SmallVector<Operation *> body, deallocs;
  llvm::SmallPtrSet<Operation *, 32> inRun;
  llvm::SetVector<Value> inputs, outputs;

  Run(Block &block, ArrayRef<Operation *> ops) {
    for (Operation *op : ops)
      (isa<memref::DeallocOp>(op) ? deallocs : body).push_back(op);
    inRun.insert(body.begin(), body.end());
    auto read = [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (def ? !inRun.contains(topLevel(def, block))
              : v.getParentBlock() == &block)
        inputs.insert(v);
    };
    for (Operation *op : body) {
      for (Value v : op->getOperands())
        read(v);
      for (Region &r : op->getRegions()) {
        llvm::SetVector<Value> above;
        getUsedValuesDefinedAbove(r, above);
        for (Value v : above)
          read(v);
      }
      for (Value r : op->getResults())
        for (Operation *user : r.getUsers())
          if (!inRun.contains(topLevel(user, block)))
            outputs.insert(r);
    }
  }
};

/// Whether `v` may cross a call: a scalar or a vector, an argument of the
/// function, or a buffer it allocates at the top.
bool mayCross(Value v, Block &block) {
  if (!isa<BaseMemRefType>(v.getType()))
    return isa<VectorType>(v.getType()) || !isa<ShapedType>(v.getType());
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == &block;
  auto alloc = v.getDefiningOp<memref::AllocOp>();
  return alloc && alloc->getBlock() == &block && alloc->getNumOperands() == 0;
}

/// Moves `run` into a new function `f.pieceN` that `f` calls in its
/// place; its deallocations follow the call.
void outline(func::FuncOp f, const Run &run, size_t index) {
  if (run.body.empty())
    return;
  func::CallOp call = lathe::outlineOps(
      f, run.body, (f.getSymName() + ".piece" + Twine(index)).str());
  if (!call)
    return;
  for (Operation *d : llvm::reverse(run.deallocs))
    d->moveAfter(call);
}

struct SplitFunctionsPass
    : lathe::impl::LatheSplitFunctionsBase<SplitFunctionsPass> {
  using LatheSplitFunctionsBase::LatheSplitFunctionsBase;

  void runOnOperation() override {
    SmallVector<func::FuncOp> funcs;
    for (auto f : getOperation().getOps<func::FuncOp>())
      if (!f.isExternal() && f.getBody().hasOneBlock())
        funcs.push_back(f);
    for (func::FuncOp f : funcs)
      split(f);
  }

  void split(func::FuncOp f) {
    Block &block = f.getBody().front();
    int64_t total = 0;
    for (Operation &op : block)
      total += weight(&op);
    int64_t pieces = std::min<int64_t>(maxPieces, total / pieceOps);
    if (pieces < 2)
      return;
    // Buffers the pieces would pass on, checked before anything moves.
    for (Operation &op : block) {
      if (rematerializable(&op) || isa<memref::AllocOp>(op))
        continue;
      for (Value r : op.getResults())
        if (isa<BaseMemRefType>(r.getType()))
          return; // left whole
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
        if (!mayCross(dealloc.getMemref(), block))
          return;
    }
    // Allocations first, with their deallocations left where they are.
    Operation *firstOp = &block.front();
    for (Operation &op : llvm::make_early_inc_range(block))
      if (auto alloc = dyn_cast<memref::AllocOp>(op);
          alloc && alloc->getNumOperands() == 0 && &op != firstOp)
        op.moveBefore(firstOp);
    rematerialize(block);

    // Cut the ops after the allocations (the terminator excluded) into
    // runs of about total / pieces.
    SmallVector<SmallVector<Operation *>> runs(1);
    int64_t target = (total + pieces - 1) / pieces, acc = 0;
    // A cut never separates copied constants and views from their user.
    bool afterCopy = false;
    for (Operation &op : block.without_terminator()) {
      if (isa<memref::AllocOp>(op))
        continue;
      if (acc >= target && !afterCopy && int64_t(runs.size()) < pieces) {
        runs.emplace_back();
        acc = 0;
      }
      afterCopy = rematerializable(&op);
      runs.back().push_back(&op);
      acc += weight(&op);
    }
    // Every crossing is checked before the first run moves.
    for (ArrayRef<Operation *> ops : runs) {
      Run run(block, ops);
      for (Value v : llvm::concat<const Value>(run.inputs, run.outputs))
        if (!mayCross(v, block))
          return; // left whole
    }
    for (auto [i, ops] : llvm::enumerate(runs))
      outline(f, Run(block, ops), i);
  }
};
} // namespace
