//===- conv.cpp - A convolution as im2col + matmul against direct ---------===//
//
// Compiles a convolution's forward product (with its bias) and its filter
// gradient as the models do (ConvLowering's builders, the CPU pipeline),
// once with `lathe-direct-conv{mode=im2col}` (a matmul over window rows)
// and once with `mode=direct` (read through the windows), checks that the
// two agree, and times them on one thread in alternated rounds (A B A B
// ...). Prints Markdown rows: GFLOP/s of each (medians over the rounds),
// their ratio, and what `mode=auto` picks for the shape. This is how the
// choice in DirectConv.cpp was measured.
//
//   lathe-conv-bench [--conv NxHxWxC:KxF[:sS][:same]]... [--repeats R]
//
// N images of H x W x C, a K x K filter to F channels, stride S (1 unless
// given), "same" padding or none. Without --conv: the shapes of the models
// in models/ (the CNN's, the DCGAN's two; the DCGAN's transposed
// convolutions' gradients are these same shapes).
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/lowering/ConvLowering.h"
#include "compiler/pipeline/Jit.h"
#include "compiler/pipeline/Pipeline.h"
#include "runtime/Session.h"
#include "bench/Args.h"
#include "bench/Timing.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <random>

using namespace mlir;
using lathe::bench::median;
using lathe::bench::secondsOf;

namespace {
struct ConvShape {
  int64_t n, h, w, c, k, f, s = 1;
  bool same = false;
  /// The output's height and width.
  std::pair<int64_t, int64_t> out() const {
    lathe::Pads p = lathe::convPads(h, w, k, s, same);
    return {(h + p.top + p.bottom - k) / s + 1, (w + p.left + p.right - k) / s + 1};
  }
  std::string name() const {
    return fmt::format("{}x{}x{}x{} {}x{}x{}{}{}", n, h, w, c, k, k, f,
                       s > 1 ? fmt::format(" s{}", s) : "", same ? " same" : "");
  }
};

/// "NxHxWxC:KxF", optionally followed by ":sS" and ":same".
std::optional<ConvShape> parseConv(const std::string &text) {
  ConvShape s{};
  int used = 0;
  if (std::sscanf(text.c_str(), "%ldx%ldx%ldx%ld:%ldx%ld%n", &s.n, &s.h, &s.w, &s.c,
                  &s.k, &s.f, &used) != 6)
    return std::nullopt;
  std::string rest = text.substr(used);
  while (!rest.empty()) {
    if (rest.rfind(":same", 0) == 0) {
      s.same = true;
      rest = rest.substr(5);
    } else if (rest.size() > 2 && rest.rfind(":s", 0) == 0) {
      size_t end = 2;
      while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end])))
        ++end;
      if (end == 2)
        return std::nullopt;
      s.s = std::stol(rest.substr(2, end - 2));
      rest = rest.substr(end);
    } else {
      return std::nullopt;
    }
  }
  if (s.n < 1 || s.h < 1 || s.w < 1 || s.c < 1 || s.k < 1 || s.f < 1 || s.s < 1 ||
      (!s.same && (s.k > s.h || s.k > s.w)))
    return std::nullopt;
  return s;
}

/// One compiled function.
struct Compiled {
  std::unique_ptr<lathe::JitModel> jit;
  void (*fn)(void **) = nullptr;
};

/// What of a convolution is timed.
enum class Part { Forward, Filter, Input };

const char *partName(Part p) {
  return p == Part::Forward ? "forward" : p == Part::Filter ? "filter gradient" : "input gradient";
}

/// A module of one function: the forward product (x, filter, bias) -> y,
/// the filter gradient (x, filter, dy) -> dfilter or the input gradient
/// (x, filter, dy) -> dx, as the models build them (linalg on tensors,
/// im2col rows, window sums).
ModuleOp buildConv(MLIRContext &ctx, const ConvShape &s, Part part) {
  OpBuilder b(&ctx);
  Location loc = b.getUnknownLoc();
  auto module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module.getBody());
  auto f32 = b.getF32Type();
  auto [ho, wo] = s.out();
  auto xt = RankedTensorType::get({s.n, s.h, s.w, s.c}, f32);
  auto ft = RankedTensorType::get({s.k, s.k, s.c, s.f}, f32);
  auto yt = RankedTensorType::get({s.n, ho, wo, s.f}, f32);
  auto third = part == Part::Forward ? RankedTensorType::get({s.f}, f32) : yt;
  Type result = part == Part::Forward ? yt : part == Part::Filter ? ft : xt;
  auto fn = func::FuncOp::create(b, loc, "conv", b.getFunctionType({xt, ft, third}, {result}));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToEnd(body);
  Value x = body->getArgument(0), w = body->getArgument(1), t = body->getArgument(2);
  Value out = part == Part::Forward
                  ? lathe::lowerConv2D(b, loc, x, w, t, s.s, s.same)
                  : lathe::conv2DBackward(b, loc, x, w, t, s.s, s.same)[part == Part::Filter ? 1 : 0];
  func::ReturnOp::create(b, loc, out);
  return module;
}

