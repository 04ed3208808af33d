//===- ModelInfo.cpp - Parse the compiled model's description -------------===//
#include "runtime/ModelInfo.h"
#include "runtime/Schedules.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sstream>
#include <vector>

using namespace lathe::rt;

int64_t TensorSpec::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double ModelInfo::learningRate(int64_t step, int64_t total) const {
  auto it = optimizerParams.find("lr");
  double lr = it == optimizerParams.end() ? 1e-3 : it->second;
  int64_t w = warmupSteps();
  if (step < w)
    return lr * double(step) / double(w);
  if (schedule == "constant" || total - w <= 0)
    return lr;
  double progress = double(step - w) / double(total - w);
  if (schedule == "linear")
    return lr * std::max(0.0, 1 - progress);
  return lr * 0.5 * (1 + std::cos(M_PI * progress));
}

int64_t ModelInfo::warmupSteps() const {
  auto it = optimizerParams.find("warmup");
  return it == optimizerParams.end() ? 0 : int64_t(it->second);
}

std::string ModelInfo::optimizerDescription() const {
  std::string out = optimizer;
  // The settings that are off unless given.
  std::vector<std::string> extras;
  for (auto [key, what] : {std::pair{"weight_decay", "weight decay {}"},
                           {"clip_norm", "gradient norm clipped to {}"},
                           {"clip_value", "gradients clipped to ±{}"}})
    if (auto it = optimizerParams.find(key);
        it != optimizerParams.end() && it->second > 0)
      extras.push_back(fmt::format(fmt::runtime(what), it->second));
  if (!extras.empty())
    out += fmt::format(" ({})", fmt::join(extras, ", "));
  std::vector<std::string> over;
  if (int64_t w = warmupSteps())
    over.push_back(fmt::format("{} warmup steps", w));
  if (schedule != "constant")
    over.push_back(fmt::format("{} learning-rate decay", schedule));
  if (!over.empty())
    out += fmt::format(" with {}", fmt::join(over, " and "));
  return out;
}

void ModelInfo::stepHyper(int64_t step, double lr, float out[4]) const {
  auto param = [&](const char *key, double fallback) {
    auto it = optimizerParams.find(key);
    return it == optimizerParams.end() ? fallback : it->second;
  };
  out[0] = float(lr);
  out[1] = float(1 - std::pow(param("beta1", 0.9), double(step)));
  out[2] = float(1 - std::pow(param("beta2", 0.999), double(step)));
  out[3] = 0;
}

bool lathe::rt::knownSchedule(std::string_view name) {
  return isSchedule(name);
}

int64_t ModelInfo::inputSize() const {
  int64_t n = 1;
  for (int64_t d : input)
    n *= d;
  return n;
}

int64_t ModelInfo::outputSize() const {
  int64_t n = 1;
  for (int64_t d : output)
    n *= d;
  return n;
}

bool lathe::rt::parseModelInfo(const std::string &text, ModelInfo &info,
                               std::string &error) {
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  auto dims = [](std::istringstream &s) {
    std::vector<int64_t> d;
    int64_t x;
    while (s >> x)
      d.push_back(x);
    return d;
  };
  while (std::getline(in, line)) {
    ++lineNo;
    std::istringstream s(line);
    std::string key;
    if (!(s >> key))
      continue;
    if (key == "name") {
      s >> info.name;
    } else if (key == "batch") {
      s >> info.batch;
    } else if (key == "epochs") {
      s >> info.epochs;
    } else if (key == "seed") {
      s >> info.seed;
    } else if (key == "validation_split") {
      s >> info.validationSplit;
    } else if (key == "early_stopping") {
      s >> info.earlyStopping;
    } else if (key == "loss") {
      s >> info.loss;
    } else if (key == "optimizer") {
      s >> info.optimizer;
      std::string kv;
      while (s >> kv) {
        auto eq = kv.find('=');
        if (eq != std::string::npos)
          info.optimizerParams[kv.substr(0, eq)] = std::stod(kv.substr(eq + 1));
      }
    } else if (key == "schedule") {
      s >> info.schedule;
    } else if (key == "metrics") {
      std::string m;
      while (s >> m)
        info.metrics.push_back(m);
    } else if (key == "task") {
      std::string t;
      s >> t;
      info.task = t == "classes"  ? Task::Classes
                  : t == "onehot" ? Task::OneHot
                  : t == "binary" ? Task::Binary
                                  : Task::Regression;
    } else if (key == "input") {
      std::string elem;
      s >> elem;
      info.tokenInput = elem == "i32";
      info.input = dims(s);
    } else if (key == "output") {
      info.output = dims(s);
    } else if (key == "param" || key == "state" || key == "gparam" ||
               key == "dparam" || key == "gstate" || key == "dstate" ||
               key == "buffer" || key == "gbuffer" || key == "dbuffer") {
      TensorSpec t;
      s >> t.name >> t.init;
      t.shape = dims(s);
      t.trainable = key.find("buffer") == std::string::npos;
      (key == "param" || key == "buffer"   ? info.params
       : key == "state"                    ? info.state
       : key == "gparam" || key == "gbuffer" ? info.gparams
       : key == "dparam" || key == "dbuffer" ? info.dparams
       : key == "gstate"                 ? info.gstate
                                         : info.dstate)
          .push_back(t);
    } else if (key == "dropout") {
      info.dropout = true;
    } else if (key == "kind") {
      std::string k;
      s >> k;
      info.gan = k == "gan";
    } else if (key == "target") {
      s >> info.target;
      if (info.target != "cpu" && info.target != "nvptx") {
        error = "unknown target '" + info.target + "' on line " +
                std::to_string(lineNo);
        return false;
      }
    } else if (key == "noise") {
      s >> info.noise >> info.noiseDim;
    } else if (key.rfind("data.", 0) == 0) {
      std::string rest;
      std::getline(s >> std::ws, rest);
      info.data[key.substr(5)] = rest;
    } else if (key != "lathe-model") {
      error = "unknown key '" + key + "' on line " + std::to_string(lineNo);
      return false;
    }
  }
  if (info.name.empty() || info.input.empty() || info.output.empty()) {
    error = "model description lacks a name, input or output";
    return false;
  }
  return true;
}
