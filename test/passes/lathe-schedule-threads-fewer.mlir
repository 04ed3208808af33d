// A parts loop may have fewer iterations than the step has parts (an
// LSTM's recurrence, cut into as many parts of at least 8 rows as the
// batch allows): thread t runs iteration t if there is one, the others
// none. Here 4 parts: the 4-iteration loop runs on threads 0-3, the
// 2-iteration one on threads 0 and 1; they touch different halves, the
// second reads what the first wrote (a barrier between them).
// RUN: lathe-opt %s --lathe-schedule-threads=parts=4 | FileCheck %s

#id = affine_map<(i) -> (i)>
func.func @step(%x: memref<256xf32>, %y: memref<256xf32>) {
  %two = arith.constant 2.0 : f32
  scf.forall (%i) = (0) to (256) step (64) {
    %xs = memref.subview %x[%i] [64] [1] : memref<256xf32> to memref<64xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%xs : memref<64xf32, strided<[1], offset: ?>>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<128xf32, strided<[1], offset: ?>>) outs(%ys : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.addf %out, %in : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  return
}
// CHECK-LABEL: func.func @step(
// CHECK: omp.parallel
// CHECK: %[[TID:.*]] = arith.index_cast
// CHECK: %[[N:.*]] = arith.index_cast
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.for %{{.*}} = %[[TID]] to %[[C4]] step %[[N]]
// CHECK: func.call @step.task0(
// CHECK: func.call @lathe_barrier()
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: scf.for %{{.*}} = %[[TID]] to %[[C2]] step %[[N]]
// CHECK: func.call @step.task1(
// CHECK: omp.terminator
