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
func.func @relu(%x: tensor<32x26x26x32xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x26x26x32xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<32x26x26x32xf32>) outs(%e : tensor<32x26x26x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<32x26x26x32xf32>
  %c0 = arith.constant 0 : index
  %v = tensor.extract %r[%c0, %c0, %c0, %c0] : tensor<32x26x26x32xf32>
  return %v : f32
}

// A zero fill of a pooling gradient: one flat loop.
// CHECK-LABEL: func.func @fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<173056xf32>)
// CHECK-NOT: linalg.fill
func.func @fill() -> f32 {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x13x13x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<32x13x13x32xf32>) -> tensor<32x13x13x32xf32>
  %c0 = arith.constant 0 : index
  %v = tensor.extract %f[%c0, %c0, %c0, %c0] : tensor<32x13x13x32xf32>
  return %v : f32
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

#id2 = affine_map<(d0, d1) -> (d0, d1)>

// An LSTM cell reading one gate, a strided column block of the step's
// pre-activations: left 2-D (collapsing it would cost a copy).
// CHECK-LABEL: func.func @strided_gate
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
func.func @strided_gate(%z: tensor<32x128xf32>) -> tensor<32x32xf32> {
  %g = tensor.extract_slice %z[0, 32] [32, 32] [1, 1] : tensor<32x128xf32> to tensor<32x32xf32>
  %e = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%g : tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = math.tanh %in : f32
    linalg.yield %t : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// A contiguous row of a state history is read flat.
// CHECK-LABEL: func.func @contiguous_row
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<32x32xf32> into tensor<1024xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
func.func @contiguous_row(%h: tensor<101x32x32xf32>, %t: index) -> f32 {
  %row = tensor.extract_slice %h[%t, 0, 0] [1, 32, 32] [1, 1, 1] : tensor<101x32x32xf32> to tensor<32x32xf32>
  %e = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%row : tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t2 = math.tanh %in : f32
    linalg.yield %t2 : f32
  } -> tensor<32x32xf32>
  %v = tensor.extract %r[%t, %t] : tensor<32x32xf32>
  return %v : f32
}

// A result written into a slice (the next state) keeps its shape, so that
// empty-tensor elimination can compute it in place.
// CHECK-LABEL: func.func @into_slice
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: tensor.insert_slice
func.func @into_slice(%x: tensor<32x32xf32>, %h: tensor<101x32x32xf32>, %t: index) -> tensor<101x32x32xf32> {
  %e = tensor.empty() : tensor<32x32xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t2 = math.tanh %in : f32
    linalg.yield %t2 : f32
  } -> tensor<32x32xf32>
  %n = tensor.insert_slice %r into %h[%t, 0, 0] [1, 32, 32] [1, 1, 1] : tensor<32x32xf32> into tensor<101x32x32xf32>
  return %n : tensor<101x32x32xf32>
}

// An optimizer update whose results are returned keeps its shape: the
// result buffers become the caller's out-parameters, with no copy.
// CHECK-LABEL: func.func @returned
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
func.func @returned(%w: tensor<5408x128xf32>, %g: tensor<5408x128xf32>) -> tensor<5408x128xf32> {
  %lr = arith.constant 0.01 : f32
  %e = tensor.empty() : tensor<5408x128xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%w, %g : tensor<5408x128xf32>, tensor<5408x128xf32>) outs(%e : tensor<5408x128xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.mulf %b, %lr : f32
    %d = arith.subf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<5408x128xf32>
  return %r : tensor<5408x128xf32>
}

