//===- GpuMath.cpp - Kernels' math without libdevice ----------------------===//
#include "compiler/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUMATH
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// The LLVM intrinsic the NVPTX back end lowers for `op`, or "".
StringRef intrinsicFor(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case<math::FmaOp>([](auto) { return "llvm.fma"; })
      .Case<math::SqrtOp>([](auto) { return "llvm.sqrt"; })
      .Case<math::FloorOp>([](auto) { return "llvm.floor"; })
      .Case<math::CeilOp>([](auto) { return "llvm.ceil"; })
      .Case<math::AbsFOp>([](auto) { return "llvm.fabs"; })
      .Default([](Operation *) { return ""; });
}

struct GpuMathPass : lathe::impl::LatheGpuMathBase<GpuMathPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()) &&
          op->getParentOfType<gpu::GPUModuleOp>())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : ops) {
      StringRef name = intrinsicFor(op);
      Type type = op->getResult(0).getType();
      if (name.empty() || !(type.isF32() || type.isF64())) {
        op->emitError() << "'" << op->getName()
                        << "' in a kernel has no lowering without CUDA's "
                           "libdevice";
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      std::string full =
          (name + (type.isF32() ? ".f32" : ".f64")).str();
      auto call = LLVM::CallIntrinsicOp::create(
          rewriter, op->getLoc(), type, rewriter.getStringAttr(full),
          op->getOperands());
      rewriter.replaceOp(op, call.getResults());
    }
  }
};
} // namespace
