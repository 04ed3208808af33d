//===- Sema.cpp - Names, shapes and settings of a model file --------------===//
#include "compiler/frontend/Sema.h"
#include "compiler/frontend/Parser.h"
#include "runtime/Schedules.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

using namespace lathe;

namespace {

std::string join(const std::vector<std::string_view> &items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += fmt::format("{}`{}`", i ? ", " : "", items[i]);
  return out;
}

std::string suggest(std::string_view word,
                    const std::vector<std::string_view> &known,
                    std::string_view what) {
  std::string m = closestMatch(word, known);
  if (!m.empty())
    return fmt::format("did you mean `{}`?", m);
  return fmt::format("known {}: {}", what, join(known));
}

/// Layer names, their parameters (positional ones first) and kinds.
struct LayerSpec {
  std::string_view name;
  LayerKind kind;
  std::vector<std::string_view> params;
  size_t positional;
  std::vector<std::string_view> required;
  std::string_view example;
};

const std::vector<LayerSpec> &layerSpecs() {
  static const std::vector<LayerSpec> specs = {
      {"dense", LayerKind::Dense, {"units", "activation", "use_bias"}, 1,
       {"units"}, "dense(128, activation=relu)"},
      {"conv1d", LayerKind::Conv1D,
       {"filters", "kernel", "stride", "padding", "activation"}, 2,
       {"filters", "kernel"}, "conv1d(64, kernel=5, activation=relu)"},
      {"conv2d", LayerKind::Conv2D,
       {"filters", "kernel", "stride", "padding", "activation"}, 2,
       {"filters", "kernel"}, "conv2d(32, kernel=3, activation=relu)"},
      {"conv2d_transpose", LayerKind::Conv2DTranspose,
       {"filters", "kernel", "stride", "padding", "activation"}, 2,
       {"filters", "kernel"},
       "conv2d_transpose(64, kernel=5, stride=2, padding=same)"},
      {"maxpool", LayerKind::MaxPool, {"size", "stride"}, 1, {}, "maxpool(2)"},
      {"avgpool", LayerKind::AvgPool, {"size", "stride"}, 1, {}, "avgpool(2)"},
      {"global_maxpool", LayerKind::GlobalMaxPool, {}, 0, {},
       "global_maxpool"},
      {"global_avgpool", LayerKind::GlobalAvgPool, {}, 0, {},
       "global_avgpool"},
      {"flatten", LayerKind::Flatten, {}, 0, {}, "flatten"},
      {"reshape", LayerKind::Reshape, {}, 0, {}, "reshape(7, 7, 128)"},
      {"embedding", LayerKind::Embedding, {"vocab", "dim", "mask_zero"}, 2,
       {"vocab", "dim"}, "embedding(10000, 32)"},
      {"lstm", LayerKind::LSTM, {"units", "return_sequences", "bidirectional"},
       1, {"units"}, "lstm(32, return_sequences=true)"},
      {"gru", LayerKind::GRU, {"units", "return_sequences", "bidirectional"},
       1, {"units"}, "gru(32, return_sequences=true)"},
      {"dropout", LayerKind::Dropout, {"rate"}, 1, {"rate"}, "dropout(0.2)"},
      {"layernorm", LayerKind::LayerNorm, {"epsilon"}, 1, {}, "layernorm"},
      {"batchnorm", LayerKind::BatchNorm, {"momentum", "epsilon"}, 0, {},
       "batchnorm(momentum=0.9)"},
      {"relu", LayerKind::Relu, {}, 0, {}, "relu"},
      {"sigmoid", LayerKind::Sigmoid, {}, 0, {}, "sigmoid"},
      {"tanh", LayerKind::Tanh, {}, 0, {}, "tanh"},
      {"softmax", LayerKind::Softmax, {}, 0, {}, "softmax"},
      {"leaky_relu", LayerKind::LeakyRelu, {"alpha"}, 1, {},
       "leaky_relu(0.01)"},
  };
  return specs;
}

const std::vector<std::string_view> kActivations = {
    "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu"};
const std::vector<std::string_view> kLosses = {
    "mse", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy"};
const std::vector<std::string_view> kOptimizers = {"sgd", "rmsprop", "adam",
                                                   "adamw"};
/// The values an optimizer's setting takes (`nesterov` is a boolean).
struct SettingRange {
  double lo, hi;
  bool hiInclusive, positive, whole;
  bool inBounds(double v) const {
    return v >= lo && (hiInclusive ? v <= hi : v < hi);
  }
  bool admits(double v) const {
    return inBounds(v) && (!positive || v > 0) && (!whole || v == std::floor(v));
  }
};
SettingRange optimizerRange(std::string_view key) {
  if (key == "lr" || key == "epsilon")
    return {0, 1e6, true, true, false};
  if (key == "clip_norm" || key == "clip_value") // (0: off)
    return {0, 1e6, true, false, false};
  if (key == "warmup") // steps
    return {0, 1e9, true, false, true};
  return {0, 1, false, false, false};
}

const std::vector<std::string_view> kClassMetrics = {"accuracy", "precision",
                                                     "recall", "f1"};
const std::vector<std::string_view> kRegressionMetrics = {"mse", "mae"};
const std::vector<std::string_view> kTrainKeys = {
    "batch", "epochs", "validation_split", "seed", "early_stopping"};

/// A dataset kind and the settings it takes (name, expected kind of value).
struct DataSpec {
  std::string_view name;
  std::vector<std::pair<std::string_view, Literal::Kind>> keys;
  bool needsPath;
};
const std::vector<DataSpec> &dataSpecs() {
  using V = Literal;
  // scikit-learn's files, whose targets are fixed.
  static const decltype(DataSpec::keys) sklearn = {{"path", V::String},
                                                   {"features", V::List},
                                                   {"standardize", V::Name},
                                                   {"test_split", V::Float}};
  static const std::vector<DataSpec> specs = {
      {"fashion_mnist",
       {{"dir", V::String}, {"normalize", V::Name}, {"centered", V::Name}},
       false},
      {"boston_housing",
       {{"path", V::String}, {"features", V::List}, {"target", V::String},
        {"standardize", V::Name}, {"test_split", V::Float}},
       false},
      {"breast_cancer",
       {{"path", V::String}, {"features", V::List}, {"target", V::String},
        {"standardize", V::Name}, {"test_split", V::Float}},
       false},
      {"csv",
       {{"path", V::String}, {"features", V::List}, {"target", V::String},
        {"standardize", V::Name}, {"test_split", V::Float}},
       true},
      {"iris", sklearn, false},
      {"wine", sklearn, false},
      {"digits", sklearn, false},
      {"diabetes", sklearn, false},
      {"synthetic_linear",
       {{"samples", V::Int}, {"seed", V::Int}, {"test_split", V::Float}},
       false},
      {"spam_assassin",
       {{"path", V::String}, {"vocab", V::Int}, {"length", V::Int},
        {"test_split", V::Float}},
       false},
      {"brown",
       {{"path", V::String}, {"categories", V::List}, {"vocab", V::Int},
        {"length", V::Int}, {"test_split", V::Float}},
       false},
  };
  return specs;
}

int64_t elements(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxElements)
      return kMaxElements + 1;
  return n;
}

std::string shapeStr(const std::vector<int64_t> &dims) {
  return fmt::format("[{}]", fmt::join(dims, ", "));
}

/// How to end a network whose output `out` is not the target's `target`
/// shape: the layers that give it, from whatever the network ends with.
std::string mseShapeHint(const std::vector<int64_t> &out,
                         const std::vector<int64_t> &target) {
  int64_t n = elements(target);
  if (target.size() == 1)
    return fmt::format(out.size() == 1 ? "end the network with `dense({})`"
                                       : "end the network with `flatten` and "
                                         "`dense({})`",
                       n);
  std::string reshape = fmt::format("reshape({})", fmt::join(target, ", "));
  if (elements(out) == n)
    return fmt::format("end the network with `{}`", reshape);
  return fmt::format("end the network with {}`dense({})` and `{}`",
                     out.size() == 1 ? "" : "`flatten`, ", n, reshape);
}

class Sema {
public:
  Sema(DiagnosticEngine &diags) : diags_(diags) {}

