// Left alone by lathe-gpu-register-tiles: a loop whose last two trip counts
// the tile size does not divide, one whose reduction bounds depend on a
// tiled index, and one whose body is not one reduction loop between
// straight-line code. (lathe-gpu-register-tiles-run.mlir runs a tiled
// matmul against plain loops.)
// RUN: lathe-opt %s --split-input-file --lathe-gpu-register-tiles | FileCheck %s

// CHECK-LABEL: func.func @not_divisible
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c10, %c16)
func.func @not_divisible(%a: memref<10x8xf32>, %b: memref<8x16xf32>, %c: memref<10x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c10 = arith.constant 10 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c10, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<10x8xf32>
      %y = memref.load %b[%k, %j] : memref<8x16xf32>
      %acc = memref.load %c[%i, %j] : memref<10x16xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<10x16xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A triangular sum: the loop's end is the row index.
// CHECK-LABEL: func.func @triangular
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c16, %c16)
func.func @triangular(%a: memref<16x16xf32>, %c: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %i step %c1 {
      %x = memref.load %a[%k, %j] : memref<16x16xf32>
      %acc = memref.load %c[%i, %j] : memref<16x16xf32>
      %s = arith.addf %acc, %x : f32
      memref.store %s, %c[%i, %j] : memref<16x16xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Elementwise: no reduction loop.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c16, %c16)
func.func @elementwise(%a: memref<16x16xf32>, %c: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<16x16xf32>
    %s = arith.addf %x, %x : f32
    memref.store %s, %c[%i, %j] : memref<16x16xf32>
    scf.reduce
  }
  return
}
