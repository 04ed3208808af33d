//===- SplitTest.cpp - The module split for parallel code generation ------===//
//
// splitBalanced on a module shaped like a GAN's: two large step functions,
// smaller outlined loop bodies, an alias naming one function (the
// executable's entry symbols), a private constant two functions read and a
// mutable global. Each piece must verify, define each function exactly
// once, keep the alias with what it names, have its own copy of the
// constant, and the pieces' instruction counts must be balanced. Prints one
// line per failed expectation and a summary; exits non-zero on any
// failure. Run by split.test.
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/Pipeline.h"
#include "test/unit/Expect.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>
#include <map>

namespace {
using lathe::test::expect;

/// A function named `name` of about `n` instructions that reads the
/// private constant once and the mutable global once.
std::string function(const std::string &name, int n, bool internal) {
  std::string s = fmt::format(
      "define {}float @{}(float %x) {{\n  %c = load float, ptr @table\n"
      "  %g = load float, ptr @counter\n  %v0 = fadd float %x, %c\n",
      internal ? "internal " : "", name);
  for (int i = 1; i < n; ++i)
    s += fmt::format("  %v{} = fmul float %v{}, %g\n", i, i - 1);
  return s + fmt::format("  ret float %v{}\n}}\n", n - 1);
}
} // namespace

int main() {
  std::string ir = "@table = private constant float 2.0\n"
                   "@counter = internal global float 1.0\n"
                   "@lathe_d_step = alias float (float), ptr @d_step\n";
  ir += function("d_step", 1200, false) + function("g_step", 1000, false) +
        function("generate", 300, false);
  for (int i = 0; i < 8; ++i)
    ir += function(fmt::format("body{}", i), 90, true);
  llvm::LLVMContext ctx;
  llvm::SMDiagnostic diag;
  std::unique_ptr<llvm::Module> module =
      llvm::parseAssemblyString(ir, diag, ctx);
  if (!module) {
    fmt::print("FAIL: test module: {}\n", diag.getMessage().str());
    return 1;
  }
  size_t total = module->getInstructionCount();
  auto pieces = lathe::splitBalanced(*module, 2);
  expect(pieces.size() == 2, fmt::format("2 pieces, not {}", pieces.size()));
  std::map<std::string, int> defined;
  size_t largest = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    llvm::Module &piece = *pieces[i];
    std::string broken;
    llvm::raw_string_ostream os(broken);
    expect(!llvm::verifyModule(piece, &os),
           fmt::format("piece {} verifies: {}", i, broken));
    for (llvm::Function &f : piece)
      if (!f.isDeclaration())
        ++defined[f.getName().str()];
    largest = std::max(largest, size_t(piece.getInstructionCount()));
    if (llvm::GlobalAlias *alias = piece.getNamedAlias("lathe_d_step"))
      expect(!piece.getFunction("d_step")->isDeclaration(),
             fmt::format("piece {} defines the alias and what it names", i));
    // Each piece that reads the constant has its own definition of it.
    int copies = 0;
    for (llvm::GlobalVariable &gv : piece.globals())
      if (gv.isConstant() && !gv.isDeclaration())
        ++copies;
    expect(copies == 1, fmt::format("piece {} has its own copy of the "
                                    "constant ({})",
                                    i, copies));
  }
  int aliases = 0;
  for (auto &piece : pieces)
    aliases += piece->getNamedAlias("lathe_d_step") ? 1 : 0;
  expect(aliases == 1, fmt::format("the alias is in one piece ({})", aliases));
  expect(defined.size() == 11, fmt::format("11 functions defined, not {}",
                                           defined.size()));
  for (const auto &[name, count] : defined)
    expect(count == 1, fmt::format("{} defined once, not {} times", name,
                                   count));
  // d_step (1200) + body* (4 x 90) against g_step (1000) + generate (300)
  // + body* (4 x 90): within 10% of half the total.
  expect(largest <= total * 0.55,
         fmt::format("pieces balanced: the largest has {} of {} instructions",
                     largest, total));
  return lathe::test::summary();
}