  void run(Program &prog) {
    checkNames(prog);
    for (Network &n : prog.networks)
      if (!n.broken)
        checkNetwork(n);
    for (Model &m : prog.models)
      if (!m.broken)
        checkModel(m);
    for (Gan &g : prog.gans)
      if (!g.broken)
        checkGan(g, prog);
    for (Network &n : prog.networks)
      if (!n.used && !n.broken)
        diags_.warning(n.loc,
                       fmt::format("network `{}` is not used by any gan",
                                   n.name));
  }

private:
  DiagnosticEngine &diags_;

  void checkNames(Program &prog) {
    std::map<std::string, Loc> seen;
    auto add = [&](const std::string &name, Loc loc) {
      if (name.empty())
        return;
      auto [it, fresh] = seen.emplace(name, loc);
      if (!fresh)
        diags_.error(loc, fmt::format("duplicate name `{}`", name),
                     fmt::format("`{}` is already defined on line {}", name,
                                 it->second.line));
    };
    for (Network &n : prog.networks)
      add(n.name, n.loc);
    for (Model &m : prog.models)
      add(m.name, m.loc);
    for (Gan &g : prog.gans)
      add(g.name, g.loc);
  }

  //===--------------------------------------------------------------------===//
  // Argument binding
  //===--------------------------------------------------------------------===//

  /// Maps parameter names to argument values; reports unknown, duplicate,
  /// surplus and missing arguments. Returns false on any error.
  bool bind(const Call &call, const std::vector<std::string_view> &params,
            size_t positional, const std::vector<std::string_view> &required,
            std::string_view example,
            std::map<std::string, const Literal *> &out) {
    bool ok = true;
    size_t pos = 0;
    for (const Arg &a : call.args) {
      std::string key = a.key;
      if (key.empty()) {
        if (pos >= positional) {
          diags_.error(
              a.value.loc,
              positional == 0
                  ? fmt::format("`{}` takes no positional arguments",
                                call.name)
                  : fmt::format("`{}` takes {} positional argument{}, got more",
                                call.name, positional,
                                positional == 1 ? "" : "s"),
              params.size() > positional
                  ? fmt::format("name the others, e.g. `{}=...`",
                                params[positional])
                  : fmt::format("write it as `{}`", example));
          ok = false;
          continue;
        }
        key = std::string(params[pos++]);
      } else if (std::find(params.begin(), params.end(), key) ==
                 params.end()) {
        diags_.error(a.keyLoc,
                     fmt::format("`{}` has no parameter `{}`", call.name, key),
                     params.empty()
                         ? fmt::format("`{}` takes no arguments", call.name)
                         : suggest(key, params, "parameters"));
        ok = false;
        continue;
      }
      if (!out.emplace(key, &a.value).second) {
        diags_.error(a.keyLoc, fmt::format("`{}` is given twice", key));
        ok = false;
      }
    }
    for (std::string_view r : required)
      if (!out.count(std::string(r))) {
        diags_.error(call.loc,
                     fmt::format("`{}` needs `{}`", call.name, r),
                     fmt::format("for example `{}`", example));
        ok = false;
      }
    return ok;
  }

  bool posInt(const Literal *v, std::string_view what, int64_t &out) {
    if (v->kind != Literal::Int || v->i <= 0) {
      diags_.error(v->loc,
                   fmt::format("`{}` must be a positive integer, got {}", what,
                               v->quoted()));
      return false;
    }
    if (v->i > kMaxElements) {
      diags_.error(v->loc,
                   fmt::format("`{}` = {} is too large (the limit is {})", what,
                               v->i, kMaxElements));
      return false;
    }
    out = v->i;
    return true;
  }

  bool number(const Literal *v, std::string_view what, double lo, double hi,
              bool hiInclusive, double &out) {
    if (!v->isNumber()) {
      diags_.error(v->loc,
                   fmt::format("`{}` must be a number, got {}", what,
                               v->quoted()));
      return false;
    }
    double x = v->number();
    if (!(x >= lo && (hiInclusive ? x <= hi : x < hi))) {
      diags_.error(v->loc,
                   fmt::format("`{}` must be in [{}, {}{}, got {}", what, lo,
                               hi, hiInclusive ? "]" : ")", v->quoted()));
      return false;
    }
    out = x;
    return true;
  }

