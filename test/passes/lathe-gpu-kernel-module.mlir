// gpu-kernel-outlining makes one GPU module per kernel, named after the
// entry point (`model.train_step_kernel`). The kernels move into one module,
// lathe_kernels (one PTX file per model), each named after its old module
// with the dots PTX identifiers cannot hold replaced by `_`; the launches
// follow. Shared (workgroup) buffers get 16-byte alignment.
// RUN: lathe-opt %s --lathe-gpu-kernel-module | FileCheck %s

// CHECK-LABEL: func.func @model.train_step
// CHECK: gpu.launch_func @lathe_kernels::@model_train_step_kernel blocks
// CHECK: gpu.launch_func @lathe_kernels::@model_train_step_kernel_0 blocks
// CHECK: gpu.module @lathe_kernels
// CHECK-DAG: gpu.func @model_train_step_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: gpu.func @model_train_step_kernel_0(%{{.*}}: memref<4xf32>) workgroup(%{{.*}} : memref<4xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @model.train_step(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @model.train_step_kernel::@model.train_step_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @model.train_step_kernel_0::@model.train_step_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
  gpu.module @model.train_step_kernel {
    gpu.func @model.train_step_kernel(%m: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %m[%i] : memref<4xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @model.train_step_kernel_0 {
    gpu.func @model.train_step_kernel(%m: memref<4xf32>) workgroup(%s : memref<4xf32, #gpu.address_space<workgroup>>) kernel {
      %i = gpu.thread_id x
      %u = memref.load %m[%i] : memref<4xf32>
      memref.store %u, %s[%i] : memref<4xf32, #gpu.address_space<workgroup>>
      %v = memref.load %s[%i] : memref<4xf32, #gpu.address_space<workgroup>>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
}
