//===- LatheOps.td - Lathe layer, activation, loss and recipe ops -*- tablegen -*-===//
#ifndef LATHE_OPS_TD
#define LATHE_OPS_TD

include "dialect/LatheDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Lathe_F32Tensor : RankedTensorOf<[F32]>;
def Lathe_I32Tensor : RankedTensorOf<[I32]>;
def Lathe_ScalarTensor : 0DTensorOf<[F32]>,
    BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getF32Type())">;


//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def Lathe_DenseOp : Lathe_Op<"dense", [Pure, InferTypeOpAdaptor]> {
  let summary = "fully connected layer: x · W + b";
  let description = [{
    `input` is `[batch, in]`, `weight` is `[in, out]`, `bias` is `[out]`;
    the result is `[batch, out]`. The activation is a separate op.

    ```mlir
    %y = lathe.dense %x, %w, %b : tensor<32x784xf32>, tensor<784x128xf32>,
           tensor<128xf32> -> tensor<32x128xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$weight, Lathe_F32Tensor:$bias);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` type($input) `,` type($weight) `,`
    type($bias) `->` type($result)
  }];
}

def Lathe_Conv2DOp : Lathe_Op<"conv2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D convolution, NHWC input, HWIO filter";
  let description = [{
    `input` is `[batch, height, width, channels]`, `filter` is
    `[kh, kw, channels, filters]`, `bias` is `[filters]`. `padding` is
    `"valid"` (no padding) or `"same"` (output size `ceil(in / stride)`, the
    padding split as TensorFlow does, extra on the bottom/right).

    ```mlir
    %y = lathe.conv2d %x, %f, %b {stride = 1 : i64, padding = "valid"}
           : tensor<32x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
           -> tensor<32x26x26x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$filter, Lathe_F32Tensor:$bias,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride,
                   StrAttr:$padding);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `,` $bias attr-dict `:` type($input) `,` type($filter) `,`
    type($bias) `->` type($result)
  }];
}

def Lathe_Conv2DTransposeOp
    : Lathe_Op<"conv2d_transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D transposed convolution (the gradient of conv2d), NHWC";
  let description = [{
    `input` is `[batch, height, width, channels]`, `filter` is
    `[kh, kw, filters, channels]` (as Keras stores it), `bias` is `[filters]`.
    The output height is `in * stride` for `"same"` and
    `(in - 1) * stride + kh` for `"valid"`.

    ```mlir
    %y = lathe.conv2d_transpose %x, %f, %b {stride = 2 : i64, padding = "same"}
           : tensor<64x7x7x128xf32>, tensor<5x5x64x128xf32>, tensor<64xf32>
           -> tensor<64x14x14x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$filter, Lathe_F32Tensor:$bias,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride,
                   StrAttr:$padding);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `,` $bias attr-dict `:` type($input) `,` type($filter) `,`
    type($bias) `->` type($result)
  }];
}

