//===- ParallelCodegen.cpp - Optimize and compile a module on N threads ---===//
//
// LLVM's optimization and code generation take most of a model's compile
// time, and the entry points (train_step, grad, eval_step, predict, or a
// GAN's steps) share nothing but constants. The module is split by
// functions, largest first, each to the piece with the fewest instructions
// so far (splitBalanced: a GAN's two step functions are most of its code,
// and LLVM's own split, which balances counts of functions, put both in one
// piece). Each piece travels as bitcode into its own LLVMContext (contexts
// are not shared between threads) and is optimized and compiled there with
// its own target machine. The objects link into one executable.
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/Pipeline.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <thread>

namespace {
/// Optimizes and compiles one piece from its bitcode; fills `object` or
/// `error`.
void compilePiece(const std::string &bitcode, const std::string &cpu,
                  const std::string &features, std::string &object,
                  std::string &error) {
  llvm::LLVMContext ctx;
  auto parsed = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(bitcode, "piece"), ctx);
  if (!parsed) {
    error = llvm::toString(parsed.takeError());
    return;
  }
  std::unique_ptr<llvm::Module> module = std::move(*parsed);
  auto tm = lathe::createTargetMachine(cpu, features, error);
  if (!tm)
    return;
  if (!lathe::optimizeModule(*module, *tm)) {
    error = "LLVM optimization failed";
    return;
  }
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  if (!lathe::emitMachineCode(*module, *tm, os, /*object=*/true)) {
    error = "the target cannot emit object files";
    return;
  }
  object.assign(buffer.begin(), buffer.end());
}
} // namespace

std::vector<std::unique_ptr<llvm::Module>>
lathe::splitBalanced(llvm::Module &module, unsigned parts) {
  unsigned unnamed = 0;
  auto externalize = [&](llvm::GlobalValue &gv) {
    if (!gv.hasLocalLinkage())
      return;
    gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
    gv.setVisibility(llvm::GlobalValue::HiddenVisibility);
    if (!gv.hasName())
      gv.setName("lathe.piece.local." + std::to_string(unnamed++));
  };
  for (llvm::Function &f : module)
    externalize(f);
  for (llvm::GlobalVariable &gv : module.globals())
    if (!gv.isConstant())
      externalize(gv);
  std::vector<std::pair<size_t, const llvm::Function *>> sizes;
  for (const llvm::Function &f : module)
    if (!f.isDeclaration())
      sizes.emplace_back(f.getInstructionCount(), &f);
  llvm::stable_sort(sizes, [](const auto &a, const auto &b) {
    return a.first > b.first;
  });
  parts = std::max(1u, std::min<unsigned>(parts, sizes.size()));
  std::vector<size_t> load(parts, 0);
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> pieceOf;
  for (const auto &[size, f] : sizes) {
    unsigned lightest = std::min_element(load.begin(), load.end()) - load.begin();
    load[lightest] += size;
    pieceOf[f] = lightest;
  }
  // An alias goes where what it names is defined.
  for (llvm::GlobalAlias &alias : module.aliases()) {
    externalize(alias);
    if (auto it = pieceOf.find(alias.getAliaseeObject()); it != pieceOf.end())
      pieceOf[&alias] = it->second;
  }
  std::vector<std::unique_ptr<llvm::Module>> pieces;
  for (unsigned i = 0; i < parts; ++i) {
    llvm::ValueToValueMapTy map;
    pieces.push_back(llvm::CloneModule(
        module, map, [&](const llvm::GlobalValue *gv) {
          if (auto it = pieceOf.find(gv); it != pieceOf.end())
            return it->second == i;
          if (gv->hasLocalLinkage())
            return true; // a constant: every piece has its own
          return i == 0;
        }));
  }
  return pieces;
}

std::vector<std::string>
lathe::compileObjects(std::unique_ptr<llvm::Module> module,
                      const std::string &cpu, const std::string &features,
                      unsigned parts, std::string &error) {
  std::vector<std::string> bitcode;
  auto keep = [&](std::unique_ptr<llvm::Module> piece) {
    std::string bc;
    llvm::raw_string_ostream os(bc);
    llvm::WriteBitcodeToFile(*piece, os);
    bitcode.push_back(std::move(bc));
  };
  if (parts <= 1)
    keep(std::move(module));
  else
    for (std::unique_ptr<llvm::Module> &piece : splitBalanced(*module, parts))
      keep(std::move(piece));
  std::vector<std::string> objects(bitcode.size()), errors(bitcode.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < bitcode.size(); ++i)
    threads.emplace_back(compilePiece, std::cref(bitcode[i]), std::cref(cpu),
                         std::cref(features), std::ref(objects[i]),
                         std::ref(errors[i]));
  compilePiece(bitcode[0], cpu, features, objects[0], errors[0]);
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return {};
    }
  return objects;
}
