// Window sums of a matmul's products (a convolution's input gradient or a
// transposed convolution: dy · Wᵀ added back by col2im) become one direct
// convolution per stride phase, each a stride-1 forward convolution of dy
// with the phase's taps, flipped ([kh, kw, f, c], read with stride 2),
// written to the phase's rows and columns of the result (strides 2); the
// slice cutting off the padding goes, and nothing is added back. Stride 1
// is one phase over dy padded with zeros. With auto, window sums with
// fewer than 8 output channels stay a matmul and col2im; direct rewrites
// those too.
// RUN: lathe-opt %s --lathe-direct-conv --canonicalize | FileCheck %s
// RUN: lathe-opt %s --lathe-direct-conv=mode=direct --canonicalize | FileCheck %s --check-prefix=DIRECT

// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d6)>
// CHECK-LABEL: func.func @input_grad
// CHECK-NOT: lathe.matmul
// CHECK: %[[W:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]{{.*}} ins(%arg1 : tensor<3x3x8x16xf32>) outs({{.*}} : tensor<3x3x16x8xf32>)
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x3x3x8xf32>
// Row phase 0: output row 1 (padded row 2), taps 0 and 2; column phase 0.
// Each phase starts from zeros of its own shape.
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<2x1x1x8xf32>
// CHECK: %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<2x1x1x8xf32>)
// CHECK: tensor.extract_slice %[[W]][0, 0, 0, 0] [2, 2, 16, 8] [2, 2, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[X]], {{.*}}]{{.*}} ins(%arg0, {{.*}} : tensor<2x2x2x16xf32>, tensor<2x2x16x8xf32>) outs(%[[Z1]] : tensor<2x1x1x8xf32>) attrs = {lathe.conv = "forward"}
// CHECK: %[[P1:.*]] = tensor.insert_slice {{.*}} into %[[OUT]][0, 1, 1, 0] [2, 1, 1, 8] [1, 2, 2, 1]
// Row phase 0, column phase 1: output columns 0 and 2, tap 1.
// CHECK: tensor.extract_slice %[[W]][0, 1, 0, 0] [2, 1, 16, 8] [2, 2, 1, 1]
// CHECK: %[[P2:.*]] = tensor.insert_slice {{.*}} into %[[P1]][0, 1, 0, 0] [2, 1, 2, 8] [1, 2, 2, 1]
// CHECK: %[[P3:.*]] = tensor.insert_slice {{.*}} into %[[P2]][0, 0, 1, 0] [2, 2, 1, 8] [1, 2, 2, 1]
// CHECK: tensor.extract_slice %[[W]][1, 1, 0, 0] [1, 1, 16, 8] [2, 2, 1, 1]
// CHECK: %[[P4:.*]] = tensor.insert_slice {{.*}} into %[[P3]][0, 0, 0, 0] [2, 2, 2, 8] [1, 2, 2, 1]
// CHECK: return %[[P4]] : tensor<2x3x3x8xf32>

// CHECK-LABEL: func.func @same_stride1
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<1x7x7x16xf32>
// CHECK: %[[DYP:.*]] = tensor.insert_slice %arg0 into %[[Z]][0, 2, 2, 0] [1, 4, 4, 16] [1, 1, 1, 1]
// CHECK: %[[X1:.*]] = tensor.extract_slice %[[DYP]][0, 1, 1, 0] [1, 6, 6, 16] [1, 1, 1, 1]
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[X1]], {{.*}} : tensor<1x6x6x16xf32>, tensor<3x3x16x8xf32>) outs({{.*}} : tensor<1x4x4x8xf32>) attrs = {lathe.conv = "forward"}
// CHECK: return %[[Y]]

