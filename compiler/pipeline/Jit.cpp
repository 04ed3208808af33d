//===- Jit.cpp - Compile a model in memory and get its entry points -------===//
#include "compiler/pipeline/Jit.h"
#include "runtime/CudaDriver.h"

#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sys/mman.h>

using namespace lathe;

extern "C" void memrefCopy(int64_t, void *, void *); // runtime/MemrefCopy.cpp
extern "C" void lathe_idle_work();                    // runtime/Parallel.cpp
extern "C" void lathe_barrier();                      // runtime/Parallel.cpp

struct JitModel::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

JitModel::~JitModel() = default;

namespace {

/// malloc, with the block's bytes all set: as floats, NaNs.
void *poisonedMalloc(size_t bytes) {
  void *p = std::malloc(bytes);
  if (p)
    std::memset(p, 0xff, bytes);
  return p;
}

/// Defines the workspace that `lathe run`'s code declares
/// (lathe-workspace{declared}), `lathe.workspace.<bytes>`, as that many
/// fresh anonymous pages, zero until first touched like an executable's;
/// a block defined in the code would be zeroed by JITLink when it loads
/// (0.18 s for the DCGAN's 54 MB). The pages live as long as the JIT.
class WorkspaceGenerator : public llvm::orc::DefinitionGenerator {
public:
  ~WorkspaceGenerator() override {
    for (auto [at, bytes] : maps_)
      munmap(at, bytes);
  }
  llvm::Error tryToGenerate(llvm::orc::LookupState &, llvm::orc::LookupKind,
                            llvm::orc::JITDylib &dylib,
                            llvm::orc::JITDylibLookupFlags,
                            const llvm::orc::SymbolLookupSet &names) override {
    llvm::orc::SymbolMap blocks;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto &[name, flags] : names) {
      llvm::StringRef size = *name;
      uint64_t bytes;
      if (!size.consume_front("lathe.workspace.") ||
          size.getAsInteger(10, bytes) || bytes == 0)
        continue;
      void *at = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (at == MAP_FAILED)
        return llvm::createStringError(
            "cannot reserve the model's workspace of " + std::to_string(bytes) +
            " bytes: " + std::strerror(errno));
      maps_.emplace_back(at, bytes);
      blocks[name] = {llvm::orc::ExecutorAddr::fromPtr(at),
                      llvm::JITSymbolFlags::Exported};
    }
    if (blocks.empty())
      return llvm::Error::success();
    return dylib.define(llvm::orc::absoluteSymbols(std::move(blocks)));
  }

private:
  std::mutex mutex_;
  std::vector<std::pair<void *, size_t>> maps_;
};

/// A JIT for the host that resolves symbols from this process (libm,
/// OpenMP) and the runtime's helpers; with `poison`, the code's malloc is
/// poisonedMalloc.
std::unique_ptr<llvm::orc::LLJIT> makeJit(std::string &error, bool poison) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = llvm::toString(jtmb.takeError());
    return nullptr;
  }
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
  auto jit = llvm::orc::LLJITBuilder()
                 .setJITTargetMachineBuilder(std::move(*jtmb))
                 .create();
  if (!jit) {
    error = llvm::toString(jit.takeError());
    return nullptr;
  }
  auto &dylib = (*jit)->getMainJITDylib();
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!gen) {
    error = llvm::toString(gen.takeError());
    return nullptr;
  }
  dylib.addGenerator(std::move(*gen));
  dylib.addGenerator(std::make_unique<WorkspaceGenerator>());
  // Helpers the compiled code calls, from the runtime linked into lathe.
  llvm::orc::MangleAndInterner mangle((*jit)->getExecutionSession(),
                                      (*jit)->getDataLayout());
  llvm::orc::SymbolMap helpers;
  auto helper = [&](llvm::StringRef name, auto *fn) {
    helpers[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                             llvm::JITSymbolFlags::Exported |
                                 llvm::JITSymbolFlags::Callable};
  };
  helper("memrefCopy", &memrefCopy);
  // A step's waiting threads gather the next batch, and its threads meet at
  // the runtime's barrier (runtime/Parallel.h); defined here, these take
  // the place of the module's weak ones.
  helper("lathe_idle_work", &lathe_idle_work);
  helper("lathe_barrier", &lathe_barrier);
  // The NVPTX host code's launches, streams and buffers (a static runtime
  // library keeps no symbol that nothing in lathe itself calls).
  helper("mgpuModuleLoadJIT", &mgpuModuleLoadJIT);
  helper("mgpuModuleUnload", &mgpuModuleUnload);
  helper("mgpuModuleGetFunction", &mgpuModuleGetFunction);
  helper("mgpuStreamCreate", &mgpuStreamCreate);
  helper("mgpuStreamDestroy", &mgpuStreamDestroy);
  helper("mgpuStreamSynchronize", &mgpuStreamSynchronize);
  helper("mgpuLaunchKernel", &mgpuLaunchKernel);
  helper("mgpuEventCreate", &mgpuEventCreate);
  helper("mgpuEventDestroy", &mgpuEventDestroy);
  helper("mgpuEventRecord", &mgpuEventRecord);
  helper("mgpuStreamWaitEvent", &mgpuStreamWaitEvent);
  helper("mgpuEventSynchronize", &mgpuEventSynchronize);
  helper("mgpuMemAlloc", &mgpuMemAlloc);
  helper("mgpuMemcpy", &mgpuMemcpy);
  helper("mgpuMemFree", &mgpuMemFree);
  if (poison)
    helper("malloc", &poisonedMalloc);
  if (auto e = dylib.define(llvm::orc::absoluteSymbols(std::move(helpers)))) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  return std::move(*jit);
}
} // namespace

