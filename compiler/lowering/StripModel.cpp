//===- StripModel.cpp - Keep only the runtime's entry points --------------===//
#include "compiler/Passes.h"
#include "dialect/LatheOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lathe {
#define GEN_PASS_DEF_LATHESTRIPMODEL
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct StripModelPass : lathe::impl::LatheStripModelBase<StripModelPass> {
  void runOnOperation() override {
    SmallVector<Operation *> dead;
    for (Operation &op : getOperation().getBody()->getOperations()) {
      if (isa<lathe::SupervisedOp, lathe::GanOp>(op))
        dead.push_back(&op);
      else if (auto fn = dyn_cast<func::FuncOp>(op)) {
        if (fn->hasAttr("lathe.entry")) {
          fn.setPublic();
          // Roles and names were read into the model description already;
          // which arguments are parameters stays known to lathe-partition.
          SmallVector<int64_t> params;
          for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
            auto r = fn.getArgAttrOfType<StringAttr>(i, "lathe.role");
            if (r && (r == "param" || r == "gparam" || r == "dparam"))
              params.push_back(i);
            for (StringRef a :
                 {"lathe.role", "lathe.param", "lathe.init", "lathe.buffer"})
              fn.removeArgAttr(i, a);
          }
          if (!params.empty())
            fn->setAttr("lathe.params", DenseI64ArrayAttr::get(fn.getContext(), params));
        } else
          dead.push_back(&op);
      }
    }
    for (Operation *op : dead)
      op->erase();
  }
};
} // namespace
