//===- GpuPipeline.cpp - linalg on tensors to PTX kernels and host code ---===//
//
// The NVPTX target starts from the same linalg IR as the CPU: every
// buffer is a gpu.alloc (lathe-gpu-buffers), each linalg op
// becomes a parallel loop with its reductions innermost
// (lathe-gpu-loop-order) unless it is a matmul, which becomes a kernel of
// shared-memory tiles (lathe-gpu-matmul-tiles); scattered sums become
// atomic adds parallel in every dimension (lathe-gpu-scatter-atomics);
// loops are flattened and cut into blocks of 256 threads
// (lathe-gpu-map-loops), their constants sunk into them
// (gpu-launch-sink-index-computations: outlining would otherwise pass
// them as arguments), outlined into kernels that share one GPU module
// (lathe-gpu-kernel-module); temporaries the host code reaches are marked
// (lathe-gpu-host-shared) and stay in managed memory, the others go to
// device memory; kernels split their indices in 32 bits
// (lathe-gpu-narrow-indices), are lowered to NVVM and are compiled by
// LLVM's NVPTX back end to PTX (gpu-module-to-binary, format isa: no CUDA
// toolkit). The host code launches the kernels in order on one stream.
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/Pipeline.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <fmt/format.h>

using namespace mlir;

namespace {
/// The PTX ISA version for `chip`: 8.0 up to sm_90 (LLVM's default, 6.0,
/// is too old for sm_90), 8.6 for Blackwell.
std::string ptxFeatures(const std::string &chip) {
  int number = std::atoi(chip.c_str() + 3);
  return number >= 100 ? "+ptx86" : "+ptx80";
}
} // namespace

LogicalResult lathe::lowerToNVPTX(ModuleOp module, const std::string &chip,
                                  int64_t registerTile, bool sharedTiles) {
  return runPipeline(
      module,
      fmt::format(
          "lathe-approximate-math, lathe-gpu-loop-order, canonicalize, cse, "
          "lathe-update-in-place, "
          "one-shot-bufferize{{bufferize-function-boundaries=true "
          "function-boundary-type-conversion=identity-layout-map}}, "
          "lathe-drop-argument-results, "
          "buffer-results-to-out-params{{hoist-static-allocs=true "
          "modify-public-functions=true}}, "
          "buffer-deallocation-pipeline, convert-bufferization-to-memref, "
          "canonicalize, lathe-gpu-buffers, "
          "func.func({}convert-linalg-to-parallel-loops, "
          "lathe-gpu-scatter-atomics, lathe-gpu-device-scalars, "
          "lathe-gpu-split-reductions, {}"
          "lathe-gpu-map-loops, "
          "gpu-map-parallel-loops, convert-parallel-loops-to-gpu, "
          "gpu-launch-sink-index-computations), "
          "gpu-kernel-outlining, lathe-gpu-kernel-module, canonicalize, cse, "
          "func.func(gpu-async-region, lathe-gpu-host-shared), "
          "nvvm-attach-target{{chip={} features={} O=3}}, "
          "gpu.module(lathe-gpu-narrow-indices, expand-strided-metadata, "
          "lower-affine, "
          "convert-scf-to-cf, lathe-gpu-math, convert-gpu-to-nvvm, "
          "canonicalize, cse, "
          "reconcile-unrealized-casts), "
          "func.func(expand-strided-metadata, lower-affine, convert-scf-to-cf, "
          "convert-math-to-llvm), "
          "convert-func-to-llvm{{use-bare-ptr-memref-call-conv=true}}, "
          "gpu-to-llvm, "
          "convert-math-to-libm, finalize-memref-to-llvm, "
          "convert-arith-to-llvm, convert-index-to-llvm, convert-cf-to-llvm, "
          "convert-ub-to-llvm, reconcile-unrealized-casts, "
          "gpu-module-to-binary{{format=isa}}",
          sharedTiles ? "lathe-gpu-matmul-tiles, " : "", registerTile > 1
              ? fmt::format("lathe-gpu-register-tiles{{size={}}}, ",
                            registerTile)
              : std::string(),
          chip, ptxFeatures(chip)));
}

FailureOr<std::string> lathe::kernelsPTX(ModuleOp module) {
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute a : binary.getObjects())
      if (auto object = dyn_cast<gpu::ObjectAttr>(a))
        if (object.getFormat() == gpu::CompilationTarget::Assembly)
          return object.getObject().getValue().str();
  return module.emitError("no PTX: the model has no kernels"), failure();
}
