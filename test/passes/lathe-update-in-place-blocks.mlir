// An update in blocks (an scf.for, as lathe-fuse-gradient-update makes):
// once its empty start is the argument, each block reads the old value
// through the loop's iteration argument, and the loop's result is not
// materialized in the argument again (the loop writes it in place; one-shot
// bufferization cannot resolve that materialization). Bufferized, the step
// updates its argument in place, and lathe-drop-argument-results sees
// through the loop to the argument.
// RUN: lathe-opt %s --lathe-update-in-place | FileCheck %s
// RUN: lathe-opt %s --lathe-update-in-place --one-shot-bufferize="bufferize-function-boundaries=true function-boundary-type-conversion=identity-layout-map" --lathe-drop-argument-results --cse --canonicalize | FileCheck %s --check-prefix=BUF

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<16xf32>
// CHECK: %[[NEW:.*]] = scf.for %[[I:.*]] = {{.*}} iter_args(%[[C:.*]] = %[[W]])
// CHECK: %[[OLD:.*]] = tensor.extract_slice %[[C]][%[[I]]] [8] [1]
// CHECK: linalg.generic {{.*}} ins(%[[OLD]], %{{.*}} : tensor<8xf32>, tensor<8xf32>) outs(%[[OLD]] : tensor<8xf32>)
// CHECK-NOT: materialize_in_destination
// CHECK: return %[[NEW]],
// BUF-LABEL: func.func @step(
// BUF-SAME: %[[W:[a-z0-9]+]]: memref<16xf32>
// BUF-SAME: -> memref<f32>
// BUF-NOT: memref.alloc() : memref<16xf32>
// BUF-NOT: memref.copy
// BUF: scf.for
// BUF: %[[PART:.*]] = memref.subview %[[W]]
// BUF: linalg.generic {{.*}} outs(%[[PART]] :
// BUF-NOT: memref.copy
// BUF: return %{{.*}} : memref<f32>
func.func @step(%w: tensor<16xf32>, %g: tensor<16xf32>, %loss: tensor<f32>)
    -> (tensor<16xf32>, tensor<f32>)
    attributes {lathe.entry, lathe.updates = array<i64: 0>} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %e = tensor.empty() : tensor<16xf32>
  %nw = scf.for %i = %c0 to %c16 step %c8 iter_args(%acc = %e) -> (tensor<16xf32>) {
    %old = tensor.extract_slice %w[%i] [8] [1] : tensor<16xf32> to tensor<8xf32>
    %gs = tensor.extract_slice %g[%i] [8] [1] : tensor<16xf32> to tensor<8xf32>
    %dst = tensor.extract_slice %acc[%i] [8] [1] : tensor<16xf32> to tensor<8xf32>
    %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%old, %gs : tensor<8xf32>, tensor<8xf32>) outs(%dst : tensor<8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %d = arith.subf %a, %b : f32
      linalg.yield %d : f32
    } -> tensor<8xf32>
    %ins = tensor.insert_slice %r into %acc[%i] [8] [1] : tensor<8xf32> into tensor<16xf32>
    scf.yield %ins : tensor<16xf32>
  }
  return %nw, %loss : tensor<16xf32>, tensor<f32>
}
