// Every Lathe op prints and parses back to the same IR.
// RUN: lathe-opt %s | lathe-opt | FileCheck %s
// RUN: lathe-opt %s --mlir-print-op-generic | lathe-opt | FileCheck %s

// CHECK-LABEL: func.func @layers
func.func @layers(%x: tensor<4x28x28x1xf32>, %f: tensor<3x3x1x8xf32>, %b8: tensor<8xf32>,
                  %w: tensor<1352x10xf32>, %b10: tensor<10xf32>,
                  %tf: tensor<5x5x2x8xf32>, %b2: tensor<2xf32>) -> tensor<4x10xf32> {
  // CHECK: lathe.conv2d %{{.*}} {padding = "valid", stride = 1 : i64} : tensor<4x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32> -> tensor<4x26x26x8xf32>
  %0 = lathe.conv2d %x, %f, %b8 {stride = 1 : i64, padding = "valid"} : tensor<4x28x28x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32> -> tensor<4x26x26x8xf32>
  // CHECK: lathe.relu %{{.*}} : tensor<4x26x26x8xf32>
  %1 = lathe.relu %0 : tensor<4x26x26x8xf32>
  // CHECK: lathe.maxpool2d %{{.*}} {size = 2 : i64, stride = 2 : i64} : tensor<4x26x26x8xf32> -> tensor<4x13x13x8xf32>
  %2 = lathe.maxpool2d %1 {size = 2 : i64, stride = 2 : i64} : tensor<4x26x26x8xf32> -> tensor<4x13x13x8xf32>
  // CHECK: lathe.conv2d_transpose %{{.*}} {padding = "same", stride = 2 : i64} : tensor<4x13x13x8xf32>, tensor<5x5x2x8xf32>, tensor<2xf32> -> tensor<4x26x26x2xf32>
  %t = lathe.conv2d_transpose %2, %tf, %b2 {stride = 2 : i64, padding = "same"} : tensor<4x13x13x8xf32>, tensor<5x5x2x8xf32>, tensor<2xf32> -> tensor<4x26x26x2xf32>
  // CHECK: lathe.leaky_relu %{{.*}} {alpha = 1.000000e-02 : f64} : tensor<4x26x26x2xf32>
  %l = lathe.leaky_relu %t {alpha = 0.01 : f64} : tensor<4x26x26x2xf32>
  // CHECK: lathe.tanh %{{.*}} : tensor<4x26x26x2xf32>
  %th = lathe.tanh %l : tensor<4x26x26x2xf32>
  // CHECK: lathe.flatten %{{.*}} : tensor<4x13x13x8xf32> -> tensor<4x1352xf32>
  %3 = lathe.flatten %2 : tensor<4x13x13x8xf32> -> tensor<4x1352xf32>
  // CHECK: lathe.dropout %{{.*}} {rate = 2.000000e-01 : f64} : tensor<4x1352xf32>
  %4 = lathe.dropout %3 {rate = 0.2 : f64} : tensor<4x1352xf32>
  // CHECK: lathe.dense %{{.*}} : tensor<4x1352xf32>, tensor<1352x10xf32>, tensor<10xf32> -> tensor<4x10xf32>
  %5 = lathe.dense %4, %w, %b10 : tensor<4x1352xf32>, tensor<1352x10xf32>, tensor<10xf32> -> tensor<4x10xf32>
  // CHECK: lathe.sigmoid %{{.*}} : tensor<4x10xf32>
  %6 = lathe.sigmoid %5 : tensor<4x10xf32>
  // CHECK: lathe.softmax %{{.*}} : tensor<4x10xf32>
  %7 = lathe.softmax %6 : tensor<4x10xf32>
  return %7 : tensor<4x10xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<4x26x26x8xf32>) -> tensor<4x8xf32> {
  // CHECK: lathe.avgpool2d %{{.*}} {size = 2 : i64, stride = 3 : i64} : tensor<4x26x26x8xf32> -> tensor<4x9x9x8xf32>
  %0 = lathe.avgpool2d %x {size = 2 : i64, stride = 3 : i64} : tensor<4x26x26x8xf32> -> tensor<4x9x9x8xf32>
  // CHECK: lathe.global_avgpool %{{.*}} : tensor<4x9x9x8xf32> -> tensor<4x8xf32>
  %1 = lathe.global_avgpool %0 : tensor<4x9x9x8xf32> -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @norm
func.func @norm(%x: tensor<4x7x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<4x7x16xf32> {
  // CHECK: lathe.layernorm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f64} : tensor<4x7x16xf32>, tensor<16xf32>, tensor<16xf32>
  %0 = lathe.layernorm %x, %g, %b {epsilon = 1.0e-3 : f64} : tensor<4x7x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %0 : tensor<4x7x16xf32>
}

// CHECK-LABEL: func.func @batchnorm
func.func @batchnorm(%x: tensor<4x5x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                     %m: tensor<8xf32>, %v: tensor<8xf32>, %k: tensor<4xf32>)
    -> (tensor<4x5x5x8xf32>, tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<4x5x5x8xf32>) {
  // CHECK: lathe.batchnorm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f64, momentum = 7.500000e-01 : f64} : tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  %0 = lathe.batchnorm %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f64, momentum = 0.75 : f64} : tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: lathe.batchnorm_train %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} {epsilon = 1.000000e-03 : f64, momentum = 9.000000e-01 : f64} : tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>
  %1:3 = lathe.batchnorm_train %x, %g, %b, %m, %v mask %k {epsilon = 1.0e-3 : f64, momentum = 0.9 : f64} : tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>
  // CHECK: lathe.batchnorm_train %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon
  %2:3 = lathe.batchnorm_train %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f64, momentum = 0.9 : f64} : tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
  return %0, %1#0, %1#1, %2#0 : tensor<4x5x5x8xf32>, tensor<4x5x5x8xf32>, tensor<8xf32>, tensor<4x5x5x8xf32>
}

// CHECK-LABEL: func.func @text
func.func @text(%ids: tensor<2x7xi32>, %t: tensor<100x4xf32>, %k: tensor<4x12xf32>,
                %r: tensor<3x12xf32>, %b: tensor<12xf32>) -> (tensor<2x3x7xf32>, tensor<2x3xf32>) {
  // CHECK: lathe.embedding %{{.*}} : tensor<2x7xi32>, tensor<100x4xf32> -> tensor<2x7x4xf32>
  %e = lathe.embedding %ids, %t : tensor<2x7xi32>, tensor<100x4xf32> -> tensor<2x7x4xf32>
  // CHECK: lathe.lstm %{{.*}} {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  %s = lathe.lstm %e, %k, %r, %b {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  // CHECK: lathe.lstm %{{.*}} {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x3xf32>
  %h = lathe.lstm %e, %k, %r, %b {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x3xf32>
  // CHECK: lathe.reshape %{{.*}} : tensor<2x7x3xf32> -> tensor<2x3x7xf32>
  %re = lathe.reshape %s : tensor<2x7x3xf32> -> tensor<2x3x7xf32>
  return %re, %h : tensor<2x3x7xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @sequence_masks
func.func @sequence_masks(%ids: tensor<2x7xi32>, %x: tensor<2x7x4xf32>, %k: tensor<4x12xf32>,
                  %r: tensor<3x12xf32>, %b: tensor<12xf32>, %gk: tensor<4x9xf32>,
                  %gr: tensor<3x9xf32>, %gb: tensor<2x9xf32>)
    -> (tensor<2x7x3xf32>, tensor<2x3xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: lathe.sequence_mask %{{.*}} : tensor<2x7xi32> -> tensor<2x7xf32>
  %m = lathe.sequence_mask %ids : tensor<2x7xi32> -> tensor<2x7xf32>
  // CHECK: lathe.lstm %{{.*}} mask(%{{.*}} : tensor<2x7xf32>) {return_sequences = true, reverse} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  %s = lathe.lstm %x, %k, %r, %b mask(%m : tensor<2x7xf32>) {return_sequences = true, reverse} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  // CHECK: lathe.gru %{{.*}} mask(%{{.*}} : tensor<2x7xf32>) {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  %h = lathe.gru %x, %gk, %gr, %gb mask(%m : tensor<2x7xf32>) {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  // CHECK: lathe.global_avgpool %{{.*}} mask(%{{.*}} : tensor<2x7xf32>) : tensor<2x7x4xf32> -> tensor<2x4xf32>
  %g = lathe.global_avgpool %x mask(%m : tensor<2x7xf32>) : tensor<2x7x4xf32> -> tensor<2x4xf32>
  // CHECK: lathe.global_maxpool %{{.*}} mask(%{{.*}} : tensor<2x7xf32>) : tensor<2x7x4xf32> -> tensor<2x4xf32>
  %gm = lathe.global_maxpool %x mask(%m : tensor<2x7xf32>) : tensor<2x7x4xf32> -> tensor<2x4xf32>
  return %s, %h, %g, %gm : tensor<2x7x3xf32>, tensor<2x3xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @gru
func.func @gru(%x: tensor<2x7x4xf32>, %k: tensor<4x9xf32>, %r: tensor<3x9xf32>,
               %b: tensor<2x9xf32>) -> (tensor<2x7x3xf32>, tensor<2x3xf32>) {
  // CHECK: lathe.gru %{{.*}} {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x7x3xf32>
  %s = lathe.gru %x, %k, %r, %b {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x7x3xf32>
  // CHECK: lathe.gru %{{.*}} {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  %h = lathe.gru %x, %k, %r, %b {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  return %s, %h : tensor<2x7x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @sequences
func.func @sequences(%x: tensor<2x9x4xf32>, %f: tensor<3x4x8xf32>, %b: tensor<8xf32>)
    -> (tensor<2x2x8xf32>, tensor<2x4x8xf32>, tensor<2x8xf32>) {
  // CHECK: lathe.conv1d %{{.*}} {padding = "same", stride = 2 : i64} : tensor<2x9x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>
  %0 = lathe.conv1d %x, %f, %b {stride = 2 : i64, padding = "same"} : tensor<2x9x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>
  // CHECK: lathe.conv1d %{{.*}} {padding = "valid", stride = 1 : i64} : tensor<2x9x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x7x8xf32>
  %1 = lathe.conv1d %x, %f, %b {stride = 1 : i64, padding = "valid"} : tensor<2x9x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x7x8xf32>
  // CHECK: lathe.maxpool1d %{{.*}} {size = 2 : i64, stride = 3 : i64} : tensor<2x7x8xf32> -> tensor<2x2x8xf32>
  %2 = lathe.maxpool1d %1 {size = 2 : i64, stride = 3 : i64} : tensor<2x7x8xf32> -> tensor<2x2x8xf32>
  // CHECK: lathe.avgpool1d %{{.*}} {size = 1 : i64, stride = 1 : i64} : tensor<2x5x8xf32> -> tensor<2x5x8xf32>
  %3 = lathe.avgpool1d %0 {size = 1 : i64, stride = 1 : i64} : tensor<2x5x8xf32> -> tensor<2x5x8xf32>
  // CHECK: lathe.avgpool1d %{{.*}} {size = 2 : i64, stride = 2 : i64} : tensor<2x9x4xf32> -> tensor<2x4x4xf32>
  %4 = lathe.avgpool1d %x {size = 2 : i64, stride = 2 : i64} : tensor<2x9x4xf32> -> tensor<2x4x4xf32>
  // CHECK: lathe.global_avgpool %{{.*}} : tensor<2x5x8xf32> -> tensor<2x8xf32>
  %g = lathe.global_avgpool %3 : tensor<2x5x8xf32> -> tensor<2x8xf32>
  // CHECK: lathe.global_maxpool %{{.*}} : tensor<2x5x8xf32> -> tensor<2x8xf32>
  %5 = lathe.global_maxpool %3 : tensor<2x5x8xf32> -> tensor<2x8xf32>
  %6 = lathe.conv1d %4, %f, %b {stride = 1 : i64, padding = "same"} : tensor<2x4x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x4x8xf32>
  return %2, %6, %5 : tensor<2x2x8xf32>, tensor<2x4x8xf32>, tensor<2x8xf32>
}

// CHECK-LABEL: func.func @bidirectional
func.func @bidirectional(%x: tensor<2x7x4xf32>, %k: tensor<4x12xf32>, %r: tensor<3x12xf32>,
                         %b: tensor<12xf32>, %gk: tensor<4x9xf32>, %gr: tensor<3x9xf32>,
                         %gb: tensor<2x9xf32>) -> (tensor<2x7x6xf32>, tensor<2x9xf32>) {
  // CHECK: lathe.lstm %{{.*}} {return_sequences = true, reverse} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  %f = lathe.lstm %x, %k, %r, %b {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  %g = lathe.lstm %x, %k, %r, %b {return_sequences = true, reverse} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x7x3xf32>
  // CHECK: lathe.concat %{{.*}}, %{{.*}} : tensor<2x7x3xf32>, tensor<2x7x3xf32> -> tensor<2x7x6xf32>
  %s = lathe.concat %f, %g : tensor<2x7x3xf32>, tensor<2x7x3xf32> -> tensor<2x7x6xf32>
  // CHECK: lathe.gru %{{.*}} {return_sequences = false, reverse} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  %h = lathe.gru %x, %gk, %gr, %gb {reverse, return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  // CHECK: lathe.concat %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x9xf32>
  %c = lathe.concat %h, %h, %h : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x9xf32>
  return %s, %c : tensor<2x7x6xf32>, tensor<2x9xf32>
}

// CHECK-LABEL: func.func @losses
func.func @losses(%p: tensor<8x10xf32>, %onehot: tensor<8x10xf32>, %labels: tensor<8xi32>,
                  %q: tensor<8x1xf32>, %y: tensor<8x1xf32>) -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>) {
  // CHECK: lathe.mse %{{.*}} : tensor<8x1xf32>, tensor<8x1xf32>
  %0 = lathe.mse %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
  // CHECK: lathe.binary_crossentropy %{{.*}} : tensor<8x1xf32>, tensor<8x1xf32>
  %1 = lathe.binary_crossentropy %q, %y : tensor<8x1xf32>, tensor<8x1xf32>
  // CHECK: lathe.categorical_crossentropy %{{.*}} : tensor<8x10xf32>, tensor<8x10xf32>
  %2 = lathe.categorical_crossentropy %p, %onehot : tensor<8x10xf32>, tensor<8x10xf32>
  // CHECK: lathe.sparse_categorical_crossentropy %{{.*}} : tensor<8x10xf32>, tensor<8xi32>
  %3 = lathe.sparse_categorical_crossentropy %p, %labels : tensor<8x10xf32>, tensor<8xi32>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f32>
}

func.func @net(%x: tensor<8x4xf32>, %w: tensor<4x1xf32>, %b: tensor<1xf32>) -> tensor<8x1xf32> {
  %0 = lathe.dense %x, %w, %b : tensor<8x4xf32>, tensor<4x1xf32>, tensor<1xf32> -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
func.func @loss(%x: tensor<8x4xf32>, %y: tensor<8x1xf32>, %w: tensor<4x1xf32>, %b: tensor<1xf32>) -> tensor<f32> {
  %0 = call @net(%x, %w, %b) : (tensor<8x4xf32>, tensor<4x1xf32>, tensor<1xf32>) -> tensor<8x1xf32>
  %1 = lathe.mse %0, %y : tensor<8x1xf32>, tensor<8x1xf32>
  return %1 : tensor<f32>
}
// CHECK: lathe.supervised @recipe {batch = 8 : i64, data = {kind = "csv", path = "d.csv"}, epochs = 3 : i64, loss = "mse", loss_fn = @loss, metrics = ["mae"], network = @net, optimizer = {lr = 1.000000e-02 : f64, name = "sgd"}, seed = 0 : i64, validation_split = 0.000000e+00 : f64}
lathe.supervised @recipe {network = @net, loss_fn = @loss, loss = "mse",
    optimizer = {name = "sgd", lr = 0.01 : f64}, batch = 8 : i64, epochs = 3 : i64,
    metrics = ["mae"], validation_split = 0.0 : f64, seed = 0 : i64,
    data = {kind = "csv", path = "d.csv"}}

func.func @gen(%z: tensor<8x2xf32>, %w: tensor<2x4xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  %0 = lathe.dense %z, %w, %b : tensor<8x2xf32>, tensor<2x4xf32>, tensor<4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
// CHECK: lathe.gan @g {batch = 8 : i64, data = {}, discriminator = @net, epochs = 1 : i64, generator = @gen, loss = "binary_crossentropy", noise = "uniform", noise_dim = 2 : i64, optimizer = {lr = 1.000000e-04 : f64, name = "adam"}, seed = 0 : i64}
lathe.gan @g {generator = @gen, discriminator = @net, noise = "uniform", noise_dim = 2 : i64,
    loss = "binary_crossentropy", optimizer = {name = "adam", lr = 1.0e-4 : f64},
    batch = 8 : i64, epochs = 1 : i64, seed = 0 : i64, data = {}}

// CHECK-LABEL: func.func @masked
func.func @masked(%p: tensor<8x10xf32>, %labels: tensor<8xi32>, %m: tensor<8xf32>) -> tensor<f32> {
  // CHECK: lathe.sparse_categorical_crossentropy %{{.*}}, %{{.*}} mask %{{.*}} : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32>
  %0 = lathe.sparse_categorical_crossentropy %p, %labels mask %m : tensor<8x10xf32>, tensor<8xi32>, tensor<8xf32>
  return %0 : tensor<f32>
}