  bool boolean(const Literal *v, std::string_view what, bool &out) {
    if (v->kind != Literal::Name || (v->s != "true" && v->s != "false")) {
      diags_.error(v->loc,
                   fmt::format("`{}` must be `true` or `false`, got {}", what,
                               v->quoted()));
      return false;
    }
    out = v->s == "true";
    return true;
  }

  bool oneOf(const Literal *v, std::string_view what,
             const std::vector<std::string_view> &choices, std::string &out) {
    if (v->kind != Literal::Name ||
        std::find(choices.begin(), choices.end(), v->s) == choices.end()) {
      diags_.error(v->loc,
                   fmt::format("`{}` must be one of {}, got {}", what,
                               join(choices), v->quoted()),
                   v->kind == Literal::Name ? suggest(v->s, choices, "values")
                                          : "");
      return false;
    }
    out = v->s;
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Layers and shapes
  //===--------------------------------------------------------------------===//

  /// Binds a layer's arguments into `l`. Returns false on an argument error.
  bool resolveLayer(Layer &l, std::map<std::string, int> &counters) {
    const Call &c = l.call;
    auto &specs = layerSpecs();
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](auto &s) { return s.name == c.name; });
    if (spec == specs.end()) {
      std::vector<std::string_view> names;
      for (auto &s : specs)
        names.push_back(s.name);
      std::string hint = suggest(c.name, names, "layers");
      if (c.name == "maxpool2d")
        hint = "did you mean `maxpool`?";
      diags_.error(c.loc, fmt::format("unknown layer `{}`", c.name), hint);
      return false;
    }
    l.kind = spec->kind;
    l.name = fmt::format("{}_{}", spec->name, counters[std::string(spec->name)]++);
    if (spec->kind == LayerKind::Reshape) {
      bool ok = true;
      for (const Arg &a : c.args) {
        int64_t d;
        if (!a.key.empty()) {
          diags_.error(a.keyLoc, "`reshape` takes only the new dimensions",
                       "write it as `reshape(7, 7, 128)`");
          ok = false;
        } else if (posInt(&a.value, "dimension", d)) {
          l.dims.push_back(d);
        } else {
          ok = false;
        }
      }
      if (c.args.empty()) {
        diags_.error(c.loc, "`reshape` needs the new dimensions",
                     "for example `reshape(7, 7, 128)`");
        ok = false;
      }
      return ok;
    }
    std::map<std::string, const Literal *> a;
    if (!bind(c, spec->params, spec->positional, spec->required, spec->example,
              a))
      return false;
    bool ok = true;
    auto get = [&](const char *k) -> const Literal * {
      auto it = a.find(k);
      return it == a.end() ? nullptr : it->second;
    };
    for (const char *k : {"units", "filters"})
      if (auto *v = get(k))
        ok &= posInt(v, k, l.units);
    if (auto *v = get("dim"))
      ok &= posInt(v, "dim", l.units);
    if (auto *v = get("kernel"))
      ok &= posInt(v, "kernel", l.kernel);
    if (auto *v = get("vocab"))
      ok &= posInt(v, "vocab", l.kernel);
    if (spec->kind == LayerKind::MaxPool || spec->kind == LayerKind::AvgPool) {
      l.kernel = 2;
      if (auto *v = get("size"))
        ok &= posInt(v, "size", l.kernel);
      l.stride = l.kernel;
    }
    if (auto *v = get("stride"))
      ok &= posInt(v, "stride", l.stride);
    if (auto *v = get("padding")) {
      std::string p;
      ok &= oneOf(v, "padding", {"valid", "same"}, p);
      l.samePadding = p == "same";
    }
    if (auto *v = get("activation")) {
      std::string act;
      if (oneOf(v, "activation", kActivations, act)) {
        l.activation = Activation(std::find(kActivations.begin(),
                                            kActivations.end(), act) -
                                  kActivations.begin());
        l.activationLoc = v->loc;
      } else {
        ok = false;
      }
    }
    if (auto *v = get("use_bias"))
      ok &= boolean(v, "use_bias", l.useBias);
    if (auto *v = get("return_sequences"))
      ok &= boolean(v, "return_sequences", l.returnSequences);
    if (auto *v = get("bidirectional"))
      ok &= boolean(v, "bidirectional", l.bidirectional);
    if (auto *v = get("mask_zero"))
      ok &= boolean(v, "mask_zero", l.maskZero);
    if (auto *v = get("rate"))
      ok &= number(v, "rate", 0, 1, false, l.rate);
    if (spec->kind == LayerKind::LeakyRelu) {
      l.rate = 0.01;
      if (auto *v = get("alpha"))
        ok &= number(v, "alpha", 0, 1, false, l.rate);
    }
    if (spec->kind == LayerKind::BatchNorm) {
      if (auto *v = get("momentum"))
        ok &= number(v, "momentum", 0, 1, false, l.momentum);
    }
    if (spec->kind == LayerKind::LayerNorm ||
        spec->kind == LayerKind::BatchNorm) {
      l.rate = 1e-3; // epsilon, as Keras' LayerNormalization and BatchNormalization
      if (auto *v = get("epsilon")) {
        ok &= number(v, "epsilon", 0, 1, false, l.rate);
        if (l.rate == 0) {
          diags_.error(v->loc, "`epsilon` must be positive");
          ok = false;
        }
      }
    }
    return ok;
  }

