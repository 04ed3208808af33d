//===- SplitTest.cpp - The module split for parallel code generation ------===//
//
// splitModule on an LLVM-dialect module shaped like a GAN's: two large step
// functions, smaller internal loop bodies the steps call, a private
// constant every function reads and a mutable global. Each piece must
// verify, define each function exactly once (and declare the ones it
// calls), have its own copy of the constant, define the mutable global in
// one piece only, and the pieces' operation counts must be balanced. Each
// piece must then translate to LLVM IR with a packed wrapper for each entry
// point and none for the bodies made visible to the other pieces. Prints
// one line per failed expectation and a summary; exits non-zero on any
// failure. Run by split.test.
//
//===----------------------------------------------------------------------===//
#include "compiler/InitAll.h"
#include "compiler/pipeline/Pipeline.h"
#include "test/unit/Expect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Target/TargetMachine.h"

#include <fmt/format.h>
#include <map>

namespace {
using lathe::test::expect;

/// A function named `name` of about `n` operations that reads the private
/// constant and the mutable global, and calls `callees`.
std::string function(const std::string &name, int n, bool internal,
                     const std::vector<std::string> &callees = {}) {
  std::string s = fmt::format(
      "llvm.func {}@{}(%x: f32) -> f32 {{\n"
      "  %t = llvm.mlir.addressof @table : !llvm.ptr\n"
      "  %c = llvm.load %t : !llvm.ptr -> f32\n"
      "  %k = llvm.mlir.addressof @counter : !llvm.ptr\n"
      "  %g = llvm.load %k : !llvm.ptr -> f32\n"
      "  %v0 = llvm.fadd %x, %c : f32\n",
      internal ? "internal " : "", name);
  int last = 0;
  for (int i = 1; i < n; ++i, ++last)
    s += fmt::format("  %v{} = llvm.fmul %v{}, %g : f32\n", i, i - 1);
  for (const std::string &callee : callees) {
    s += fmt::format("  %v{} = llvm.call @{}(%v{}) : (f32) -> f32\n",
                     last + 1, callee, last);
    ++last;
  }
  return s + fmt::format("  llvm.return %v{} : f32\n}}\n", last);
}
} // namespace

int main() {
  mlir::DialectRegistry registry;
  lathe::registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  std::string ir = "module {\n"
                   "llvm.mlir.global private constant @table(2.0 : f32) : f32\n"
                   "llvm.mlir.global internal @counter(1.0 : f32) : f32\n";
  std::vector<std::string> dBodies, gBodies;
  for (int i = 0; i < 8; ++i)
    (i < 4 ? dBodies : gBodies).push_back(fmt::format("body{}", i));
  ir += function("d_step", 1200, false, dBodies) +
        function("g_step", 1000, false, gBodies) +
        function("generate", 300, false);
  for (int i = 0; i < 8; ++i)
    ir += function(fmt::format("body{}", i), 90, true);
  ir += "}\n";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(ir, &ctx);
  if (!module) {
    fmt::print("FAIL: test module does not parse\n");
    return 1;
  }
  size_t total = 0;
  module->walk([&](mlir::Operation *) { ++total; });
  auto pieces = lathe::splitModule(*module, 2);
  expect(pieces.size() == 2, fmt::format("2 pieces, not {}", pieces.size()));
  expect(module->getBody()->empty(), "the split module is left empty");
  std::map<std::string, int> defined;
  int counters = 0;
  size_t largest = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    mlir::ModuleOp piece = *pieces[i];
    expect(mlir::succeeded(mlir::verify(piece)),
           fmt::format("piece {} verifies", i));
    size_t ops = 0;
    piece->walk([&](mlir::Operation *) { ++ops; });
    largest = std::max(largest, ops);
    for (auto f : piece.getOps<mlir::LLVM::LLVMFuncOp>())
      if (!f.isExternal())
        ++defined[f.getName().str()];
    auto table = piece.lookupSymbol<mlir::LLVM::GlobalOp>("table");
    expect(table && table.getValueAttr(),
           fmt::format("piece {} has its own copy of the constant", i));
    auto counter = piece.lookupSymbol<mlir::LLVM::GlobalOp>("counter");
    expect(bool(counter), fmt::format("piece {} names the global", i));
    if (counter && counter.getValueAttr())
      ++counters;
  }
  expect(counters == 1,
         fmt::format("the mutable global is defined once, not {} times",
                     counters));
  expect(defined.size() == 11, fmt::format("11 functions defined, not {}",
                                           defined.size()));
  for (const auto &[name, count] : defined)
    expect(count == 1, fmt::format("{} defined once, not {} times", name,
                                   count));
  // d_step (1200) + 4 bodies against g_step (1000) + generate (300) + 4
  // bodies: within 10% of half the total.
  expect(largest <= total * 0.55,
         fmt::format("pieces balanced: the largest has {} of {} operations",
                     largest, total));

  // Each piece translates on its own; wrappers for the entry points only.
  std::string error;
  auto tm = lathe::createTargetMachine("", "", error);
  expect(bool(tm), "a target machine: " + error);
  if (!tm)
    return lathe::test::summary();
  lathe::registerLLVMTranslations(ctx);
  int wrappers = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    llvm::LLVMContext llctx;
    auto m = lathe::translateRegistered(*pieces[i], llctx, *tm);
    expect(bool(m), fmt::format("piece {} translates", i));
    if (!m)
      continue;
    expect(!llvm::verifyModule(*m, &llvm::errs()),
           fmt::format("piece {}'s LLVM IR verifies", i));
    for (llvm::Function &f : *m) {
      if (!f.getName().starts_with("_mlir_"))
        continue;
      ++wrappers;
      expect(!f.getName().starts_with("_mlir_body"),
             fmt::format("no wrapper for {}", f.getName().str()));
    }
    if (llvm::Function *body = m->getFunction("body0"); body &&
                                                        !body->isDeclaration())
      expect(body->hasHiddenVisibility(), "a body other pieces call is hidden");
  }
  expect(wrappers == 3, fmt::format("3 wrappers, not {}", wrappers));
  return lathe::test::summary();
}
