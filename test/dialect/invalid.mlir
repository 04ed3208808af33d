// Each verifier and type-inference error of the Lathe dialect.
// RUN: lathe-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect

func.func @dense_rank(%x: tensor<4x2x2xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{dense input must have rank 2, got [4, 2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.dense %x, %w, %b : tensor<4x2x2xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @dense_features(%x: tensor<4x5xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{dense weight [4, 3] does not take 5 input features}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.dense %x, %w, %b : tensor<4x5xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<4x4xf32>, %w: tensor<4x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+2 {{dense bias [2] does not match 3 units}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.dense %x, %w, %b : tensor<4x4xf32>, tensor<4x3xf32>, tensor<2xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @dense_result(%x: tensor<4x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'lathe.dense' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.dense %x, %w, %b : tensor<4x4xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @dense_dynamic(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{dense input must have a static shape, got [?, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return
}

// -----

func.func @dense_f64(%x: tensor<4x4xf64>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = "lathe.dense"(%x, %w, %b) : (tensor<4x4xf64>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<1x8x8x3xf32>, %f: tensor<3x3x1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{conv2d filter [3, 3, 1, 4] expects 1 input channels, input has 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv2d %x, %f, %b {stride = 1 : i64, padding = "valid"} : tensor<1x8x8x3xf32>, tensor<3x3x1x4xf32>, tensor<4xf32> -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv_window(%x: tensor<1x2x2x1xf32>, %f: tensor<3x3x1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{window of 3 does not fit input size 2 without padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv2d %x, %f, %b {stride = 1 : i64, padding = "valid"} : tensor<1x2x2x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32> -> tensor<1x1x1x4xf32>
  return
}

// -----

func.func @conv_padding(%x: tensor<1x8x8x1xf32>, %f: tensor<3x3x1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{padding must be "valid" or "same", got "full"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv2d %x, %f, %b {stride = 1 : i64, padding = "full"} : tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32> -> tensor<1x8x8x4xf32>
  return
}

// -----

func.func @conv_stride(%x: tensor<1x8x8x1xf32>, %f: tensor<3x3x1x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{attribute 'stride' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = lathe.conv2d %x, %f, %b {stride = 0 : i64, padding = "same"} : tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<4xf32> -> tensor<1x8x8x4xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x7x7x8xf32>, %f: tensor<5x5x4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{conv2d_transpose bias [8] does not match 4 filters}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv2d_transpose %x, %f, %b {stride = 2 : i64, padding = "same"} : tensor<1x7x7x8xf32>, tensor<5x5x4x8xf32>, tensor<8xf32> -> tensor<1x14x14x4xf32>
  return
}

// -----

func.func @conv_transpose_shape(%x: tensor<1x7x7x8xf32>, %f: tensor<5x5x4x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<1x14x14x4xf32>' are incompatible with return type(s) of operation 'tensor<1x28x28x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv2d_transpose %x, %f, %b {stride = 2 : i64, padding = "same"} : tensor<1x7x7x8xf32>, tensor<5x5x4x8xf32>, tensor<4xf32> -> tensor<1x28x28x4xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{maxpool2d input must have rank 4, got [4, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.maxpool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<4x10xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @avgpool_rank(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{avgpool2d input must have rank 4, got [4, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.avgpool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<4x10xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @global_avgpool_rank(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{global_avgpool input must have rank 4, got [4, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.global_avgpool %x : tensor<4x10xf32> -> tensor<4x10xf32>
  return
}

// -----

func.func @layernorm_gamma(%x: tensor<4x16xf32>, %g: tensor<8xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'lathe.layernorm' op gamma must be [16], got [8]}}
  %0 = lathe.layernorm %x, %g, %b {epsilon = 1.0e-3 : f64} : tensor<4x16xf32>, tensor<8xf32>, tensor<16xf32>
  return
}

// -----

func.func @batchnorm_mean(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %m: tensor<15xf32>) {
  // expected-error @+1 {{'lathe.batchnorm' op mean must be [16], got [15]}}
  %0 = lathe.batchnorm %x, %g, %g, %m, %g {epsilon = 1.0e-3 : f64, momentum = 0.99 : f64} : tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<15xf32>, tensor<16xf32>
  return
}

// -----

func.func @batchnorm_momentum(%x: tensor<4x16xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{'lathe.batchnorm_train' op momentum must be in [0, 1), got 1}}
  %0:3 = lathe.batchnorm_train %x, %g, %g, %g, %g {epsilon = 1.0e-3 : f64, momentum = 1.0 : f64} : tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
  return
}

// -----

func.func @batchnorm_mask(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %k: tensor<3xf32>) {
  // expected-error @+1 {{'lathe.batchnorm_train' op mask must be [4], got [3]}}
  %0:3 = lathe.batchnorm_train %x, %g, %g, %g, %g mask %k {epsilon = 1.0e-3 : f64, momentum = 0.9 : f64} : tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<3xf32>
  return
}

// -----

func.func @layernorm_epsilon(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'lathe.layernorm' op epsilon must be positive, got 0}}
  %0 = lathe.layernorm %x, %g, %b {epsilon = 0.0 : f64} : tensor<4x16xf32>, tensor<16xf32>, tensor<16xf32>
  return
}

// -----

func.func @pool_window(%x: tensor<1x3x3x1xf32>) {
  // expected-error @+2 {{window of 4 does not fit input size 3 without padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.maxpool2d %x {size = 4 : i64, stride = 4 : i64} : tensor<1x3x3x1xf32> -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @flatten_result(%x: tensor<2x3x4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x12xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.flatten %x : tensor<2x3x4xf32> -> tensor<2x10xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x12xf32>) {
  // expected-error @+1 {{'lathe.reshape' op cannot reshape [2, 12] (24 elements) to [2, 5] (10 elements)}}
  %0 = lathe.reshape %x : tensor<2x12xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @reshape_batch(%x: tensor<2x12xf32>) {
  // expected-error @+1 {{'lathe.reshape' op must keep the batch dimension: [2, 12] to [4, 6]}}
  %0 = lathe.reshape %x : tensor<2x12xf32> -> tensor<4x6xf32>
  return
}

// -----

func.func @embedding_ids(%ids: tensor<2x7xf32>, %t: tensor<100x4xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer values}}
  %0 = "lathe.embedding"(%ids, %t) : (tensor<2x7xf32>, tensor<100x4xf32>) -> tensor<2x7x4xf32>
  return
}

// -----

func.func @embedding_rank(%ids: tensor<2xi32>, %t: tensor<100x4xf32>) {
  // expected-error @+2 {{embedding ids must have rank 2, got [2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.embedding %ids, %t : tensor<2xi32>, tensor<100x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @lstm_recurrent(%x: tensor<2x7x4xf32>, %k: tensor<4x12xf32>, %r: tensor<3x8xf32>, %b: tensor<12xf32>) {
  // expected-error @+2 {{lstm recurrent kernel must be [units, 4*units], got [3, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.lstm %x, %k, %r, %b {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x8xf32>, tensor<12xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @lstm_kernel(%x: tensor<2x7x5xf32>, %k: tensor<4x12xf32>, %r: tensor<3x12xf32>, %b: tensor<12xf32>) {
  // expected-error @+2 {{lstm kernel must be [5, 12], got [4, 12]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.lstm %x, %k, %r, %b {return_sequences = false} : tensor<2x7x5xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @lstm_bias(%x: tensor<2x7x4xf32>, %k: tensor<4x12xf32>, %r: tensor<3x12xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{lstm bias must be [12], got [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.lstm %x, %k, %r, %b {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<4xf32> -> tensor<2x7x3xf32>
  return
}

// -----

func.func @gru_recurrent(%x: tensor<2x7x4xf32>, %k: tensor<4x9xf32>, %r: tensor<3x12xf32>, %b: tensor<2x9xf32>) {
  // expected-error @+2 {{gru recurrent kernel must be [units, 3*units], got [3, 12]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.gru %x, %k, %r, %b {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x12xf32>, tensor<2x9xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @gru_one_bias(%x: tensor<2x7x4xf32>, %k: tensor<4x9xf32>, %r: tensor<3x9xf32>, %b: tensor<9xf32>) {
  // expected-error @+2 {{gru bias must have rank 2, got [9]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.gru %x, %k, %r, %b {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<9xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @gru_bias(%x: tensor<2x7x4xf32>, %k: tensor<4x9xf32>, %r: tensor<3x9xf32>, %b: tensor<3x9xf32>) {
  // expected-error @+2 {{gru bias must be [2, 9], got [3, 9]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.gru %x, %k, %r, %b {return_sequences = true} : tensor<2x7x4xf32>, tensor<4x9xf32>, tensor<3x9xf32>, tensor<3x9xf32> -> tensor<2x7x3xf32>
  return
}

// -----

func.func @conv1d_channels(%x: tensor<2x9x4xf32>, %f: tensor<3x5x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{conv1d filter [3, 5, 8] expects 5 input channels, input has 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv1d %x, %f, %b {stride = 1 : i64, padding = "same"} : tensor<2x9x4xf32>, tensor<3x5x8xf32>, tensor<8xf32> -> tensor<2x9x8xf32>
  return
}

// -----

func.func @conv1d_window(%x: tensor<2x2x4xf32>, %f: tensor<3x4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{window of 3 does not fit input size 2 without padding}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv1d %x, %f, %b {stride = 1 : i64, padding = "valid"} : tensor<2x2x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x1x8xf32>
  return
}

// -----

func.func @conv1d_image(%x: tensor<2x9x9x4xf32>, %f: tensor<3x4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+2 {{conv1d input must have rank 3, got [2, 9, 9, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.conv1d %x, %f, %b {stride = 1 : i64, padding = "same"} : tensor<2x9x9x4xf32>, tensor<3x4x8xf32>, tensor<8xf32> -> tensor<2x9x8xf32>
  return
}

// -----

func.func @maxpool1d_result(%x: tensor<2x9x4xf32>) {
  // expected-error @+2 {{'lathe.maxpool1d' op inferred type(s) 'tensor<2x3x4xf32>' are incompatible with return type(s) of operation 'tensor<2x4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.maxpool1d %x {size = 2 : i64, stride = 3 : i64} : tensor<2x9x4xf32> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @global_maxpool_rank(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{global_maxpool input must have rank 4, got [4, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.global_maxpool %x : tensor<4x10xf32> -> tensor<4x10xf32>
  return
}

// -----

func.func @concat_leading(%a: tensor<2x7x3xf32>, %b: tensor<2x6x3xf32>) {
  // expected-error @+2 {{concat inputs must differ in their last dimension only, got [2, 7, 3] and [2, 6, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.concat %a, %b : tensor<2x7x3xf32>, tensor<2x6x3xf32> -> tensor<2x7x6xf32>
  return
}

// -----

func.func @concat_result(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{'lathe.concat' op inferred type(s) 'tensor<2x7xf32>' are incompatible with return type(s) of operation 'tensor<2x6xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.concat %a, %b : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lathe.dropout' op rate must be in [0, 1), got 1.5}}
  %0 = lathe.dropout %x {rate = 1.5 : f64} : tensor<2x4xf32>
  return
}

// -----

func.func @leaky_alpha(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lathe.leaky_relu' op alpha must be in [0, 1), got -1}}
  %0 = lathe.leaky_relu %x {alpha = -1.0 : f64} : tensor<2x4xf32>
  return
}

// -----

func.func @activation_types(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lathe.relu' op failed to verify that all of {input, result} have same type}}
  %0 = "lathe.relu"(%x) : (tensor<2x4xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @mse_shapes(%p: tensor<8x1xf32>, %y: tensor<8x2xf32>) {
  // expected-error @+1 {{'lathe.mse' op prediction [8, 1] and target [8, 2] must have the same shape}}
  %0 = lathe.mse %p, %y : tensor<8x1xf32>, tensor<8x2xf32>
  return
}

// -----

func.func @bce_shapes(%p: tensor<8x1xf32>, %y: tensor<4x1xf32>) {
  // expected-error @+1 {{'lathe.binary_crossentropy' op prediction [8, 1] and target [4, 1] must have the same shape}}
  %0 = lathe.binary_crossentropy %p, %y : tensor<8x1xf32>, tensor<4x1xf32>
  return
}

// -----

func.func @cce_rank(%p: tensor<8xf32>, %y: tensor<8xf32>) {
  // expected-error @+1 {{'lathe.categorical_crossentropy' op prediction must be [batch, classes], got [8]}}
  %0 = lathe.categorical_crossentropy %p, %y : tensor<8xf32>, tensor<8xf32>
  return
}

// -----

func.func @scce_labels(%p: tensor<8x10xf32>, %y: tensor<4xi32>) {
  // expected-error @+1 {{'lathe.sparse_categorical_crossentropy' op target must be [8] labels, got [4]}}
  %0 = lathe.sparse_categorical_crossentropy %p, %y : tensor<8x10xf32>, tensor<4xi32>
  return
}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op optimizer needs a name of sgd, rmsprop, adam or adamw}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "lbfgs", lr = 0.1 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op optimizer needs a positive learning rate `lr`}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "sgd", lr = 0.0 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op optimizer warmup must be a whole number of steps}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "adam", lr = 0.1 : f64, warmup = 2.5 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op optimizer weight_decay must not be negative}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "adamw", lr = 0.1 : f64, weight_decay = -1.0 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op optimizer schedule must be constant, cosine or linear}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "sgd", lr = 0.1 : f64, schedule = "step"},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op unknown loss "hinge"}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "hinge", optimizer = {name = "sgd", lr = 0.1 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op network input must have the batch size 16 as its leading dimension}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "sgd", lr = 0.1 : f64},
  batch = 16 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

// expected-error @+1 {{'lathe.supervised' op network @missing is not a function}}
lathe.supervised @r {network = @missing, loss_fn = @missing, loss = "mse", optimizer = {name = "sgd", lr = 0.1 : f64},
  batch = 8 : i64, epochs = 1 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}}

// -----

func.func @gen(%z: tensor<8x2xf32>) -> tensor<8x3xf32> {
  %0 = "test.unknown"() : () -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}
func.func @disc(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.gan' op generator output 'tensor<8x3xf32>' does not match discriminator input 'tensor<8x4xf32>'}}
lathe.gan @g {generator = @gen, discriminator = @disc, noise = "normal", noise_dim = 2 : i64,
  loss = "binary_crossentropy", optimizer = {name = "adam", lr = 1.0e-4 : f64},
  batch = 8 : i64, epochs = 1 : i64, seed = 0 : i64, data = {}}

// -----

func.func @gen(%z: tensor<8x2xf32>) -> tensor<8x4xf32> {
  %0 = "test.unknown"() : () -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}
// expected-error @+1 {{'lathe.gan' op generator input must be [batch, 5]}}
lathe.gan @g {generator = @gen, discriminator = @gen, noise = "normal", noise_dim = 5 : i64,
  loss = "binary_crossentropy", optimizer = {name = "adam", lr = 1.0e-4 : f64},
  batch = 8 : i64, epochs = 1 : i64, seed = 0 : i64, data = {}}

// -----

func.func @gen(%z: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %0 = "test.unknown"() : () -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}
// expected-error @+1 {{'lathe.gan' op noise must be "normal" or "uniform"}}
lathe.gan @g {generator = @gen, discriminator = @gen, noise = "poisson", noise_dim = 2 : i64,
  loss = "binary_crossentropy", optimizer = {name = "adam", lr = 1.0e-4 : f64},
  batch = 8 : i64, epochs = 1 : i64, seed = 0 : i64, data = {}}


// -----

func.func @mask_shape(%p: tensor<8x1xf32>, %y: tensor<8x1xf32>, %m: tensor<4xf32>) {
  // expected-error @+1 {{'lathe.mse' op mask must be [8], got [4]}}
  %0 = lathe.mse %p, %y mask %m : tensor<8x1xf32>, tensor<8x1xf32>, tensor<4xf32>
  return
}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op early_stopping needs a validation_split}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "sgd", lr = 0.1 : f64},
  batch = 8 : i64, epochs = 9 : i64, metrics = [], validation_split = 0.0 : f64, seed = 0 : i64, data = {}, early_stopping = 2 : i64}

// -----

func.func @net(%x: tensor<8x4xf32>) -> tensor<8x1xf32> {
  %0 = "test.unknown"() : () -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}
// expected-error @+1 {{'lathe.supervised' op early_stopping must not be negative}}
lathe.supervised @r {network = @net, loss_fn = @net, loss = "mse", optimizer = {name = "sgd", lr = 0.1 : f64},
  batch = 8 : i64, epochs = 9 : i64, metrics = [], validation_split = 0.1 : f64, seed = 0 : i64, data = {}, early_stopping = -1 : i64}

// -----

func.func @lstm_mask_steps(%x: tensor<2x7x4xf32>, %k: tensor<4x12xf32>, %r: tensor<3x12xf32>, %b: tensor<12xf32>, %m: tensor<2x6xf32>) {
  // expected-error @+2 {{lstm mask must be [2, 7] (batch, time), got [2, 6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.lstm %x, %k, %r, %b mask(%m : tensor<2x6xf32>) {return_sequences = false} : tensor<2x7x4xf32>, tensor<4x12xf32>, tensor<3x12xf32>, tensor<12xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @global_avgpool_image_mask(%x: tensor<2x3x3x4xf32>, %m: tensor<2x3xf32>) {
  // expected-error @+2 {{global_avgpool: only a sequence [batch, time, c] takes a mask}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.global_avgpool %x mask(%m : tensor<2x3xf32>) : tensor<2x3x3x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @global_maxpool_mask_batch(%x: tensor<2x5x4xf32>, %m: tensor<3x5xf32>) {
  // expected-error @+2 {{global_maxpool mask must be [2, 5] (batch, time), got [3, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.global_maxpool %x mask(%m : tensor<3x5xf32>) : tensor<2x5x4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @sequence_mask_rank(%ids: tensor<2x7x1xi32>) {
  // expected-error @+2 {{sequence_mask ids must have rank 2, got [2, 7, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = lathe.sequence_mask %ids : tensor<2x7x1xi32> -> tensor<2x7x1xf32>
  return
}
