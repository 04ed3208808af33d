//===- InitAll.cpp - Register every dialect and pass Lathe uses -----------===//
#include "compiler/InitAll.h"
#include "compiler/Passes.h"

#include "dialect/LatheDialect.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/IR/DialectRegistry.h"

void lathe::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<lathe::LatheDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void lathe::registerAllPasses() {
  mlir::registerAllPasses();
  lathe::registerLathePasses();
}