  /// Checks `l` against its input type and sets its output type. Returns
  /// false (after reporting) when the input does not fit.
  bool inferLayer(Layer &l, const SampleType &in) {
    const std::string &name = l.call.name;
    l.input = in;
    SampleType out;
    out.loc = l.call.loc;
    const auto &d = in.dims;
    auto fail = [&](std::string msg, std::string hint = {}) {
      diags_.error(l.call.loc, std::move(msg), std::move(hint));
      return false;
    };
    // The poolings read an image or a sequence.
    auto notImageOrSequence = [&] {
      return fail(fmt::format("{} expects [height, width, channels] or "
                              "[time, channels] input, got {}",
                              layerKindName(l.kind), shapeStr(d)),
                  "an image is f32[h, w, c] and a sequence f32[t, c]; or "
                  "`reshape` before this layer");
    };
    // A masked sequence goes on through the layers that work step by step,
    // to a recurrent layer or a mean over its steps.
    bool keepsMask = false;
    switch (l.kind) {
    case LayerKind::Dropout: case LayerKind::LayerNorm: case LayerKind::Relu:
    case LayerKind::Sigmoid: case LayerKind::Tanh: case LayerKind::Softmax:
    case LayerKind::LeakyRelu:
      keepsMask = true;
      break;
    case LayerKind::LSTM: case LayerKind::GRU:
      keepsMask = l.returnSequences;
      break;
    case LayerKind::GlobalAvgPool: case LayerKind::GlobalMaxPool:
      break;
    default:
      if (in.masked)
        return fail(fmt::format("`{}` does not take a masked sequence", name),
                    "`mask_zero=true` on the embedding is used by `lstm`, "
                    "`gru`, `global_avgpool` and `global_maxpool`; put one of "
                    "them before this layer, or leave out `mask_zero`");
    }
    out.masked = in.masked && keepsMask;
    if (in.elem == ElemType::I32 && l.kind != LayerKind::Embedding)
      return fail(fmt::format("`{}` expects f32 input, got token ids {}", name,
                              in.str()),
                  "start the network with `embedding(vocab, dim)`");
    switch (l.kind) {
    case LayerKind::Dense:
      if (d.size() != 1)
        return fail(fmt::format("dense expects 1-D input, got {}",
                                shapeStr(d)),
                    "add `flatten` before it");
      out.dims = {l.units};
      if (!checkParams(l, {d[0], l.units}))
        return false;
      break;
    case LayerKind::Conv1D:
      if (d.size() != 2)
        return fail(fmt::format("conv1d expects [time, channels] input, got "
                                "{}",
                                shapeStr(d)),
                    d.size() == 1 ? "put an `embedding`, or a recurrent layer "
                                    "with `return_sequences=true`, before it"
                                  : "use `conv2d` for images");
      if (!l.samePadding && l.kernel > d[0])
        return fail(fmt::format("kernel {} does not fit input {} without "
                                "padding",
                                l.kernel, shapeStr(d)),
                    "use `padding=same` or a smaller kernel");
      out.dims = {l.samePadding ? (d[0] + l.stride - 1) / l.stride
                                : (d[0] - l.kernel) / l.stride + 1,
                  l.units};
      if (!checkParams(l, {l.kernel, d[1], l.units}))
        return false;
      break;
    case LayerKind::Conv2D:
    case LayerKind::Conv2DTranspose: {
      if (d.size() != 3)
        return fail(fmt::format("`{}` expects [height, width, channels] "
                                "input, got {}",
                                name, shapeStr(d)),
                    "add `reshape(height, width, channels)` before it");
      auto size = [&](int64_t x) -> int64_t {
        if (l.kind == LayerKind::Conv2DTranspose)
          return l.samePadding ? x * l.stride : (x - 1) * l.stride + l.kernel;
        if (l.samePadding)
          return (x + l.stride - 1) / l.stride;
        return x < l.kernel ? 0 : (x - l.kernel) / l.stride + 1;
      };
      if (!l.samePadding && l.kind == LayerKind::Conv2D &&
          (l.kernel > d[0] || l.kernel > d[1]))
        return fail(fmt::format("kernel {} does not fit input {} without "
                                "padding",
                                l.kernel, shapeStr(d)),
                    "use `padding=same` or a smaller kernel");
      out.dims = {size(d[0]), size(d[1]), l.units};
      if (!checkParams(l, {l.kernel, l.kernel, d[2], l.units}))
        return false;
      break;
    }
    case LayerKind::MaxPool:
    case LayerKind::AvgPool: {
      // An image's windows, or a sequence's ([time, channels]).
      if (d.size() != 3 && d.size() != 2)
        return notImageOrSequence();
      size_t positions = d.size() - 1;
      for (size_t i = 0; i < positions; ++i)
        if (l.kernel > d[i])
          return fail(fmt::format("pool size {} does not fit input {}",
                                  l.kernel, shapeStr(d)),
                      "use a smaller pool size");
      out.dims = d;
      for (size_t i = 0; i < positions; ++i)
        out.dims[i] = (d[i] - l.kernel) / l.stride + 1;
      break;
    }
    case LayerKind::GlobalAvgPool:
    case LayerKind::GlobalMaxPool:
      if (d.size() != 3 && d.size() != 2)
        return notImageOrSequence();
      out.dims = {d.back()};
      break;
    case LayerKind::Flatten:
      out.dims = {elements(d)};
      break;
    case LayerKind::Reshape:
      if (elements(l.dims) != elements(d))
        return fail(fmt::format("cannot reshape {} ({} values) to {} ({} "
                                "values)",
                                shapeStr(d), elements(d), shapeStr(l.dims),
                                elements(l.dims)));
      out.dims = l.dims;
      break;
    case LayerKind::Embedding:
      if (in.elem != ElemType::I32)
        return fail(fmt::format("embedding expects i32 token ids, got {}",
                                in.str()),
                    "declare the input as `i32[length]`, or move the "
                    "embedding to the start");
      if (d.size() != 1)
        return fail(fmt::format("embedding expects a 1-D sequence of ids, "
                                "got {}",
                                shapeStr(d)));
      out.dims = {d[0], l.units};
      out.masked = l.maskZero;
      if (!checkParams(l, {l.kernel, l.units}))
        return false;
      break;
    case LayerKind::LSTM:
    case LayerKind::GRU:
      if (d.size() != 2)
        return fail(fmt::format("{} expects [time, features] input, got {}",
                                name, shapeStr(d)),
                    d.size() == 1 ? "put an `embedding`, or a recurrent layer "
                                    "with `return_sequences=true`, before it"
                                  : "");
    {
      // A bidirectional layer's two directions side by side.
      int64_t width = (l.bidirectional ? 2 : 1) * l.units;
      out.dims = l.returnSequences ? std::vector<int64_t>{d[0], width}
                                   : std::vector<int64_t>{width};
    }
      if (!checkParams(l, {d[1] + l.units,
                           (l.kind == LayerKind::LSTM ? 4 : 3) * l.units}))
        return false;
      break;
    case LayerKind::LayerNorm:
      if (d.back() == 1)
        return fail("layernorm over 1 feature always outputs its beta",
                    "normalize a layer of more than one feature");
      out.dims = d;
      break;
    default: // dropout and activations keep the shape
      out.dims = d;
      break;
    }
    if (elements(out.dims) > kMaxElements)
      return fail(fmt::format("`{}` output {} is too large", name,
                              shapeStr(out.dims)));
    for (int64_t x : out.dims)
      if (x <= 0)
        return fail(fmt::format("`{}` output {} is empty", name,
                                shapeStr(out.dims)));
    l.output = out;
    return true;
  }

