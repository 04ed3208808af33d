//===- gemm.cpp - Lathe's matmul against OpenBLAS, and the FMA peak -------===//
//
// Compiles the matmul every Lathe model uses (TensorBuilders' `matmul`,
// through the same pipeline as a model) for N×N×N, or for a model's own
// shape, times it against cblas_sgemm from the system BLAS (Debian:
// OpenBLAS; OPENBLAS_CORETYPE picks its kernels; it runs on one thread), on
// one thread and on two, and measures the single-core peak of 512-bit FMAs,
// in rounds that run each once (A B A B ...). Prints Markdown rows: the
// medians over the rounds, and Lathe's median share of the peak measured in
// the same round.
//
//   lathe-gemm-bench [--size N]... [--shape MxKxN[:ta|:tb]]... [--repeats R]
//
// A shape is C[M, N] = A[M, K] B[K, N]; `:ta` reads A as [K, M] (a weight
// gradient: the layer's inputs transposed), `:tb` reads B as [N, K] (an
// input gradient: the kernel transposed). Sizes 512 and 1024 and 11 rounds
// unless given.
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/lowering/TensorBuilders.h"
#include "compiler/pipeline/Jit.h"
#include "compiler/pipeline/Pipeline.h"
#include "runtime/Session.h"
#include "bench/Args.h"
#include "bench/Timing.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <dlfcn.h>
#include <fmt/format.h>
#include <immintrin.h>
#include <optional>
#include <random>
#include <thread>

using namespace mlir;
using lathe::bench::median;
using lathe::bench::secondsOf;

namespace {
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

/// C[m, n] = A[m, k] B[k, n], A stored as [k, m] when `ta`, B as [n, k]
/// when `tb`.
struct Shape {
  int64_t m, k, n;
  bool ta, tb;
  std::string name() const {
    if (m == k && k == n && !ta && !tb)
      return fmt::format("{}³", m);
    return fmt::format("{}x{}x{}{}", m, k, n, ta ? " (A^T)" : tb ? " (B^T)" : "");
  }
};

/// "MxKxN", "MxKxN:ta" or "MxKxN:tb".
std::optional<Shape> parseShape(const std::string &text) {
  Shape s{0, 0, 0, false, false};
  char rest[8] = {0};
  int got = std::sscanf(text.c_str(), "%ldx%ldx%ld%7s", &s.m, &s.k, &s.n, rest);
  if (got < 3 || s.m < 1 || s.k < 1 || s.n < 1)
    return std::nullopt;
  std::string suffix = got == 4 ? rest : "";
  if (suffix == ":ta")
    s.ta = true;
  else if (suffix == ":tb")
    s.tb = true;
  else if (!suffix.empty())
    return std::nullopt;
  return s;
}

using Sgemm = void (*)(int, int, int, int, int, int, float, const float *, int,
                       const float *, int, float, float *, int);
} // namespace

