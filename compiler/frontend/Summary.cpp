//===- Summary.cpp - A model's layers, parameters and arithmetic ----------===//
#include "compiler/frontend/Summary.h"
#include "compiler/frontend/LayerParams.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

using namespace lathe;

namespace {
/// 1234567 as "1,234,567".
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

/// A size in bytes, in the unit that suits it.
std::string bytes(int64_t n) {
  if (n < (1 << 10))
    return fmt::format("{} B", n);
  if (n < (1 << 20))
    return fmt::format("{:.1f} KiB", double(n) / (1 << 10));
  return fmt::format("{:.1f} MiB", double(n) / (1 << 20));
}

/// An amount of arithmetic, in the unit that suits it.
std::string flops(double n) {
  if (n >= 1e9)
    return fmt::format("{:.3g} GFLOP", n / 1e9);
  if (n >= 1e6)
    return fmt::format("{:.3g} MFLOP", n / 1e6);
  if (n >= 1e3)
    return fmt::format("{:.3g} kFLOP", n / 1e3);
  return fmt::format("{:.3g} FLOP", n);
}

std::string mflop(int64_t n) {
  if (n == 0)
    return "-";
  double m = double(n) / 1e6;
  return n < 1000   ? "<0.001"
         : m >= 100 ? fmt::format("{:.0f}", m)
         : m >= 10  ? fmt::format("{:.1f}", m)
         : m >= 1   ? fmt::format("{:.2f}", m)
                    : fmt::format("{:.3g}", m);
}

/// A network's parameters and arithmetic per sample.
struct Totals {
  int64_t params = 0, forward = 0;
  int64_t frozen = 0; ///< parameters no gradient trains (running statistics)
  int64_t weightGrads = 0;
  /// The input gradients of the layers that have a layer with parameters
  /// before them, and that of the first layer with parameters (needed only
  /// when something before the network is trained: a gan's generator).
  int64_t inputGrads = 0, firstInputGrad = 0;
};

/// The table of one network's layers; adds them up into `t`.
std::string table(const std::vector<Layer> &layers, const std::string &prefix,
                  Totals &t) {
  struct Row {
    std::string name, kind, output, params, flops;
  };
  std::vector<Row> rows{
      {"layer", "kind", "output", "parameters", "MFLOP/sample"}};
  bool paramsBefore = false;
  for (const Layer &l : layers) {
    int64_t p = 0;
    for (const ParamSpec &s : layerParams(l, prefix)) {
      p += s.size();
      t.frozen += s.trainable ? 0 : s.size();
    }
    LayerFlops f = layerFlops(l);
    t.params += p;
    t.forward += f.forward;
    t.weightGrads += f.weightGrads;
    if (paramsBefore)
      t.inputGrads += f.inputGrad;
    else if (p)
      t.firstInputGrad += f.inputGrad;
    paramsBefore |= p > 0;
    std::string kind = layerKindName(l.kind);
    if (l.activation != Activation::Linear)
      kind += fmt::format(", {}", activationName(l.activation));
    if (l.bidirectional)
      kind += ", bidirectional";
    if (l.maskZero)
      kind += ", mask_zero";
    rows.push_back({l.name, kind,
                    fmt::format("[{}]", fmt::join(l.output.dims, ", ")),
                    grouped(p), mflop(f.forward)});
  }
  rows.push_back({"total", "", "", grouped(t.params), mflop(t.forward)});
  size_t w[5] = {0, 0, 0, 0, 0};
  for (const Row &r : rows) {
    const std::string *cells[] = {&r.name, &r.kind, &r.output, &r.params,
                                  &r.flops};
    for (int i = 0; i < 5; ++i)
      w[i] = std::max(w[i], cells[i]->size());
  }
  std::string out;
  for (const Row &r : rows)
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}\n", r.name,
                       w[0], r.kind, w[1], r.output, w[2], r.params, w[3],
                       r.flops, w[4]);
  return out;
}

/// The optimizer's values kept per parameter (OptimizerSpec::stateNames).
int64_t stateValues(const Settings &s) {
  auto param = [&](const char *k) {
    auto it = s.optimizerParams.find(k);
    return it == s.optimizerParams.end() ? 0.0 : it->second;
  };
  if (s.optimizerName == "adam" || s.optimizerName == "adamw")
    return 2;
  if (s.optimizerName == "rmsprop")
    return param("momentum") > 0 ? 2 : 1;
  return param("momentum") > 0 ? 1 : 0;
}

std::string memory(const Settings &s, int64_t params, int64_t frozen) {
  int64_t k = stateValues(s);
  return fmt::format(
      "parameters: {} ({} as f32){}; {} keeps {}\n", grouped(params),
      bytes(4 * params),
      frozen ? fmt::format(", {} of them running statistics, not trained",
                           grouped(frozen))
             : "",
      s.optimizerName,
      k ? fmt::format("{} more value{} per {}parameter ({})", k,
                      k > 1 ? "s" : "", frozen ? "trained " : "",
                      bytes(4 * k * (params - frozen)))
        : "no state");
}
} // namespace

std::string lathe::summarize(const Program &program,
                             const std::string &fileName, int64_t batch) {
  std::string out;
  for (const Model &m : program.models) {
    const Settings &s = m.settings;
    int64_t b = batch > 0 ? batch : s.batch;
    out += fmt::format("model {} ({})\n", m.name, fileName);
    out += fmt::format("  input {}: {}\n", m.inputName, m.input->str());
    Totals t;
    out += table(m.layers, "", t);
    out += memory(s, t.params, t.frozen);
    double backward = double(t.weightGrads + t.inputGrads);
    out += fmt::format("a training step of {} samples: {} (forward {}, "
                       "gradients {})\n",
                       b, flops(b * (t.forward + backward)),
                       flops(double(b) * t.forward), flops(b * backward));
  }
  for (const Gan &g : program.gans) {
    out += fmt::format("gan {} ({})\n", g.name, fileName);
    Totals gt, dt;
    for (const Network *n : {g.gen, g.disc}) {
      out += fmt::format("  {} {}: {} -> {}\n",
                         n == g.gen ? "generator" : "discriminator", n->name,
                         n->input.str(), n->output->str());
      out += table(n->layers, n->name + ".", n == g.gen ? gt : dt);
    }
    out += memory(g.settings, gt.params + dt.params, gt.frozen + dt.frozen);
    // The discriminator's step: a generated batch, the discriminator on it
    // and on a real one, and its gradients on both. The generator's: a new
    // generated batch, the discriminator on it, the gradient back through
    // all of the discriminator, and the generator's gradients.
    int64_t b = batch > 0 ? batch : g.settings.batch;
    double d = gt.forward + 2.0 * (dt.forward + dt.weightGrads + dt.inputGrads);
    double gen = gt.forward + dt.forward + dt.inputGrads + dt.firstInputGrad +
                 gt.weightGrads + gt.inputGrads;
    out += fmt::format("a training step of {} images (the discriminator's and "
                       "the generator's): {} ({} per image)\n",
                       b, flops(b * (d + gen)), flops(d + gen));
  }
  return out;
}
