// A large buffer that each part allocates for itself (here 32 KB: an LSTM's
// states of its rows, which evaluation keeps none of) becomes a view of one
// buffer allocated before the region, at the part's slice of it (parts
// 0 and 1 of a loop stepping by 4096, each slice 32 KB): the parts allocate
// nothing, and the step's workspace can hold the buffer. A small one
// (1 KB) stays in the part, for the stack of the thread that runs it.
// RUN: lathe-opt %s --lathe-schedule-threads=parts=2 | FileCheck %s

#id = affine_map<(i) -> (i)>
func.func @step(%x: memref<8192xf32>) {
  scf.forall (%i) = (0) to (8192) step (4096) {
    %big = memref.alloc() {alignment = 64 : i64} : memref<8192xf32>
    %small = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
    %xs = memref.subview %x[%i] [4096] [1] : memref<8192xf32> to memref<4096xf32, strided<[1], offset: ?>>
    %bs = memref.subview %big[0] [4096] [1] : memref<8192xf32> to memref<4096xf32, strided<[1]>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%bs : memref<4096xf32, strided<[1]>>) outs(%xs : memref<4096xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    %ss = memref.subview %small[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
    %xt = memref.subview %x[%i] [128] [1] : memref<8192xf32> to memref<128xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%ss : memref<128xf32, strided<[1]>>) outs(%xt : memref<128xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %s = arith.addf %in, %out : f32
      linalg.yield %s : f32
    }
    memref.dealloc %big : memref<8192xf32>
    memref.dealloc %small : memref<256xf32>
  } {lathe.parts}
  return
}
// CHECK-LABEL: func.func @step(
// CHECK: %[[WHOLE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<65536xi8>
// CHECK: omp.parallel
// CHECK: func.call @step.task0(%{{.*}}, %[[WHOLE]], %arg0)
// CHECK: omp.terminator
// CHECK: memref.dealloc %[[WHOLE]] : memref<65536xi8>
// CHECK-NEXT: return
// CHECK: func.func private @step.task0(%[[I:.*]]: index,
// CHECK: %[[PART:.*]] = arith.divui
// CHECK: %[[SHIFT:.*]] = arith.muli %[[PART]], %{{.*}}
// CHECK: memref.view %{{.*}}[%[[SHIFT]]][] : memref<65536xi8> to memref<8192xf32>
// CHECK-NOT: memref.alloc() {{.*}} : memref<8192xf32>
// CHECK: memref.alloc() {alignment = 64 : i64} : memref<256xf32>
// CHECK-NOT: memref.dealloc {{.*}} : memref<8192xf32>