  bool checkParams(Layer &l, std::vector<int64_t> shape) {
    if (elements(shape) > kMaxElements) {
      diags_.error(l.call.loc,
                   fmt::format("`{}` needs a parameter of shape {}, more than "
                               "{} values",
                               l.call.name, shapeStr(shape), kMaxElements));
      return false;
    }
    return true;
  }

  /// Resolves and shape-checks a layer list. Returns the output type, or
  /// nothing if any layer failed.
  std::optional<SampleType> inferLayers(std::vector<Layer> &layers,
                                        std::optional<SampleType> in) {
    std::map<std::string, int> counters;
    std::optional<SampleType> cur = in;
    bool ok = true;
    for (Layer &l : layers) {
      if (diags_.tooMany())
        return std::nullopt;
      if (!resolveLayer(l, counters)) {
        ok = false;
        cur.reset();
        continue;
      }
      if (cur && !inferLayer(l, *cur)) {
        ok = false;
        cur.reset();
        continue;
      }
      if (cur)
        cur = l.output;
    }
    if (!ok)
      return std::nullopt;
    return cur;
  }

  std::optional<Activation> lastActivation(const std::vector<Layer> &layers) {
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      if (it->kind == LayerKind::Dropout)
        continue;
      switch (it->kind) {
      case LayerKind::Sigmoid: return Activation::Sigmoid;
      case LayerKind::Softmax: return Activation::Softmax;
      case LayerKind::Relu: return Activation::Relu;
      case LayerKind::Tanh: return Activation::Tanh;
      case LayerKind::LeakyRelu: return Activation::LeakyRelu;
      default: return it->activation;
      }
    }
    return std::nullopt;
  }

  void checkNetwork(Network &n) {
    if (!checkTensorType(n.input))
      return;
    auto out = inferLayers(n.layers, n.input);
    if (n.layers.empty())
      diags_.error(n.loc, fmt::format("network `{}` has no layers", n.name));
    if (out && n.output && !checkTensorType(*n.output))
      return;
    if (out && n.output && !(*out == *n.output))
      diags_.error(n.output->loc,
                   fmt::format("network `{}` is declared to return {}, but its "
                               "layers make {}",
                               n.name, n.output->str(), out->str()),
                   "fix the declared output or the last layers");
    if (out && !n.output)
      n.output = *out;
    if (!out)
      n.output.reset(), n.broken = true;
  }

  bool checkTensorType(const SampleType &t) {
    if (elements(t.dims) > kMaxElements) {
      diags_.error(t.loc, fmt::format("tensor {} is too large", t.str()));
      return false;
    }
    return true;
  }

  //===--------------------------------------------------------------------===//
  // Settings
  //===--------------------------------------------------------------------===//

  void checkOptimizer(Settings &s, Loc owner) {
    if (!s.optimizer) {
      diags_.error(owner, "no optimizer",
                   "add e.g. `optimizer adam(lr=0.001)`");
      return;
    }
    const Call &c = *s.optimizer;
    if (std::find(kOptimizers.begin(), kOptimizers.end(), c.name) ==
        kOptimizers.end()) {
      diags_.error(c.loc, fmt::format("unknown optimizer `{}`", c.name),
                   suggest(c.name, kOptimizers, "optimizers"));
      return;
    }
    s.optimizerName = c.name;
    auto &p = s.optimizerParams;
    p = optimizerDefaults(c.name);
    std::vector<std::string_view> params;
    for (const char *k : {"lr", "momentum", "nesterov", "rho", "beta1",
                          "beta2", "epsilon", "weight_decay", "clip_norm",
                          "clip_value", "warmup"})
      if (p.count(k))
        params.push_back(k);
    params.push_back("schedule");
    std::map<std::string, const Literal *> a;
    if (!bind(c, params, 1, {}, fmt::format("{}(lr=0.001)", c.name), a))
      return;
    for (auto &[k, v] : a) {
      double x = 0;
      if (k == "schedule") {
        oneOf(v, k, lathe::schedules(), s.lrSchedule);
      } else if (k == "nesterov") {
        bool b;
        if (boolean(v, k, b))
          p[k] = b;
      } else {
        SettingRange r = optimizerRange(k);
        if (!number(v, k, r.lo, r.hi, r.hiInclusive, x))
          continue;
        if (r.whole && x != std::floor(x))
          diags_.error(v->loc, fmt::format("`{}` must be a whole number of "
                                           "steps",
                                           k));
        else if (r.positive && x == 0)
          diags_.error(v->loc, fmt::format("`{}` must be positive", k));
        else
          p[k] = x;
      }
    }
    if (p.count("nesterov") && p["nesterov"] != 0 && p["momentum"] == 0)
      diags_.error(c.loc, "nesterov needs momentum",
                   "add e.g. `momentum=0.9`");
  }

  /// The `train` settings; a gan (`gan`) has no validation loss to stop on.
  void checkTrain(Settings &s, bool gan) {
    const Arg *earlyStopping = nullptr;
    for (const Arg &a : s.train) {
      const Literal *v = &a.value;
      if (a.key == "batch" || a.key == "epochs") {
        int64_t n = 0;
        if (posInt(v, a.key, n)) {
          if (n > (1 << 20))
            diags_.error(v->loc, fmt::format("`{}` = {} is too large (the "
                                             "limit is {})",
                                             a.key, n, 1 << 20));
          (a.key == "batch" ? s.batch : s.epochs) = n;
        }
      } else if (a.key == "validation_split") {
        number(v, a.key, 0, 1, false, s.validationSplit);
      } else if (a.key == "seed") {
        if (v->kind != Literal::Int || v->i < 0)
          diags_.error(v->loc, fmt::format("`seed` must be a non-negative "
                                           "integer, got {}",
                                           v->quoted()));
        else
          s.seed = v->i;
      } else if (a.key == "early_stopping") {
        earlyStopping = &a;
        if (gan)
          diags_.error(a.keyLoc, "a gan has no validation loss to stop on",
                       "remove `early_stopping`");
        else if (v->kind != Literal::Int || v->i < 0)
          diags_.error(v->loc, fmt::format("`early_stopping` must be a "
                                           "number of epochs (0: off), got {}",
                                           v->quoted()),
                       "for example `early_stopping=3`");
        else
          s.earlyStopping = v->i;
      } else {
        diags_.error(a.keyLoc,
                     fmt::format("unknown training setting `{}`", a.key),
                     suggest(a.key, kTrainKeys, "settings"));
      }
    }
    std::set<std::string> seen;
    for (const Arg &a : s.train)
      if (!seen.insert(a.key).second)
        diags_.error(a.keyLoc, fmt::format("`{}` is given twice", a.key));
    if (earlyStopping && s.earlyStopping > 0 && s.validationSplit == 0)
      diags_.error(earlyStopping->keyLoc,
                   "`early_stopping` watches the validation loss, but there "
                   "is no validation split",
                   "add e.g. `validation_split=0.1`");
  }

  /// Checks the data binding; `input` and `classes` (when known) are checked
  /// against what the dataset provides.
  void checkData(Settings &s, const std::optional<SampleType> &input,
                 int64_t classes) {
    if (!s.data)
      return;
    const Call &c = *s.data;
    auto &specs = dataSpecs();
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](auto &d) { return d.name == c.name; });
    if (spec == specs.end()) {
      std::vector<std::string_view> names;
      for (auto &d : specs)
        names.push_back(d.name);
      diags_.error(c.loc, fmt::format("unknown dataset `{}`", c.name),
                   suggest(c.name, names, "datasets"));
      return;
    }
    std::set<std::string> seen;
    for (const Arg &a : c.args) {
      if (a.key.empty()) {
        diags_.error(a.value.loc,
                     fmt::format("name each `{}` setting", c.name),
                     "for example `csv(path=\"data.csv\", features=[\"x\"], "
                     "target=\"y\")`");
        continue;
      }
      auto key = std::find_if(spec->keys.begin(), spec->keys.end(),
                              [&](auto &k) { return k.first == a.key; });
      if (key == spec->keys.end()) {
        std::vector<std::string_view> keys;
        for (auto &k : spec->keys)
          keys.push_back(k.first);
        diags_.error(a.keyLoc,
                     fmt::format("dataset `{}` has no setting `{}`", c.name,
                                 a.key),
                     suggest(a.key, keys, "settings"));
        continue;
      }
      if (!seen.insert(a.key).second)
        diags_.error(a.keyLoc, fmt::format("`{}` is given twice", a.key));
      const Literal &v = a.value;
      bool fits = true;
      switch (key->second) {
      case Literal::Int: fits = v.kind == Literal::Int && v.i > 0; break;
      case Literal::Float:
        fits = v.isNumber() && v.number() >= 0 && v.number() < 1;
        break;
      case Literal::Name: fits = v.kind == Literal::Name &&
                               (v.s == "true" || v.s == "false");
        break;
      case Literal::String: fits = v.kind == Literal::String; break;
      case Literal::List:
        fits = v.kind == Literal::List && !v.list.empty() &&
               std::all_of(v.list.begin(), v.list.end(), [](const Literal &x) {
                 return x.kind == Literal::String || x.kind == Literal::Name;
               });
        break;
      }
      static const char *what[] = {"a positive integer", "a fraction in [0, 1)",
                                   "`true` or `false`", "a \"string\"",
                                   "a non-empty list of names"};
      if (!fits)
        diags_.error(v.loc,
                     fmt::format("`{}` must be {}, got {}", a.key,
                                 what[key->second], v.quoted()));
    }
    if (spec->needsPath && !seen.count("path"))
      diags_.error(c.loc, fmt::format("dataset `{}` needs `path`", c.name));
    if (c.name == "fashion_mnist") {
      if (input && elements(input->dims) != 28 * 28)
        diags_.error(c.loc,
                     fmt::format("fashion_mnist images are 28x28 (784 values), "
                                 "but the input is {}",
                                 input->str()),
                     "declare the input as `f32[28, 28, 1]` or `f32[784]`");
      if (classes && classes != 10)
        diags_.error(c.loc, fmt::format("fashion_mnist has 10 classes, the "
                                        "target declares {}",
                                        classes));
    }
  }

  void checkMetrics(Settings &s, bool classifier) {
    std::set<std::string> seen;
    for (const Literal &m : s.metrics) {
      const auto &right = classifier ? kClassMetrics : kRegressionMetrics;
      const auto &wrong = classifier ? kRegressionMetrics : kClassMetrics;
      if (std::find(right.begin(), right.end(), m.s) != right.end()) {
        if (!seen.insert(m.s).second)
          diags_.error(m.loc, fmt::format("metric `{}` is listed twice", m.s));
        else
          s.metricNames.push_back(m.s);
      } else if (std::find(wrong.begin(), wrong.end(), m.s) != wrong.end()) {
        diags_.error(m.loc,
                     fmt::format("metric `{}` does not apply to a {} model",
                                 m.s,
                                 classifier ? "classification" : "regression"),
                     fmt::format("use {}", join(right)));
      } else {
        std::vector<std::string_view> all = kClassMetrics;
        all.insert(all.end(), kRegressionMetrics.begin(),
                   kRegressionMetrics.end());
        diags_.error(m.loc, fmt::format("unknown metric `{}`", m.s),
                     suggest(m.s, all, "metrics"));
      }
    }
  }

  /// Checks that `loss` fits the network output `out` and the target.
  void checkLossFit(Settings &s, const SampleType &out,
                    const std::optional<Activation> &act,
                    const TargetDecl &t) {
    const Call &c = *s.loss;
    const std::string &loss = s.lossName;
    auto fail = [&](std::string msg, std::string hint) {
      diags_.error(c.loc, std::move(msg), std::move(hint));
    };
    std::string target = t.str();
    if (loss == "mse") {
      if (t.kind != TargetDecl::Tensor)
        return fail(fmt::format("mse needs a numeric target, got {}", target),
                    "for class labels use sparse_categorical_crossentropy");
      if (!(t.type.dims == out.dims))
        return fail(fmt::format("network output {} does not match the target "
                                "{}",
                                out.str(), target),
                    mseShapeHint(out.dims, t.type.dims));
      return;
    }
    if (loss == "binary_crossentropy") {
      if (t.kind == TargetDecl::Class || t.kind == TargetDecl::OneHot)
        return fail(fmt::format("binary_crossentropy needs a `binary` target, "
                                "got {}",
                                target),
                    "for class labels use sparse_categorical_crossentropy");
      std::vector<int64_t> want =
          t.kind == TargetDecl::Binary ? std::vector<int64_t>{1} : t.type.dims;
      if (out.dims != want)
        return fail(fmt::format("network output {} does not fit "
                                "binary_crossentropy on target {}",
                                out.str(), target),
                    fmt::format("end the network with `dense({}, "
                                "activation=sigmoid)`",
                                elements(want)));
      if (act != Activation::Sigmoid)
        diags_.warning(c.loc,
                       "binary_crossentropy expects probabilities, but the "
                       "network does not end with a sigmoid",
                       "end the network with `activation=sigmoid`");
      return;
    }
    bool sparse = loss == "sparse_categorical_crossentropy";
    if (t.kind == TargetDecl::Tensor || t.kind == TargetDecl::Binary)
      return fail(fmt::format("{} needs a class target, got {}", loss, target),
                  sparse ? "declare the target as `class(N)`"
                         : "declare the target as `onehot(N)`");
    if (sparse && t.kind == TargetDecl::OneHot)
      return fail("sparse_categorical_crossentropy needs integer labels, the "
                  "target is one-hot",
                  "use categorical_crossentropy, or declare the target as "
                  "`class(N)`");
    if (!sparse && t.kind == TargetDecl::Class)
      return fail("categorical_crossentropy needs one-hot targets, the target "
                  "is integer labels",
                  "use sparse_categorical_crossentropy, or declare the target "
                  "as `onehot(N)`");
    if (out.dims != std::vector<int64_t>{t.classes})
      return fail(fmt::format("network output {} does not fit {} over {} "
                              "classes",
                              out.str(), loss, t.classes),
                  fmt::format("end the network with `dense({}, "
                              "activation=softmax)`",
                              t.classes));
    if (act != Activation::Softmax)
      diags_.warning(c.loc,
                     fmt::format("{} expects probabilities, but the network "
                                 "does not end with a softmax",
                                 loss),
                     "end the network with `activation=softmax`");
  }

  bool checkLossName(Settings &s, Loc owner) {
    if (!s.loss) {
      diags_.error(owner, "no loss",
                   "add e.g. `loss sparse_categorical_crossentropy`");
      return false;
    }
    if (std::find(kLosses.begin(), kLosses.end(), s.loss->name) ==
        kLosses.end()) {
      diags_.error(s.loss->loc, fmt::format("unknown loss `{}`", s.loss->name),
                   suggest(s.loss->name, kLosses, "losses"));
      return false;
    }
    s.lossName = s.loss->name;
    bool categorical = s.lossName == "categorical_crossentropy" ||
                       s.lossName == "sparse_categorical_crossentropy";
    if (s.loss->hasParens && !categorical) {
      diags_.error(s.loss->loc,
                   fmt::format("loss `{}` takes no arguments", s.loss->name));
    } else if (s.loss->hasParens) {
      std::map<std::string, const Literal *> a;
      if (bind(*s.loss, {"label_smoothing"}, 1, {},
               fmt::format("{}(label_smoothing=0.1)", s.lossName), a) &&
          a.count("label_smoothing"))
        number(a["label_smoothing"], "label_smoothing", 0, 1, false,
               s.labelSmoothing);
    }
    return true;
  }

  void checkModel(Model &m) {
    Settings &s = m.settings;
    if (!m.input)
      diags_.error(m.loc, fmt::format("model `{}` has no input", m.name),
                   "add e.g. `input image: f32[28, 28, 1]`");
    if (!m.target)
      diags_.error(m.loc, fmt::format("model `{}` has no target", m.name),
                   "add e.g. `target label: class(10)`");
    if (m.layers.empty())
      diags_.error(m.loc, fmt::format("model `{}` has no layers", m.name),
                   "add e.g. `dense(10, activation=softmax)`");
    if (s.noise)
      diags_.error(s.noise->loc, "`noise` belongs in a `gan` block");
    bool inputOk = m.input && checkTensorType(*m.input);
    if (m.target && m.target->kind == TargetDecl::Tensor &&
        !checkTensorType(m.target->type))
      m.target.reset();
    auto out = inferLayers(m.layers, inputOk ? m.input : std::nullopt);
    bool lossOk = checkLossName(s, m.loc);
    checkOptimizer(s, m.loc);
    checkTrain(s, false);
    bool classifier = m.target && m.target->kind != TargetDecl::Tensor;
    checkMetrics(s, classifier);
    int64_t classes = m.target ? m.target->classes : 0;
    checkData(s, m.input, classes);
    if (out && lossOk && m.target && !m.layers.empty())
      checkLossFit(s, *out, lastActivation(m.layers), *m.target);
  }

  void checkGan(Gan &g, Program &prog) {
    Settings &s = g.settings;
    auto find = [&](const std::string &name, Loc loc,
                    const char *role) -> const Network * {
      if (name.empty()) {
        diags_.error(g.loc, fmt::format("gan `{}` has no {}", g.name, role),
                     fmt::format("add `{} NETWORK_NAME`", role));
        return nullptr;
      }
      std::vector<std::string_view> names;
      for (Network &n : prog.networks) {
        names.push_back(n.name);
        if (n.name == name) {
          n.used = true;
          return n.broken ? nullptr : &n; // its errors are already reported
        }
      }
      diags_.error(loc, fmt::format("unknown network `{}`", name),
                   names.empty() ? "declare it with `network NAME(x: "
                                   "f32[...]) { ... }`"
                                 : suggest(name, names, "networks"));
      return nullptr;
    };
    g.gen = find(g.generator, g.generatorLoc, "generator");
    g.disc = find(g.discriminator, g.discriminatorLoc, "discriminator");
    if (!s.noise) {
      diags_.error(g.loc, fmt::format("gan `{}` has no noise", g.name),
                   "add e.g. `noise normal(100)`");
    } else {
      const Call &c = *s.noise;
      if (c.name != "normal" && c.name != "uniform") {
        diags_.error(c.loc, fmt::format("unknown noise `{}`", c.name),
                     suggest(c.name, {"normal", "uniform"}, "noise"));
      } else {
        g.noiseKind = c.name;
        std::map<std::string, const Literal *> a;
        if (bind(c, {"dim"}, 1, {"dim"}, "normal(100)", a))
          posInt(a["dim"], "dim", g.noiseDim);
      }
    }
    if (!s.metrics.empty())
      diags_.error(s.metricsLoc, "a gan takes no metrics");
    if (checkLossName(s, g.loc) && s.lossName != "binary_crossentropy")
      diags_.error(s.loss->loc, "a gan trains with binary_crossentropy",
                   "write `loss binary_crossentropy`");
    checkOptimizer(s, g.loc);
    checkTrain(s, true);
    checkData(s, g.gen ? g.gen->output : std::nullopt, 0);
    if (g.gen && g.noiseDim &&
        g.gen->input.dims != std::vector<int64_t>{g.noiseDim})
      diags_.error(s.noise->loc,
                   fmt::format("noise gives {} values, but generator `{}` "
                               "takes {}",
                               g.noiseDim, g.gen->name, g.gen->input.str()),
                   fmt::format("use `noise {}({})`", g.noiseKind,
                               elements(g.gen->input.dims)));
    if (g.gen && g.disc && g.gen->output && !(*g.gen->output == g.disc->input))
      diags_.error(g.discriminatorLoc,
                   fmt::format("generator `{}` makes {}, but discriminator "
                               "`{}` takes {}",
                               g.gen->name, g.gen->output->str(),
                               g.disc->name, g.disc->input.str()),
                   "the discriminator judges the generator's output: their "
                   "shapes must match");
    if (g.disc && g.disc->output &&
        g.disc->output->dims != std::vector<int64_t>{1})
      diags_.error(g.discriminatorLoc,
                   fmt::format("discriminator `{}` must output f32[1], got {}",
                               g.disc->name, g.disc->output->str()),
                   "end it with `dense(1, activation=sigmoid)`");
  }
};
} // namespace