std::unique_ptr<JitModel>
JitModel::create(std::unique_ptr<llvm::Module> module,
                 std::unique_ptr<llvm::LLVMContext> ctx,
                 const std::string &model, std::string &error,
                 bool initialize) {
  return load(
      model, error,
      [&](llvm::orc::LLJIT &jit) -> llvm::Error {
        return jit.addIRModule(
            llvm::orc::ThreadSafeModule(std::move(module), std::move(ctx)));
      },
      initialize);
}

std::unique_ptr<JitModel>
JitModel::createFromObjects(const std::vector<std::string> &objects,
                            const std::string &model, std::string &error,
                            bool poison) {
  return load(
      model, error,
      [&](llvm::orc::LLJIT &jit) -> llvm::Error {
        for (const std::string &object : objects)
          if (auto e = jit.addObjectFile(
                  llvm::MemoryBuffer::getMemBufferCopy(object, model + ".o")))
            return e;
        return llvm::Error::success();
      },
      /*initialize=*/false, poison);
}

std::unique_ptr<JitModel>
JitModel::load(const std::string &model, std::string &error,
               llvm::function_ref<llvm::Error(llvm::orc::LLJIT &)> add,
               bool initialize, bool poison) {
  std::unique_ptr<JitModel> m(new JitModel);
  m->impl_ = std::make_unique<Impl>();
  m->impl_->jit = makeJit(error, poison);
  if (!m->impl_->jit)
    return nullptr;
  if (auto e = add(*m->impl_->jit)) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  if (!m->resolve(model, error))
    return nullptr;
  if (initialize)
    if (auto e = m->impl_->jit->initialize(m->impl_->jit->getMainJITDylib())) {
      error = llvm::toString(std::move(e));
      return nullptr;
    }
  return m;
}

bool JitModel::resolve(const std::string &model, std::string &error) {
  if (model.empty())
    return true;
  llvm::orc::LLJIT &jit = *impl_->jit;
  bool gan = false;
  if (auto probe = jit.lookup("_mlir_" + model + ".d_step"))
    gan = true;
  else
    llvm::consumeError(probe.takeError());
  auto lookup = [&](const char *entry) -> void (*)(void **) {
    auto sym = jit.lookup("_mlir_" + model + "." + entry);
    if (!sym) {
      error = llvm::toString(sym.takeError());
      return nullptr;
    }
    return sym->toPtr<void (*)(void **)>();
  };
  // `lathe run` compiles no `grad` and no `predict`, and a gan's `generate`
  // only for --samples; gradcheck and trace compile them.
  auto optional = [&](const char *name) -> void (*)(void **) {
    auto probe = jit.lookup("_mlir_" + model + "." + name);
    if (probe)
      return probe->toPtr<void (*)(void **)>();
    llvm::consumeError(probe.takeError());
    return nullptr;
  };
  if (gan) {
    entry_.dStep = lookup("d_step");
    entry_.gStep = lookup("g_step");
    entry_.generate = optional("generate");
    return entry_.dStep && entry_.gStep;
  }
  entry_.trainStep = lookup("train_step");
  entry_.evalStep = lookup("eval_step");
  entry_.grad = optional("grad");
  entry_.predict = optional("predict");
  return entry_.trainStep && entry_.evalStep;
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
