//===- GpuKernelModule.cpp - All kernels in one GPU module ----------------===//
#include "compiler/Passes.h"

namespace lathe {
#define GEN_PASS_DEF_LATHEGPUKERNELMODULE
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
constexpr const char *kModuleName = "lathe_kernels";

/// `name` with each character a PTX identifier cannot hold replaced by `_`.
std::string ptxName(StringRef name) {
  std::string out = name.str();
  for (char &c : out)
    if (!llvm::isAlnum(c) && c != '_' && c != '$')
      c = '_';
  return out;
}

struct GpuKernelModulePass
    : lathe::impl::LatheGpuKernelModuleBase<GpuKernelModulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    if (module.lookupSymbol(kModuleName)) {
      module.emitError() << "the symbol '" << kModuleName << "' is taken";
      return signalPassFailure();
    }
    OpBuilder b(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, modules.front().getLoc(),
                                           kModuleName);
    merged->setAttrs(modules.front()->getDiscardableAttrDictionary());
    if (auto targets = modules.front().getTargetsAttr())
      merged.setTargetsAttr(targets);
    SymbolTable kernels(merged);
    llvm::DenseMap<Attribute, SymbolRefAttr> renamed;
    for (gpu::GPUModuleOp old : modules) {
      std::string base = ptxName(old.getName());
      for (auto fn : llvm::make_early_inc_range(old.getOps<gpu::GPUFuncOp>())) {
        auto from = SymbolRefAttr::get(
            ctx, old.getName(), {FlatSymbolRefAttr::get(ctx, fn.getName())});
        fn->moveBefore(merged.getBody(), merged.getBody()->end());
        // Shared buffers 16-byte aligned: lathe-gpu-matmul-tiles reads
        // them as vectors of four.
        for (unsigned i = 0; i < fn.getNumWorkgroupAttributions(); ++i)
          if (!fn.getWorkgroupAttributionAttr(i, "llvm.align"))
            fn.setWorkgroupAttributionAttr(
                i, StringAttr::get(ctx, "llvm.align"),
                IntegerAttr::get(IntegerType::get(ctx, 64), 16));
        fn.setName(base);
        kernels.insert(fn); // renames it if the name is taken
        renamed[from] = SymbolRefAttr::get(
            ctx, kModuleName, {FlatSymbolRefAttr::get(ctx, fn.getName())});
      }
      if (!old.getBody()->without_terminator().empty()) {
        old.emitError("a GPU module holds more than kernels");
        return signalPassFailure();
      }
      old.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernel());
      if (it != renamed.end())
        launch.setKernelAttr(it->second);
    });
  }
};
} // namespace
