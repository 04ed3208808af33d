//===- Outlining.cpp - Ops of a step moved into a function it calls ------===//
//
// lathe-split-functions cuts a large step into pieces and
// lathe-schedule-threads cuts a parted step into per-thread tasks; both
// move a run of a block's ops into a private, noinline, internal function
// called in their place.
//
//===----------------------------------------------------------------------===//
#include "compiler/lowering/Outlining.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"

#include <functional>

using namespace mlir;

bool lathe::rematerializable(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
         (isa<arith::ConstantOp, ub::PoisonOp, memref::GetGlobalOp>(op) ||
          isa<ViewLikeOpInterface>(op));
}

func::CallOp lathe::outlineOps(func::FuncOp f, ArrayRef<Operation *> ops,
                               StringRef name, ArrayRef<Value> leading) {
  llvm::SmallPtrSet<Operation *, 16> set(ops.begin(), ops.end());
  auto insideOps = [&](Operation *o) {
    for (; o; o = o->getParentOp())
      if (set.contains(o))
        return true;
    return false;
  };
  llvm::SetVector<Value> used;
  for (Operation *op : ops)
    op->walk([&](Operation *o) {
      for (Value v : o->getOperands()) {
        Operation *def = v.getDefiningOp();
        bool local = def ? insideOps(def) : insideOps(v.getParentBlock()->getParentOp());
        if (!local)
          used.insert(v);
      }
    });
  // Arguments: what is not copied (checked before anything changes).
  llvm::SetVector<Value> args(leading.begin(), leading.end());
  SmallVector<Value> copies;
  std::function<bool(Value)> classify = [&](Value v) {
    if (args.contains(v) || llvm::is_contained(copies, v))
      return true;
    if (Operation *def = v.getDefiningOp(); def && rematerializable(def)) {
      for (Value o : v.getDefiningOp()->getOperands())
        if (!classify(o))
          return false;
      copies.push_back(v);
      return true;
    }
    if (auto m = dyn_cast<MemRefType>(v.getType()); m && !m.getLayout().isIdentity())
      return false;
    args.insert(v);
    return true;
  };
  for (Value v : used)
    if (!classify(v))
      return {};
  SmallVector<Value> outputs;
  for (Operation *op : ops)
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation *u) { return !insideOps(u); }))
        outputs.push_back(r);

  OpBuilder b(f);
  b.setInsertionPointAfter(f);
  auto types = [](auto range) {
    return llvm::to_vector(llvm::map_range(range, [](Value v) { return v.getType(); }));
  };
  auto fn = func::FuncOp::create(b, f.getLoc(), name,
                                 b.getFunctionType(types(args.getArrayRef()), types(outputs)));
  fn.setPrivate();
  fn->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  fn->setAttr("llvm.linkage", LLVM::LinkageAttr::get(b.getContext(), LLVM::Linkage::Internal));
  Block *entry = fn.addEntryBlock();
  IRMapping map;
  for (auto [v, a] : llvm::zip(args.getArrayRef(), entry->getArguments())) {
    map.map(v, a);
    if (v.getDefiningOp<memref::AllocOp>())
      fn.setArgAttr(a.getArgNumber(), "llvm.noalias", b.getUnitAttr());
  }
  b.setInsertionPointToStart(entry);
  for (Value v : copies) // operands before users: classify's order
    map.map(v, b.clone(*v.getDefiningOp(), map)->getResult(cast<OpResult>(v).getResultNumber()));
  b.setInsertionPoint(ops.front());
  // The call gets the first known location of the ops it replaces (or the
  // function's): LLVM rejects a call without one in a function that has
  // debug info (--debug-ir), and ops made by bufferization often have none.
  Location loc = f.getLoc();
  for (Operation *op : ops)
    if (!isa<UnknownLoc>(op->getLoc())) {
      loc = op->getLoc();
      break;
    }
  auto call = func::CallOp::create(b, loc, fn, args.getArrayRef());
  for (auto [r, c] : llvm::zip(outputs, call.getResults()))
    r.replaceUsesWithIf(c, [&](OpOperand &u) { return !insideOps(u.getOwner()); });
  for (Operation *op : ops)
    op->moveBefore(entry, entry->end());
  for (Value v : used)
    v.replaceUsesWithIf(map.lookup(v), [&](OpOperand &u) {
      return fn->isProperAncestor(u.getOwner());
    });
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, f.getLoc(), outputs);
  return call;
}

