// Direct convolutions in a step's parts: the forward product is cut along
// the batch (its first parallel loop); the filter gradient is cut along
// its batch loop, a reduction, as a matmul's is: each part sums its
// images into its slice of a stacked [2, 3, 3, 1, 32] tensor, and the two
// slices are added after the loop. Each part then reads the same images
// and output gradients in both.
// RUN: lathe-opt %s --lathe-partition=parts=2 | FileCheck %s

// CHECK-LABEL: func.func @step
// CHECK: scf.forall {{.*}} shared_outs({{.*}} -> (tensor<4x8x8x32xf32>)
// CHECK: tensor.extract_slice %arg0[{{.*}}] [2, 10, 10, 1]
// CHECK: lathe.conv = "forward"
// CHECK: lathe.parts
// CHECK: %[[STACK:.*]] = scf.forall {{.*}} -> (tensor<2x3x3x1x32xf32>)
// CHECK: tensor.extract_slice %arg0[{{.*}}] [2, 10, 10, 1]
// CHECK: tensor.extract_slice %arg2[{{.*}}] [2, 8, 8, 32]
// CHECK: lathe.conv = "filter"
// CHECK: lathe.parts
// CHECK: tensor.extract_slice %[[STACK]][0, 0, 0, 0, 0]
// CHECK: tensor.extract_slice %[[STACK]][1, 0, 0, 0, 0]
// CHECK: arith.addf
#x = affine_map<(n, oh, ow, f, i, j, c) -> (n, oh + i, ow + j, c)>
#w = affine_map<(n, oh, ow, f, i, j, c) -> (i, j, c, f)>
#y = affine_map<(n, oh, ow, f, i, j, c) -> (n, oh, ow, f)>
#gx = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh + i, ow + j, c)>
#gdy = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh, ow, f)>
#g = affine_map<(i, j, c, f, n, oh, ow) -> (i, j, c, f)>
func.func @step(%x: tensor<4x10x10x1xf32>, %w: tensor<3x3x1x32xf32>, %dy: tensor<4x8x8x32xf32>)
    -> (tensor<4x8x8x32xf32>, tensor<3x3x1x32xf32>)
    attributes {lathe.params = array<i64: 1>} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8x8x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8x8x32xf32>) -> tensor<4x8x8x32xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
    ins(%x, %w : tensor<4x10x10x1xf32>, tensor<3x3x1x32xf32>) outs(%z : tensor<4x8x8x32xf32>) attrs = {lathe.conv = "forward"} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x8x8x32xf32>
  %ge = tensor.empty() : tensor<3x3x1x32xf32>
  %gz = linalg.fill ins(%zero : f32) outs(%ge : tensor<3x3x1x32xf32>) -> tensor<3x3x1x32xf32>
  %g = linalg.generic {indexing_maps = [#gx, #gdy, #g], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
    ins(%x, %dy : tensor<4x10x10x1xf32>, tensor<4x8x8x32xf32>) outs(%gz : tensor<3x3x1x32xf32>) attrs = {lathe.conv = "filter"} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x3x1x32xf32>
  return %y, %g : tensor<4x8x8x32xf32>, tensor<3x3x1x32xf32>
}
