// A temporary that only kernels touch (through views too) stays plain
// device memory; one the host code loads from, or hands to a call, gets
// host_shared (managed memory). An asynchronous one becomes synchronous
// between two waits (gpu-to-llvm lowers no asynchronous host-shared
// allocation). An argument the host reads is copied on entry into a
// host-shared buffer that stands for it (copied back before the return
// unless only host loads use it), so the caller may pass device memory.
// RUN: lathe-opt %s --lathe-gpu-host-shared | FileCheck %s

// CHECK-LABEL: func.func @step
// CHECK: %[[KERNELS:.*]] = gpu.alloc () : memref<4x8xf32>
// CHECK: %[[HOST:.*]] = gpu.alloc host_shared () : memref<32xi32>
// CHECK: %[[CALLED:.*]] = gpu.alloc host_shared () : memref<8xf32>
module attributes {gpu.container_module} {
  func.func private @use(memref<8xf32>)
  func.func @step(%x: memref<32xf32>) -> i32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %k = gpu.alloc () : memref<4x8xf32>
    %flat = memref.collapse_shape %k [[0, 1]] : memref<4x8xf32> into memref<32xf32>
    gpu.launch_func @kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%flat : memref<32xf32>, %x : memref<32xf32>)
    %h = gpu.alloc () : memref<32xi32>
    gpu.launch_func @kernels::@ids blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%h : memref<32xi32>)
    %v = memref.load %h[%c0] : memref<32xi32>
    %c = gpu.alloc () : memref<8xf32>
    func.call @use(%c) : (memref<8xf32>) -> ()
    gpu.dealloc %k : memref<4x8xf32>
    gpu.dealloc %h : memref<32xi32>
    gpu.dealloc %c : memref<8xf32>
    return %v : i32
  }
  // CHECK-LABEL: func.func @async_step
  // CHECK: %[[T0:.*]] = gpu.wait async
  // CHECK: %[[K:.*]], %{{.*}} = gpu.alloc async [%[[T0]]] () : memref<16xf32>
  // CHECK: gpu.wait [%[[T0]]]
  // CHECK-NEXT: %[[H:.*]] = gpu.alloc host_shared () : memref<32xi32>
  // CHECK-NEXT: %[[T:.*]] = gpu.wait async
  // CHECK: gpu.wait [%[[T]]]
  // CHECK: memref.load %[[H]]
  func.func @async_step() -> i32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %t0 = gpu.wait async
    %k, %tk = gpu.alloc async [%t0] () : memref<16xf32>
    %h, %th = gpu.alloc async [%t0] () : memref<32xi32>
    %t1 = gpu.launch_func async [%th, %tk] @kernels::@ids blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%h : memref<32xi32>)
    gpu.wait [%th]
    %v = memref.load %h[%c0] : memref<32xi32>
    return %v : i32
  }
  // CHECK-LABEL: func.func @reads_argument
  // CHECK-SAME: (%[[IDS:.*]]: memref<8xi32>, %[[OUT:.*]]: memref<8xf32>, %[[ONLY:.*]]: memref<8xf32>, %[[RO:.*]]: memref<4xi32>)
  // CHECK: %[[C3:.*]] = gpu.alloc host_shared () : memref<4xi32>
  // CHECK: gpu.memcpy async [%{{.*}}] %[[C3]], %[[RO]]
  // CHECK: %[[C2:.*]] = gpu.alloc host_shared () : memref<8xf32>
  // CHECK: %[[W2:.*]] = gpu.wait async
  // CHECK: %[[M2:.*]] = gpu.memcpy async [%[[W2]]] %[[C2]], %[[OUT]]
  // CHECK: gpu.wait [%[[M2]]]
  // CHECK: %[[C1:.*]] = gpu.alloc host_shared () : memref<8xi32>
  // CHECK: gpu.memcpy async [%{{.*}}] %[[C1]], %[[IDS]]
  // CHECK-NOT: gpu.alloc host_shared
  // CHECK: gpu.launch_func @kernels::@ids8 {{.*}} args(%[[C1]] : memref<8xi32>)
  // CHECK: memref.load %[[C1]]
  // CHECK: memref.store %{{.*}}, %[[C2]]
  // CHECK: memref.load %[[C3]]
  // CHECK: gpu.launch_func @kernels::@fill8 {{.*}} args(%[[ONLY]] : memref<8xf32>)
  // Copied back: the argument a kernel may write, the one the host writes;
  // the one only host loads read is not.
  // CHECK: gpu.memcpy async [%{{.*}}] %[[IDS]], %[[C1]]
  // CHECK: gpu.dealloc async [%{{.*}}] %[[C1]]
  // CHECK: gpu.memcpy async [%{{.*}}] %[[OUT]], %[[C2]]
  // CHECK: gpu.dealloc async [%{{.*}}] %[[C2]]
  // CHECK-NOT: gpu.memcpy
  // CHECK: %[[FREED:.*]] = gpu.dealloc async [%{{.*}}] %[[C3]]
  // CHECK-NEXT: gpu.wait [%[[FREED]]]
  // CHECK-NEXT: return
  func.func @reads_argument(%ids: memref<8xi32>, %out: memref<8xf32>, %only: memref<8xf32>, %ro: memref<4xi32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    gpu.launch_func @kernels::@ids8 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%ids : memref<8xi32>)
    %i = memref.load %ids[%c0] : memref<8xi32>
    %f = arith.sitofp %i : i32 to f32
    memref.store %f, %out[%c0] : memref<8xf32>
    %r = memref.load %ro[%c0] : memref<4xi32>
    gpu.launch_func @kernels::@fill8 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%only : memref<8xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @fill(%a: memref<32xf32>, %b: memref<32xf32>) kernel {
      gpu.return
    }
    gpu.func @ids(%a: memref<32xi32>) kernel {
      gpu.return
    }
    gpu.func @ids8(%a: memref<8xi32>) kernel {
      gpu.return
    }
    gpu.func @fill8(%a: memref<8xf32>) kernel {
      gpu.return
    }
  }
}