std::map<std::string, double> lathe::optimizerDefaults(const std::string &n) {
  std::map<std::string, double> p;
  if (n == "sgd")
    p = {{"lr", 0.01}, {"momentum", 0.0}, {"nesterov", 0.0}};
  else if (n == "rmsprop")
    p = {{"lr", 0.001}, {"rho", 0.9}, {"momentum", 0.0}, {"epsilon", 1e-7}};
  else if (n == "adam" || n == "adamw")
    p = {{"lr", 0.001}, {"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-7}};
  else
    return {};
  // Every optimizer's: decay and gradient clipping, off but for AdamW's.
  p["weight_decay"] = n == "adamw" ? 0.01 : 0.0;
  p["clip_norm"] = 0;
  p["clip_value"] = 0;
  p["warmup"] = 0;
  return p;
}

bool lathe::overrideOptimizer(Program &program, const std::string &spec,
                              std::string &error) {
  std::string_view rest = spec;
  auto next = [&](char sep) {
    size_t at = rest.find(sep);
    std::string_view head = rest.substr(0, at);
    rest = at == std::string_view::npos ? "" : rest.substr(at + 1);
    return head;
  };
  std::string name(next(':'));
  std::map<std::string, double> params = optimizerDefaults(name);
  if (params.empty()) {
    error = fmt::format("unknown optimizer '{}' ({})", name,
                        fmt::join(kOptimizers, ", "));
    return false;
  }
  std::string schedule = "constant";
  while (!rest.empty()) {
    std::string item(next(','));
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq),
                value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "schedule" && isSchedule(value)) {
      schedule = value;
      continue;
    }
    char *end = nullptr;
    double v = value.empty() ? NAN : std::strtod(value.c_str(), &end);
    // The ranges of a model file's optimizer (checkOptimizer).
    SettingRange r = optimizerRange(key);
    bool ok = params.count(key) && end && *end == 0 &&
              (key == "nesterov" ? v == 0 || v == 1 : r.admits(v));
    if (!ok) {
      error = fmt::format("bad setting '{}' for {}", item, name);
      return false;
    }
    params[key] = v;
  }
  if (params.count("nesterov") && params["nesterov"] != 0 &&
      params["momentum"] == 0) {
    error = "nesterov needs momentum (add e.g. momentum=0.9)";
    return false;
  }
  auto apply = [&](Settings &s) {
    s.optimizerName = name;
    s.optimizerParams = params;
    s.lrSchedule = schedule;
  };
  for (Model &m : program.models)
    apply(m.settings);
  for (Gan &g : program.gans)
    apply(g.settings);
  return true;
}

