//===- DropArgumentResults.cpp - Updated arguments leave the results ------===//
//
// After bufferization, an entry point that lathe-update-in-place made write
// its new parameters and state into their argument buffers returns those
// arguments themselves. MLIR's drop-equivalent-buffer-results leaves
// public functions alone (their callers are out of reach); the entry points'
// one caller is the runtime, which expects them gone. This pass drops each
// result that `lathe.updates` names, after checking that it is indeed its
// argument, and removes the attribute.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEDROPARGUMENTRESULTS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// The buffer `v` is: through an scf.for (an update in blocks) that hands
/// on the buffer it started from, that buffer.
Value underlying(Value v) {
  while (auto r = dyn_cast<OpResult>(v)) {
    auto loop = dyn_cast<scf::ForOp>(r.getOwner());
    if (!loop)
      break;
    unsigned i = r.getResultNumber();
    if (loop.getYieldedValues()[i] != loop.getRegionIterArgs()[i])
      break;
    v = loop.getInitArgs()[i];
  }
  return v;
}

struct DropArgumentResultsPass
    : lathe::impl::LatheDropArgumentResultsBase<DropArgumentResultsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      auto updates = fn->getAttrOfType<DenseI64ArrayAttr>("lathe.updates");
      if (!updates || fn.isExternal())
        continue;
      fn->removeAttr("lathe.updates");
      auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
      llvm::BitVector drop(ret.getNumOperands());
      for (auto [result, arg] : llvm::enumerate(updates.asArrayRef())) {
        if (result >= ret.getNumOperands() || arg >= fn.getNumArguments() ||
            underlying(ret.getOperand(result)) != fn.getArgument(arg)) {
          fn.emitError("result ")
              << result << " was not written into argument " << arg
              << " in place";
          return signalPassFailure();
        }
        drop.set(result);
      }
      ret->eraseOperands(drop);
      if (failed(fn.eraseResults(drop)))
        return signalPassFailure();
    }
  }
};
} // namespace
