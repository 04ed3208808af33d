// 2-D transposes with sides that are multiples of 16 become loops over
// 16x16 blocks: row reads, a register transpose, row writes.
// RUN: lathe-opt %s --lathe-vectorize-transpose | FileCheck %s
// RUN: lathe-opt %s --lathe-vectorize-transpose --lathe-lower-vectors | FileCheck %s --check-prefix=LOWERED

#in = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK: #[[T:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-LABEL: func.func @kernel_t
// CHECK: scf.for %{{.*}} = %c0 to %c128 step %c16
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c5408 step %c16
// CHECK: vector.transfer_read {{.*}} {permutation_map = #[[T]]} : tensor<16x16xf32>, vector<16x16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16x16xf32>, tensor<16x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
// The block is read as rows and its 256 elements move between registers.
// LOWERED-LABEL: func.func @kernel_t
// LOWERED: vector.transfer_read
// LOWERED-NOT: permutation_map
// LOWERED-COUNT-256: vector.insert
// LOWERED: vector.transfer_write
// LOWERED: return
func.func @kernel_t(%w: tensor<5408x128xf32>) -> tensor<128x5408xf32> {
  %e = tensor.empty() : tensor<128x5408xf32>
  %t = linalg.generic {indexing_maps = [#in, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<5408x128xf32>) outs(%e : tensor<128x5408xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<128x5408xf32>
  return %t : tensor<128x5408xf32>
}

// A side that is not a multiple of 16 (the MLP's 128x10 kernel) stays a
// plain generic.
// CHECK-LABEL: func.func @small
// CHECK: linalg.generic
// CHECK-NOT: vector.transpose
func.func @small(%w: tensor<128x10xf32>) -> tensor<10x128xf32> {
  %e = tensor.empty() : tensor<10x128xf32>
  %t = linalg.generic {indexing_maps = [#in, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<128x10xf32>) outs(%e : tensor<10x128xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<10x128xf32>
  return %t : tensor<10x128xf32>
}

// A copy that also computes is not a transpose.
// CHECK-LABEL: func.func @scaled
// CHECK: linalg.generic
// CHECK: arith.mulf
func.func @scaled(%w: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %e = tensor.empty() : tensor<32x32xf32>
  %t = linalg.generic {indexing_maps = [#in, #id], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<32x32xf32>
  return %t : tensor<32x32xf32>
}
