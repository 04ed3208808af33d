//===- AST.cpp - Printing the syntax tree ---------------------------------===//
#include "compiler/frontend/AST.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace lathe;

std::string Literal::str() const {
  switch (kind) {
  case Int: return std::to_string(i);
  case Float: return fmt::format("{}", f);
  case Name: return s;
  case String: return fmt::format("\"{}\"", s);
  case List: {
    std::vector<std::string> parts;
    for (const Literal &v : list)
      parts.push_back(v.str());
    return fmt::format("[{}]", fmt::join(parts, ", "));
  }
  }
  return "";
}

std::string Literal::quoted() const {
  return kind == Name ? fmt::format("`{}`", s) : str();
}

std::string SampleType::str() const {
  return fmt::format("{}[{}]", elem == ElemType::F32 ? "f32" : "i32",
                     fmt::join(dims, ", "));
}

std::string TargetDecl::str() const {
  switch (kind) {
  case Class: return fmt::format("class({})", classes);
  case OneHot: return fmt::format("onehot({})", classes);
  case Binary: return "binary";
  case Tensor: return type.str();
  }
  return "";
}

const char *lathe::layerKindName(LayerKind k) {
  switch (k) {
  case LayerKind::Dense: return "dense";
  case LayerKind::Conv1D: return "conv1d";
  case LayerKind::Conv2D: return "conv2d";
  case LayerKind::Conv2DTranspose: return "conv2d_transpose";
  case LayerKind::MaxPool: return "maxpool";
  case LayerKind::AvgPool: return "avgpool";
  case LayerKind::GlobalAvgPool: return "global_avgpool";
  case LayerKind::GlobalMaxPool: return "global_maxpool";
  case LayerKind::Flatten: return "flatten";
  case LayerKind::Reshape: return "reshape";
  case LayerKind::Embedding: return "embedding";
  case LayerKind::LSTM: return "lstm";
  case LayerKind::GRU: return "gru";
  case LayerKind::Dropout: return "dropout";
  case LayerKind::LayerNorm: return "layernorm";
  case LayerKind::BatchNorm: return "batchnorm";
  case LayerKind::Relu: return "relu";
  case LayerKind::Sigmoid: return "sigmoid";
  case LayerKind::Tanh: return "tanh";
  case LayerKind::Softmax: return "softmax";
  case LayerKind::LeakyRelu: return "leaky_relu";
  }
  return "?";
}

const char *lathe::activationName(Activation a) {
  switch (a) {
  case Activation::Linear: return "linear";
  case Activation::Relu: return "relu";
  case Activation::Sigmoid: return "sigmoid";
  case Activation::Tanh: return "tanh";
  case Activation::Softmax: return "softmax";
  case Activation::LeakyRelu: return "leaky_relu";
  }
  return "?";
}

bool lathe::optimizerSettingShown(const std::string &key, double value) {
  return value != 0 || (key != "weight_decay" && key != "clip_norm" &&
                        key != "clip_value" && key != "warmup");
}

