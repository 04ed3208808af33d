// Results that lathe.updates names, each its argument itself after
// bufferization, leave the return and the signature (and the attribute
// goes); a function without the attribute keeps its results.
// RUN: lathe-opt %s --split-input-file --verify-diagnostics --lathe-drop-argument-results | FileCheck %s

// CHECK-LABEL: func.func @step(%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>, %{{.*}}: memref<4xf32>) -> memref<f32>
// CHECK-NOT: lathe.updates
// CHECK: return %{{.*}} : memref<f32>
func.func @step(%w: memref<8xf32>, %m: memref<8xf32>, %x: memref<4xf32>)
    -> (memref<8xf32>, memref<8xf32>, memref<f32>)
    attributes {lathe.entry, lathe.updates = array<i64: 0, 1>} {
  %l = memref.alloc() : memref<f32>
  return %w, %m, %l : memref<8xf32>, memref<8xf32>, memref<f32>
}

// CHECK-LABEL: func.func @other(%{{.*}}: memref<8xf32>) -> memref<8xf32>
func.func @other(%w: memref<8xf32>) -> memref<8xf32> {
  return %w : memref<8xf32>
}

// -----

// A result that is not its argument (the update was not written in place)
// is an error, not a silently dropped value.
// expected-error @+1 {{result 0 was not written into argument 0 in place}}
func.func @copy(%w: memref<8xf32>) -> memref<8xf32>
    attributes {lathe.entry, lathe.updates = array<i64: 0>} {
  %n = memref.alloc() : memref<8xf32>
  return %n : memref<8xf32>
}
