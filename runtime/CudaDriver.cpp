//===- CudaDriver.cpp - The CUDA driver, loaded at run time ---------------===//
//
// The mgpu* functions are what MLIR's gpu-to-llvm host code calls to load
// the model's PTX, allocate managed memory and launch kernels (Debian ships
// no library with them). They run on the CUDA driver API, which is loaded
// with dlopen on first use: a model compiled for the NVPTX target starts on
// a machine without a driver, and fails there with one sentence, exit
// status 1. A failing CUDA call does the same, naming the call (and the
// kernel, for a launch).
//
//===----------------------------------------------------------------------===//
#include "runtime/CudaDriver.h"
#include "runtime/Session.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <dlfcn.h>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;

/// The driver's entry points this runtime uses (the _v2 names are the ones
/// cuda.h maps the plain names to).
struct Driver {
  void *lib = nullptr;
  CUresult (*init)(unsigned) = nullptr;
  CUresult (*deviceGetCount)(int *) = nullptr;
  CUresult (*deviceGet)(CUdevice *, int) = nullptr;
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice) = nullptr;
  CUresult (*ctxSetCurrent)(CUcontext) = nullptr;
  CUresult (*moduleLoadData)(CUmodule *, const void *) = nullptr;
  CUresult (*moduleUnload)(CUmodule) = nullptr;
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *) =
      nullptr;
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **) = nullptr;
  CUresult (*streamCreate)(CUstream *, unsigned) = nullptr;
  CUresult (*streamSynchronize)(CUstream) = nullptr;
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned) = nullptr;
  CUresult (*memAlloc)(CUdeviceptr *, size_t) = nullptr;
  CUresult (*memFree)(CUdeviceptr) = nullptr;
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t,
                              CUstream) = nullptr;
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t) = nullptr;
  CUresult (*memcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream) =
      nullptr;
  CUresult (*getErrorName)(CUresult, const char **) = nullptr;
  std::string error; // why the driver cannot be used; empty when it can
  CUcontext context = nullptr;
  CUstream stream = nullptr; // every launch goes to this one stream
  std::unordered_map<CUfunction, std::string> kernelNames;
  // The step's temporary buffers, by size and kind (device or managed
  // memory): a freed buffer goes back here and is handed out again without
  // a driver call or a wait. Every kernel runs on the one stream, in
  // order, so a later kernel that reuses a buffer runs after the earlier
  // ones that used it.
  std::map<std::pair<size_t, bool>, std::vector<void *>> pool;
  std::unordered_map<void *, std::pair<size_t, bool>> pooledKind;
  // Device copies of the host's per-call inputs and outputs, by host buffer.
  std::unordered_map<const void *, std::pair<CUdeviceptr, size_t>> staged;
  // LATHE_KERNEL_TIMES=1: each launch waited for and timed, by kernel.
  bool timeKernels = false;
  std::unordered_map<std::string, std::pair<double, int64_t>> kernelTimes;
  std::mutex mutex;
};

