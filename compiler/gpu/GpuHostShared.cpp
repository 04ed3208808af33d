//===- GpuHostShared.cpp - Buffers the host code reaches: managed --------===//
//
// After kernel outlining, a step's host code launches kernels and, in a
// recurrent model, loops over time reading its inputs between them. A
// temporary buffer (gpu.alloc) that only kernels touch can live in plain
// device memory; one that the host code reads or writes, or hands to
// anything but a launch, must be managed memory: it gets `host_shared`,
// which reaches the runtime's mgpuMemAlloc (as gpu-to-llvm lowers no
// asynchronous host-shared allocation, each becomes a synchronous one
// between two waits). The runtime passes a call's inputs and outputs in
// device memory, so an argument the host code reads is first copied into
// a host-shared buffer that stands for it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUHOSTSHARED
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
/// Whether `memref`, or a view of it, has a use that `allowed` refuses.
bool usedOtherwise(Value memref,
                   llvm::function_ref<bool(Operation *)> allowed) {
  for (Operation *user : memref.getUsers()) {
    if (allowed(user))
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == memref &&
          llvm::none_of(user->getResults(), [&](Value v) {
            return usedOtherwise(v, allowed);
          }))
        continue;
      return true;
    }
    if (isa<memref::CastOp>(user) &&
        !usedOtherwise(user->getResult(0), allowed))
      continue;
    return true;
  }
  return false;
}

/// Whether anything but a kernel launch or a free uses `memref` or a view
/// of it.
bool hostReaches(Value memref) {
  return usedOtherwise(memref, [](Operation *op) {
    return isa<gpu::LaunchFuncOp, gpu::DeallocOp>(op);
  });
}

/// Whether anything but a host load or a free uses `memref` or a view of
/// it: a kernel or the host may write it.
bool mayBeWritten(Value memref) {
  return usedOtherwise(memref, [](Operation *op) {
    return isa<gpu::DeallocOp, memref::LoadOp>(op);
  });
}

/// An asynchronous op, made by `build(token type, start)` to wait on a
/// fresh token, that the host then waits for: in effect a synchronous one.
template <typename Build>
auto waitedFor(OpBuilder &b, Location loc, Build build) {
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start =
      gpu::WaitOp::create(b, loc, token, ValueRange()).getAsyncToken();
  auto op = build(token, start);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{op.getAsyncToken()});
  return op;
}

struct GpuHostSharedPass
    : lathe::impl::LatheGpuHostSharedBase<GpuHostSharedPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    // An argument the host code reads: a host-shared copy made on entry
    // (and copied back before each return unless only host loads read it),
    // so that the runtime may hand the function device memory.
    OpBuilder b(&getContext());
    Type tokenType = gpu::AsyncTokenType::get(&getContext());
    Block &entry = func.getBody().front();
    for (BlockArgument arg : entry.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !hostReaches(arg))
        continue;
      Location loc = arg.getLoc();
      bool writes = mayBeWritten(arg);
      b.setInsertionPointToStart(&entry);
      auto copy = gpu::AllocOp::create(b, loc, type, Type(), ValueRange(),
                                       ValueRange(), ValueRange(),
                                       /*hostShared=*/true);
      auto copyOf = [&](Value to, Value from) {
        return waitedFor(b, loc, [&](Type token, Value start) {
          return gpu::MemcpyOp::create(b, loc, token, ValueRange{start}, to,
                                       from);
        });
      };
      gpu::MemcpyOp in = copyOf(copy.getMemref(), arg);
      arg.replaceAllUsesExcept(copy.getMemref(), in);
      func.walk([&](func::ReturnOp ret) {
        b.setInsertionPoint(ret);
        if (writes)
          copyOf(arg, copy.getMemref());
        // gpu-to-llvm lowers only asynchronous frees.
        waitedFor(b, loc, [&](Type token, Value start) {
          return gpu::DeallocOp::create(b, loc, token, ValueRange{start},
                                        copy.getMemref());
        });
      });
    }

    SmallVector<gpu::AllocOp> shared;
    func.walk([&](gpu::AllocOp alloc) {
      if (alloc.getHostShared() || hostReaches(alloc.getMemref()))
        shared.push_back(alloc);
    });
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
      auto token = gpu::WaitOp::create(b, loc, tokenType, ValueRange());
      alloc.getMemref().replaceAllUsesWith(sync.getMemref());
      alloc.getAsyncToken().replaceAllUsesWith(token.getAsyncToken());
      alloc.erase();
    }
  }
};
} // namespace
