// A matmul over an im2col's rows becomes a direct convolution: the forward
// product (its bias broadcast made anew in 4-D) reads the input through
// the window map, loops (n, oh, ow, f, i, j, c); the filter gradient (A
// read transposed) loops (i, j, c, f, n, oh, ow). The im2col goes. With
// mode=im2col nothing changes; a mode the pass does not know fails.
// RUN: lathe-opt %s --lathe-direct-conv --canonicalize | FileCheck %s
// RUN: lathe-opt %s --lathe-direct-conv=mode=im2col | FileCheck %s --check-prefix=KEEP
// RUN: not lathe-opt %s --lathe-direct-conv=mode=winograd 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>
// CHECK-DAG: #[[XG:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d0 + d5, d1 + d6, d2)>
// CHECK-LABEL: func.func @conv
// CHECK-NOT: tensor<2x4x4x3x3x3xf32>
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<16xf32>) outs({{.*}} : tensor<2x4x4x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%arg0, %arg1 : tensor<2x6x6x3xf32>, tensor<3x3x3x16xf32>) outs(%[[B]] : tensor<2x4x4x16xf32>) attrs = {lathe.conv = "forward"}
// CHECK: linalg.generic {indexing_maps = [#[[XG]], {{.*}}]{{.*}} outs({{.*}} : tensor<3x3x3x16xf32>) attrs = {lathe.conv = "filter"}
// CHECK-NOT: lathe.matmul
// KEEP-NOT: lathe.conv
// KEEP: tensor<2x4x4x3x3x3xf32>
// KEEP-COUNT-2: lathe.matmul
// BAD: lathe-direct-conv: mode is auto, direct or im2col, not 'winograd'
#x = affine_map<(n, oh, ow, i, j, c) -> (n, oh + i, ow + j, c)>
#id6 = affine_map<(n, oh, ow, i, j, c) -> (n, oh, ow, i, j, c)>
#a = affine_map<(i, k, j) -> (i, k)>
#at = affine_map<(i, k, j) -> (k, i)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
#row = affine_map<(m, f) -> (f)>
#id2 = affine_map<(m, f) -> (m, f)>
func.func @conv(%x: tensor<2x6x6x3xf32>, %w: tensor<3x3x3x16xf32>, %bias: tensor<16xf32>, %dy: tensor<32x16xf32>) -> (tensor<32x16xf32>, tensor<27x16xf32>) {
  %e6 = tensor.empty() : tensor<2x4x4x3x3x3xf32>
  %cols6 = linalg.generic {indexing_maps = [#x, #id6], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
    ins(%x : tensor<2x6x6x3xf32>) outs(%e6 : tensor<2x4x4x3x3x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<2x4x4x3x3x3xf32>
  %cols = tensor.collapse_shape %cols6 [[0, 1, 2], [3, 4, 5]] : tensor<2x4x4x3x3x3xf32> into tensor<32x27xf32>
  %wr = tensor.collapse_shape %w [[0, 1, 2], [3]] : tensor<3x3x3x16xf32> into tensor<27x16xf32>
  %e2 = tensor.empty() : tensor<32x16xf32>
  %init = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%bias : tensor<16xf32>) outs(%e2 : tensor<32x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<32x16xf32>
  %y = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%cols, %wr : tensor<32x27xf32>, tensor<27x16xf32>) outs(%init : tensor<32x16xf32>) attrs = {lathe.matmul} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %eg = tensor.empty() : tensor<27x16xf32>
  %gz = linalg.fill ins(%zero : f32) outs(%eg : tensor<27x16xf32>) -> tensor<27x16xf32>
  %g = linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%cols, %dy : tensor<32x27xf32>, tensor<32x16xf32>) outs(%gz : tensor<27x16xf32>) attrs = {lathe.matmul} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<27x16xf32>
  return %y, %g : tensor<32x16xf32>, tensor<27x16xf32>
}
