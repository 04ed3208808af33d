//===- LayerParams.h - A layer's parameters and arithmetic ------*- C++ -*-===//
#ifndef LATHE_FRONTEND_LAYERPARAMS_H
#define LATHE_FRONTEND_LAYERPARAMS_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

/// One parameter tensor of a layer: its name, shape and initializer. One
/// that is not `trainable` (a batch normalization's running statistics)
/// gets no gradient; training steps update it by their own rule.
struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
  const char *init;
  bool trainable = true;
  int64_t size() const;
};

/// The parameters of a layer Sema checked, in the order its op takes them,
/// named `prefix` + the layer's name + "." + their role.
std::vector<ParamSpec> layerParams(const Layer &l, const std::string &prefix);

/// The floating-point operations of a layer on one sample, counting a
/// multiply-add as two: its matmul or convolution, the LSTM's gate products
/// at every time step. Elementwise ops, pooling, lookups and the loss count
/// as nothing.
struct LayerFlops {
  int64_t forward = 0;
  /// Its parameters' gradients (an LSTM's with the gradient through its own
  /// recurrence, which they need).
  int64_t weightGrads = 0;
  /// The gradient of its input.
  int64_t inputGrad = 0;
};
LayerFlops layerFlops(const Layer &l);

} // namespace lathe

#endif
