//===- LayerParams.cpp - A layer's parameter tensors and arithmetic -------===//
#include "compiler/frontend/LayerParams.h"

using namespace lathe;

int64_t ParamSpec::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<ParamSpec> lathe::layerParams(const Layer &l,
                                          const std::string &prefix) {
  std::string n = prefix + l.name;
  const auto &in = l.input.dims;
  switch (l.kind) {
  case LayerKind::Dense: {
    std::vector<ParamSpec> p = {
        {n + ".weight", {in[0], l.units}, "glorot_uniform"}};
    if (l.useBias)
      p.push_back({n + ".bias", {l.units}, "zeros"});
    return p;
  }
  case LayerKind::Conv2D:
    return {
        {n + ".filter", {l.kernel, l.kernel, in[2], l.units}, "glorot_uniform"},
        {n + ".bias", {l.units}, "zeros"}};
  case LayerKind::Conv2DTranspose:
    return {
        {n + ".filter", {l.kernel, l.kernel, l.units, in[2]}, "glorot_uniform"},
        {n + ".bias", {l.units}, "zeros"}};
  case LayerKind::Embedding:
    return {{n + ".table", {l.kernel, l.units}, "uniform"}};
  case LayerKind::LayerNorm:
    return {{n + ".gamma", {in.back()}, "ones"},
            {n + ".beta", {in.back()}, "zeros"}};
  case LayerKind::BatchNorm:
    return {{n + ".gamma", {in.back()}, "ones"},
            {n + ".beta", {in.back()}, "zeros"},
            {n + ".moving_mean", {in.back()}, "zeros", /*trainable=*/false},
            {n + ".moving_variance", {in.back()}, "ones", /*trainable=*/false}};
  case LayerKind::LSTM:
    return {{n + ".kernel", {in[1], 4 * l.units}, "glorot_uniform"},
            {n + ".recurrent", {l.units, 4 * l.units}, "orthogonal"},
            {n + ".bias", {4 * l.units}, "unit_forget_bias"}};
  case LayerKind::GRU: // Keras's reset_after GRU: input and recurrent biases
    return {{n + ".kernel", {in[1], 3 * l.units}, "glorot_uniform"},
            {n + ".recurrent", {l.units, 3 * l.units}, "orthogonal"},
            {n + ".bias", {2, 3 * l.units}, "zeros"}};
  default:
    return {};
  }
}

LayerFlops lathe::layerFlops(const Layer &l) {
  const auto &in = l.input.dims, &out = l.output.dims;
  int64_t f;
  switch (l.kind) {
  case LayerKind::Dense:
    f = 2 * in[0] * l.units;
    break;
  case LayerKind::Conv2D: // every output pixel: a window of all channels
    f = 2 * out[0] * out[1] * l.units * l.kernel * l.kernel * in[2];
    break;
  case LayerKind::Conv2DTranspose: // every input pixel: spread over a window
    f = 2 * in[0] * in[1] * in[2] * l.kernel * l.kernel * l.units;
    break;
  case LayerKind::LSTM: { // four gates from the input and the last state
    int64_t fromInput = 2 * in[0] * in[1] * 4 * l.units;
    int64_t fromState = 2 * in[0] * l.units * 4 * l.units;
    return {fromInput + fromState, fromInput + 2 * fromState, fromInput};
  }
  case LayerKind::GRU: { // three gates, the same way
    int64_t fromInput = 2 * in[0] * in[1] * 3 * l.units;
    int64_t fromState = 2 * in[0] * l.units * 3 * l.units;
    return {fromInput + fromState, fromInput + 2 * fromState, fromInput};
  }
  default:
    return {};
  }
  // A matmul or convolution: its gradients with respect to the weights and
  // to the input are each one of the same size.
  return {f, f, f};
}