namespace {
std::string at(Loc l) { return fmt::format("<{}:{}>", l.line, l.col); }

/// The resolved arguments of a layer, as the layer will be built.
std::string layerArgs(const Layer &l) {
  std::vector<std::string> a;
  auto act = [&] {
    if (l.activation != Activation::Linear)
      a.push_back(fmt::format("activation={}", activationName(l.activation)));
  };
  switch (l.kind) {
  case LayerKind::Dense:
    a.push_back(fmt::format("units={}", l.units));
    if (!l.useBias)
      a.push_back("use_bias=false");
    act();
    break;
  case LayerKind::Conv1D:
  case LayerKind::Conv2D:
  case LayerKind::Conv2DTranspose:
    a.push_back(fmt::format("filters={}", l.units));
    a.push_back(fmt::format("kernel={}", l.kernel));
    a.push_back(fmt::format("stride={}", l.stride));
    a.push_back(fmt::format("padding={}", l.samePadding ? "same" : "valid"));
    act();
    break;
  case LayerKind::MaxPool:
  case LayerKind::AvgPool:
    a.push_back(fmt::format("size={}", l.kernel));
    a.push_back(fmt::format("stride={}", l.stride));
    break;
  case LayerKind::Reshape:
    for (int64_t d : l.dims)
      a.push_back(std::to_string(d));
    break;
  case LayerKind::Embedding:
    a.push_back(fmt::format("vocab={}", l.kernel));
    a.push_back(fmt::format("dim={}", l.units));
    if (l.maskZero)
      a.push_back("mask_zero=true");
    break;
  case LayerKind::LSTM:
  case LayerKind::GRU:
    a.push_back(fmt::format("units={}", l.units));
    a.push_back(fmt::format("return_sequences={}", l.returnSequences));
    if (l.bidirectional)
      a.push_back("bidirectional=true");
    break;
  case LayerKind::Dropout:
    a.push_back(fmt::format("rate={}", l.rate));
    break;
  case LayerKind::LeakyRelu:
    a.push_back(fmt::format("alpha={}", l.rate));
    break;
  case LayerKind::LayerNorm:
    a.push_back(fmt::format("epsilon={}", l.rate));
    break;
  case LayerKind::BatchNorm:
    a.push_back(fmt::format("momentum={}", l.momentum));
    a.push_back(fmt::format("epsilon={}", l.rate));
    break;
  default:
    break;
  }
  return a.empty() ? "" : fmt::format("({})", fmt::join(a, ", "));
}

void dumpLayers(std::string &out, const std::vector<Layer> &layers) {
  for (const Layer &l : layers)
    out += fmt::format("    Layer {} {}{} : {} -> {} {}\n", l.name,
                       layerKindName(l.kind), layerArgs(l), l.input.str(),
                       l.output.str(), at(l.call.loc));
}

void dumpSettings(std::string &out, const Settings &s) {
  if (s.loss)
    out += fmt::format("  Loss {}{} {}\n", s.lossName,
                       s.labelSmoothing > 0
                           ? fmt::format("(label_smoothing={})",
                                         s.labelSmoothing)
                           : "",
                       at(s.loss->loc));
  if (s.optimizer) {
    std::vector<std::string> p;
    for (auto &[k, v] : s.optimizerParams)
      if (optimizerSettingShown(k, v))
        p.push_back(fmt::format("{}={}", k, v));
    if (s.lrSchedule != "constant")
      p.push_back("schedule=" + s.lrSchedule);
    out += fmt::format("  Optimizer {}({}) {}\n", s.optimizerName,
                       fmt::join(p, ", "), at(s.optimizer->loc));
  }
  if (!s.metricNames.empty())
    out += fmt::format("  Metrics {} {}\n", fmt::join(s.metricNames, ", "),
                       at(s.metricsLoc));
  out += fmt::format("  Train batch={}, epochs={}, validation_split={}, "
                     "seed={}{}\n",
                     s.batch, s.epochs, s.validationSplit, s.seed,
                     s.earlyStopping ? fmt::format(", early_stopping={}",
                                                   s.earlyStopping)
                                     : "");
  if (s.data) {
    std::vector<std::string> a;
    for (const Arg &arg : s.data->args)
      a.push_back(fmt::format("{}={}", arg.key, arg.value.str()));
    out += fmt::format("  Data {}({}) {}\n", s.data->name, fmt::join(a, ", "),
                       at(s.data->loc));
  }
}
} // namespace

std::string lathe::dumpAST(const Program &p, const std::string &fileName) {
  std::string out = fmt::format("Program {}\n", fileName);
  for (const Network &n : p.networks) {
    out += fmt::format("Network {}({}: {}) -> {} {}\n", n.name, n.inputName,
                       n.input.str(), n.output ? n.output->str() : "?",
                       at(n.loc));
    out += "  Layers\n";
    dumpLayers(out, n.layers);
  }
  for (const Model &m : p.models) {
    out += fmt::format("Model {} {}\n", m.name, at(m.loc));
    if (m.input)
      out += fmt::format("  Input {}: {} {}\n", m.inputName, m.input->str(),
                         at(m.inputLoc));
    if (m.target)
      out += fmt::format("  Target {}: {} {}\n", m.target->name,
                         m.target->str(), at(m.target->loc));
    out += "  Layers\n";
    dumpLayers(out, m.layers);
    dumpSettings(out, m.settings);
  }
  for (const Gan &g : p.gans) {
    out += fmt::format("Gan {} {}\n", g.name, at(g.loc));
    out += fmt::format("  Generator {} {}\n", g.generator, at(g.generatorLoc));
    out += fmt::format("  Discriminator {} {}\n", g.discriminator,
                       at(g.discriminatorLoc));
    out += fmt::format("  Noise {}({})\n", g.noiseKind, g.noiseDim);
    dumpSettings(out, g.settings);
  }
  return out;
}
