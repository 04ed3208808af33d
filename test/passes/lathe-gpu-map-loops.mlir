// Each outermost parallel loop with static bounds becomes one flat loop cut
// into blocks of 256 threads: the indices come back through
// affine.delinearize_index, the last (contiguous) one fastest. A loop of
// fewer than 256 iterations is one block; a nested loop and a loop with
// dynamic bounds are left alone.
// gpu-map-parallel-loops then maps the outer loop to blocks, the inner one to
// threads.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-map-loops --gpu-map-parallel-loops | FileCheck %s

// CHECK-LABEL: func.func @rows_by_columns
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %c256
// CHECK: scf.parallel (%[[BLOCK:.*]]) = (%{{.*}}) to (%c2048) step (%[[STEP]])
// CHECK: scf.parallel (%[[THREAD:.*]]) = (%{{.*}}) to (%[[STEP]]) step (%{{.*}})
// CHECK: %[[FLAT:.*]] = arith.addi %[[THREAD]], %[[BLOCK]]
// CHECK: %[[IJ:.*]]:2 = affine.delinearize_index %[[FLAT]] into (64, 32)
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[IJ]]#0, %[[IJ]]#1]
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @rows_by_columns(%m: memref<64x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c32) step (%c1, %c1) {
    memref.store %zero, %m[%i, %j] : memref<64x32xf32>
    scf.reduce
  }
  return
}

// -----

// Ten iterations: one block of ten threads (no guard: nothing is left over).
// CHECK-LABEL: func.func @small
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %c10
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c10{{.*}}) step (%[[STEP]])
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[STEP]])
// CHECK-NOT: scf.if
// CHECK-NOT: affine.delinearize_index
func.func @small(%m: memref<10xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c10) step (%c1) {
    memref.store %zero, %m[%i] : memref<10xf32>
    scf.reduce
  }
  return
}

// -----

// 300 iterations: two blocks, the threads past the end do nothing.
// CHECK-LABEL: func.func @ragged
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: memref.store
func.func @ragged(%m: memref<300xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c300 = arith.constant 300 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c300) step (%c1) {
    memref.store %zero, %m[%i] : memref<300xf32>
    scf.reduce
  }
  return
}

// -----

// CHECK-LABEL: func.func @dynamic
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%c1)
// CHECK-NOT: scf.parallel
// CHECK-NOT: affine.delinearize_index
func.func @dynamic(%m: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %zero, %m[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
