// A sum over a long reduction with few outputs is cut into chunks: the
// chunk becomes the outermost parallel dimension, each thread sums its
// range in a private scalar and adds it to the output atomically. A sum
// with enough outputs, and a maximum, keep one thread per output but hold
// the element in a private scalar through the loop (one load before, one
// store after). A loop with another access to the output is left alone.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-split-reductions | FileCheck %s

// 32 bias gradients, each a sum over 128 x 676 terms: the nest becomes
// one loop of 86528 terms, cut into 5408 chunks of 16 (173056 threads).
// CHECK-LABEL: func.func @bias_gradient
// CHECK: scf.parallel (%[[C:.*]], %[[F:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c5408, %c32) step
// CHECK: %[[BEGIN:.*]] = arith.muli %[[C]], %c16
// CHECK: %[[PRIV:.*]] = memref.alloca() : memref<f32>
// CHECK: memref.store %cst{{.*}}, %[[PRIV]][]
// CHECK: scf.for %[[N:.*]] = %[[BEGIN]] to %{{.*}} step
// CHECK-NEXT: affine.delinearize_index %[[N]] into (128, 676)
// CHECK: memref.load %[[PRIV]][]
// CHECK: memref.store %{{.*}}, %[[PRIV]][]
// CHECK: %[[SUM:.*]] = memref.load %[[PRIV]][]
// CHECK: memref.atomic_rmw addf %[[SUM]], %{{.*}}[%[[F]]]
// CHECK-NOT: memref.store %{{.*}}, %arg1
func.func @bias_gradient(%dy: memref<128x676x32xf32>, %db: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %c676 = arith.constant 676 : index
  scf.parallel (%f) = (%c0) to (%c32) step (%c1) {
    scf.for %n = %c0 to %c128 step %c1 {
      scf.for %p = %c0 to %c676 step %c1 {
        %v = memref.load %dy[%n, %p, %f] : memref<128x676x32xf32>
        %acc = memref.load %db[%f] : memref<32xf32>
        %s = arith.addf %acc, %v : f32
        memref.store %s, %db[%f] : memref<32xf32>
      }
    }
    scf.reduce
  }
  return
}

// -----

// 65536 x 512 outputs are enough threads: no chunks, the accumulator in a
// private scalar.
// CHECK-LABEL: func.func @wide_matmul
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c65536, %c512)
// CHECK: %[[PRIV:.*]] = memref.alloca() : memref<f32>
// CHECK: %[[INIT:.*]] = memref.load %arg2[%[[I]], %[[J]]]
// CHECK: memref.store %[[INIT]], %[[PRIV]][]
// CHECK: scf.for
// CHECK-NOT: %arg2
// CHECK: }
// CHECK: %[[OUT:.*]] = memref.load %[[PRIV]][]
// CHECK: memref.store %[[OUT]], %arg2[%[[I]], %[[J]]]
// CHECK-NOT: atomic_rmw
func.func @wide_matmul(%a: memref<65536x64xf32>, %b: memref<64x512xf32>, %c: memref<65536x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c512 = arith.constant 512 : index
  %c65536 = arith.constant 65536 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c65536, %c512) step (%c1, %c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %a[%i, %k] : memref<65536x64xf32>
      %y = memref.load %b[%k, %j] : memref<64x512xf32>
      %acc = memref.load %c[%i, %j] : memref<65536x512xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<65536x512xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A maximum is not split (no atomic max for floats here), only promoted.
// CHECK-LABEL: func.func @row_max
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c32) step
// CHECK: memref.alloca() : memref<f32>
// CHECK: arith.maximumf
// CHECK-NOT: atomic_rmw
func.func @row_max(%x: memref<32x4096xf32>, %m: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%c32) step (%c1) {
    scf.for %k = %c0 to %c4096 step %c1 {
      %v = memref.load %x[%i, %k] : memref<32x4096xf32>
      %acc = memref.load %m[%i] : memref<32xf32>
      %s = arith.maximumf %acc, %v : f32
      memref.store %s, %m[%i] : memref<32xf32>
    }
    scf.reduce
  }
  return
}

// -----

// The loop also reads another element of the output: left alone.
// CHECK-LABEL: func.func @reads_output
// CHECK-NOT: memref.alloca
// CHECK-NOT: atomic_rmw
func.func @reads_output(%x: memref<32x4096xf32>, %m: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%c32) step (%c1) {
    scf.for %k = %c0 to %c4096 step %c1 {
      %v = memref.load %x[%i, %k] : memref<32x4096xf32>
      %first = memref.load %m[%c0] : memref<32xf32>
      %acc = memref.load %m[%i] : memref<32xf32>
      %t = arith.addf %v, %first : f32
      %s = arith.addf %acc, %t : f32
      memref.store %s, %m[%i] : memref<32xf32>
    }
    scf.reduce
  }
  return
}