// CHECK-LABEL: func.func @one_channel
// CHECK: lathe.matmul
// CHECK: tensor<2x2x2x3x3x1xf32>
// CHECK-NOT: lathe.conv
// DIRECT-LABEL: func.func @one_channel
// DIRECT-NOT: lathe.matmul
// DIRECT-COUNT-4: lathe.conv = "forward"
#id6 = affine_map<(n, oh, ow, i, j, c) -> (n, oh, ow, i, j, c)>
#sum = affine_map<(n, oh, ow, i, j, c) -> (n, oh * 2 + i, ow * 2 + j, c)>
#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
#t = affine_map<(r, q) -> (q, r)>
#id2 = affine_map<(r, q) -> (r, q)>
#sum1 = affine_map<(n, oh, ow, i, j, c) -> (n, oh + i, ow + j, c)>
func.func @input_grad(%dy: tensor<2x2x2x16xf32>, %w: tensor<3x3x8x16xf32>) -> tensor<2x3x3x8xf32> {
  %zero = arith.constant 0.0 : f32
  %dyr = tensor.collapse_shape %dy [[0, 1, 2], [3]] : tensor<2x2x2x16xf32> into tensor<8x16xf32>
  %wr = tensor.collapse_shape %w [[0, 1, 2], [3]] : tensor<3x3x8x16xf32> into tensor<72x16xf32>
  %et = tensor.empty() : tensor<16x72xf32>
  %wt = linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%wr : tensor<72x16xf32>) outs(%et : tensor<16x72xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<16x72xf32>
  %e2 = tensor.empty() : tensor<8x72xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x72xf32>) -> tensor<8x72xf32>
  %cols = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%dyr, %wt : tensor<8x16xf32>, tensor<16x72xf32>) outs(%z2 : tensor<8x72xf32>) attrs = {lathe.matmul} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<8x72xf32>
  %cols6 = tensor.expand_shape %cols [[0, 1, 2], [3, 4, 5]] output_shape [2, 2, 2, 3, 3, 8] : tensor<8x72xf32> into tensor<2x2x2x3x3x8xf32>
  %e4 = tensor.empty() : tensor<2x5x5x8xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x5x5x8xf32>) -> tensor<2x5x5x8xf32>
  %sums = linalg.generic {indexing_maps = [#id6, #sum], iterator_types = ["parallel", "reduction", "reduction", "reduction", "reduction", "parallel"]}
    ins(%cols6 : tensor<2x2x2x3x3x8xf32>) outs(%z4 : tensor<2x5x5x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<2x5x5x8xf32>
  %dx = tensor.extract_slice %sums[0, 1, 1, 0] [2, 3, 3, 8] [1, 1, 1, 1] : tensor<2x5x5x8xf32> to tensor<2x3x3x8xf32>
  return %dx : tensor<2x3x3x8xf32>
}

func.func @same_stride1(%dy: tensor<1x4x4x16xf32>, %w: tensor<3x3x8x16xf32>) -> tensor<1x4x4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %dyr = tensor.collapse_shape %dy [[0, 1, 2], [3]] : tensor<1x4x4x16xf32> into tensor<16x16xf32>
  %wr = tensor.collapse_shape %w [[0, 1, 2], [3]] : tensor<3x3x8x16xf32> into tensor<72x16xf32>
  %et = tensor.empty() : tensor<16x72xf32>
  %wt = linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%wr : tensor<72x16xf32>) outs(%et : tensor<16x72xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<16x72xf32>
  %e2 = tensor.empty() : tensor<16x72xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x72xf32>) -> tensor<16x72xf32>
  %cols = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%dyr, %wt : tensor<16x16xf32>, tensor<16x72xf32>) outs(%z2 : tensor<16x72xf32>) attrs = {lathe.matmul} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<16x72xf32>
  %cols6 = tensor.expand_shape %cols [[0, 1, 2], [3, 4, 5]] output_shape [1, 4, 4, 3, 3, 8] : tensor<16x72xf32> into tensor<1x4x4x3x3x8xf32>
  %e4 = tensor.empty() : tensor<1x6x6x8xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %sums = linalg.generic {indexing_maps = [#id6, #sum1], iterator_types = ["parallel", "reduction", "reduction", "reduction", "reduction", "parallel"]}
    ins(%cols6 : tensor<1x4x4x3x3x8xf32>) outs(%z4 : tensor<1x6x6x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<1x6x6x8xf32>
  %dx = tensor.extract_slice %sums[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : tensor<1x6x6x8xf32> to tensor<1x4x4x8xf32>
  return %dx : tensor<1x4x4x8xf32>
}

func.func @one_channel(%dy: tensor<2x2x2x16xf32>, %w: tensor<3x3x1x16xf32>) -> tensor<2x3x3x1xf32> {
  %zero = arith.constant 0.0 : f32
  %dyr = tensor.collapse_shape %dy [[0, 1, 2], [3]] : tensor<2x2x2x16xf32> into tensor<8x16xf32>
  %wr = tensor.collapse_shape %w [[0, 1, 2], [3]] : tensor<3x3x1x16xf32> into tensor<9x16xf32>
  %et = tensor.empty() : tensor<16x9xf32>
  %wt = linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%wr : tensor<9x16xf32>) outs(%et : tensor<16x9xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<16x9xf32>
  %e2 = tensor.empty() : tensor<8x9xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x9xf32>) -> tensor<8x9xf32>
  %cols = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
    ins(%dyr, %wt : tensor<8x16xf32>, tensor<16x9xf32>) outs(%z2 : tensor<8x9xf32>) attrs = {lathe.matmul} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<8x9xf32>
  %cols6 = tensor.expand_shape %cols [[0, 1, 2], [3, 4, 5]] output_shape [2, 2, 2, 3, 3, 1] : tensor<8x9xf32> into tensor<2x2x2x3x3x1xf32>
  %e4 = tensor.empty() : tensor<2x5x5x1xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x5x5x1xf32>) -> tensor<2x5x5x1xf32>
  %sums = linalg.generic {indexing_maps = [#id6, #sum], iterator_types = ["parallel", "reduction", "reduction", "reduction", "reduction", "parallel"]}
    ins(%cols6 : tensor<2x2x2x3x3x1xf32>) outs(%z4 : tensor<2x5x5x1xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<2x5x5x1xf32>
  %dx = tensor.extract_slice %sums[0, 1, 1, 0] [2, 3, 3, 1] [1, 1, 1, 1] : tensor<2x5x5x1xf32> to tensor<2x3x3x1xf32>
  return %dx : tensor<2x3x3x1xf32>
}