bool lathe::checkProgram(Program &program, DiagnosticEngine &diags) {
  Sema(diags).run(program);
  if (!diags.hasErrors())
    checkBatchStatistics(program, 0, diags);
  return !diags.hasErrors();
}

bool lathe::checkBatchStatistics(const Program &program, int64_t batch,
                                 DiagnosticEngine &diags) {
  bool ok = true;
  auto check = [&](const std::vector<Layer> &layers, int64_t fileBatch) {
    int64_t b = batch > 0 ? batch : fileBatch;
    for (const Layer &l : layers) {
      if (l.kind != LayerKind::BatchNorm)
        continue;
      int64_t positions = 1;
      for (size_t d = 0; d + 1 < l.input.dims.size(); ++d)
        positions *= l.input.dims[d];
      if (b * positions > 1)
        continue;
      diags.error(l.call.loc,
                  "batchnorm over batches of 1 sample sees one value per "
                  "feature, and normalizes it to 0",
                  "train with batch=2 or more, or use `layernorm`");
      ok = false;
    }
  };
  for (const Model &m : program.models)
    check(m.layers, m.settings.batch);
  for (const Gan &g : program.gans)
    for (const Network *n : {g.gen, g.disc})
      if (n)
        check(n->layers, g.settings.batch);
  return ok;
}

bool lathe::parseAndCheck(const SourceFile &file, DiagnosticEngine &diags,
                          Program &program) {
  program = parseProgram(file, diags);
  if (program.networks.empty() && program.models.empty() &&
      program.gans.empty() && !diags.hasErrors()) {
    diags.error(Loc{1, 1, 1, 0}, "no model in file",
                "a model file holds at least one `model` or `gan` block");
    return false;
  }
  if (!diags.tooMany())
    checkProgram(program, diags);
  if (program.models.empty() && program.gans.empty() && !diags.hasErrors())
    diags.error(Loc{1, 1, 1, 0}, "no `model` or `gan` to train",
                "networks are trained through a `gan` block");
  return !diags.hasErrors();
}
