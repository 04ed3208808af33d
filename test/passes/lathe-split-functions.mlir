// A large function's block is cut into pieces that it calls: allocations
// stay at its top and are passed as noalias arguments, deallocations stay
// after the call of the piece that held them, constants and views are
// copied to their users, scalars crossing a cut are results. Small
// functions, and functions in which another buffer would cross a cut, are
// left whole.
// RUN: lathe-opt %s --lathe-split-functions=piece-ops=4 | FileCheck %s
// RUN: lathe-opt %s --lathe-split-functions=piece-ops=4 --convert-func-to-llvm=use-bare-ptr-memref-call-conv=true | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[X:.*]]: memref<64xf32>, %[[H:.*]]: memref<2xf32>, %[[OUT:.*]]: memref<64xf32>)
// CHECK-NEXT: %[[A:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
// CHECK-NEXT: %[[B:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
// CHECK-NEXT: %[[S:.*]] = call @step.piece0(%[[H]], %[[X]], %[[A]]) : (memref<2xf32>, memref<64xf32>, memref<64xf32>) -> f32
// CHECK-NEXT: call @step.piece1(%[[A]], %[[B]]) : (memref<64xf32>, memref<8x8xf32>) -> ()
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: call @step.piece2(%[[B]], %[[S]], %[[OUT]]) : (memref<8x8xf32>, f32, memref<64xf32>) -> ()
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return

// The first piece reads the hyperparameter (its result) and scales x; the
// last one scales again with it.
// CHECK: func.func private @step.piece2(%{{.*}}: memref<8x8xf32> {llvm.noalias}, %[[S2:.*]]: f32, %{{.*}}: memref<64xf32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK: memref.collapse_shape
// CHECK: arith.mulf %{{.*}}, %[[S2]]
// CHECK: func.func private @step.piece1(%{{.*}}: memref<64xf32> {llvm.noalias}, %{{.*}}: memref<8x8xf32> {llvm.noalias})
// CHECK: memref.expand_shape
// CHECK: func.func private @step.piece0(%{{.*}}: memref<2xf32>, %{{.*}}: memref<64xf32>, %{{.*}}: memref<64xf32> {llvm.noalias}) -> f32
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[SCALE:.*]] = memref.load %{{.*}}[%[[C0]]]
// CHECK: return %[[SCALE]] : f32

// What func-to-llvm keeps: internal, noinline, noalias.
// LLVM: llvm.func internal @step.piece0(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr {llvm.noalias}) -> f32
// LLVM-SAME: passthrough = ["noinline"]

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @step(%x: memref<64xf32>, %h: memref<2xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
  %scale = memref.load %h[%c0] : memref<2xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<64xf32>) outs(%a : memref<64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  }
  %b = memref.alloc() {alignment = 64 : i64} : memref<8x8xf32>
  %av = memref.expand_shape %a [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%av : memref<8x8xf32>) outs(%b : memref<8x8xf32>) {
  ^bb0(%in: f32, %o: f32):
    %e = arith.addf %in, %in : f32
    linalg.yield %e : f32
  }
  memref.dealloc %a : memref<64xf32>
  %bv = memref.collapse_shape %b [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%bv : memref<64xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.mulf %in, %scale : f32
    linalg.yield %m : f32
  }
  memref.dealloc %b : memref<8x8xf32>
  return
}

// Below two pieces' worth: whole.
// CHECK-LABEL: func.func @small
// CHECK-NOT: call
// CHECK: return
func.func @small(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  memref.store %v, %x[%c0] : memref<4xf32>
  return
}

// A stack buffer would cross a cut: whole.
// CHECK-LABEL: func.func @stack
// CHECK-NOT: call
// CHECK: return
func.func @stack(%x: memref<64xf32>, %out: memref<64xf32>) {
  %s = memref.alloca() : memref<64xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : memref<64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %e = arith.addf %in, %in : f32
    linalg.yield %e : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : memref<64xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%in: f32, %o: f32):
    %e = arith.addf %in, %in : f32
    linalg.yield %e : f32
  }
  return
}
