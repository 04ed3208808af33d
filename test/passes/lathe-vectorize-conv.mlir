// Direct convolutions become register kernels on tensors.
// RUN: lathe-opt %s --split-input-file --lathe-vectorize-conv --canonicalize | FileCheck %s

// Forward, output rows of 14: split into 8 and 6 positions, each tile of
// 32 columns starting from the bias in registers (the broadcast is never
// written), the window's (i, j, c) loops carrying one vector a row; each
// step broadcasts one input value a row and does one FMA a row. The
// 6-position rows are tiled with the same row of the other image: 12
// accumulators, not 6 (up to 14 positions a tile).
// CHECK-LABEL: func.func @forward
// CHECK-NOT: linalg.generic
// CHECK: vector.transfer_read %arg2{{.*}} : tensor<32xf32>, vector<32xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK-COUNT-8: vector.fma
// CHECK-COUNT-8: vector.transfer_write
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK: tensor.extract %{{.*}}[%c0, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x5x15x4xf32>
// CHECK: tensor.extract %{{.*}}[%c1, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x5x15x4xf32>
// CHECK: vector.fma
// CHECK-COUNT-12: vector.transfer_write
// CHECK-NOT: vector.transfer_write
#x = affine_map<(n, oh, ow, f, i, j, c) -> (n, oh * 2 + i, ow * 2 + j, c)>
#w = affine_map<(n, oh, ow, f, i, j, c) -> (i, j, c, f)>
#y = affine_map<(n, oh, ow, f, i, j, c) -> (n, oh, ow, f)>
#last = affine_map<(a, b, c, d) -> (d)>
#id = affine_map<(a, b, c, d) -> (a, b, c, d)>
func.func @forward(%x: tensor<2x31x31x4xf32>, %w: tensor<5x5x4x32xf32>, %bias: tensor<32xf32>) -> tensor<2x14x14x32xf32> {
  %e = tensor.empty() : tensor<2x14x14x32xf32>
  %b = linalg.generic {indexing_maps = [#last, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%bias : tensor<32xf32>) outs(%e : tensor<2x14x14x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<2x14x14x32xf32>
  %y = linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
    ins(%x, %w : tensor<2x31x31x4xf32>, tensor<5x5x4x32xf32>) outs(%b : tensor<2x14x14x32xf32>) attrs = {lathe.conv = "forward"} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x14x14x32xf32>
  return %y : tensor<2x14x14x32xf32>
}

// -----

// Filter gradient of one input channel: the tile's rows are the whole 3x3
// window (9 rows of 32 columns), each step one output position (n, oh,
// ow). 16 images and their gradients span more than 512 KB: the batch is
// summed in blocks of 4, the gradient starting as its fill in memory.
// CHECK-LABEL: func.func @filter
// CHECK: linalg.fill
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c4
// CHECK: vector.transfer_read {{.*}} : tensor<3x3x1x32xf32>, vector<32xf32>
// CHECK: scf.for {{.*}} -> (vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>, vector<32xf32>)
// CHECK-COUNT-9: vector.fma
// CHECK-COUNT-9: vector.transfer_write
#x = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh + i, ow + j, c)>
#dy = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh, ow, f)>
#g = affine_map<(i, j, c, f, n, oh, ow) -> (i, j, c, f)>
func.func @filter(%x: tensor<16x28x28x1xf32>, %dy: tensor<16x26x26x32xf32>) -> tensor<3x3x1x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x3x1x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x1x32xf32>) -> tensor<3x3x1x32xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
    ins(%x, %dy : tensor<16x28x28x1xf32>, tensor<16x26x26x32xf32>) outs(%z : tensor<3x3x1x32xf32>) attrs = {lathe.conv = "filter"} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x3x1x32xf32>
  return %g : tensor<3x3x1x32xf32>
}

// -----

// A filter gradient that fits: no blocks, the tiles start from zeros in
// registers and the fill is never written; 8 channels a tile. The loop
// over a row of 4 output positions is unrolled: loops over the images and
// the output rows only, each step 4 x 8 FMAs.
// CHECK-LABEL: func.func @small
// CHECK-NOT: linalg.fill
// CHECK: arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK-NOT: scf.for
// CHECK-COUNT-32: vector.fma
// CHECK-NOT: vector.fma
// CHECK: scf.yield
#x = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh + i, ow + j, c)>
#dy = affine_map<(i, j, c, f, n, oh, ow) -> (n, oh, ow, f)>
#g = affine_map<(i, j, c, f, n, oh, ow) -> (i, j, c, f)>
func.func @small(%x: tensor<2x6x6x16xf32>, %dy: tensor<2x4x4x16xf32>) -> tensor<3x3x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x3x16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x3x16x16xf32>) -> tensor<3x3x16x16xf32>
  %g = linalg.generic {indexing_maps = [#x, #dy, #g], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
    ins(%x, %dy : tensor<2x6x6x16xf32>, tensor<2x4x4x16xf32>) outs(%z : tensor<3x3x16x16xf32>) attrs = {lathe.conv = "filter"} {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x3x16x16xf32>
  return %g : tensor<3x3x16x16xf32>
}
