//===- LatheDialect.h - The Lathe dialect -----------------------*- C++ -*-===//
#ifndef LATHE_DIALECT_LATHEDIALECT_H
#define LATHE_DIALECT_LATHEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialect/LatheDialect.h.inc"

#endif
