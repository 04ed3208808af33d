//===- GpuHostShared.cpp - Which temporaries the host code reaches --------===//
//
// After kernel outlining, a step's host code launches kernels and, in a
// recurrent model, loops over time reading its inputs between them. A
// temporary buffer (gpu.alloc) that only kernels touch can live in plain
// device memory; one that the host code reads or writes, or hands to
// anything but a launch, must be managed memory. The latter get
// `host_shared`, which reaches the runtime's mgpuMemAlloc.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUHOSTSHARED
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether anything but a kernel launch or a free uses `memref` or a view
/// of it.
bool hostReaches(Value memref) {
  for (Operation *user : memref.getUsers()) {
    if (isa<gpu::LaunchFuncOp, gpu::DeallocOp>(user))
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == memref &&
          llvm::none_of(user->getResults(), hostReaches))
        continue;
      return true;
    }
    if (isa<memref::CastOp>(user) && !hostReaches(user->getResult(0)))
      continue;
    return true;
  }
  return false;
}

struct GpuHostSharedPass
    : lathe::impl::LatheGpuHostSharedBase<GpuHostSharedPass> {
  void runOnOperation() override {
    SmallVector<gpu::AllocOp> shared;
    getOperation().walk([&](gpu::AllocOp alloc) {
      if (alloc.getHostShared() || hostReaches(alloc.getMemref()))
        shared.push_back(alloc);
    });
    OpBuilder b(&getContext());
    for (gpu::AllocOp alloc : shared) {
      alloc.setHostShared(true);
      if (!alloc.getAsyncToken())
        continue;
      // gpu-to-llvm lowers no asynchronous host-shared allocation: the
      // host waits for what the allocation waited for, allocates, and
      // hands on a fresh token.
      b.setInsertionPoint(alloc);
      Location loc = alloc.getLoc();
      gpu::WaitOp::create(b, loc, Type(), alloc.getAsyncDependencies());
      auto sync = gpu::AllocOp::create(
          b, loc, alloc.getMemref().getType(), Type(), ValueRange(),
          alloc.getDynamicSizes(), alloc.getSymbolOperands(),
          /*hostShared=*/true);
      auto token = gpu::WaitOp::create(
          b, loc, gpu::AsyncTokenType::get(&getContext()), ValueRange());
      alloc.getMemref().replaceAllUsesWith(sync.getMemref());
      alloc.getAsyncToken().replaceAllUsesWith(token.getAsyncToken());
      alloc.erase();
    }
  }
};
} // namespace