template <typename F> bool bind(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

std::string errorName(Driver &d, CUresult status) {
  const char *text = nullptr;
  if (d.getErrorName && d.getErrorName(status, &text) == 0 && text)
    return text;
  return fmt::format("error {}", status);
}

Driver &driver();

/// LATHE_KERNEL_TIMES=1: at exit, the kernels that took the most time.
void printKernelTimes() {
  Driver &d = driver();
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> rows(
      d.kernelTimes.begin(), d.kernelTimes.end());
  std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  double total = 0;
  for (const auto &row : rows)
    total += row.second.first;
  fmt::print(stderr, "kernel times (each launch waited for): {:.3f}s in all\n",
             total);
  for (size_t i = 0; i < rows.size() && i < 20; ++i)
    fmt::print(stderr, "  {:8.3f} ms {:5.1f}% {:8} x {:8.1f} us  {}\n",
               rows[i].second.first * 1e3,
               100 * rows[i].second.first / std::max(total, 1e-12),
               rows[i].second.second,
               rows[i].second.first * 1e6 / double(rows[i].second.second),
               rows[i].first);
}

/// Loads the driver and makes the first GPU's primary context current, once.
Driver &driver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] {
    d.lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (!d.lib) {
      const char *error = dlerror();
      d.error = fmt::format("no NVIDIA driver: cannot load libcuda.so.1 ({})",
                            error ? error : "not found");
      return;
    }
    bool ok = bind(d.lib, "cuInit", d.init) &&
              bind(d.lib, "cuDeviceGetCount", d.deviceGetCount) &&
              bind(d.lib, "cuDeviceGet", d.deviceGet) &&
              bind(d.lib, "cuDevicePrimaryCtxRetain", d.primaryCtxRetain) &&
              bind(d.lib, "cuCtxSetCurrent", d.ctxSetCurrent) &&
              bind(d.lib, "cuModuleLoadData", d.moduleLoadData) &&
              bind(d.lib, "cuModuleUnload", d.moduleUnload) &&
              bind(d.lib, "cuModuleGetFunction", d.moduleGetFunction) &&
              bind(d.lib, "cuLaunchKernel", d.launchKernel) &&
              bind(d.lib, "cuStreamCreate", d.streamCreate) &&
              bind(d.lib, "cuStreamSynchronize", d.streamSynchronize) &&
              bind(d.lib, "cuMemAllocManaged", d.memAllocManaged) &&
              bind(d.lib, "cuMemAlloc_v2", d.memAlloc) &&
              bind(d.lib, "cuMemFree_v2", d.memFree) &&
              bind(d.lib, "cuMemcpyHtoDAsync_v2", d.memcpyHtoDAsync) &&
              bind(d.lib, "cuMemcpyDtoH_v2", d.memcpyDtoH) &&
              bind(d.lib, "cuMemcpyAsync", d.memcpyAsync) &&
              bind(d.lib, "cuGetErrorName", d.getErrorName);
    if (!ok) {
      d.error = "libcuda.so.1 lacks functions Lathe needs: the driver is too "
                "old or not NVIDIA's";
      return;
    }
    if (CUresult s = d.init(0)) {
      d.error = fmt::format("the NVIDIA driver did not start: cuInit "
                            "returned {}",
                            errorName(d, s));
      return;
    }
    int devices = 0;
    if (CUresult s = d.deviceGetCount(&devices); s || devices == 0) {
      d.error = s ? fmt::format("the NVIDIA driver lists no GPU: "
                                "cuDeviceGetCount returned {}",
                                errorName(d, s))
                  : std::string("the NVIDIA driver sees no GPU");
      return;
    }
    if (const char *t = std::getenv("LATHE_KERNEL_TIMES"); t && *t == '1') {
      d.timeKernels = true;
      std::atexit(printKernelTimes);
    }
    CUdevice device = 0;
    if (CUresult s = d.deviceGet(&device, 0);
        s || (s = d.primaryCtxRetain(&d.context, device)) ||
        (s = d.ctxSetCurrent(d.context)) ||
        (s = d.streamCreate(&d.stream, 0)))
      d.error = fmt::format("cannot open the GPU: {}", errorName(d, s));
  });
  return d;
}

/// The driver, ready; otherwise says why and exits (the generated host
/// code has no way to return an error).
Driver &ready() {
  Driver &d = driver();
  if (!d.error.empty()) {
    fmt::print(stderr, "error: this model runs on an NVIDIA GPU: {}\n",
               d.error);
    std::exit(1);
  }
  return d;
}

/// What mgpuModuleLoadJIT returns: the PTX, JIT-compiled by the driver on
/// first use, and the kernels looked up so far.
struct LazyModule {
  const void *ptx;
  CUmodule module = nullptr;
  std::unordered_map<const char *, CUfunction> functions; // by name constant
};

