//===- LayerParams.h - A layer's parameters and arithmetic ------*- C++ -*-===//
#ifndef LATHE_FRONTEND_LAYERPARAMS_H
#define LATHE_FRONTEND_LAYERPARAMS_H

#include "compiler/frontend/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe {

/// One parameter tensor of a layer: its name, shape and initializer.
struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
  const char *init;
  int64_t size() const;
};

/// The parameters of a layer Sema checked, in the order its op takes them,
/// named `prefix` + the layer's name + "." + their role.
std::vector<ParamSpec> layerParams(const Layer &l, const std::string &prefix);

/// The floating-point operations of a layer's forward pass on one sample,
/// counting a multiply-add as two: its matmul or convolution, the LSTM's
/// gate products at every time step. Elementwise ops, pooling, lookups and
/// the loss count as nothing.
int64_t layerForwardFlops(const Layer &l);

} // namespace lathe

#endif
