//===- gemm.cpp - Lathe's matmul against OpenBLAS, and the FMA peak -------===//
//
// Compiles the matmul every Lathe model uses (TensorBuilders' `matmul`,
// through the same pipeline as a model) for N×N×N, times it against
// cblas_sgemm from the system BLAS (Debian: OpenBLAS; OPENBLAS_CORETYPE picks
// its kernels; it runs on one thread), on one thread and on two, and
// measures the single-core peak of 512-bit FMAs, in rounds that run each
// once (A B A B ...). Prints Markdown rows: the medians over the rounds, and
// Lathe's median share of the peak measured in the same round.
//
//   lathe-gemm-bench [--size N]... [--repeats R]
//
// (sizes 512 and 1024 and 11 rounds unless given).
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

#include <algorithm>
#include <chrono>
#include <dlfcn.h>
#include <fmt/format.h>
#include <immintrin.h>
#include <random>
#include <thread>

using namespace mlir;
using Clock = std::chrono::steady_clock;

namespace {
double secondsOf(const std::function<void()> &f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
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

/// GFLOP/s of 12 independent chains of 512-bit FMAs on this core (about
/// 10 ms).
double fmaPeak() {
  long iters = 2'000'000;
  volatile float sink = 0;
  double s = secondsOf([&] { sink = sink + fmaPeakKernel(iters); });
  return iters * 12 * 16 * 2 / s / 1e9;
}

using Sgemm = void (*)(int, int, int, int, int, int, float, const float *, int,
                       const float *, int, float, float *, int);
} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> sizes;
  int repeats = 11;
  std::vector<double> allPeaks;
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
    auto blasCall = [&] {
      sgemm(101, 111, 111, int(n), int(n), int(n), 1.0f, pa, int(n), pb,
            int(n), 0.0f, D.data(), int(n));
    };
    // Rounds of Lathe on one thread, OpenBLAS and the FMA peak, one after
    // the other (A B A B ...): GFLOP/s are medians over the rounds, and so
    // is Lathe's share of each round's own peak. Then rounds of Lathe on two
    // threads (whose idle thread spins a while after each call: not while
    // one core is timed).
    lathe::rt::setThreads(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    gemm(args); // warm up (pages, caches)
    if (sgemm)
      blasCall();
    std::vector<double> ours, theirs, ours2, peaks, share;
    for (int r = 0; r < repeats; ++r) {
      ours.push_back(flops / secondsOf([&] { gemm(args); }) / 1e9);
      if (sgemm)
        theirs.push_back(flops / secondsOf(blasCall) / 1e9);
      peaks.push_back(fmaPeak());
      share.push_back(ours.back() / peaks.back());
    }
    lathe::rt::setThreads(2);
    gemm(args);
    for (int r = 0; r < repeats; ++r)
      ours2.push_back(flops / secondsOf([&] { gemm(args); }) / 1e9);
    lathe::rt::setThreads(1);
    if (sgemm) {
      double err = 0;
      for (int64_t i = 0; i < n * n; ++i)
        err = std::max(err, double(std::fabs(C[i] - D[i])));
      if (err > 1e-2)
        fmt::print(stderr, "warning: lathe and BLAS differ by {}\n", err);
    }
    double blas = sgemm ? median(theirs) : 0.0;
    fmt::print("| sgemm {}³, 1 thread | {:.1f} ({:.1f}% of FMA peak, best round "
               "{:.1f}%) | {:.1f} | {:.2f}x |\n",
               n, median(ours), 100 * median(share),
               100 * *std::max_element(share.begin(), share.end()), blas,
               blas ? median(ours) / blas : 0.0);
    fmt::print("| sgemm {}³, Lathe on 2 threads | {:.1f} | | |\n", n,
               median(ours2));
    allPeaks.insert(allPeaks.end(), peaks.begin(), peaks.end());
  }
  fmt::print("| FMA peak (12 chains of 512-bit FMAs, one core) | {:.1f} | | |\n",
             median(allPeaks));
  return 0;
}