void check(Driver &d, CUresult status, const char *call,
           const std::string &kernel = "") {
  if (status == 0)
    return;
  fmt::print(stderr, "error: CUDA {} failed{}: {}\n", call,
             kernel.empty() ? "" : " for kernel " + kernel,
             errorName(d, status));
  std::exit(1);
}
} // namespace

namespace {
// Set once a model on the GPU starts; read without touching the driver, so
// that a CPU model never loads it.
bool stagingOn = false;

void *managedAlloc(size_t bytes) {
  Driver &d = ready();
  CUdeviceptr ptr = 0;
  check(d, d.memAllocManaged(&ptr, bytes ? bytes : 1, 1), "cuMemAllocManaged");
  return reinterpret_cast<void *>(ptr);
}

void *deviceAlloc(size_t bytes) {
  Driver &d = ready();
  CUdeviceptr ptr = 0;
  check(d, d.memAlloc(&ptr, bytes ? bytes : 1), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

/// Frees after the stream's kernels, which may still use the buffer
/// (managed or device memory).
void managedRelease(void *ptr) {
  Driver &d = driver();
  if (d.error.empty() && ptr) {
    check(d, d.streamSynchronize(d.stream), "cuStreamSynchronize");
    check(d, d.memFree(reinterpret_cast<CUdeviceptr>(ptr)), "cuMemFree");
  }
}
} // namespace

bool lathe::rt::cudaDeviceAvailable(std::string &why) {
  why = driver().error;
  return why.empty();
}


bool lathe::rt::useCudaManagedBuffers(std::string &why) {
  if (!cudaDeviceAvailable(why))
    return false;
  setBufferMemory(managedAlloc, managedRelease);
  stagingOn = true;
  return true;
}

bool lathe::rt::gpuStaging() { return stagingOn; }

namespace {
/// The GPU-side buffer standing for `host` (at least `bytes`), made once.
CUdeviceptr stagedBuffer(Driver &d, const void *host, size_t bytes) {
  auto &[ptr, size] = d.staged[host];
  if (size < bytes) {
    if (ptr) {
      check(d, d.streamSynchronize(d.stream), "cuStreamSynchronize");
      check(d, d.memFree(ptr), "cuMemFree");
    }
    // Device memory: where the host code reads an input between kernels
    // (a recurrent model's loop over time), the compiled function copies
    // it into managed memory of its own (lathe-gpu-host-shared).
    ptr = reinterpret_cast<CUdeviceptr>(deviceAlloc(bytes));
    size = bytes;
  }
  return ptr;
}
} // namespace

void *lathe::rt::gpuInput(const void *host, size_t bytes) {
  Driver &d = ready();
  CUdeviceptr device = stagedBuffer(d, host, bytes);
  check(d, d.memcpyHtoDAsync(device, host, bytes, d.stream),
        "cuMemcpyHtoDAsync");
  return reinterpret_cast<void *>(device);
}

void *lathe::rt::gpuOutput(const void *host, size_t bytes) {
  Driver &d = ready();
  return reinterpret_cast<void *>(stagedBuffer(d, host, bytes));
}

void lathe::rt::gpuFetch(void *host, const void *device, size_t bytes) {
  Driver &d = ready();
  check(d, d.streamSynchronize(d.stream), "cuStreamSynchronize");
  check(d, d.memcpyDtoH(host, reinterpret_cast<CUdeviceptr>(device), bytes),
        "cuMemcpyDtoH");
}

// What MLIR's gpu-to-llvm lowering calls (the signatures of MLIR's
// CudaRuntimeWrappers). Streams: one, made when the driver opens; a
// launch's "stream" is that one, and its synchronization waits for it.
extern "C" {
void *mgpuModuleLoadJIT(void *ptx, int /*optLevel*/) {
  // Called by a static constructor, before main: the driver is not touched
  // until the first kernel is looked up, so that `info`, `--help` and the
  // no-driver error work like any other command.
  return new LazyModule{ptx, nullptr, {}};
}

void mgpuModuleUnload(void *handle) {
  auto *lazy = static_cast<LazyModule *>(handle);
  Driver &d = driver();
  if (lazy && lazy->module && d.error.empty())
    d.moduleUnload(lazy->module);
  delete lazy;
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  Driver &d = ready();
  auto *lazy = static_cast<LazyModule *>(handle);
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!lazy->module)
    check(d, d.moduleLoadData(&lazy->module, lazy->ptx),
          "cuModuleLoadData (PTX JIT)");
  auto [it, added] = lazy->functions.try_emplace(name, nullptr);
  if (added) {
    check(d, d.moduleGetFunction(&it->second, lazy->module, name),
          "cuModuleGetFunction", name);
    d.kernelNames.emplace(it->second, name);
  }
  return it->second;
}

void *mgpuStreamCreate() { return ready().stream; }

void mgpuStreamDestroy(void *) {}

void mgpuStreamSynchronize(void *stream) {
  Driver &d = ready();
  check(d, d.streamSynchronize(stream), "cuStreamSynchronize");
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Driver &d = ready();
  auto start = std::chrono::steady_clock::now();
  if (d.timeKernels)
    check(d, d.streamSynchronize(stream), "cuStreamSynchronize");
  CUresult status = d.launchKernel(function, gridX, gridY, gridZ, blockX,
                                   blockY, blockZ, sharedBytes, stream, params,
                                   extra);
  if (status) {
    std::lock_guard<std::mutex> lock(d.mutex);
    check(d, status, "cuLaunchKernel", d.kernelNames[function]);
  }
  if (d.timeKernels) {
    std::lock_guard<std::mutex> lock(d.mutex);
    const std::string &name = d.kernelNames[function];
    check(d, d.streamSynchronize(stream), "cuStreamSynchronize", name);
    auto &[seconds, count] = d.kernelTimes[name];
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             start)
                   .count();
    ++count;
  }
}

// One stream: an event is a point in it that has already been ordered, so
// recording and waiting are nothing, and waiting for one on the host waits
// for the stream.
void *mgpuEventCreate() { return ready().stream; }
void mgpuEventDestroy(void *) {}
void mgpuEventRecord(void *, void *) {}
void mgpuStreamWaitEvent(void *, void *) {}
void mgpuEventSynchronize(void *) {
  Driver &d = ready();
  check(d, d.streamSynchronize(d.stream), "cuStreamSynchronize");
}

// A step's temporary: device memory, or managed memory (CU_MEM_ATTACH_GLOBAL)
// when the host code reaches it too (`host_shared`, lathe-gpu-host-shared);
// from the pool when a buffer of the size and kind was freed.
void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool hostShared) {
  Driver &d = ready();
  std::pair<size_t, bool> kind{bytes, hostShared};
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    auto it = d.pool.find(kind);
    if (it != d.pool.end() && !it->second.empty()) {
      void *ptr = it->second.back();
      it->second.pop_back();
      return ptr;
    }
  }
  void *ptr = hostShared ? managedAlloc(bytes) : deviceAlloc(bytes);
  std::lock_guard<std::mutex> lock(d.mutex);
  d.pooledKind[ptr] = kind;
  return ptr;
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void * /*stream*/) {
  Driver &d = ready();
  check(d,
        d.memcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                      reinterpret_cast<CUdeviceptr>(src), bytes, d.stream),
        "cuMemcpyAsync");
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  Driver &d = ready();
  std::lock_guard<std::mutex> lock(d.mutex);
  auto it = d.pooledKind.find(ptr);
  if (it == d.pooledKind.end()) {
    managedRelease(ptr);
    return;
  }
  d.pool[it->second].push_back(ptr);
}
} // extern "C"
