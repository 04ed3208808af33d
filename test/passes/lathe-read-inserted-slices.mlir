// A gradient computed in parts into the interior of its padded buffer, then
// read again by a later loop (a filter gradient's parts): the later read
// takes the slice of the insert's result, and bufferization computes the
// gradient in place in the padded buffer.
// RUN: lathe-opt %s --split-input-file --lathe-read-inserted-slices | FileCheck %s
// RUN: lathe-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(lathe-read-inserted-slices), one-shot-bufferize{bufferize-function-boundaries=true}, canonicalize, cse, canonicalize)" \
// RUN:   | FileCheck %s --check-prefix=BUF
// Without the pass, the gradient gets a buffer of its own: the padded
// buffer's zeros copied in, the gradient copied back.
// RUN: lathe-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries=true}, canonicalize, cse, canonicalize)" \
// RUN:   | FileCheck %s --check-prefix=COPIED

#id = affine_map<(d0, d1) -> (d0, d1)>
#cols = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @padded_then_read
// CHECK: %[[V:.*]] = scf.forall (%{{.*}}) = (0) to (4) step (2) shared_outs
// CHECK: %[[R:.*]] = tensor.insert_slice %[[V]] into %{{.*}}[1, 1] [4, 8] [1, 1]
// CHECK: %[[S:.*]] = tensor.extract_slice %[[R]][1, 1] [4, 8] [1, 1] : tensor<6x10xf32> to tensor<4x8xf32>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: tensor.extract_slice %[[S]][
// CHECK-NOT: tensor.extract_slice %[[V]]
// CHECK: return
// BUF-LABEL: func.func @padded_then_read
// BUF-NOT: memref.alloc() {{.*}} : memref<4x8xf32>
// BUF-NOT: memref.copy
// BUF: return
// COPIED-LABEL: func.func @padded_then_read
// COPIED: memref.alloc() {{.*}} : memref<4x8xf32>
// COPIED: memref.copy
// COPIED: return
func.func @padded_then_read(%x: tensor<4x8xf32>) -> (tensor<6x10xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c2 = arith.constant 2 : index
  %e = tensor.empty() : tensor<6x10xf32>
  %pad = linalg.fill ins(%zero : f32) outs(%e : tensor<6x10xf32>) -> tensor<6x10xf32>
  %interior = tensor.extract_slice %pad[1, 1] [4, 8] [1, 1] : tensor<6x10xf32> to tensor<4x8xf32>
  %v = scf.forall (%i) = (0) to (4) step (2) shared_outs(%o = %interior) -> (tensor<4x8xf32>) {
    %xs = tensor.extract_slice %x[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %os = tensor.extract_slice %o[%i, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xs : tensor<2x8xf32>) outs(%os : tensor<2x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<2x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %p into %o[%i, 0] [2, 8] [1, 1] : tensor<2x8xf32> into tensor<4x8xf32>
    }
  }
  %r = tensor.insert_slice %v into %pad[1, 1] [4, 8] [1, 1] : tensor<4x8xf32> into tensor<6x10xf32>
  %e2 = tensor.empty() : tensor<2x8xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %w = scf.forall (%t) in (2) shared_outs(%o = %z2) -> (tensor<2x8xf32>) {
    %row = arith.muli %t, %c2 : index
    %vs = tensor.extract_slice %v[%row, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
    %os = tensor.extract_slice %o[%t, 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
    %s = linalg.generic {indexing_maps = [#id, #cols], iterator_types = ["reduction", "parallel"]}
        ins(%vs : tensor<2x8xf32>) outs(%os : tensor<8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %a = arith.addf %in, %out : f32
      linalg.yield %a : f32
    } -> tensor<8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %s into %o[%t, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<2x8xf32>
    }
  }
  %total = tensor.extract_slice %w[0, 0] [1, 8] [1, 1] : tensor<2x8xf32> to tensor<8xf32>
  return %r, %total : tensor<6x10xf32>, tensor<8xf32>
}

// -----

// Reads before the insert keep the value; a rank-reducing insert (a row
// into a matrix) gives a slice of the value's own rank.
// CHECK-LABEL: func.func @before_and_rank_reducing
// CHECK-SAME: (%[[ROW:.*]]: tensor<8xf32>, %[[M:.*]]: tensor<4x8xf32>)
// CHECK: %[[A:.*]] = linalg.add ins(%[[ROW]], %[[ROW]]
// CHECK: %[[R:.*]] = tensor.insert_slice %[[A]] into %[[M]][2, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<4x8xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[R]][2, 0] [1, 8] [1, 1] : tensor<4x8xf32> to tensor<8xf32>
// CHECK: %[[B:.*]] = linalg.mul ins(%[[S]], %[[S]]
// CHECK: return %[[R]], %[[B]]
// BUF-LABEL: func.func @before_and_rank_reducing
// COPIED-LABEL: func.func @before_and_rank_reducing
func.func @before_and_rank_reducing(%row: tensor<8xf32>, %m: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.add ins(%row, %row : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = tensor.insert_slice %a into %m[2, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %b = linalg.mul ins(%a, %a : tensor<8xf32>, tensor<8xf32>) outs(%e2 : tensor<8xf32>) -> tensor<8xf32>
  return %r, %b : tensor<4x8xf32>, tensor<8xf32>
}
