//===- CudaDriver.cpp - The CUDA driver, loaded at run time ---------------===//
#include "runtime/CudaDriver.h"

#include <dlfcn.h>
#include <fmt/format.h>

namespace {
using CUresult = int;
using InitFn = CUresult (*)(unsigned);
using CountFn = CUresult (*)(int *);
using ErrorNameFn = CUresult (*)(CUresult, const char **);

/// The driver's name for `status` ("CUDA_ERROR_NO_DEVICE"), or its number.
std::string errorName(void *lib, CUresult status) {
  auto name = reinterpret_cast<ErrorNameFn>(dlsym(lib, "cuGetErrorName"));
  const char *text = nullptr;
  if (name && name(status, &text) == 0 && text)
    return text;
  return fmt::format("error {}", status);
}
} // namespace

bool lathe::rt::cudaDeviceAvailable(std::string &why) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    const char *error = dlerror();
    why = fmt::format("no NVIDIA driver: cannot load libcuda.so.1 ({})",
                      error ? error : "not found");
    return false;
  }
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(lib, "cuDeviceGetCount"));
  if (!init || !count) {
    why = "libcuda.so.1 lacks cuInit or cuDeviceGetCount: not a CUDA driver";
    return false;
  }
  if (CUresult status = init(0)) {
    why = fmt::format("the NVIDIA driver did not start: cuInit returned {}",
                      errorName(lib, status));
    return false;
  }
  int devices = 0;
  if (CUresult status = count(&devices)) {
    why = fmt::format("the NVIDIA driver lists no GPU: cuDeviceGetCount "
                      "returned {}",
                      errorName(lib, status));
    return false;
  }
  if (devices == 0) {
    why = "the NVIDIA driver sees no GPU";
    return false;
  }
  return true;
}