// A part of a step cut by the batch (lathe-partition) whose loop's result
// is written into a padded buffer's interior keeps its shape: flattened,
// it would compute into a temporary copied in and out of that interior.
// Written into a contiguous slice (whole rows), it is flattened.
// CHECK-LABEL: func.func @part_into_padded
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: tensor.insert_slice {{.*}}[0, 1, 1, 0] [4, 6, 6, 8]
// CHECK-LABEL: func.func @part_into_rows
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
func.func @part_into_padded(%x: tensor<4x6x6x8xf32>, %pad: tensor<4x8x8x8xf32>) -> tensor<4x8x8x8xf32> {
  %e = tensor.empty() : tensor<4x6x6x8xf32>
  %r = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e) -> (tensor<4x6x6x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> to tensor<2x6x6x8xf32>
    %os = tensor.extract_slice %o[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> to tensor<2x6x6x8xf32>
    %g = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%xs : tensor<2x6x6x8xf32>) outs(%os : tensor<2x6x6x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t2 = math.tanh %in : f32
      linalg.yield %t2 : f32
    } -> tensor<2x6x6x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %g into %o[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<2x6x6x8xf32> into tensor<4x6x6x8xf32>
    }
  }
  %p = tensor.insert_slice %r into %pad[0, 1, 1, 0] [4, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> into tensor<4x8x8x8xf32>
  return %p : tensor<4x8x8x8xf32>
}
func.func @part_into_rows(%x: tensor<4x6x6x8xf32>, %big: tensor<8x6x6x8xf32>) -> tensor<8x6x6x8xf32> {
  %e = tensor.empty() : tensor<4x6x6x8xf32>
  %r = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %e) -> (tensor<4x6x6x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> to tensor<2x6x6x8xf32>
    %os = tensor.extract_slice %o[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> to tensor<2x6x6x8xf32>
    %g = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%xs : tensor<2x6x6x8xf32>) outs(%os : tensor<2x6x6x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %t2 = math.tanh %in : f32
      linalg.yield %t2 : f32
    } -> tensor<2x6x6x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %g into %o[%i, 0, 0, 0] [2, 6, 6, 8] [1, 1, 1, 1] : tensor<2x6x6x8xf32> into tensor<4x6x6x8xf32>
    }
  }
  %p = tensor.insert_slice %r into %big[4, 0, 0, 0] [4, 6, 6, 8] [1, 1, 1, 1] : tensor<4x6x6x8xf32> into tensor<8x6x6x8xf32>
  return %p : tensor<8x6x6x8xf32>
}

// After bufferization (the pass runs again there): an optimizer update of
// a small weight, written into the caller's buffer, is one flat loop over
// views, with no copy. Whole buffers and contiguous subviews (whole rows)
// collapse; a subview of some columns does not, and a fill of it stays
// N-D.
// CHECK-LABEL: func.func @buffers
// CHECK-DAG: memref.collapse_shape %arg0 {{\[\[}}0, 1]] : memref<128x10xf32> into memref<1280xf32>
// CHECK-DAG: memref.collapse_shape %arg1 {{\[\[}}0, 1]] : memref<128x10xf32> into memref<1280xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME: ins(%{{.*}} : memref<1280xf32>) outs(%{{.*}} : memref<1280xf32>)
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1]] : memref<4x10xf32, strided<[10, 1], offset: 40>> into memref<40xf32, strided<[1], offset: 40>>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-NOT: memref.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: outs(%{{.*}} : memref<128x4xf32, strided<[10, 1], offset: 2>>)
func.func @buffers(%g: memref<128x10xf32>, %w: memref<128x10xf32>) {
  %lr = arith.constant 0.1 : f32
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%g : memref<128x10xf32>) outs(%w : memref<128x10xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %lr : f32
    %d = arith.subf %out, %s : f32
    linalg.yield %d : f32
  }
  %rows = memref.subview %w[4, 0] [4, 10] [1, 1] : memref<128x10xf32> to memref<4x10xf32, strided<[10, 1], offset: 40>>
  linalg.fill ins(%zero : f32) outs(%rows : memref<4x10xf32, strided<[10, 1], offset: 40>>)
  %cols = memref.subview %w[0, 2] [128, 4] [1, 1] : memref<128x10xf32> to memref<128x4xf32, strided<[10, 1], offset: 2>>
  linalg.fill ins(%zero : f32) outs(%cols : memref<128x4xf32, strided<[10, 1], offset: 2>>)
  return
}
