//===- Inspect.cpp - What a checkpoint holds ------------------------------===//
#include "runtime/Inspect.h"
#include "runtime/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>

using namespace lathe::rt;

namespace {
std::string shapeText(const std::vector<int64_t> &shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

/// The tensors a checkpoint of the model holds: parameters, then the
/// optimizer's state (named `optimizer.` + its name), as checkpoints name
/// them.
std::vector<TensorSpec> expected(const ModelInfo &info) {
  std::vector<TensorSpec> out;
  auto add = [&](const std::vector<TensorSpec> &specs, const char *prefix) {
    for (TensorSpec t : specs) {
      t.name = prefix + t.name;
      out.push_back(t);
    }
  };
  if (info.gan) {
    add(info.gparams, "");
    add(info.dparams, "");
    add(info.gstate, "optimizer.");
    add(info.dstate, "optimizer.");
  } else {
    add(info.params, "");
    add(info.state, "optimizer.");
  }
  return out;
}

struct Stats {
  double mean = 0, sd = 0, min = 0, max = 0, zeros = 0;
  int64_t nonFinite = 0;
};

Stats statsOf(const NamedTensor &t) {
  Stats s;
  size_t n = t.bytes.size() / 4;
  if (t.dtype != "F32" || n == 0)
    return s;
  double sum = 0, sq = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -s.min;
  int64_t finite = 0, zeros = 0;
  for (size_t i = 0; i < n; ++i) {
    float v;
    std::memcpy(&v, t.bytes.data() + 4 * i, 4);
    if (!std::isfinite(v)) {
      ++s.nonFinite;
      continue;
    }
    ++finite;
    zeros += v == 0;
    sum += v;
    sq += double(v) * v;
    s.min = std::min(s.min, double(v));
    s.max = std::max(s.max, double(v));
  }
  if (finite) {
    s.mean = sum / double(finite);
    s.sd = std::sqrt(std::max(0.0, sq / double(finite) - s.mean * s.mean));
  } else {
    s.min = s.max = 0;
  }
  s.zeros = double(zeros) / double(n);
  return s;
}
} // namespace

int lathe::rt::inspectCheckpoint(const ModelInfo &info,
                                 const std::string &path) {
  TensorFile f;
  std::string error;
  if (!readSafetensors(path, f, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  auto meta = [&](const char *key) {
    auto it = f.metadata.find(key);
    return it == f.metadata.end() ? std::string("?") : it->second;
  };
  fmt::print("{}: model {}, epoch {}, step {}, optimizer {}\n", path,
             meta("model"), meta("epoch"), meta("step"), meta("optimizer"));
  std::vector<std::string> problems;
  if (meta("model") != info.name)
    problems.push_back(fmt::format("it is a checkpoint of model '{}', not '{}'",
                                   meta("model"), info.name));
  size_t width = 6;
  for (const NamedTensor &t : f.tensors)
    width = std::max(width, t.name.size());
  fmt::print("{:<{}}  {:<14} {:>10} {:>10} {:>10} {:>10} {:>6}\n", "tensor",
             width, "shape", "mean", "std", "min", "max", "zeros");
  std::vector<TensorSpec> needs = expected(info);
  for (const NamedTensor &t : f.tensors) {
    Stats s = statsOf(t);
    fmt::print("{:<{}}  {:<14} {:>10.4g} {:>10.4g} {:>10.4g} {:>10.4g} "
               "{:>5.1f}%{}\n",
               t.name, width, shapeText(t.shape), s.mean, s.sd, s.min, s.max,
               100 * s.zeros,
               s.nonFinite ? fmt::format("  {} not finite", s.nonFinite) : "");
    if (s.nonFinite)
      problems.push_back(
          fmt::format("'{}' holds {} values that are not finite", t.name,
                      s.nonFinite));
    auto need = std::find_if(needs.begin(), needs.end(),
                             [&](const TensorSpec &n) { return n.name == t.name; });
    if (need != needs.end() && (need->shape != t.shape || t.dtype != "F32"))
      problems.push_back(fmt::format("'{}' is {} {}, the model needs F32 {}",
                                     t.name, t.dtype, shapeText(t.shape),
                                     shapeText(need->shape)));
  }
  bool anyState = false, needsState = false;
  for (const TensorSpec &n : needs) {
    bool state = n.name.rfind("optimizer.", 0) == 0;
    needsState |= state;
    anyState |= state && f.find(n.name);
  }
  for (const TensorSpec &n : needs) {
    bool state = n.name.rfind("optimizer.", 0) == 0;
    if (!f.find(n.name) && (!state || anyState))
      problems.push_back(fmt::format("no tensor '{}'", n.name));
  }
  if (needsState && !anyState)
    fmt::print("(no optimizer state: training from it starts the optimizer "
               "afresh)\n");
  std::fflush(stdout); // (the table first, then what is wrong with it)
  for (const std::string &p : problems)
    fmt::print(stderr, "error: {}\n", p);
  if (!problems.empty())
    return 1;
  fmt::print("fits model {}\n", info.name);
  return 0;
}
