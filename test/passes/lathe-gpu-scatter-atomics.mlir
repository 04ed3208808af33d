// A col2im nest (patches added back into the image, overlapping) is
// parallel over batch and channels only; it becomes one parallel loop
// over all six dimensions, channels still last, adding with atomic adds.
// A sum into an element the sequential loops do not move, and a nest
// that reads its output elsewhere, are left alone.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-scatter-atomics | FileCheck %s

// CHECK-LABEL: func.func @col2im
// CHECK: scf.parallel (%[[N:.*]], %[[I:.*]], %[[J:.*]], %[[KY:.*]], %[[KX:.*]], %[[C:.*]]) = ({{.*}}) to (%c64, %c7, %c7, %c5, %c5, %c32)
// CHECK-NOT: scf.for
// CHECK: %[[T:.*]] = memref.load %arg0[%[[N]], %[[I]], %[[J]], %[[KY]], %[[KX]], %[[C]]]
// CHECK: affine.apply #{{.*}}(%[[I]], %[[KY]])
// CHECK: affine.apply #{{.*}}(%[[J]], %[[KX]])
// CHECK: %[[Y:.*]] = affine.apply #{{.*}}(%[[I]], %[[KY]])
// CHECK: %[[X:.*]] = affine.apply #{{.*}}(%[[J]], %[[KX]])
// CHECK: memref.atomic_rmw addf %[[T]], %arg1[%[[N]], %[[Y]], %[[X]], %[[C]]]
// CHECK-NOT: memref.store
func.func @col2im(%cols: memref<64x7x7x5x5x32xf32>, %out: memref<64x17x17x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%n, %c) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    scf.for %i = %c0 to %c7 step %c1 {
      scf.for %j = %c0 to %c7 step %c1 {
        scf.for %ky = %c0 to %c5 step %c1 {
          scf.for %kx = %c0 to %c5 step %c1 {
            %t = memref.load %cols[%n, %i, %j, %ky, %kx, %c] : memref<64x7x7x5x5x32xf32>
            %y = affine.apply affine_map<(d0, d1) -> (d0 * 2 + d1)>(%i, %ky)
            %x = affine.apply affine_map<(d0, d1) -> (d0 * 2 + d1)>(%j, %kx)
            %o = memref.load %out[%n, %y, %x, %c] : memref<64x17x17x32xf32>
            %y2 = affine.apply affine_map<(d0, d1) -> (d0 * 2 + d1)>(%i, %ky)
            %x2 = affine.apply affine_map<(d0, d1) -> (d0 * 2 + d1)>(%j, %kx)
            %s = arith.addf %o, %t : f32
            memref.store %s, %out[%n, %y2, %x2, %c] : memref<64x17x17x32xf32>
          }
        }
      }
    }
    scf.reduce
  }
  return
}

// -----

// CHECK-LABEL: func.func @plain_sum
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c32)
// CHECK: scf.for
// CHECK-NOT: memref.atomic_rmw
func.func @plain_sum(%x: memref<128x32xf32>, %out: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  scf.parallel (%c) = (%c0) to (%c32) step (%c1) {
    scf.for %n = %c0 to %c128 step %c1 {
      %t = memref.load %x[%n, %c] : memref<128x32xf32>
      %o = memref.load %out[%c] : memref<32xf32>
      %s = arith.addf %o, %t : f32
      memref.store %s, %out[%c] : memref<32xf32>
    }
    scf.reduce
  }
  return
}

// -----

// The output read at another element too: left alone.
// CHECK-LABEL: func.func @reads_output
// CHECK: scf.for
// CHECK-NOT: memref.atomic_rmw
func.func @reads_output(%x: memref<8x16xf32>, %out: memref<8x17xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    scf.for %i = %c0 to %c16 step %c1 {
      %t = memref.load %x[%r, %i] : memref<8x16xf32>
      %n = arith.addi %i, %c1 : index
      %p = memref.load %out[%r, %n] : memref<8x17xf32>
      %o = memref.load %out[%r, %i] : memref<8x17xf32>
      %s0 = arith.addf %t, %p : f32
      %s = arith.addf %o, %s0 : f32
      memref.store %s, %out[%r, %i] : memref<8x17xf32>
    }
    scf.reduce
  }
  return
}
