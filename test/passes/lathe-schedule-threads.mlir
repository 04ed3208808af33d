// A cut step becomes one parallel region: thread t runs iteration t of each
// lathe.parts loop (each part's body a function of its own, taking the
// iteration), thread 0 runs the rest in scf.if, every thread runs the
// scalar loads. Barriers go only where a thread touches what another one
// wrote since the last barrier: none between two loops whose parts use the
// same halves, one before thread 0 reads all of y, one before the others
// load what thread 0 stored. While thread 0 sums y, the others call
// lathe_idle_work (weak in the module, to do nothing without the runtime).
// The barriers are calls of lathe_barrier, the runtime's spinning barrier
// (weak in the module: OpenMP's barrier).
// Allocations stay before the region, deallocations after it.
// RUN: lathe-opt %s --lathe-schedule-threads=parts=2 | FileCheck %s

#id = affine_map<(i) -> (i)>
#all = affine_map<(i) -> ()>
func.func @step(%x: memref<256xf32>, %y: memref<256xf32>, %s: memref<f32>) {
  %two = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<256xf32>
  scf.forall (%i) = (0) to (256) step (128) {
    %xs = memref.subview %x[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    %as = memref.subview %a[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%xs : memref<128xf32, strided<[1], offset: ?>>) outs(%as : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.mulf %in, %two : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  scf.forall (%i) = (0) to (256) step (128) {
    %as = memref.subview %a[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%i] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%as : memref<128xf32, strided<[1], offset: ?>>) outs(%ys : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.addf %in, %two : f32
      linalg.yield %m : f32
    }
  } {lathe.parts}
  linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%y : memref<256xf32>) outs(%s : memref<f32>) {
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
  memref.dealloc %a : memref<256xf32>
  return
}

// CHECK-LABEL: func.func @step(
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK: omp.parallel {
// CHECK: %[[T:.*]] = func.call @omp_get_thread_num()
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]]
// CHECK: %[[N:.*]] = func.call @omp_get_num_threads()
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]]
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[TI]], %{{.*}}
// CHECK: %[[OTHER:.*]] = arith.cmpi ne, %[[TI]], %{{.*}}
// CHECK: scf.for %[[P:.*]] = %[[TI]] to %{{.*}} step %[[NI]] {
// CHECK: func.call @step.task0(
// CHECK-NOT: func.call @lathe_barrier()
// CHECK: scf.for %{{.*}} = %[[TI]] to %{{.*}} step %[[NI]] {
// CHECK: func.call @step.task1(
// CHECK: func.call @lathe_barrier()
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK-NEXT: func.call @step.task2(
// CHECK-NEXT: }
// The other threads wait here: they pick up the runtime's idle work.
// CHECK-NEXT: scf.if %[[OTHER]] {
// CHECK-NEXT: func.call @lathe_idle_work()
// CHECK-NEXT: }
// CHECK-NEXT: func.call @lathe_barrier()
// CHECK-NEXT: %[[V:.*]] = memref.load %arg2[]
// CHECK: scf.for %{{.*}} = %[[TI]] to %{{.*}} step %[[NI]] {
// CHECK: func.call @step.task3(%{{.*}}, %arg0, %[[V]])
// CHECK-NOT: func.call @lathe_barrier()
// CHECK: omp.terminator
// CHECK: memref.dealloc %[[A]]
// CHECK-NEXT: return

// Each part's body takes its iteration and the buffers; allocations are
// noalias.
// CHECK: func.func private @step.task3(%{{.*}}: index, %{{.*}}: memref<256xf32>, %{{.*}}: f32)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK: memref.subview
// CHECK: func.func private @step.task1(%{{.*}}: index, %{{.*}}: memref<256xf32> {llvm.noalias}, %{{.*}}: memref<256xf32>)

// CHECK: func.func @lathe_barrier()
// CHECK-SAME: llvm.linkage = #llvm.linkage<weak>
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: return
// CHECK: func.func @lathe_idle_work()
// CHECK-SAME: llvm.linkage = #llvm.linkage<weak>
// CHECK-NEXT: return