def Lathe_MaxPool2DOp : Lathe_Op<"maxpool2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D max pooling over NHWC windows (no padding)";
  let description = [{
    Takes the maximum over `size`×`size` windows moved by `stride`.

    ```mlir
    %y = lathe.maxpool2d %x {size = 2 : i64, stride = 2 : i64}
           : tensor<32x26x26x32xf32> -> tensor<32x13x13x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   ConfinedAttr<I64Attr, [IntPositive]>:$size,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Lathe_AvgPool2DOp : Lathe_Op<"avgpool2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D average pooling over NHWC windows (no padding)";
  let description = [{
    Takes the mean over `size`×`size` windows moved by `stride` (Keras'
    `AveragePooling2D`, PyTorch's `avg_pool2d` without padding).

    ```mlir
    %y = lathe.avgpool2d %x {size = 2 : i64, stride = 2 : i64}
           : tensor<32x26x26x32xf32> -> tensor<32x13x13x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   ConfinedAttr<I64Attr, [IntPositive]>:$size,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Lathe_Conv1DOp : Lathe_Op<"conv1d", [Pure, InferTypeOpAdaptor]> {
  let summary = "1-D convolution over a sequence, NTC input, KIO filter";
  let description = [{
    `input` is `[batch, time, channels]`, `filter` is
    `[k, channels, filters]` (as Keras stores a `Conv1D` kernel), `bias` is
    `[filters]`. `padding` is `"valid"` or `"same"` (output length
    `ceil(in / stride)`, the padding split as TensorFlow does, extra at the
    end). `y[n, t, f] = bias[f] + Σ_{i, c} x[n, t·stride + i, c] · w[i, c, f]`
    over the padded input.

    ```mlir
    %y = lathe.conv1d %x, %f, %b {stride = 1 : i64, padding = "same"}
           : tensor<32x100x32xf32>, tensor<5x32x64xf32>, tensor<64xf32>
           -> tensor<32x100x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$filter, Lathe_F32Tensor:$bias,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride,
                   StrAttr:$padding);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `,` $bias attr-dict `:` type($input) `,` type($filter) `,`
    type($bias) `->` type($result)
  }];
}

def Lathe_MaxPool1DOp : Lathe_Op<"maxpool1d", [Pure, InferTypeOpAdaptor]> {
  let summary = "1-D max pooling over a sequence's windows (no padding)";
  let description = [{
    `[batch, time, channels]`: the maximum over windows of `size` steps
    moved by `stride` (Keras' `MaxPooling1D`).

    ```mlir
    %y = lathe.maxpool1d %x {size = 2 : i64, stride = 2 : i64}
           : tensor<32x100x64xf32> -> tensor<32x50x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   ConfinedAttr<I64Attr, [IntPositive]>:$size,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Lathe_AvgPool1DOp : Lathe_Op<"avgpool1d", [Pure, InferTypeOpAdaptor]> {
  let summary = "1-D average pooling over a sequence's windows (no padding)";
  let description = [{
    As `lathe.maxpool1d`, the mean of each window (Keras'
    `AveragePooling1D`).

    ```mlir
    %y = lathe.avgpool1d %x {size = 2 : i64, stride = 2 : i64}
           : tensor<32x100x64xf32> -> tensor<32x50x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   ConfinedAttr<I64Attr, [IntPositive]>:$size,
                   ConfinedAttr<I64Attr, [IntPositive]>:$stride);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Lathe_GlobalAvgPoolOp
    : Lathe_Op<"global_avgpool", [Pure, InferTypeOpAdaptor]> {
  let summary = "the mean of each channel over all positions of an image or a sequence";
  let description = [{
    `[batch, h, w, c] -> [batch, c]` (Keras' `GlobalAveragePooling2D`), or
    `[batch, time, c] -> [batch, c]` (`GlobalAveragePooling1D`). A sequence
    may come with a `mask` (`[batch, time]`, 1 for a step and 0 for padding):
    the mean is then over the steps only, and zeros where there are none.

    ```mlir
    %y = lathe.global_avgpool %x : tensor<32x7x7x64xf32> -> tensor<32x64xf32>
    %z = lathe.global_avgpool %s mask(%m : tensor<32x100xf32>)
           : tensor<32x100x16xf32> -> tensor<32x16xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   Optional<Lathe_F32Tensor>:$mask);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`mask` `(` $mask^ `:` type($mask) `)`)? attr-dict `:`
    type($input) `->` type($result)
  }];
}

def Lathe_GlobalMaxPoolOp
    : Lathe_Op<"global_maxpool", [Pure, InferTypeOpAdaptor]> {
  let summary = "the maximum of each channel over all positions of an image or a sequence";
  let description = [{
    `[batch, h, w, c] -> [batch, c]` or `[batch, time, c] -> [batch, c]`
    (Keras' `GlobalMaxPooling2D` and `GlobalMaxPooling1D`). The gradient
    goes to the first maximum in row-major order, as a max pooling's. A
    sequence may come with a `mask` (`[batch, time]`, 0 for padding): the
    maximum is then over the steps only, and zeros where there are none.

    ```mlir
    %y = lathe.global_maxpool %x : tensor<32x96x64xf32> -> tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   Optional<Lathe_F32Tensor>:$mask);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`mask` `(` $mask^ `:` type($mask) `)`)? attr-dict `:`
    type($input) `->` type($result)
  }];
}

def Lathe_FlattenOp : Lathe_Op<"flatten", [Pure, InferTypeOpAdaptor]> {
  let summary = "collapse every dimension but the batch into one";
  let description = [{
    ```mlir
    %y = lathe.flatten %x : tensor<32x13x13x32xf32> -> tensor<32x5408xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Lathe_ReshapeOp : Lathe_Op<"reshape", [Pure]> {
  let summary = "reshape the per-sample dimensions, keeping the batch";
  let description = [{
    The result keeps the leading (batch) dimension and the element count.

    ```mlir
    %y = lathe.reshape %x : tensor<64x6272xf32> -> tensor<64x7x7x128xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Lathe_EmbeddingOp : Lathe_Op<"embedding", [Pure, InferTypeOpAdaptor]> {
  let summary = "look up one row of a table for every token id";
  let description = [{
    `ids` is `[batch, length]` of i32 token ids, `table` is `[vocab, dim]`;
    the result is `[batch, length, dim]`. Ids outside `[0, vocab)` read row 0
    (the padding/unknown row) at run time.

    ```mlir
    %e = lathe.embedding %ids, %t : tensor<32x100xi32>, tensor<10000x32xf32>
           -> tensor<32x100x32xf32>
    ```
  }];
  let arguments = (ins Lathe_I32Tensor:$ids, Lathe_F32Tensor:$table);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
}

def Lathe_SequenceMaskOp
    : Lathe_Op<"sequence_mask", [Pure, InferTypeOpAdaptor]> {
  let summary = "which steps of a sequence of token ids are not padding";
  let description = [{
    `[batch, length]` i32 ids to `[batch, length]` f32: 1 where the id is not
    0, 0 where it is (the padding id; Keras's `mask_zero`). The recurrent
    layers and `lathe.global_avgpool` take it as their `mask`.

    ```mlir
    %m = lathe.sequence_mask %ids : tensor<32x100xi32> -> tensor<32x100xf32>
    ```
  }];
  let arguments = (ins Lathe_I32Tensor:$ids);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids) `->` type($result)";
}

def Lathe_LSTMOp : Lathe_Op<"lstm", [Pure, InferTypeOpAdaptor]> {
  let summary = "long short-term memory layer over a sequence";
  let description = [{
    `input` is `[batch, time, features]`, `kernel` is `[features, 4*units]`,
    `recurrent` is `[units, 4*units]`, `bias` is `[4*units]`; gates are ordered
    input, forget, cell, output (as Keras). With `return_sequences` the result
    is `[batch, time, units]`, otherwise the last hidden state `[batch, units]`.
    With `reverse` the layer reads the sequence from its last step to its
    first (the second direction of a bidirectional layer, as PyTorch's):
    its sequence is still in the input's order, element `t` the state after
    reading step `t`, and its last state is the one after reading step 0.
    With a `mask` (`[batch, time]`, 1 for a step and 0 for padding, as
    `lathe.sequence_mask` gives), a padding step leaves the states as they
    were and its element of the sequence is zeros (Keras's masking, PyTorch's
    packed sequences). It is compiled as a loop over time, never unrolled.

    ```mlir
    %h = lathe.lstm %x, %k, %r, %b {return_sequences = false}
           : tensor<32x100x32xf32>, tensor<32x128xf32>, tensor<32x128xf32>,
             tensor<128xf32> -> tensor<32x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$kernel,
                   Lathe_F32Tensor:$recurrent, Lathe_F32Tensor:$bias,
                   Optional<Lathe_F32Tensor>:$mask,
                   BoolAttr:$return_sequences, UnitAttr:$reverse);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel `,` $recurrent `,` $bias
    (`mask` `(` $mask^ `:` type($mask) `)`)? attr-dict `:` type($input) `,`
    type($kernel) `,` type($recurrent) `,` type($bias) `->` type($result)
  }];
}

def Lathe_GRUOp : Lathe_Op<"gru", [Pure, InferTypeOpAdaptor]> {
  let summary = "gated recurrent unit layer over a sequence";
  let description = [{
    Keras's GRU with `reset_after=True` (PyTorch's `nn.GRU`): `input` is
    `[batch, time, features]`, `kernel` is `[features, 3*units]`,
    `recurrent` is `[units, 3*units]`, and `bias` is `[2, 3*units]`, row 0
    added to the input's products and row 1 to the state's. Gates are
    ordered update `z`, reset `r`, candidate `n` (as Keras):

        z = sigmoid(x Kz + b0z + h Rz + b1z)
        r = sigmoid(x Kr + b0r + h Rr + b1r)
        n = tanh(x Kn + b0n + r * (h Rn + b1n))
        h' = z * h + (1 - z) * n

    With `return_sequences` the result is `[batch, time, units]`, otherwise
    the last hidden state `[batch, units]`. `reverse` reads the sequence
    backwards, and `mask` skips padding steps, as `lathe.lstm`'s do. It is
    compiled as a loop over time, never unrolled.

    ```mlir
    %h = lathe.gru %x, %k, %r, %b {return_sequences = false}
           : tensor<32x100x32xf32>, tensor<32x96xf32>, tensor<32x96xf32>,
             tensor<2x96xf32> -> tensor<32x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$kernel,
                   Lathe_F32Tensor:$recurrent, Lathe_F32Tensor:$bias,
                   Optional<Lathe_F32Tensor>:$mask,
                   BoolAttr:$return_sequences, UnitAttr:$reverse);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel `,` $recurrent `,` $bias
    (`mask` `(` $mask^ `:` type($mask) `)`)? attr-dict `:` type($input) `,`
    type($kernel) `,` type($recurrent) `,` type($bias) `->` type($result)
  }];
}

def Lathe_ConcatOp : Lathe_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "join tensors along their last dimension";
  let description = [{
    The inputs have the same rank and the same sizes in every dimension but
    the last; the result holds them side by side in that dimension, in
    order. A bidirectional recurrent layer joins its two directions so.

    ```mlir
    %y = lathe.concat %f, %b : tensor<32x16xf32>, tensor<32x16xf32>
           -> tensor<32x32xf32>
    ```
  }];
  let arguments = (ins Variadic<Lathe_F32Tensor>:$inputs);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
}

def Lathe_DropoutOp
    : Lathe_Op<"dropout", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "inverted dropout: zero a fraction `rate` while training";
  let description = [{
    With a `seed`, each element is zeroed with probability `rate` and the
    rest are scaled by `1 / (1 - rate)`; without one (evaluation and
    prediction) it is the identity. Autodiff gives the copies it makes for
    training the step's seed and a distinct `stream` per dropout layer. The
    mask is a counter-based hash of (seed, stream, element index), so the
    gradient recomputes it instead of storing it:

    ```
    k = seed * 0x9E3779B1 + stream * 0x85EBCA77        (mod 2^32)
    h = fmix32(index * 0xCC9E2D51 + k)                 (murmur3 finalizer)
    keep = (h >> 8) * 2^-24 >= rate
    ```

    ```mlir
    %y = lathe.dropout %x {rate = 2.000000e-01 : f64} : tensor<32x32xf32>
    %t = lathe.dropout %x seed(%s : tensor<i32>) {rate = 2.000000e-01 : f64,
           stream = 1 : i64} : tensor<32x32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input,
                   Optional<0DTensorOf<[I32]>>:$seed, F64Attr:$rate,
                   DefaultValuedAttr<I64Attr, "0">:$stream);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`seed` `(` $seed^ `:` type($seed) `)`)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

class Lathe_ActivationOp<string mnemonic, string formula>
    : Lathe_Op<mnemonic, [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "elementwise " # formula;
  let description = "Applies `" # formula # "` to every element.";
  let arguments = (ins Lathe_F32Tensor:$input);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Lathe_ReluOp : Lathe_ActivationOp<"relu", "max(x, 0)">;
def Lathe_SigmoidOp : Lathe_ActivationOp<"sigmoid", "1 / (1 + exp(-x))">;
def Lathe_TanhOp : Lathe_ActivationOp<"tanh", "tanh(x)">;

def Lathe_LeakyReluOp
    : Lathe_Op<"leaky_relu", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "elementwise x > 0 ? x : alpha * x";
  let description = [{
    ```mlir
    %y = lathe.leaky_relu %x {alpha = 0.01 : f64} : tensor<64x14x14x64xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, F64Attr:$alpha);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Lathe_LayerNormOp
    : Lathe_Op<"layernorm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    Each row (every index but the last) is normalized to mean 0 and
    variance 1 over the last dimension, then scaled by `gamma` and shifted
    by `beta` (both `[features]`): `(x - mean) / sqrt(var + epsilon) *
    gamma + beta`, the variance biased (Keras' `LayerNormalization`,
    PyTorch's `layer_norm`).

    ```mlir
    %y = lathe.layernorm %x, %g, %b {epsilon = 1.0e-3 : f64}
           : tensor<32x128xf32>, tensor<128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$gamma,
                   Lathe_F32Tensor:$beta, F64Attr:$epsilon);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    `,` type($beta)
  }];
  let hasVerifier = 1;
}

def Lathe_BatchNormOp
    : Lathe_Op<"batchnorm", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "batch normalization with the running statistics (inference)";
  let description = [{
    Normalizes each feature (the last dimension) with the running mean and
    variance (`mean`, `var`, both `[features]`, parameters that training
    updates but no gradient reaches), then scales by `gamma` and shifts by
    `beta`: `(x - mean) / sqrt(var + epsilon) * gamma + beta`. This is the
    layer of a network as written, and of evaluation and prediction;
    autodiff replaces it in training steps by `lathe.batchnorm_train`.
    `momentum` is the weight of the old running value, as Keras'
    `BatchNormalization(momentum=...)` means it; PyTorch's `momentum` is 1
    minus it.

    ```mlir
    %y = lathe.batchnorm %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f64,
           momentum = 9.9e-1 : f64} : tensor<32x128xf32>, tensor<128xf32>,
           tensor<128xf32>, tensor<128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$gamma,
                   Lathe_F32Tensor:$beta, Lathe_F32Tensor:$mean,
                   Lathe_F32Tensor:$var, F64Attr:$epsilon, F64Attr:$momentum);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $mean `,` $var attr-dict `:`
    type($input) `,` type($gamma) `,` type($beta) `,` type($mean) `,`
    type($var)
  }];
  let hasVerifier = 1;
}

def Lathe_BatchNormTrainOp
    : Lathe_Op<"batchnorm_train", [Pure, AllTypesMatch<["input", "result"]>,
                                   AllTypesMatch<["mean", "new_mean", "var",
                                                  "new_var"]>]> {
  let summary = "batch normalization with the batch's statistics (training)";
  let description = [{
    Normalizes each feature (the last dimension) with the mean and the
    biased variance of the batch over every other dimension (the batch,
    and an image's rows and columns), then scales by `gamma` and shifts by
    `beta`. With a `mask` (`[batch]`, 0 for the padding rows of a partial
    last batch) only the rows whose mask is 1 count. Its other results are
    the new running statistics: `momentum * mean + (1 - momentum) *
    batch_mean` and the same of `var` with the batch's unbiased variance
    (n / (n - 1) times the biased one, n the values counted per feature, as
    PyTorch's `BatchNorm` keeps it). Only `result` has a gradient.

    ```mlir
    %y, %m2, %v2 = lathe.batchnorm_train %x, %g, %b, %m, %v mask %k
           {epsilon = 1.0e-3 : f64, momentum = 9.9e-1 : f64}
           : tensor<32x128xf32>, tensor<128xf32>, tensor<128xf32>,
             tensor<128xf32>, tensor<128xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input, Lathe_F32Tensor:$gamma,
                   Lathe_F32Tensor:$beta, Lathe_F32Tensor:$mean,
                   Lathe_F32Tensor:$var, Optional<Lathe_F32Tensor>:$mask,
                   F64Attr:$epsilon, F64Attr:$momentum);
  let results = (outs Lathe_F32Tensor:$result, Lathe_F32Tensor:$new_mean,
                 Lathe_F32Tensor:$new_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $mean `,` $var (`mask` $mask^)?
    attr-dict `:` type($input) `,` type($gamma) `,` type($beta) `,`
    type($mean) `,` type($var) (`,` type($mask)^)?
  }];
  let hasVerifier = 1;
}

def Lathe_SoftmaxOp
    : Lathe_Op<"softmax", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "softmax over the last dimension";
  let description = [{
    ```mlir
    %p = lathe.softmax %x : tensor<32x10xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$input);
  let results = (outs Lathe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Losses: each reduces a batch to its mean loss, a 0-d tensor. The optional
// `mask` ([batch] of 0 or 1) leaves padding rows of a partial last batch out:
// the loss is then the mean over the rows whose mask is 1.
//===----------------------------------------------------------------------===//

class Lathe_LossOp<string mnemonic, string text, Type targetType>
    : Lathe_Op<mnemonic, [Pure]> {
  let summary = text;
  let arguments = (ins Lathe_F32Tensor:$prediction, targetType:$target,
                   Optional<Lathe_F32Tensor>:$mask);
  let results = (outs Lathe_ScalarTensor:$result);
  let assemblyFormat = [{
    $prediction `,` $target (`mask` $mask^)? attr-dict `:` type($prediction) `,`
    type($target) (`,` type($mask)^)?
  }];
  let hasVerifier = 1;
}

def Lathe_MSEOp : Lathe_LossOp<"mse", "mean squared error", Lathe_F32Tensor> {
  let description = [{
    Mean over every element of `(prediction - target)^2`; both have one shape.

    ```mlir
    %l = lathe.mse %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
    ```
  }];
}

def Lathe_BinaryCrossEntropyOp
    : Lathe_LossOp<"binary_crossentropy", "binary cross-entropy of probabilities",
                   Lathe_F32Tensor> {
  let description = [{
    Mean of `-(t log p + (1 - t) log(1 - p))`, `p` clamped to `[eps, 1 - eps]`
    with `eps = 1e-7` as Keras does. Both operands have one shape.

    ```mlir
    %l = lathe.binary_crossentropy %p, %y : tensor<32x1xf32>, tensor<32x1xf32>
    ```
  }];
}

def Lathe_CategoricalCrossEntropyOp
    : Lathe_LossOp<"categorical_crossentropy",
                   "cross-entropy of class probabilities and one-hot targets",
                   Lathe_F32Tensor> {
  let description = [{
    `prediction` and `target` are `[batch, classes]`; the loss is the batch
    mean of `-sum(q log p)`, where `q = (1 - label_smoothing) * t +
    label_smoothing / classes` (Keras' and PyTorch's label smoothing; 0 by
    default: q = t).

    ```mlir
    %l = lathe.categorical_crossentropy %p, %y : tensor<32x10xf32>, tensor<32x10xf32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$prediction, Lathe_F32Tensor:$target,
                   Optional<Lathe_F32Tensor>:$mask,
                   DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing);
}

def Lathe_SparseCategoricalCrossEntropyOp
    : Lathe_LossOp<"sparse_categorical_crossentropy",
                   "cross-entropy of class probabilities and integer labels",
                   Lathe_I32Tensor> {
  let description = [{
    `prediction` is `[batch, classes]`, `target` is `[batch]` of i32 labels in
    `[0, classes)`; the loss is the batch mean of `-log p[label]`, or with
    `label_smoothing` e, of `-sum(q log p)` where `q` is `1 - e + e /
    classes` at the label and `e / classes` elsewhere.

    ```mlir
    %l = lathe.sparse_categorical_crossentropy %p, %y : tensor<32x10xf32>, tensor<32xi32>
    ```
  }];
  let arguments = (ins Lathe_F32Tensor:$prediction, Lathe_I32Tensor:$target,
                   Optional<Lathe_F32Tensor>:$mask,
                   DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing);
}

//===----------------------------------------------------------------------===//
// Training recipes
//===----------------------------------------------------------------------===//

def Lathe_SupervisedOp
    : Lathe_Op<"supervised", [Symbol, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a supervised training recipe for one network";
  let description = [{
    Names the network function (its first argument is the input batch, the
    rest are parameters) and the loss function, and carries the settings of
    the model file: optimizer, batch, epochs, metrics, validation split, the
    default data binding and early stopping (the epochs without a lower
    validation loss after which training stops; 0, the default: off).

    ```mlir
    lathe.supervised @fashion_mlp {network = @fashion_mlp_net,
        loss_fn = @fashion_mlp_loss, loss = "categorical_crossentropy",
        optimizer = {name = "adam", lr = 1.0e-3 : f64}, batch = 32 : i64,
        epochs = 5 : i64, metrics = ["accuracy"], validation_split = 0.0 : f64,
        seed = 0 : i64, data = {kind = "fashion_mnist"}}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$network,
                   FlatSymbolRefAttr:$loss_fn, StrAttr:$loss,
                   DictionaryAttr:$optimizer,
                   ConfinedAttr<I64Attr, [IntPositive]>:$batch,
                   ConfinedAttr<I64Attr, [IntPositive]>:$epochs,
                   StrArrayAttr:$metrics, F64Attr:$validation_split,
                   I64Attr:$seed, DictionaryAttr:$data,
                   DefaultValuedAttr<I64Attr, "0">:$early_stopping,
                   DefaultValuedAttr<F64Attr, "0.0">:$label_smoothing);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

def Lathe_GanOp
    : Lathe_Op<"gan", [Symbol, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a generative adversarial training recipe";
  let description = [{
    Names the generator and discriminator functions; the generator's input is
    noise of `noise_dim` values drawn from `noise`, its output must be the
    discriminator's input.

    ```mlir
    lathe.gan @fashion_gan {generator = @generator, discriminator = @discriminator,
        noise = "normal", noise_dim = 100 : i64, loss = "binary_crossentropy",
        optimizer = {name = "adam", lr = 1.0e-4 : f64}, batch = 64 : i64,
        epochs = 20 : i64, seed = 0 : i64, data = {kind = "fashion_mnist"}}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                   FlatSymbolRefAttr:$generator,
                   FlatSymbolRefAttr:$discriminator, StrAttr:$noise,
                   ConfinedAttr<I64Attr, [IntPositive]>:$noise_dim,
                   StrAttr:$loss, DictionaryAttr:$optimizer,
                   ConfinedAttr<I64Attr, [IntPositive]>:$batch,
                   ConfinedAttr<I64Attr, [IntPositive]>:$epochs,
                   I64Attr:$seed, DictionaryAttr:$data);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
}

#endif // LATHE_OPS_TD
