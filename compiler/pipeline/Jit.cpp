//===- Jit.cpp - Compile a model in memory and get its entry points -------===//
#include "compiler/pipeline/Jit.h"

#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"

using namespace lathe;

extern "C" void memrefCopy(int64_t, void *, void *); // runtime/MemrefCopy.cpp

struct JitModel::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

JitModel::~JitModel() = default;

std::unique_ptr<JitModel>
JitModel::create(std::unique_ptr<llvm::Module> module,
                 std::unique_ptr<llvm::LLVMContext> ctx,
                 const std::string &model, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto toString = [](llvm::Error e) { return llvm::toString(std::move(e)); };
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = toString(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*jtmb))
                 .create();
  if (!jit) {
    error = toString(jit.takeError());
    return nullptr;
  }
  auto &dylib = (*jit)->getMainJITDylib();
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!gen) {
    error = toString(gen.takeError());
    return nullptr;
  }
  dylib.addGenerator(std::move(*gen));
  // Helpers the compiled code calls, from the runtime linked into lathe.
  llvm::orc::MangleAndInterner mangle((*jit)->getExecutionSession(),
                                      (*jit)->getDataLayout());
  llvm::orc::SymbolMap helpers;
  helpers[mangle("memrefCopy")] = {
      llvm::orc::ExecutorAddr::fromPtr(&memrefCopy),
      llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  if (auto e = dylib.define(llvm::orc::absoluteSymbols(std::move(helpers)))) {
    error = toString(std::move(e));
    return nullptr;
  }
  if (auto e = (*jit)->addIRModule(
          llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx)))) {
    error = toString(std::move(e));
    return nullptr;
  }
  std::unique_ptr<JitModel> m(new JitModel);
  m->impl_ = std::make_unique<Impl>();
  if (model.empty()) {
    m->impl_->jit = std::move(*jit);
    return m;
  }
  bool gan = false;
  if (auto probe = (*jit)->lookup("_mlir_" + model + ".d_step"))
    gan = true;
  else
    llvm::consumeError(probe.takeError());
  auto lookup = [&](const char *entry) -> void (*)(void **) {
    auto sym = (*jit)->lookup("_mlir_" + model + "." + entry);
    if (!sym) {
      error = toString(sym.takeError());
      return nullptr;
    }
    return sym->toPtr<void (*)(void **)>();
  };
  if (gan) {
    m->entry_.dStep = lookup("d_step");
    m->entry_.gStep = lookup("g_step");
    m->entry_.generate = lookup("generate");
    if (!m->entry_.dStep || !m->entry_.gStep || !m->entry_.generate)
      return nullptr;
  } else {
    m->entry_.trainStep = lookup("train_step");
    m->entry_.grad = lookup("grad");
    m->entry_.evalStep = lookup("eval_step");
    m->entry_.predict = lookup("predict");
    if (!m->entry_.trainStep || !m->entry_.grad || !m->entry_.evalStep ||
        !m->entry_.predict)
      return nullptr;
  }
  m->impl_->jit = std::move(*jit);
  return m;
}

void (*JitModel::lookup(const std::string &name,
                        std::string &error))(void **) {
  auto sym = impl_->jit->lookup("_mlir_" + name);
  if (!sym) {
    error = llvm::toString(sym.takeError());
    return nullptr;
  }
  return sym->toPtr<void (*)(void **)>();
}
