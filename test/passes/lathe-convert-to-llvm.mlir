// lathe-convert-to-llvm lowers what the function-level passes leave (memref
// ops, cf branches, func signatures and calls, an OpenMP parallel region)
// to the LLVM dialect in one conversion, with bare pointers for memrefs:
// nothing of memref, cf, func or an unrealized cast is left.
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(convert-arith-to-llvm), lathe-convert-to-llvm, reconcile-unrealized-casts)" | FileCheck %s
// The same as MLIR's four passes in sequence, op for op.
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(convert-arith-to-llvm), lathe-convert-to-llvm, reconcile-unrealized-casts)" > %t.one.mlir
// RUN: lathe-opt %s --pass-pipeline="builtin.module(func.func(convert-arith-to-llvm), finalize-memref-to-llvm, convert-cf-to-llvm, convert-func-to-llvm{use-bare-ptr-memref-call-conv=true}, convert-openmp-to-llvm, reconcile-unrealized-casts)" > %t.four.mlir
// RUN: diff %t.one.mlir %t.four.mlir

// CHECK-LABEL: llvm.func @scale(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// CHECK: llvm.call @helper(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK: omp.parallel
// CHECK: llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK: llvm.fmul
// CHECK: llvm.store
// CHECK: omp.terminator
// CHECK: llvm.br ^bb1
// CHECK: llvm.return
// CHECK-NOT: memref.
// CHECK-NOT: cf.
// CHECK-NOT: func.
// CHECK-NOT: unrealized_conversion_cast
func.func private @helper(%b: memref<16xf32>) {
  return
}

func.func @scale(%x: memref<16xf32>, %y: memref<16xf32>) {
  call @helper(%x) : (memref<16xf32>) -> ()
  %c3 = arith.constant 3 : index
  %two = arith.constant 2.0 : f32
  omp.parallel {
    %v = memref.load %x[%c3] : memref<16xf32>
    %w = arith.mulf %v, %two : f32
    memref.store %w, %y[%c3] : memref<16xf32>
    omp.terminator
  }
  cf.br ^done
^done:
  return
}