/// The op compiled with lathe-direct-conv's `mode`.
std::optional<Compiled> compile(MLIRContext &ctx, llvm::TargetMachine &tm,
                                const ConvShape &s, Part part,
                                const std::string &mode, std::string &error) {
  OwningOpRef<ModuleOp> module = buildConv(ctx, s, part);
  if (failed(lathe::runPipeline(*module, "canonicalize, cse")) ||
      failed(lathe::lowerToLLVMDialect(*module, "", 1, mode))) {
    error = "lowering failed";
    return std::nullopt;
  }
  auto llctx = std::make_unique<llvm::LLVMContext>();
  auto llvmModule = lathe::translateToLLVMIR(*module, *llctx, tm);
  Compiled c;
  c.jit = lathe::JitModel::create(std::move(llvmModule), std::move(llctx), "", error);
  c.fn = c.jit ? c.jit->lookup("conv", error) : nullptr;
  if (!c.fn)
    return std::nullopt;
  return c;
}

/// Whether `mode=auto` reads the op through its windows (it is tagged
/// `lathe.conv` after lathe-direct-conv).
bool autoIsDirect(MLIRContext &ctx, const ConvShape &s, Part part) {
  OwningOpRef<ModuleOp> module = buildConv(ctx, s, part);
  if (failed(lathe::runPipeline(*module, "canonicalize, cse, func.func(lathe-direct-conv)")))
    return false;
  bool direct = false;
  module->walk([&](Operation *op) { direct |= op->hasAttr("lathe.conv"); });
  return direct;
}
} // namespace

int main(int argc, char **argv) {
  std::vector<ConvShape> shapes;
  int repeats = 11;
  auto usage = [] {
    fmt::print(stderr, "usage: lathe-conv-bench [--conv NxHxWxC:KxF[:sS][:same]]... "
                       "[--repeats R]\n");
    return 1;
  };
  bool read = lathe::bench::readFlags(argc, argv, [&](const std::string &flag, const char *value) {
    if (flag == "--conv") {
      std::optional<ConvShape> s = parseConv(value);
      if (s)
        shapes.push_back(*s);
      return s.has_value();
    }
    std::optional<long> n = lathe::bench::positive(value);
    if (flag != "--repeats" || !n)
      return false;
    repeats = int(*n);
    return true;
  });
  if (!read)
    return usage();
  if (shapes.empty())
    shapes = {{32, 28, 28, 1, 3, 32, 1, false},   // fashion_cnn
              {64, 28, 28, 1, 5, 64, 2, true},    // fashion_dcgan's first
              {64, 14, 14, 64, 5, 128, 2, true}}; // and second
  lathe::registerAllPasses();
  mlir::registerPassManagerCLOptions();
  DialectRegistry registry;
  lathe::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  std::string error;
  auto tm = lathe::createTargetMachine("", "", error);
  lathe::rt::setThreads(1);
  fmt::print("| convolution | part | im2col + matmul GFLOP/s | direct GFLOP/s | "
             "direct / im2col | auto picks |\n|---|---|---|---|---|---|\n");
  for (const ConvShape &s : shapes) {
    auto [ho, wo] = s.out();
    for (Part part : {Part::Forward, Part::Filter, Part::Input}) {
      auto im2col = compile(ctx, *tm, s, part, "im2col", error);
      auto direct = compile(ctx, *tm, s, part, "direct", error);
      if (!im2col || !direct) {
        fmt::print(stderr, "error: {}: {}\n", s.name(), error);
        return 1;
      }
      int64_t xSize = s.n * s.h * s.w * s.c, wSize = s.k * s.k * s.c * s.f,
              ySize = s.n * ho * wo * s.f;
      int64_t outSize = part == Part::Forward ? ySize : part == Part::Filter ? wSize : xSize;
      lathe::rt::Buffer x(xSize), w(wSize), third(part == Part::Forward ? s.f : ySize),
          y1(outSize), y2(outSize);
      std::mt19937 rng(1);
      std::uniform_real_distribution<float> u(-1, 1);
      for (auto *v : {&x, &w, &third})
        for (int64_t i = 0; i < v->size(); ++i)
          (*v)[i] = u(rng);
      float *px = x.data(), *pw = w.data(), *pt = third.data(), *p1 = y1.data(),
            *p2 = y2.data();
      void *a1[] = {&px, &pw, &pt, &p1}, *a2[] = {&px, &pw, &pt, &p2};
      im2col->fn(a1);
      direct->fn(a2);
      // Sums of the same products; the direct kernels add the forward
      // product and the filter gradient in the matmul's order, an input
      // gradient in another.
      int64_t terms = part == Part::Forward ? s.k * s.k * s.c
                      : part == Part::Filter ? s.n * ho * wo
                                             : s.k * s.k * s.f;
      double err = 0;
      for (int64_t i = 0; i < outSize; ++i)
        err = std::max(err, double(std::fabs(y1[i] - y2[i])));
      if (err > 1e-5 * double(terms) + 1e-4) {
        fmt::print(stderr, "error: {}: im2col and direct differ by {}\n", s.name(), err);
        return 1;
      }
      double flops = 2.0 * s.n * ho * wo * s.f * s.k * s.k * s.c;
      std::vector<double> t1, t2;
      for (int r = 0; r < repeats; ++r) {
        t1.push_back(flops / secondsOf([&] { im2col->fn(a1); }) / 1e9);
        t2.push_back(flops / secondsOf([&] { direct->fn(a2); }) / 1e9);
      }
      fmt::print("| {} | {} | {:.1f} | {:.1f} | {:.2f}x | {} |\n", s.name(), partName(part),
                 median(t1), median(t2), median(t2) / median(t1),
                 autoIsDirect(ctx, s, part) ? "direct" : "im2col");
    }
  }
  return 0;
}
