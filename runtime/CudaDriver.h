//===- CudaDriver.h - The CUDA driver, loaded at run time -------*- C++ -*-===//
//
// Lathe never links the CUDA driver: models compiled for the NVPTX target
// load `libcuda.so.1` with dlopen when they start, so that Lathe builds
// and compiles to PTX on machines without NVIDIA's software.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_RUNTIME_CUDADRIVER_H
#define LATHE_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace lathe::rt {

/// Loads the driver and checks that it sees a GPU. On failure returns
/// false and sets `why` to one sentence: no driver library, a driver that
/// fails to start, or no device.
bool cudaDeviceAvailable(std::string &why);

/// Makes every Buffer CUDA managed memory (for a model compiled for the
/// NVPTX target, whose kernels read and write its buffers). False, with
/// `why`, when no GPU can be used.
bool useCudaManagedBuffers(std::string &why);

/// Whether calls stage their per-call inputs and outputs in buffers of
/// their own on the GPU (set by useCudaManagedBuffers).
bool gpuStaging();

/// The GPU-side copy of `host`'s `bytes` (a batch, hyperparameters), copied
/// on the kernels' stream: one GPU-side buffer (device memory) per host
/// buffer, kept.
void *gpuInput(const void *host, size_t bytes);

/// The GPU-side buffer that stands for the output `host` during a call.
void *gpuOutput(const void *host, size_t bytes);

/// Copies an output back once the call's kernels are done.
void gpuFetch(void *host, const void *device, size_t bytes);

} // namespace lathe::rt

// What MLIR's gpu-to-llvm host code calls (the signatures of MLIR's
// CudaRuntimeWrappers), defined over the driver in CudaDriver.cpp; the JIT
// hands them to the compiled code (compiler/pipeline/Jit.cpp).
extern "C" {
void *mgpuModuleLoadJIT(void *ptx, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventRecord(void *event, void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void mgpuEventSynchronize(void *event);
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool hostShared);
void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream);
void mgpuMemFree(void *ptr, void *stream);
}

#endif
