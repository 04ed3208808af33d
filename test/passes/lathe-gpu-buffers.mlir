// On the NVPTX target allocations become gpu.alloc (the runtime hands out
// CUDA managed memory, which the host code between kernels reaches too),
// deallocations gpu.dealloc (made asynchronous on the step's stream by
// gpu-async-region), and copies linalg.copy (later a kernel). A constant array in the host's data would be
// out of the kernels' reach: an error.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-buffers --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @step
// CHECK: %[[T:.*]] = gpu.alloc () : memref<64x32xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.copy ins(%{{.*}} : memref<64x32xf32>) outs(%[[T]] : memref<64x32xf32>)
// CHECK-NOT: memref.copy
// CHECK: gpu.dealloc %[[T]] : memref<64x32xf32>
// CHECK-NOT: memref.dealloc
func.func @step(%x: memref<64x32xf32>, %y: memref<64x32xf32>) {
  %t = memref.alloc() {alignment = 64 : i64} : memref<64x32xf32>
  memref.copy %x, %t : memref<64x32xf32> to memref<64x32xf32>
  memref.copy %t, %y : memref<64x32xf32> to memref<64x32xf32>
  memref.dealloc %t : memref<64x32xf32>
  return
}

// -----

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @constant(%y: memref<4xf32>) {
  // expected-error @+1 {{a constant array in host memory: not supported by the nvptx target}}
  %t = memref.get_global @table : memref<4xf32>
  memref.copy %t, %y : memref<4xf32> to memref<4xf32>
  return
}
