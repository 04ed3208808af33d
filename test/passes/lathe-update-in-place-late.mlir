// The old value of a parameter read after its update: the update cannot
// be written into the argument where it is computed, so it is computed in
// a buffer of its own and copied into the argument at the end, after the
// last read of the old value; the result is still the argument.
// RUN: lathe-opt %s --lathe-update-in-place --one-shot-bufferize="bufferize-function-boundaries=true function-boundary-type-conversion=identity-layout-map" --lathe-drop-argument-results | FileCheck %s
// CHECK: func.func @late(%[[W:[a-z0-9]+]]: memref<8xf32>, %{{.*}}: memref<8xf32>) -> memref<8xf32>
// CHECK: %[[NEW:.*]] = memref.alloc()
// CHECK: linalg.generic {{.*}} outs(%[[NEW]] : memref<8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[W]] : memref<8xf32>)
// CHECK: memref.copy %[[NEW]], %[[W]]
// CHECK-NEXT: return %{{.*}} : memref<8xf32>


#id = affine_map<(d0) -> (d0)>
func.func @late(%w: tensor<8xf32>, %g: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>)
    attributes {lathe.entry, lathe.updates = array<i64: 0>} {
  %e = tensor.empty() : tensor<8xf32>
  %nw = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %after = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%w : tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.mulf %a, %a : f32
    linalg.yield %d : f32
  } -> tensor<8xf32>
  return %nw, %after : tensor<8xf32>, tensor<8xf32>
}
