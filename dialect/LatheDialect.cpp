//===- LatheDialect.cpp - Lathe dialect registration ----------------------===//
#include "dialect/LatheDialect.h"
#include "dialect/LatheOps.h"

using namespace mlir;
using namespace lathe;

#include "dialect/LatheDialect.cpp.inc"

void LatheDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/LatheOps.cpp.inc"
      >();
}
