// lathe-convert-scalars-to-llvm lowers arith, math, index and ub ops to the
// LLVM dialect in one conversion, op for op what MLIR's four passes give.
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(lathe-convert-scalars-to-llvm))" | FileCheck %s
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(lathe-convert-scalars-to-llvm))" > %t.one.mlir
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(convert-math-to-llvm, convert-arith-to-llvm, convert-index-to-llvm, convert-ub-to-llvm))" > %t.four.mlir
// RUN: diff %t.one.mlir %t.four.mlir

// CHECK-LABEL: func.func @scalars
// CHECK: llvm.fmul
// CHECK: llvm.intr.sqrt
// CHECK: llvm.intr.fma
// CHECK: llvm.add
// CHECK: llvm.mlir.poison
// CHECK: llvm.select
// CHECK-NOT: arith.
// CHECK-NOT: math.
// CHECK-NOT: index.
// CHECK-NOT: ub.
func.func @scalars(%x: f32, %y: f32, %i: index, %j: index, %c: i1) -> (f32, index, f32) {
  %m = arith.mulf %x, %y : f32
  %s = math.sqrt %m : f32
  %f = math.fma %s, %x, %y : f32
  %k = index.add %i, %j
  %p = ub.poison : f32
  %r = arith.select %c, %f, %s : f32
  return %r, %k, %p : f32, index, f32
}
