// A scalar that only thread 0's ops use (a loss's normalizer, read by the
// loss gradient) is loaded by thread 0 alone, in its group: no barrier
// between the op that stores it and the one that uses it. A scalar the
// parts use is loaded by every thread, after a barrier.
// RUN: lathe-opt %s --lathe-schedule-threads=parts=2 | FileCheck %s

#id = affine_map<(i) -> (i)>
#all = affine_map<(i) -> ()>
func.func @step(%x: memref<256xf32>, %s: memref<f32>, %t: memref<f32>) {
  %two = arith.constant 2.0 : f32
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%xs : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%x : memref<256xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.addf %in, %out : f32
    linalg.yield %m : f32
  }
  %v = memref.load %s[] : memref<f32>
  %w = arith.divf %two, %v : f32
  linalg.fill ins(%w : f32) outs(%t : memref<f32>)
  %u = memref.load %t[] : memref<f32>
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%xs : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %u : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  return
}

// CHECK-LABEL: func.func @step(
// CHECK: omp.parallel {
// CHECK: scf.for
// CHECK: func.call @step.task0(
// CHECK: func.call @lathe_barrier()
// CHECK-NEXT: scf.if %{{.*}} {
// CHECK-NEXT: func.call @step.task1(%arg0, %arg1, %arg2)
// CHECK-NEXT: }
// CHECK-NEXT: scf.if %{{.*}} {
// CHECK-NEXT: func.call @lathe_idle_work()
// CHECK-NEXT: }
// CHECK-NEXT: func.call @lathe_barrier()
// CHECK-NEXT: %[[U:.*]] = memref.load %arg2[]
// CHECK: scf.for
// CHECK: func.call @step.task2(%{{.*}}, %arg0, %[[U]])
// CHECK-NOT: func.call @lathe_barrier()
// CHECK: omp.terminator
// The reduction, the load of its result, the division and the fill are
// thread 0's one group.
// CHECK: func.func private @step.task1(
// CHECK: linalg.generic
// CHECK: memref.load
// CHECK: arith.divf
// CHECK: linalg.fill
