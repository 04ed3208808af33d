// Each Lathe op becomes linalg on tensors.
// RUN: lathe-opt %s --split-input-file --lathe-lower-to-linalg --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @dense
// CHECK-NOT: lathe.
// The bias is broadcast into the accumulator, then the matmul adds x·W.
// CHECK: %[[B:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<10xf32>) outs(%{{.*}} : tensor<8x10xf32>)
// Loops (i, k, j): the innermost walks W and the output contiguously.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%arg0, %arg1 : tensor<8x4xf32>, tensor<4x10xf32>) outs(%[[B]] : tensor<8x10xf32>)
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf
func.func @dense(%x: tensor<8x4xf32>, %w: tensor<4x10xf32>, %b: tensor<10xf32>) -> tensor<8x10xf32> {
  %0 = lathe.dense %x, %w, %b : tensor<8x4xf32>, tensor<4x10xf32>, tensor<10xf32> -> tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: arith.constant 2.000000e-01 : f32
// CHECK: arith.maximumf
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = lathe.relu %x : tensor<2x3xf32>
  %1 = lathe.sigmoid %0 : tensor<2x3xf32>
  %2 = lathe.tanh %1 : tensor<2x3xf32>
  %3 = lathe.leaky_relu %2 {alpha = 0.2 : f64} : tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// Softmax: max, exp(x - max), sum, divide; each along the last dimension.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = lathe.softmax %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A masked loss divides by the number of real rows, at least one.
// CHECK-LABEL: func.func @masked_mse
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%arg2 : tensor<4xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.divf
// CHECK: return %{{.*}} : tensor<f32>
func.func @masked_mse(%p: tensor<4x2xf32>, %y: tensor<4x2xf32>, %m: tensor<4xf32>) -> tensor<f32> {
  %0 = lathe.mse %p, %y mask %m : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @losses
// CHECK: math.log
// CHECK: linalg.index 1
// CHECK: math.log
func.func @losses(%p: tensor<4x3xf32>, %t: tensor<4x3xf32>, %l: tensor<4xi32>) -> (tensor<f32>, tensor<f32>) {
  %0 = lathe.binary_crossentropy %p, %t : tensor<4x3xf32>, tensor<4x3xf32>
  %1 = lathe.sparse_categorical_crossentropy %p, %l : tensor<4x3xf32>, tensor<4xi32>
  return %0, %1 : tensor<f32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @reshapes
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2, 3]] : tensor<2x3x3x2xf32> into tensor<2x18xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 9, 2] : tensor<2x18xf32> into tensor<2x9x2xf32>
func.func @reshapes(%x: tensor<2x3x3x2xf32>) -> tensor<2x9x2xf32> {
  %0 = lathe.flatten %x : tensor<2x3x3x2xf32> -> tensor<2x18xf32>
  %1 = lathe.reshape %0 : tensor<2x18xf32> -> tensor<2x9x2xf32>
  return %1 : tensor<2x9x2xf32>
}

// -----

// An embedding is a gather: one generic that reads the table at each id
// (ids outside the table read row 0).
// CHECK-LABEL: func.func @embed
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<2x7xi32>) outs(%{{.*}} : tensor<2x7x4xf32>)
// CHECK: arith.cmpi slt, %{{.*}}, %c100_i32
// CHECK: tensor.extract %arg1[%{{.*}}, %{{.*}}] : tensor<100x4xf32>
func.func @embed(%ids: tensor<2x7xi32>, %t: tensor<100x4xf32>) -> tensor<2x7x4xf32> {
  %0 = lathe.embedding %ids, %t : tensor<2x7xi32>, tensor<100x4xf32> -> tensor<2x7x4xf32>
  return %0 : tensor<2x7x4xf32>
}

// -----

