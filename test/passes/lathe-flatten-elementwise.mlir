// Elementwise ops over whole, identically laid out N-D operands become 1-D
// ops over reshaped operands; N-D fills too. Others are left alone.
// RUN: lathe-opt %s --lathe-flatten-elementwise | FileCheck %s

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c4 = affine_map<(d0, d1, d2, d3) -> (d3)>

// A ReLU over a convolution's output: one loop over 692224 elements.
// CHECK-LABEL: func.func @relu
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] : tensor<32x26x26x32xf32> into tensor<692224xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME: ins(%{{.*}} : tensor<692224xf32>)
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape
func.func @relu(%x: tensor<32x26x26x32xf32>) -> tensor<32x26x26x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x26x26x32xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<32x26x26x32xf32>) outs(%e : tensor<32x26x26x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x26x26x32xf32>
  return %r : tensor<32x26x26x32xf32>
}

// A zero fill of a pooling gradient: one flat loop.
// CHECK-LABEL: func.func @fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<173056xf32>)
// CHECK-NOT: linalg.fill
func.func @fill() -> tensor<32x13x13x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x13x13x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x13x13x32xf32>) -> tensor<32x13x13x32xf32>
  return %f : tensor<32x13x13x32xf32>
}

// A bias added along the channels reads its operand through another map:
// left as it is.
// CHECK-LABEL: func.func @bias
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
func.func @bias(%x: tensor<2x4x4x8xf32>, %b: tensor<8xf32>) -> tensor<2x4x4x8xf32> {
  %e = tensor.empty() : tensor<2x4x4x8xf32>
  %r = linalg.generic {indexing_maps = [#id4, #c4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : tensor<2x4x4x8xf32>, tensor<8xf32>) outs(%e : tensor<2x4x4x8xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %s = arith.addf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<2x4x4x8xf32>
  return %r : tensor<2x4x4x8xf32>
}
