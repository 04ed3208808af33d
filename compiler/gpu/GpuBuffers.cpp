//===- GpuBuffers.cpp - Buffers that both the host and the GPU reach ------===//
//
// The NVPTX target makes every buffer a gpu.alloc (the runtime's
// mgpuMemAlloc, from a pool): device memory, or managed memory where the
// host code between kernels (loops over time steps) reaches it too
// (lathe-gpu-host-shared decides after outlining). Parameters and
// optimizer state are the runtime's, in managed memory written only by
// kernels, and stay on the device across steps; a call's inputs and
// outputs are staged by the runtime.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUBUFFERS
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct GpuBuffersPass : lathe::impl::LatheGpuBuffersBase<GpuBuffersPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp,
              memref::GetGlobalOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto buffer = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), /*asyncToken=*/Type(),
            /*asyncDependencies=*/ValueRange{}, alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        rewriter.replaceOp(alloc, buffer.getMemref());
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        // Made asynchronous on the step's stream by gpu-async-region: the
        // runtime's pool takes the buffer back, in stream order.
        gpu::DeallocOp::create(rewriter, loc, Type(), ValueRange{},
                               dealloc.getMemref());
        rewriter.eraseOp(dealloc);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                    copy.getTarget());
      } else {
        // The models' constants are splats, folded into the kernels; an
        // array in the host's data would be out of the kernels' reach.
        op->emitError("a constant array in host memory: not supported by "
                      "the nvptx target");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
