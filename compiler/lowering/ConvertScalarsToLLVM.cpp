//===- ConvertScalarsToLLVM.cpp - arith, math, index and ub in one go -----===//
//
// The scalar and elementwise ops left once the vectors are lowered (arith,
// math, index, ub) become the LLVM dialect in one dialect conversion per
// function, where MLIR's four passes each walked every function (about
// half of their time on the DCGAN). The patterns are MLIR's own, with the
// passes' defaults.
//
//===----------------------------------------------------------------------===//
#include "compiler/Passes.h"

#include "mlir/Analysis/DataLayoutAnalysis.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lathe {
#define GEN_PASS_DEF_LATHECONVERTSCALARSTOLLVM
#include "compiler/Passes.h.inc"
} // namespace lathe

using namespace mlir;

namespace {
struct ConvertScalarsToLLVMPass
    : lathe::impl::LatheConvertScalarsToLLVMBase<ConvertScalarsToLLVMPass> {
  void runOnOperation() override {
    Operation *op = getOperation();
    const auto &layouts = getAnalysis<DataLayoutAnalysis>();
    LowerToLLVMOptions options(&getContext(), layouts.getAtOrAbove(op));
    LLVMTypeConverter converter(&getContext(), options, &layouts);
    RewritePatternSet patterns(&getContext());
    populateMathToLLVMConversionPatterns(converter, patterns);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    index::populateIndexToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    LLVMConversionTarget target(getContext());
    if (failed(applyPartialConversion(op, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
