//===- ParallelCodegen.cpp - Translate, optimize and compile on N threads -===//
//
// LLVM's optimization and code generation take most of a model's compile
// time, and the entry points (train_step, grad, eval_step, predict, or a
// GAN's steps) share nothing but constants. The LLVM-dialect module is split
// by functions, largest first, each to the piece with the fewest operations
// so far (splitModule: a GAN's two step functions are most of its code, and
// LLVM's own split, which balances counts of functions, put both in one
// piece). Each piece is translated into its own LLVMContext (contexts are
// not shared between threads), optimized and compiled there with its own
// target machine, by whichever thread takes it. The objects link into one
// executable. Splitting before the translation rather than after it spares
// writing and reading every piece as bitcode, and translates in parallel.
//
//===----------------------------------------------------------------------===//
#include "compiler/pipeline/Pipeline.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <atomic>
#include <thread>

using namespace mlir;

namespace {
bool localLinkage(LLVM::Linkage linkage) {
  return linkage == LLVM::Linkage::Internal ||
         linkage == LLVM::Linkage::Private;
}

/// A symbol other pieces reach by name: external, and hidden so that it
/// stays out of the executable's interface.
template <typename Op> void externalize(Op op) {
  if (!localLinkage(op.getLinkage()))
    return;
  op.setLinkage(LLVM::Linkage::External);
  op.setVisibility_(LLVM::Visibility::Hidden);
}

/// One piece: translated, then optimized and compiled in its own context.
struct Piece {
  OwningOpRef<ModuleOp> module;
  std::string object, error;
};

void compilePiece(Piece &piece, const std::string &cpu,
                  const std::string &features,
                  const std::function<void(llvm::Module &)> &finish) {
  auto tm = lathe::createTargetMachine(cpu, features, piece.error);
  if (!tm)
    return;
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> module =
      lathe::translateRegistered(*piece.module, ctx, *tm);
  if (!module) {
    piece.error = "cannot translate to LLVM IR";
    return;
  }
  if (finish)
    finish(*module);
  if (!lathe::optimizeModule(*module, *tm)) {
    piece.error = "LLVM optimization failed";
    return;
  }
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  if (!lathe::emitMachineCode(*module, *tm, os, /*object=*/true)) {
    piece.error = "the target cannot emit object files";
    return;
  }
  piece.object.assign(buffer.begin(), buffer.end());
}
} // namespace

SmallVector<OwningOpRef<ModuleOp>> lathe::splitModule(ModuleOp module,
                                                      unsigned parts) {
  SmallVector<std::pair<size_t, Operation *>> sizes;
  for (auto f : module.getOps<LLVM::LLVMFuncOp>())
    if (!f.isExternal()) {
      size_t n = 0;
      f.walk([&](Operation *) { ++n; });
      sizes.emplace_back(n, f);
    }
  llvm::stable_sort(sizes, [](const auto &a, const auto &b) {
    return a.first > b.first;
  });
  parts = std::max(1u, std::min<unsigned>(parts, sizes.size()));
  std::vector<size_t> load(parts, 0);
  llvm::DenseMap<Operation *, unsigned> pieceOf;
  for (const auto &[size, f] : sizes) {
    unsigned lightest =
        std::min_element(load.begin(), load.end()) - load.begin();
    load[lightest] += size;
    pieceOf[f] = lightest;
  }
  SmallVector<OwningOpRef<ModuleOp>> pieces;
  for (unsigned i = 0; i < parts; ++i) {
    pieces.push_back(ModuleOp::create(module.getLoc()));
    (*pieces.back())->setAttrs(module->getAttrDictionary());
  }
  auto body = [&](unsigned i) { return pieces[i]->getBody(); };
  auto moveTo = [&](Operation &op, unsigned i) {
    op.moveBefore(body(i), body(i)->end());
  };
  auto declareElsewhere = [&](Operation &op, unsigned owner) {
    for (unsigned i = 0; i < parts; ++i)
      if (i != owner) {
        Operation *decl = op.cloneWithoutRegions();
        if (auto g = dyn_cast<LLVM::GlobalOp>(decl))
          g.removeValueAttr();
        // A declaration links externally, whatever the definition's
        // linkage: declared `weak`, a function's calls were dropped.
        if (auto f = dyn_cast<LLVM::LLVMFuncOp>(decl))
          f.setLinkage(LLVM::Linkage::External);
        // A declaration may not carry the definition's subprogram (LLVM
        // rejects a module whose declarations have !dbg; --debug-ir).
        if (auto loc = dyn_cast<FusedLoc>(decl->getLoc()))
          if (isa_and_nonnull<LLVM::DISubprogramAttr>(loc.getMetadata()))
            decl->setLoc(FusedLoc::get(loc.getLocations(), Attribute(),
                                       decl->getContext()));
        body(i)->push_back(decl);
      }
  };
  for (Operation &op : llvm::make_early_inc_range(*module.getBody())) {
    auto f = dyn_cast<LLVM::LLVMFuncOp>(op);
    auto g = dyn_cast<LLVM::GlobalOp>(op);
    if ((f && f.isExternal()) || (g && g.getConstant())) {
      // Declarations and constants: every piece has its own.
      for (unsigned i = 1; i < parts; ++i)
        body(i)->push_back(op.clone());
      moveTo(op, 0);
    } else if (f) {
      externalize(f);
      declareElsewhere(op, pieceOf[f]);
      moveTo(op, pieceOf[f]);
    } else if (g) {
      externalize(g);
      declareElsewhere(op, 0);
      moveTo(op, 0);
    } else {
      moveTo(op, 0);
    }
  }
  return pieces;
}

std::vector<std::string>
lathe::compileObjects(ModuleOp module, const std::string &cpu,
                      const std::string &features, unsigned parts,
                      std::string &error,
                      const std::function<void(llvm::Module &)> &finish) {
  // Registering changes the context; translating only reads it (and makes
  // attributes, which takes a lock when the context is multithreaded).
  registerLLVMTranslations(*module.getContext());
  if (!module.getContext()->isMultithreadingEnabled())
    parts = 1;
  // Four pieces per thread, which the threads take in turn from a shared
  // queue: a function's cost in LLVM is not proportional to its operations
  // (loops LLVM vectorizes grow, the steps' glue shrinks). Two pieces of
  // the DCGAN balanced by operations took 0.29 and 0.43 s; eight on two
  // threads take 0.42 s in all. One thread: one piece (the NVPTX host code
  // must stay whole).
  std::vector<Piece> pieces;
  for (OwningOpRef<ModuleOp> &m :
       splitModule(module, parts == 1 ? 1 : parts * 4))
    pieces.push_back(Piece{std::move(m), {}, {}});
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < pieces.size();)
      compilePiece(pieces[i], cpu, features, finish);
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < std::min<size_t>(parts, pieces.size()); ++i)
    threads.emplace_back(work);
  work();
  for (std::thread &t : threads)
    t.join();
  std::vector<std::string> objects;
  for (Piece &piece : pieces) {
    if (!piece.error.empty()) {
      error = piece.error;
      return {};
    }
    objects.push_back(std::move(piece.object));
  }
  return objects;
}
