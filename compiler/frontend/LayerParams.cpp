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
  case LayerKind::Conv1D: // Keras's Conv1D kernel: [k, channels, filters]
    return {{n + ".filter", {l.kernel, in[1], l.units}, "glorot_uniform"},
            {n + ".bias", {l.units}, "zeros"}};
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
  case LayerKind::GRU: {
    // A bidirectional layer has a second set for the direction that reads
    // backwards, `<name>.reverse.kernel` and so on.
    bool lstm = l.kind == LayerKind::LSTM;
    int64_t width = (lstm ? 4 : 3) * l.units;
    std::vector<std::string> directions{n};
    if (l.bidirectional)
      directions.push_back(n + ".reverse");
    std::vector<ParamSpec> p;
    for (const std::string &d : directions) {
      p.push_back({d + ".kernel", {in[1], width}, "glorot_uniform"});
      p.push_back({d + ".recurrent", {l.units, width}, "orthogonal"});
      // Keras's reset_after GRU has an input bias and a recurrent one.
      if (lstm)
        p.push_back({d + ".bias", {width}, "unit_forget_bias"});
      else
        p.push_back({d + ".bias", {2, width}, "zeros"});
    }
    return p;
  }
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
  case LayerKind::Conv1D: // every output step: a window of all channels
    f = 2 * out[0] * l.units * l.kernel * in[1];
    break;
  case LayerKind::Conv2D: // every output pixel: a window of all channels
    f = 2 * out[0] * out[1] * l.units * l.kernel * l.kernel * in[2];
    break;
  case LayerKind::Conv2DTranspose: // every input pixel: spread over a window
    f = 2 * in[0] * in[1] * in[2] * l.kernel * l.kernel * l.units;
    break;
  case LayerKind::LSTM: // four gates from the input and the last state
  case LayerKind::GRU: { // three
    int64_t width = (l.kind == LayerKind::LSTM ? 4 : 3) * l.units;
    int64_t dirs = l.bidirectional ? 2 : 1;
    int64_t fromInput = dirs * 2 * in[0] * in[1] * width;
    int64_t fromState = dirs * 2 * in[0] * l.units * width;
    return {fromInput + fromState, fromInput + 2 * fromState, fromInput};
  }
  default:
    return {};
  }
  // A matmul or convolution: its gradients with respect to the weights and
  // to the input are each one of the same size.
  return {f, f, f};
}
