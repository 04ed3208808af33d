//===- InitAll.cpp - Register every dialect and pass Lathe uses -----------===//
#include "compiler/InitAll.h"

#include "dialect/LatheDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void lathe::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<lathe::LatheDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
}

void lathe::registerAllPasses() { mlir::registerTransformsPasses(); }
