// Max pooling moves before relu and leaky_relu (which keep the order of
// any two values, so a window's largest activation is the activation of
// its largest value): the activation then runs on the pooled tensor.
// Activations that other ops also read, and ones that are not piecewise
// linear (sigmoid), stay where they are.
// RUN: lathe-opt %s --lathe-pool-first | FileCheck %s

// CHECK-LABEL: func.func @relu
// CHECK-SAME: (%[[X:.*]]: tensor<4x26x26x8xf32>)
// CHECK: %[[P:.*]] = lathe.maxpool2d %[[X]] {size = 2 : i64, stride = 2 : i64} : tensor<4x26x26x8xf32> -> tensor<4x13x13x8xf32>
// CHECK: %[[A:.*]] = lathe.relu %[[P]] : tensor<4x13x13x8xf32>
// CHECK: return %[[A]]
func.func @relu(%x: tensor<4x26x26x8xf32>) -> tensor<4x13x13x8xf32> {
  %0 = lathe.relu %x : tensor<4x26x26x8xf32>
  %1 = lathe.maxpool2d %0 {size = 2 : i64, stride = 2 : i64} : tensor<4x26x26x8xf32> -> tensor<4x13x13x8xf32>
  return %1 : tensor<4x13x13x8xf32>
}

// CHECK-LABEL: func.func @leaky
// CHECK-SAME: (%[[X:.*]]: tensor<2x9x9x3xf32>)
// CHECK: %[[P:.*]] = lathe.maxpool2d %[[X]] {size = 3 : i64, stride = 2 : i64} : tensor<2x9x9x3xf32> -> tensor<2x4x4x3xf32>
// CHECK: %[[A:.*]] = lathe.leaky_relu %[[P]] {alpha = 1.000000e-01 : f64} : tensor<2x4x4x3xf32>
// CHECK: return %[[A]]
func.func @leaky(%x: tensor<2x9x9x3xf32>) -> tensor<2x4x4x3xf32> {
  %0 = lathe.leaky_relu %x {alpha = 0.1 : f64} : tensor<2x9x9x3xf32>
  %1 = lathe.maxpool2d %0 {size = 3 : i64, stride = 2 : i64} : tensor<2x9x9x3xf32> -> tensor<2x4x4x3xf32>
  return %1 : tensor<2x4x4x3xf32>
}

// CHECK-LABEL: func.func @shared
// CHECK: %[[A:.*]] = lathe.relu %{{.*}} : tensor<1x4x4x2xf32>
// CHECK: lathe.maxpool2d %[[A]]
// CHECK-NOT: lathe.relu
func.func @shared(%x: tensor<1x4x4x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x4x4x2xf32>) {
  %0 = lathe.relu %x : tensor<1x4x4x2xf32>
  %1 = lathe.maxpool2d %0 {size = 2 : i64, stride = 2 : i64} : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  return %1, %0 : tensor<1x2x2x2xf32>, tensor<1x4x4x2xf32>
}

// CHECK-LABEL: func.func @sigmoid
// CHECK: %[[A:.*]] = lathe.sigmoid %{{.*}} : tensor<1x4x4x2xf32>
// CHECK: lathe.maxpool2d %[[A]]
func.func @sigmoid(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = lathe.sigmoid %x : tensor<1x4x4x2xf32>
  %1 = lathe.maxpool2d %0 {size = 2 : i64, stride = 2 : i64} : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// In the pipeline, before autodiff: the CNN's ReLU runs on its pooled
// 13x13 maps.
// RUN: lathe --emit=train %models/fashion_cnn.lathe | FileCheck %s --check-prefix=CNN
// CNN: %[[P:.*]] = lathe.maxpool2d %{{.*}} : tensor<32x26x26x32xf32> -> tensor<32x13x13x32xf32>
// CNN-NEXT: lathe.relu %[[P]] : tensor<32x13x13x32xf32>
