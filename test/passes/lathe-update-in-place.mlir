// A step's new parameter and state are materialized in their arguments:
// the update writes into the argument (its empty destination eliminated),
// and an update cut into parts reads the old values through the loop's
// shared output. After one-shot bufferization and
// lathe-drop-argument-results the step updates both arguments in place:
// no copy, no allocation, and only the loss is returned.
// RUN: lathe-opt %s --lathe-update-in-place | FileCheck %s
// RUN: lathe-opt %s --lathe-update-in-place --one-shot-bufferize="bufferize-function-boundaries=true function-boundary-type-conversion=identity-layout-map" --lathe-drop-argument-results --cse --canonicalize | FileCheck %s --check-prefix=BUF

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @step(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<8xf32>, %[[M:[a-z0-9]+]]: tensor<8xf32>
// (The attribute stays for lathe-drop-argument-results.)
// CHECK-SAME: lathe.updates = array<i64: 0, 1>
// CHECK: %[[NEWW:.*]] = linalg.generic {{.*}} ins(%[[W]], %{{.*}} : tensor<8xf32>, tensor<8xf32>) outs(%[[W]] : tensor<8xf32>)
// CHECK: scf.forall (%[[I:.*]]) = (0) to (8) step (4) shared_outs(%[[S:.*]] = %[[M]])
// CHECK: %[[OLD:.*]] = tensor.extract_slice %[[S]][%[[I]]] [4] [1]
// CHECK: linalg.generic {{.*}} ins(%[[OLD]], %{{.*}} : tensor<4xf32>, tensor<4xf32>) outs(%[[OLD]] : tensor<4xf32>)
// CHECK: bufferization.materialize_in_destination %[[NEWW]] in %[[W]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in %[[M]]
// BUF-LABEL: func.func @step(
// BUF-SAME: %[[W:[a-z0-9]+]]: memref<8xf32>
// BUF-SAME: %[[M:[a-z0-9]+]]: memref<8xf32>
// BUF-SAME: -> memref<f32>
// BUF-NOT: lathe.updates
// BUF-NOT: memref.alloc() : memref<{{.*}}8xf32>
// BUF-NOT: memref.copy
// BUF: linalg.generic {{.*}} outs(%[[W]] : memref<8xf32>)
// BUF: scf.forall
// BUF: %[[PART:.*]] = memref.subview %[[M]]
// BUF: linalg.generic {{.*}} outs(%[[PART]] :
// BUF-NOT: memref.copy
// BUF: return %{{.*}} : memref<f32>
func.func @step(%w: tensor<8xf32>, %m: tensor<8xf32>, %g: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<f32>)
    attributes {lathe.entry, lathe.updates = array<i64: 0, 1>} {
  %e = tensor.empty() : tensor<8xf32>
  %nw = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %nm = scf.forall (%i) = (0) to (8) step (4) shared_outs(%out = %e2) -> (tensor<8xf32>) {
    %old = tensor.extract_slice %m[%i] [4] [1] : tensor<8xf32> to tensor<4xf32>
    %gs = tensor.extract_slice %g[%i] [4] [1] : tensor<8xf32> to tensor<4xf32>
    %dst = tensor.extract_slice %out[%i] [4] [1] : tensor<8xf32> to tensor<4xf32>
    %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%old, %gs : tensor<4xf32>, tensor<4xf32>) outs(%dst : tensor<4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %d = arith.addf %a, %b : f32
      linalg.yield %d : f32
    } -> tensor<4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %r into %out[%i] [4] [1] : tensor<4xf32> into tensor<8xf32>
    }
  }
  %c0 = arith.constant 0 : index
  %x = tensor.extract %g[%c0] : tensor<8xf32>
  %loss = tensor.from_elements %x : tensor<f32>
  return %nw, %nm, %loss : tensor<8xf32>, tensor<8xf32>, tensor<f32>
}

