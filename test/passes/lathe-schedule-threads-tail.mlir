// Ops thread 0 runs alone after the last parts loop (a small layer's
// optimizer update) move up to just after the last op they depend on, so
// that the other threads do not wait for them at the region's end: here
// the update of %b reads the gradient %g that thread 0 computes from the
// first parts' output, so it moves up to just after that, into the stretch
// of the second parts loop (thread 0 runs both, then its part, while the
// other thread runs its part). The update of %c reads what the second parts
// loop writes, so it stays at the end.
// RUN: lathe-opt %s --lathe-schedule-threads=parts=2 | FileCheck %s

#id = affine_map<(i) -> (i)>
#all = affine_map<(i) -> ()>
func.func @step(%x: memref<256xf32>, %y: memref<256xf32>, %g: memref<f32>,
                %b: memref<16xf32>, %c: memref<16xf32>) {
  %two = arith.constant 2.0 : f32
  %c0 = arith.constant 0 : index
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%xs : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %two : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  // Thread 0: the gradient of the small layer, from all of x.
  linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%x : memref<256xf32>) outs(%g : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  // The large layer's update, in parts, from x (not from %g).
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<128xf32, strided<[1], offset: ?>>) outs(%ys : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.subf %out, %in : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  // The small layer's update: reads %g only.
  linalg.generic {indexing_maps = [#all, #id], iterator_types = ["parallel"]}
      ins(%g : memref<f32>) outs(%b : memref<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.subf %out, %in : f32
    linalg.yield %m : f32
  }
  // Reads the second parts loop's output: stays after it.
  linalg.generic {indexing_maps = [#all, #id], iterator_types = ["parallel"]}
      ins(%g : memref<f32>) outs(%c : memref<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = memref.load %y[%c0] : memref<256xf32>
    %m = arith.addf %out, %v : f32
    linalg.yield %m : f32
  }
  return
}

// CHECK-LABEL: func.func @step(
// CHECK: omp.parallel {
// CHECK: func.call @step.task0(
// CHECK: func.call @lathe_barrier()
// The gradient and the update of %b, thread 0, in one task.
// CHECK: scf.if
// CHECK-NEXT: func.call @step.task1(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<256xf32>, memref<f32>, memref<16xf32>) -> ()
// CHECK-NOT: func.call @lathe_barrier()
// CHECK: func.call @step.task2(
// CHECK: func.call @lathe_barrier()
// Only the update of %c after the last barrier.
// CHECK: scf.if
// CHECK-NEXT: func.call @step.task3(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<256xf32>, memref<f32>, memref<16xf32>) -> ()
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
