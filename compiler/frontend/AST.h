//===- AST.h - Syntax tree of a model file ----------------------*- C++ -*-===//
//
// The parser builds these nodes; Sema fills in the resolved fields (marked
// "set by Sema"). Every node carries the location of its first token.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_FRONTEND_AST_H
#define LATHE_FRONTEND_AST_H

#include "compiler/frontend/Diagnostics.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lathe {

/// A constant argument value: integer expressions are folded by the parser.
struct Literal {
  enum Kind { Int, Float, Name, String, List } kind = Int;
  Loc loc;
  int64_t i = 0;
  double f = 0;
  std::string s; // Name or String
  std::vector<Literal> list;

  bool isNumber() const { return kind == Int || kind == Float; }
  double number() const { return kind == Int ? double(i) : f; }
  std::string str() const; // as written back in the AST dump
  std::string quoted() const; // for messages: names in backticks
};

/// `name` or `key=value` inside a call's parentheses.
struct Arg {
  std::string key; // empty for positional
  Loc keyLoc;
  Literal value;
};

/// `name(args)`: a layer, an optimizer, a data binding, noise.
struct Call {
  std::string name;
  Loc loc;
  std::vector<Arg> args;
  bool hasParens = false;
};

enum class ElemType { F32, I32 };

/// `f32[28, 28, 1]`: the shape of one sample (no batch dimension).
struct SampleType {
  ElemType elem = ElemType::F32;
  std::vector<int64_t> dims;
  Loc loc;
  /// A sequence whose padding steps (token id 0) are masked: what
  /// `embedding(..., mask_zero=true)` gives, up to the layer that uses it.
  bool masked = false;
  std::string str() const;
  bool operator==(const SampleType &o) const {
    return elem == o.elem && dims == o.dims;
  }
};

/// What the data provides as the answer for each sample.
struct TargetDecl {
  enum Kind { Tensor, Class, OneHot, Binary } kind = Tensor;
  std::string name;
  Loc loc;
  SampleType type; // for Tensor
  int64_t classes = 0;
  std::string str() const;
};

enum class LayerKind {
  Dense, Conv1D, Conv2D, Conv2DTranspose, MaxPool, AvgPool, GlobalAvgPool,
  GlobalMaxPool, Flatten,
  Reshape, Embedding, LSTM, GRU, Dropout, LayerNorm, BatchNorm, Relu, Sigmoid, Tanh, Softmax,
  LeakyRelu,
};

enum class Activation { Linear, Relu, Sigmoid, Tanh, Softmax, LeakyRelu };

/// One layer statement. `call` is what was written; the rest is set by Sema.
struct Layer {
  Call call;
  // Set by Sema.
  LayerKind kind = LayerKind::Dense;
  std::string name; // dense_0, conv2d_1, ...
  int64_t units = 0;  // dense units, conv filters, lstm/gru units, embedding dim
  int64_t kernel = 0; // conv kernel, pool size, embedding vocabulary
  int64_t stride = 1;
  bool samePadding = false;
  bool returnSequences = false;
  bool bidirectional = false; // lstm/gru: a second layer reads backwards
  bool maskZero = false;      // embedding: id 0 marks padding steps
  bool useBias = true;
  double rate = 0; // dropout rate, leaky_relu alpha, a norm's epsilon
  double momentum = 0.9; // batchnorm: the old running value's weight
  Activation activation = Activation::Linear;
  double alpha = 0.01; // leaky_relu slope of the activation
  Loc activationLoc;
  std::vector<int64_t> dims; // reshape target
  SampleType input, output;
};

/// loss / optimizer / metrics / train / data: the training recipe settings.
struct Settings {
  std::optional<Call> loss, optimizer, data, noise;
  std::vector<Literal> metrics;
  Loc metricsLoc;
  std::vector<Arg> train;
  Loc trainLoc;
  // Set by Sema (defaults filled in).
  std::string lossName, optimizerName;
  std::map<std::string, double> optimizerParams;
  std::string lrSchedule = "constant"; ///< how lr changes over the run
  int64_t batch = 32, epochs = 1, seed = 0;
  double validationSplit = 0;
  /// Epochs without a lower validation loss before training stops (0: off).
  int64_t earlyStopping = 0;
  /// The cross-entropies' `label_smoothing` (0: none).
  double labelSmoothing = 0;
  std::vector<std::string> metricNames;
};

/// `network NAME(x: f32[..]) -> f32[..] { layers }`
struct Network {
  std::string name;
  Loc loc;
  std::string inputName;
  SampleType input;
  std::optional<SampleType> output;
  std::vector<Layer> layers;
  bool used = false; // set by Sema
  bool broken = false; // had a syntax error: Sema skips it
};

/// `model NAME { input ..; target ..; layers; settings }`
struct Model {
  std::string name;
  Loc loc;
  std::string inputName;
  std::optional<SampleType> input;
  Loc inputLoc;
  std::optional<TargetDecl> target;
  std::vector<Layer> layers;
  Settings settings;
  bool broken = false;
};

/// `gan NAME { generator G; discriminator D; noise ..; settings }`
struct Gan {
  std::string name;
  Loc loc;
  std::string generator, discriminator;
  Loc generatorLoc, discriminatorLoc;
  Settings settings;
  // Set by Sema.
  const Network *gen = nullptr, *disc = nullptr;
  std::string noiseKind = "normal";
  int64_t noiseDim = 0;
  bool broken = false;
};

struct Program {
  std::vector<Network> networks;
  std::vector<Model> models;
  std::vector<Gan> gans;
};

/// Whether an optimizer's setting is printed and put in the IR: those that
/// are off at 0 (weight decay, gradient clipping, warmup) are left out when
/// they are.
bool optimizerSettingShown(const std::string &key, double value);

/// The AST as indented text with locations and the shapes Sema inferred.
std::string dumpAST(const Program &program, const std::string &fileName);

const char *layerKindName(LayerKind k);
const char *activationName(Activation a);

} // namespace lathe

#endif
