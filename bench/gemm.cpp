//===- gemm.cpp - Lathe's matmul against OpenBLAS, and the FMA peak -------===//
//
// Compiles the matmul every Lathe model uses (TensorBuilders' `matmul`,
// through the same pipeline as a model) for N×N×N, times it against
// cblas_sgemm from the system BLAS (Debian: OpenBLAS; OPENBLAS_CORETYPE picks
// its kernels; it runs on one thread), on one thread and on two, and
// measures the single-core peak of 512-bit FMAs. Prints Markdown rows: best
// of several runs each.
//
//   lathe-gemm-bench [--size N]... [--repeats R]
//
// (sizes 512 and 1024 and 5 runs unless given).
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/lowering/TensorBuilders.h"
#include "compiler/pipeline/Jit.h"
#include "compiler/pipeline/Pipeline.h"
#include "runtime/Session.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <dlfcn.h>
#include <fmt/format.h>
#include <immintrin.h>
#include <random>

using namespace mlir;
using Clock = std::chrono::steady_clock;

namespace {
double secondsOf(const std::function<void()> &f, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

__attribute__((target("avx512f"), noinline)) float fmaPeakKernel(long iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm512_set1_ps(float(i));
  __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long it = 0; it < iters; ++it)
    for (int i = 0; i < 12; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i)
    s = _mm512_add_ps(s, acc[i]);
  return _mm512_reduce_add_ps(s);
}

using Sgemm = void (*)(int, int, int, int, int, int, float, const float *, int,
                       const float *, int, float, float *, int);
} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> sizes;
  int repeats = 5;
  for (int i = 1; i < argc; i += 2) {
    std::string arg = argv[i];
    char *end = nullptr;
    long value = i + 1 < argc ? std::strtol(argv[i + 1], &end, 10) : 0;
    if ((arg != "--size" && arg != "--repeats") || !end || *end || value < 1) {
      fmt::print(stderr,
                 "usage: lathe-gemm-bench [--size N]... [--repeats R] "
                 "(N, R positive integers)\n");
      return 1;
    }
    if (arg == "--size")
      sizes.push_back(value);
    else
      repeats = int(value);
  }
  if (sizes.empty())
    sizes = {512, 1024};
  lathe::registerAllPasses();
  mlir::registerPassManagerCLOptions();
  DialectRegistry registry;
  lathe::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  std::string error;
  auto tm = lathe::createTargetMachine("", "", error);
  void *blas = dlopen("libblas.so.3", RTLD_NOW);
  auto sgemm = blas ? reinterpret_cast<Sgemm>(dlsym(blas, "cblas_sgemm"))
                    : nullptr;
  const char *core = std::getenv("OPENBLAS_CORETYPE");
  fmt::print("| kernel | lathe GFLOP/s | OpenBLAS{} GFLOP/s | ratio |\n"
             "|---|---|---|---|\n",
             core ? fmt::format(" ({})", core) : std::string(" (default)"));
  for (int64_t n : sizes) {
    OpBuilder b(&ctx);
    Location loc = b.getUnknownLoc();
    auto module = ModuleOp::create(loc);
    b.setInsertionPointToEnd(module.getBody());
    auto t = RankedTensorType::get({n, n}, b.getF32Type());
    auto fn = func::FuncOp::create(b, loc, "gemm", b.getFunctionType({t, t}, {t}));
    Block *body = fn.addEntryBlock();
    b.setInsertionPointToEnd(body);
    Value c = lathe::tb::matmul(b, loc, body->getArgument(0),
                                body->getArgument(1), false, false);
    func::ReturnOp::create(b, loc, c);
    if (failed(lathe::lowerToLLVMDialect(module))) {
      fmt::print(stderr, "error: lowering failed\n");
      return 1;
    }
    auto llctx = std::make_unique<llvm::LLVMContext>();
    auto llvmModule = lathe::translateToLLVMIR(module, *llctx, *tm);
    auto jit = lathe::JitModel::create(std::move(llvmModule), std::move(llctx),
                                       "", error);
    auto gemm = jit ? jit->lookup("gemm", error) : nullptr;
    if (!gemm) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    std::vector<float> A(n * n), B(n * n), C(n * n), D(n * n);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto *v : {&A, &B})
      for (float &x : *v)
        x = u(rng);
    float *pa = A.data(), *pb = B.data(), *pc = C.data();
    void *args[] = {&pa, &pb, &pc};
    double flops = 2.0 * n * n * n;
    lathe::rt::setThreads(1);
    double ours = secondsOf([&] { gemm(args); }, repeats);
    lathe::rt::setThreads(2);
    double ours2 = secondsOf([&] { gemm(args); }, repeats);
    lathe::rt::setThreads(1);
    double theirs = 0;
    if (sgemm) {
      theirs = secondsOf(
          [&] {
            sgemm(101, 111, 111, int(n), int(n), int(n), 1.0f, pa, int(n), pb,
                  int(n), 0.0f, D.data(), int(n));
          },
          repeats);
      double err = 0;
      for (int64_t i = 0; i < n * n; ++i)
        err = std::max(err, double(std::fabs(C[i] - D[i])));
      if (err > 1e-2)
        fmt::print(stderr, "warning: lathe and BLAS differ by {}\n", err);
    }
    fmt::print("| sgemm {}³, 1 thread | {:.1f} | {:.1f} | {:.2f}x |\n", n,
               flops / ours / 1e9, theirs ? flops / theirs / 1e9 : 0.0,
               theirs ? theirs / ours : 0.0);
    fmt::print("| sgemm {}³, Lathe on 2 threads | {:.1f} | | |\n", n,
               flops / ours2 / 1e9);
  }
  long iters = 50'000'000;
  volatile float sink = 0;
  double peak = secondsOf([&] { sink = sink + fmaPeakKernel(iters); }, 3);
  fmt::print("| FMA peak (12 chains of 512-bit FMAs) | {:.1f} | | |\n",
             iters * 12 * 16 * 2 / peak / 1e9);
  return 0;
}
