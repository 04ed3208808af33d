//===- ConvertToLLVM.cpp - Buffers, branches, calls and OpenMP in one go --===//
//
// What is left after the function-level lowerings (memref ops, cf branches,
// func signatures and calls, OpenMP regions) becomes the LLVM dialect in
// one dialect conversion, where MLIR's four module passes
// (finalize-memref-to-llvm, convert-cf-to-llvm, convert-func-to-llvm,
// convert-openmp-to-llvm) each walked the whole module, on one thread: the
// DCGAN's ~0.1 s of them becomes ~0.05 s. The patterns are MLIR's own;
// functions take bare pointers for memrefs (the entry points' wrappers and
// the runtime pass buffers that way).
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Analysis/DataLayoutAnalysis.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lathe {
#define GEN_PASS_DEF_LATHECONVERTTOLLVM
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct ConvertToLLVMPass
    : lathe::impl::LatheConvertToLLVMBase<ConvertToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    const auto &layouts = getAnalysis<DataLayoutAnalysis>();
    LowerToLLVMOptions options(&getContext(), layouts.getAtOrAbove(module));
    options.useBarePtrCallConv = true;
    LLVMTypeConverter converter(&getContext(), options, &layouts);
    SymbolTableCollection symbolTables;
    RewritePatternSet patterns(&getContext());
    populateFinalizeMemRefToLLVMConversionPatterns(converter, patterns,
                                                   &symbolTables);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    cf::populateAssertToLLVMConversionPattern(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns, &symbolTables);
    populateOpenMPToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(getContext());
    target.addLegalOp<omp::BarrierOp, omp::FlushOp, omp::TaskwaitOp,
                      omp::TaskyieldOp, omp::TerminatorOp>();
    configureOpenMPToLLVMConversionLegality(target, converter);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