int main(int argc, char **argv) {
  std::vector<Shape> shapes;
  int repeats = 11;
  std::vector<double> allPeaks;
  auto usage = [] {
    fmt::print(stderr,
               "usage: lathe-gemm-bench [--size N]... [--shape MxKxN[:ta|:tb]]... "
               "[--repeats R] (N, M, K, R positive integers)\n");
    return 1;
  };
  bool read = lathe::bench::readFlags(argc, argv, [&](const std::string &flag, const char *value) {
    if (flag == "--shape") {
      std::optional<Shape> shape = parseShape(value);
      if (shape)
        shapes.push_back(*shape);
      return shape.has_value();
    }
    std::optional<long> n = lathe::bench::positive(value);
    if ((flag != "--size" && flag != "--repeats") || !n)
      return false;
    if (flag == "--size")
      shapes.push_back({*n, *n, *n, false, false});
    else
      repeats = int(*n);
    return true;
  });
  if (!read)
    return usage();
  if (shapes.empty())
    shapes = {{512, 512, 512, false, false}, {1024, 1024, 1024, false, false}};
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
  // OpenBLAS on one core, whatever OPENBLAS_NUM_THREADS says.
  if (auto setThreads = blas ? reinterpret_cast<void (*)(int)>(
                                   dlsym(blas, "openblas_set_num_threads"))
                             : nullptr)
    setThreads(1);
  const char *core = std::getenv("OPENBLAS_CORETYPE");
  fmt::print("| kernel | lathe GFLOP/s | OpenBLAS{} GFLOP/s | ratio |\n"
             "|---|---|---|---|\n",
             core ? fmt::format(" ({})", core) : std::string(" (default)"));
  for (const Shape &shape : shapes) {
    const int64_t m = shape.m, k = shape.k, n = shape.n;
    const bool ta = shape.ta, tb = shape.tb;
    OpBuilder b(&ctx);
    Location loc = b.getUnknownLoc();
    auto module = ModuleOp::create(loc);
    b.setInsertionPointToEnd(module.getBody());
    auto f32 = b.getF32Type();
    auto at = RankedTensorType::get(ta ? SmallVector<int64_t>{k, m}
                                       : SmallVector<int64_t>{m, k}, f32);
    auto bt = RankedTensorType::get(tb ? SmallVector<int64_t>{n, k}
                                       : SmallVector<int64_t>{k, n}, f32);
    auto ct = RankedTensorType::get({m, n}, f32);
    auto fn = func::FuncOp::create(b, loc, "gemm",
                                   b.getFunctionType({at, bt}, {ct}));
    Block *body = fn.addEntryBlock();
    b.setInsertionPointToEnd(body);
    Value c = lathe::tb::matmul(b, loc, body->getArgument(0),
                                body->getArgument(1), ta, tb);
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
    // The runtime's buffers, aligned as a model's are (std::vector's
    // memory starts 16 bytes past a cache line: each 128-byte row of a
    // tile then spans three lines, a cost no model pays).
    lathe::rt::Buffer A(m * k), B(k * n), C(m * n), D(m * n);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto *v : {&A, &B})
      for (int64_t i = 0; i < v->size(); ++i)
        (*v)[i] = u(rng);
    float *pa = A.data(), *pb = B.data(), *pc = C.data();
    void *args[] = {&pa, &pb, &pc};
    double flops = 2.0 * m * k * n;
    auto blasCall = [&] { // row-major; 111: as stored, 112: transposed
      sgemm(101, ta ? 112 : 111, tb ? 112 : 111, int(m), int(n), int(k), 1.0f,
            pa, int(ta ? m : k), pb, int(tb ? k : n), 0.0f, D.data(), int(n));
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
    // Lathe's C against a reference: a plain loop in double where that is
    // quick, else the BLAS's. Timing wrong code would mean nothing.
    bool small = m * k * n <= (int64_t(1) << 24);
    if (small) {
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double sum = 0;
          for (int64_t p = 0; p < k; ++p)
            sum += double(A[ta ? p * m + i : i * k + p]) *
                   double(B[tb ? j * k + p : p * n + j]);
          D[i * n + j] = float(sum);
        }
    }
    if (sgemm || small) {
      double err = 0;
      for (int64_t i = 0; i < m * n; ++i)
        err = std::max(err, double(std::fabs(C[i] - D[i])));
      // Sums of k products of values in [-1, 1], in another order.
      if (err > 1e-5 * double(k) + 1e-4) {
        fmt::print(stderr, "error: sgemm {}: lathe and the reference differ "
                           "by {}\n", shape.name(), err);
        return 1;
      }
    }
    double blas = sgemm ? median(theirs) : 0.0;
    std::string name = shape.name();
    fmt::print("| sgemm {}, 1 thread | {:.1f} ({:.1f}% of FMA peak, best round "
               "{:.1f}%) | {:.1f} | {:.2f}x |\n",
               name, median(ours), 100 * median(share),
               100 * *std::max_element(share.begin(), share.end()), blas,
               blas ? median(ours) / blas : 0.0);
    fmt::print("| sgemm {}, Lathe on 2 threads | {:.1f} | | |\n", name,
               median(ours2));
    allPeaks.insert(allPeaks.end(), peaks.begin(), peaks.end());
  }
  fmt::print("| FMA peak (12 chains of 512-bit FMAs, one core) | {:.1f} | | |\n",
             median(allPeaks));
  return 0;
}
