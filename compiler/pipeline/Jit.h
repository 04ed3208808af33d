//===- Jit.h - Compile a model in memory and get its entry points -*- C++ -*-===//
#ifndef LATHE_PIPELINE_JIT_H
#define LATHE_PIPELINE_JIT_H

#include "runtime/Session.h"

#include <memory>
#include <string>
#include <vector>

#include "llvm/ADT/STLFunctionalExtras.h"

namespace llvm {
class Error;
class LLVMContext;
class Module;
namespace orc {
class LLJIT;
} // namespace orc
} // namespace llvm

namespace lathe {

/// Owns JIT-compiled code; the entry points live as long as it does.
class JitModel {
public:
  ~JitModel();
  /// Compiles `module` (LLVM IR with packed wrappers) for the host. With
  /// `initialize`, runs its global constructors (the NVPTX target's host
  /// code loads its PTX in one).
  static std::unique_ptr<JitModel>
  create(std::unique_ptr<llvm::Module> module,
         std::unique_ptr<llvm::LLVMContext> ctx, const std::string &model,
         std::string &error, bool initialize = false);
  /// Loads object code (compileObjects' pieces, linked together in memory).
  /// With `poison`, every block the code allocates starts as NaNs (all bits
  /// set), so that a read of memory it did not write shows in its results
  /// (for gradcheck and trace).
  static std::unique_ptr<JitModel>
  createFromObjects(const std::vector<std::string> &objects,
                    const std::string &model, std::string &error,
                    bool poison = false);
  const rt::EntryPoints &entryPoints() const { return entry_; }
  /// The packed wrapper of function `name` (any function of the module;
  /// `create` with an empty `model` looks up no entry points).
  void (*lookup(const std::string &name, std::string &error))(void **);

private:
  JitModel() = default;
  /// A JIT with the code `add` puts in it, and the entry points of `model`.
  static std::unique_ptr<JitModel>
  load(const std::string &model, std::string &error,
       llvm::function_ref<llvm::Error(llvm::orc::LLJIT &)> add,
       bool initialize = false, bool poison = false);
  /// Looks up the entry points of `model` once its code is added.
  bool resolve(const std::string &model, std::string &error);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  rt::EntryPoints entry_;
};

} // namespace lathe

#endif
