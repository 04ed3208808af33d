// Without a CUDA toolkit there is no libdevice: the math ops left in
// kernels become LLVM intrinsics the NVPTX back end lowers itself, not
// calls to __nv_* functions. Math on the host is left alone; a math op with
// no such lowering is an error.
// RUN: lathe-opt %s --split-input-file --lathe-gpu-math --verify-diagnostics | FileCheck %s

// CHECK-LABEL: gpu.func @kernel
// CHECK: llvm.call_intrinsic "llvm.floor.f32"
// CHECK: llvm.call_intrinsic "llvm.fabs.f32"
// CHECK: llvm.call_intrinsic "llvm.sqrt.f32"
// CHECK: llvm.call_intrinsic "llvm.fma.f32"
// CHECK-NOT: math.
// CHECK-LABEL: func.func @host
// CHECK: math.floor
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%m: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<4xf32>
      %a = math.floor %v : f32
      %b = math.absf %a : f32
      %c = math.sqrt %b : f32
      %d = math.fma %a, %b, %c : f32
      memref.store %d, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
  func.func @host(%x: f32) -> f32 {
    %y = math.floor %x : f32
    return %y : f32
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%m: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<4xf32>
      // expected-error @+1 {{'math.sin' in a kernel has no lowering without CUDA's libdevice}}
      %s = math.sin %v : f32
      memref.store %s, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
}
