//===- JitInitTest.cpp - The JIT runs a module's global constructors ------===//
//
// The NVPTX target's host code loads its PTX in a global constructor, and
// `lathe run --target=nvptx` relies on the JIT running it (JitModel::create
// with `initialize`). Here a module whose constructor stores 42 into a
// global, read back through a packed wrapper: 42 with `initialize`, 0
// without. The host code also calls the runtime's mgpu* entry points: a
// module that calls each one must link in the JIT (it is looked up, not
// run, so no driver is needed). Prints one line per failed expectation and
// a summary; exits non-zero on any failure. Run by jit-init.test.
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/Jit.h"
#include "test/unit/Expect.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/SourceMgr.h"

#include <fmt/format.h>

namespace {
using lathe::test::expect;

const char *kModule = R"(
@value = global i32 0
@llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 65535, ptr @init, ptr null }]

define internal void @init() {
  store i32 42, ptr @value
  ret void
}

; The packed convention: args[0] points at the buffer pointer.
define void @_mlir_read(ptr %args) {
  %slot = load ptr, ptr %args
  %buffer = load ptr, ptr %slot
  %v = load i32, ptr @value
  store i32 %v, ptr %buffer
  ret void
}
)";

/// The value the module's `read` sees, after a JIT with or without
/// initialization; -1 if the JIT failed.
int readValue(bool initialize) {
  auto ctx = std::make_unique<llvm::LLVMContext>();
  llvm::SMDiagnostic diag;
  auto module = llvm::parseAssemblyString(kModule, diag, *ctx);
  if (!module) {
    fmt::print("FAIL: test module: {}\n", diag.getMessage().str());
    return -1;
  }
  std::string error;
  auto jit = lathe::JitModel::create(std::move(module), std::move(ctx), "",
                                     error, initialize);
  if (!jit) {
    fmt::print("FAIL: JIT: {}\n", error);
    return -1;
  }
  auto read = jit->lookup("read", error);
  if (!read) {
    fmt::print("FAIL: lookup: {}\n", error);
    return -1;
  }
  int32_t out = -1;
  int32_t *buffer = &out;
  void *args[] = {&buffer};
  read(args);
  return out;
}
// Calls to every entry point gpu-to-llvm's host code may make.
const char *kGpuCalls = R"(
declare ptr @mgpuModuleLoadJIT(ptr, i32)
declare void @mgpuModuleUnload(ptr)
declare ptr @mgpuModuleGetFunction(ptr, ptr)
declare ptr @mgpuStreamCreate()
declare void @mgpuStreamDestroy(ptr)
declare void @mgpuStreamSynchronize(ptr)
declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
declare ptr @mgpuEventCreate()
declare void @mgpuEventDestroy(ptr)
declare void @mgpuEventRecord(ptr, ptr)
declare void @mgpuStreamWaitEvent(ptr, ptr)
declare void @mgpuEventSynchronize(ptr)
declare ptr @mgpuMemAlloc(i64, ptr, i8)
declare void @mgpuMemcpy(ptr, ptr, i64, ptr)
declare void @mgpuMemFree(ptr, ptr)

define void @_mlir_calls(ptr %args) {
  %m = call ptr @mgpuModuleLoadJIT(ptr null, i32 2)
  %f = call ptr @mgpuModuleGetFunction(ptr %m, ptr null)
  %s = call ptr @mgpuStreamCreate()
  call void @mgpuLaunchKernel(ptr %f, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i32 0, ptr %s, ptr null, ptr null, i64 0)
  %e = call ptr @mgpuEventCreate()
  call void @mgpuEventRecord(ptr %e, ptr %s)
  call void @mgpuStreamWaitEvent(ptr %s, ptr %e)
  call void @mgpuEventSynchronize(ptr %e)
  call void @mgpuEventDestroy(ptr %e)
  %b = call ptr @mgpuMemAlloc(i64 4, ptr %s, i8 0)
  call void @mgpuMemcpy(ptr %b, ptr %b, i64 4, ptr %s)
  call void @mgpuMemFree(ptr %b, ptr %s)
  call void @mgpuStreamSynchronize(ptr %s)
  call void @mgpuStreamDestroy(ptr %s)
  call void @mgpuModuleUnload(ptr %m)
  ret void
}
)";

/// Whether a module calling every mgpu* entry point links in the JIT.
bool gpuCallsLink() {
  auto ctx = std::make_unique<llvm::LLVMContext>();
  llvm::SMDiagnostic diag;
  auto module = llvm::parseAssemblyString(kGpuCalls, diag, *ctx);
  if (!module) {
    fmt::print("FAIL: test module: {}\n", diag.getMessage().str());
    return false;
  }
  std::string error;
  auto jit = lathe::JitModel::create(std::move(module), std::move(ctx), "",
                                     error, /*initialize=*/false);
  if (!jit || !jit->lookup("calls", error)) {
    fmt::print("FAIL: {}\n", error);
    return false;
  }
  return true;
}
} // namespace

int main() {
  expect(gpuCallsLink(), "every mgpu* entry point links in the JIT");
  int with = readValue(true);
  expect(with == 42, fmt::format("with initialize, the constructor ran "
                                 "(read {}, expected 42)",
                                 with));
  int without = readValue(false);
  expect(without == 0, fmt::format("without initialize, it did not (read {}, "
                                   "expected 0)",
                                   without));
  return lathe::test::summary();
}
