// Where the threads wait for thread 0 longest, they call lathe_idle_work
// (the runtime gathers the next batch there), once per step: here thread 0
// runs a 16-element op between the first two barriers and a 4096-element
// one between the last two, so the call goes before the last barrier only.
// A step whose threads never wait for thread 0 calls nothing.
// RUN: lathe-opt %s --lathe-schedule-threads=parts=2 | FileCheck %s

#id = affine_map<(i) -> (i)>
#all = affine_map<(i) -> ()>
func.func @step(%x: memref<256xf32>, %small: memref<16xf32>, %big: memref<4096xf32>,
                %s: memref<f32>, %t: memref<f32>) {
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
  // Thread 0 alone, 16 iterations, on what thread 1 wrote.
  %sub = memref.subview %x[128] [16] [1] : memref<256xf32> to memref<16xf32, strided<[1], offset: 128>>
  linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%sub : memref<16xf32, strided<[1], offset: 128>>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.addf %in, %out : f32
    linalg.yield %m : f32
  }
  %v = memref.load %s[] : memref<f32>
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%xs : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%out: f32):
      %m = arith.mulf %out, %v : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  // Thread 0 alone, 4096 iterations, after the parts that wrote x.
  %xb = memref.subview %x[128] [16] [1] : memref<256xf32> to memref<16xf32, strided<[1], offset: 128>>
  memref.copy %xb, %small : memref<16xf32, strided<[1], offset: 128>> to memref<16xf32>
  // (Scaled by what the copy wrote: it stays after the parts.)
  linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%big : memref<4096xf32>) outs(%t : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %w = memref.load %small[%c0] : memref<16xf32>
    %p = arith.mulf %in, %w : f32
    %m = arith.addf %p, %out : f32
    linalg.yield %m : f32
  }
  return
}

// CHECK-LABEL: func.func @step(
// CHECK: omp.parallel {
// CHECK: %[[OTHER:.*]] = arith.cmpi ne
// CHECK: func.call @step.task0(
// CHECK-NOT: lathe_idle_work
// CHECK: func.call @lathe_barrier()
// CHECK: func.call @step.task1(
// CHECK-NOT: lathe_idle_work
// CHECK: func.call @lathe_barrier()
// CHECK: memref.load
// CHECK: func.call @step.task2(
// CHECK-NOT: lathe_idle_work
// CHECK: func.call @lathe_barrier()
// CHECK-NEXT: scf.if %{{.*}} {
// CHECK-NEXT: func.call @step.task3(
// CHECK-NEXT: }
// CHECK-NEXT: scf.if %[[OTHER]] {
// CHECK-NEXT: func.call @lathe_idle_work()
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator

func.func @all_parts(%x: memref<256xf32>) {
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
  return
}

// CHECK-LABEL: func.func @all_parts(
// CHECK: omp.parallel {
// CHECK-NOT: lathe_idle_work
// CHECK: omp.terminator
