// On the GPU each thread runs its reductions alone: a generic's parallel
// loops come first, in their order, and its reductions last. A matmul
// (i, k, j) becomes (i, j, k); a column sum (rows reduced, then columns)
// becomes (columns, rows); a named op (linalg.reduce) is generalized first; an elementwise
// generic is left as it is.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-loop-order | FileCheck %s

// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: lathe.matmul
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x48xf32>, %c: tensor<16x48xf32>) -> tensor<16x48xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%a, %b : tensor<16x64xf32>, tensor<64x48xf32>) outs(%c : tensor<16x48xf32>) attrs = {lathe.matmul} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x48xf32>
  return %r : tensor<16x48xf32>
}

// -----

// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @column_sums
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
#rows = affine_map<(r, c) -> (r, c)>
#cols = affine_map<(r, c) -> (c)>
func.func @column_sums(%g: tensor<32x10xf32>, %init: tensor<10xf32>) -> tensor<10xf32> {
  %r = linalg.generic {indexing_maps = [#rows, #cols], iterator_types = ["reduction", "parallel"]}
    ins(%g : tensor<32x10xf32>) outs(%init : tensor<10xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %o, %x : f32
    linalg.yield %s : f32
  } -> tensor<10xf32>
  return %r : tensor<10xf32>
}

// -----

// CHECK-LABEL: func.func @named
// CHECK-NOT: linalg.reduce
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
func.func @named(%g: tensor<32x10xf32>, %init: tensor<10xf32>) -> tensor<10xf32> {
  %r = linalg.reduce ins(%g : tensor<32x10xf32>) outs(%init : tensor<10xf32>) dimensions = [0]
    (%x: f32, %o: f32) {
      %s = arith.addf %o, %x : f32
      linalg.yield %s : f32
    }
  return %r : tensor<10xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK: iterator_types = ["parallel", "parallel"]
// CHECK-NOT: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
func.func @elementwise(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
    ins(%x : tensor<4x8xf32>) outs(%x : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