// An LSTM over 50 steps is one loop, not 50 copies: the input projection of
// all steps is one matmul before it; each step adds h·R to its slice and
// runs one fused cell (two results: c and h).
// CHECK-LABEL: func.func @lstm
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<50x2x4xf32> into tensor<100x4xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c50 step %c1 iter_args
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %arg2 : tensor<2x3xf32>, tensor<3x12xf32>) outs(%{{.*}} : tensor<2x12xf32>)
// CHECK: } -> (tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: scf.yield
// CHECK-NOT: scf.for
// CHECK: tensor.extract_slice %{{.*}}#1[50, 0, 0] [1, 2, 3]
func.func @lstm(%x: tensor<2x50x4xf32>, %k: tensor<4x12xf32>, %r: tensor<3x12xf32>, %b: tensor<12xf32>) -> tensor<2x3xf32> {
  %0 = lathe.lstm %x, %k, %r, %b {return_sequences = false} : tensor<2x50x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Dropout without a seed (evaluation, prediction) is the identity; with one
// it hashes (seed, stream, index) into a keep/drop choice and scales by
// 1 / (1 - rate).
// CHECK-LABEL: func.func @dropout
// CHECK: arith.constant -1640531535 : i32
// CHECK: linalg.generic
// CHECK: arith.shrui
// CHECK: arith.cmpf oge, %{{.*}}, %cst
// CHECK: arith.constant 1.33333337 : f32
// CHECK: return %arg0, %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>
func.func @dropout(%x: tensor<2x3xf32>, %s: tensor<i32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = lathe.dropout %x {rate = 2.500000e-01 : f64} : tensor<2x3xf32>
  %1 = lathe.dropout %x seed(%s : tensor<i32>) {rate = 2.500000e-01 : f64, stream = 2 : i64} : tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A convolution is a matmul over im2col rows ("same" padding inserts the
// input into a zero tensor first). Max pooling is one elementwise loop over
// the output reading each window position as its own operand (the window
// unrolled), the maximum taken in row-major order from -inf.
// CHECK-LABEL: func.func @conv_pool
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 1, 1, 0] [1, 8, 8, 1] [1, 1, 1, 1] : tensor<1x8x8x1xf32> into tensor<1x10x10x1xf32>
// CHECK: outs(%{{.*}} : tensor<1x8x8x3x3x1xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x8x8x3x3x1xf32> into tensor<64x9xf32>
// CHECK: tensor.collapse_shape %arg1 {{\[\[}}0, 1, 2], [3]] : tensor<3x3x1x4xf32> into tensor<9x4xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x9xf32>, tensor<9x4xf32>) outs(%{{.*}} : tensor<64x4xf32>) attrs = {lathe.matmul}
// CHECK: %[[Y:.*]] = tensor.expand_shape %{{.*}} output_shape [1, 8, 8, 4]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[Y]], %[[Y]], %[[Y]], %[[Y]] : {{.*}}) outs(%{{.*}} : tensor<1x4x4x4xf32>)
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[M0:.*]] = arith.maximumf %[[NEG]], %in
// CHECK: %[[M1:.*]] = arith.maximumf %[[M0]], %in_1
// CHECK: %[[M2:.*]] = arith.maximumf %[[M1]], %in_2
// CHECK: %[[M3:.*]] = arith.maximumf %[[M2]], %in_3
// CHECK: linalg.yield %[[M3]]
func.func @conv_pool(%x: tensor<1x8x8x1xf32>, %f: tensor<3x3x1x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = lathe.conv2d %x, %f, %b {stride = 1 : i64, padding = "same"} : tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32> -> tensor<1x8x8x4xf32>
  %1 = lathe.maxpool2d %0 {size = 2 : i64, stride = 2 : i64} : tensor<1x8x8x4xf32> -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// Average pooling reads its window as max pooling does and scales the sum;
// global average pooling sums over h and w with the channels innermost.
// CHECK-LABEL: func.func @avg_pools
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg0, %arg0, %arg0 : {{.*}}) outs(%{{.*}} : tensor<1x4x4x3xf32>)
// CHECK: %[[S1:.*]] = arith.addf
// CHECK: %[[S2:.*]] = arith.addf %[[S1]]
// CHECK: %[[S3:.*]] = arith.addf %[[S2]]
// CHECK: arith.mulf %[[S3]], %{{.*}} : f32
// CHECK: iterator_types = ["parallel", "reduction", "reduction", "parallel"]} ins(%{{.*}} : tensor<1x4x4x3xf32>) outs(%{{.*}} : tensor<1x3xf32>)
// CHECK: arith.constant 6.250000e-02 : f32
func.func @avg_pools(%x: tensor<1x8x8x3xf32>) -> tensor<1x3xf32> {
  %0 = lathe.avgpool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<1x8x8x3xf32> -> tensor<1x4x4x3xf32>
  %1 = lathe.global_avgpool %0 : tensor<1x4x4x3xf32> -> tensor<1x3xf32>
  return %1 : tensor<1x3xf32>
}

// -----

// A transposed convolution is the input gradient of a convolution: each
// input pixel's contributions to its 5x5x3 window are one matmul with the
// filter transposed, and col2im adds the overlapping windows into the
// padded output; Keras's "same" padding is then cut off.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2], [3]] : tensor<2x7x7x8xf32> into tensor<98x8xf32>
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<98x8xf32>, tensor<8x75xf32>) outs(%{{.*}} : tensor<98x75xf32>) attrs = {lathe.matmul}
// CHECK: tensor.expand_shape %{{.*}} output_shape [2, 7, 7, 5, 5, 3]
// CHECK: iterator_types = ["parallel", "reduction", "reduction", "reduction", "reduction", "parallel"]} ins(%expanded : tensor<2x7x7x5x5x3xf32>) outs(%{{.*}} : tensor<2x17x17x3xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 1, 0] [2, 14, 14, 3] [1, 1, 1, 1]
func.func @conv_transpose(%x: tensor<2x7x7x8xf32>, %f: tensor<5x5x3x8xf32>, %b: tensor<3xf32>) -> tensor<2x14x14x3xf32> {
  %0 = lathe.conv2d_transpose %x, %f, %b {stride = 2 : i64, padding = "same"} : tensor<2x7x7x8xf32>, tensor<5x5x3x8xf32>, tensor<3xf32> -> tensor<2x14x14x3xf32>
  return %0 : tensor<2x14x14x3xf32>
}
