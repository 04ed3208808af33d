//===- LatheOps.h - Lathe op declarations ------------------------*- C++ -*-===//
#ifndef LATHE_DIALECT_LATHEOPS_H
#define LATHE_DIALECT_LATHEOPS_H

#include "dialect/LatheDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/LatheOps.h.inc"

#endif
