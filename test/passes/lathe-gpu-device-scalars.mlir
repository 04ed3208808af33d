// A step's scalar work stays on the GPU: a top-level reduction loop and a
// top-level store become one-iteration parallel loops (one-thread
// kernels), and a scalar loaded only to compute a value that later
// parallel loops use is loaded inside each of them. A load whose buffer is
// written between it and the loop stays where it is.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-device-scalars | FileCheck %s

// CHECK-LABEL: func.func @mean_loss
// The initial store and the sum: each alone in a one-iteration loop.
// CHECK: scf.parallel (%{{.*}}) = (%[[Z:.*]]) to (%[[O:.*]]) step (%[[O]])
// CHECK-NEXT: memref.store %cst, %arg1[]
// CHECK: scf.parallel
// CHECK-NEXT: scf.for
// CHECK: scf.reduce
// CHECK-NEXT: }
// No load of the count on the host: the scaling loop loads it itself.
// CHECK-NEXT: scf.parallel (%[[I:.*]]) = (%c0) to (%c32)
// CHECK-NEXT: %[[N:.*]] = memref.load %arg1[]
// CHECK-NEXT: %[[R:.*]] = arith.divf %cst_0, %[[N]]
// CHECK: arith.mulf %{{.*}}, %[[R]]
func.func @mean_loss(%x: memref<32xf32>, %count: memref<f32>, %y: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  memref.store %zero, %count[] : memref<f32>
  scf.for %i = %c0 to %c32 step %c1 {
    %v = memref.load %x[%i] : memref<32xf32>
    %a = memref.load %count[] : memref<f32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %count[] : memref<f32>
  }
  %n = memref.load %count[] : memref<f32>
  %r = arith.divf %one, %n : f32
  scf.parallel (%i) = (%c0) to (%c32) step (%c1) {
    %v = memref.load %x[%i] : memref<32xf32>
    %w = arith.mulf %v, %r : f32
    memref.store %w, %y[%i] : memref<32xf32>
    scf.reduce
  }
  return
}

// -----

// The buffer is written by a loop between the load and its user: the load
// stays on the host.
// CHECK-LABEL: func.func @written_between
// CHECK: %[[N:.*]] = memref.load %arg1[]
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: arith.mulf %{{.*}}, %[[N]]
func.func @written_between(%x: memref<32xf32>, %count: memref<f32>, %y: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %n = memref.load %count[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    %v = memref.load %x[%i] : memref<32xf32>
    memref.store %v, %count[] : memref<f32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c32) step (%c1) {
    %v = memref.load %x[%i] : memref<32xf32>
    %w = arith.mulf %v, %n : f32
    memref.store %w, %y[%i] : memref<32xf32>
    scf.reduce
  }
  return
}
