//===- ModelInfo.h - What the runtime knows about a compiled model -*- C++ -*-===//
//
// The compiler describes each compiled model in a small text block (one
// `key value...` per line) that travels with the code: in memory for the JIT,
// as a constant in the object for executables. It names the parameters and
// optimizer state in the order the entry points take them.
//
//===----------------------------------------------------------------------===//
#ifndef LATHE_RUNTIME_MODELINFO_H
#define LATHE_RUNTIME_MODELINFO_H

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::rt {

struct TensorSpec {
  std::string name, init;
  std::vector<int64_t> shape;
  /// False for a parameter no gradient trains (a batch normalization's
  /// running statistics, `buffer` in the description): training steps
  /// update it by their own rule, it has no optimizer state, and the
  /// gradient entry point leaves it out.
  bool trainable = true;
  int64_t size() const;
};

/// How targets are given to the loss.
enum class Task { Classes, OneHot, Binary, Regression };

struct ModelInfo {
  std::string name, loss, optimizer;
  std::map<std::string, double> optimizerParams;
  std::string schedule = "constant"; ///< learning rate over the run
  int64_t batch = 32, epochs = 1, seed = 0;
  double validationSplit = 0;
  /// Epochs without a lower validation loss before training stops (0: off).
  int64_t earlyStopping = 0;
  std::vector<std::string> metrics;
  Task task = Task::Regression;
  std::vector<int64_t> input;  ///< one sample, without the batch
  bool tokenInput = false;     ///< i32 token ids rather than f32
  bool dropout = false;        ///< training steps take a dropout seed
  std::vector<int64_t> output; ///< one prediction, without the batch
  std::vector<TensorSpec> params, state;
  /// A gan: the generator's and discriminator's parameters and state, and
  /// the noise it draws (`noise` normal or uniform, `noiseDim` values).
  bool gan = false;
  std::vector<TensorSpec> gparams, dparams, gstate, dstate;
  std::string noise;
  int64_t noiseDim = 0;
  std::map<std::string, std::string> data; ///< lists joined with '|'
  /// What the entry points were compiled for: "cpu", or "nvptx" (their
  /// buffers must then be CUDA managed memory).
  std::string target = "cpu";

  /// The learning rate of step `step` (from 0) of a run of `total` steps.
  /// With `warmup` = W steps, it rises as lr * step / W over the first W;
  /// then, of the remaining steps (progress p from 0 to 1), `constant`
  /// keeps lr, `cosine` gives lr * (1 + cos(pi * p)) / 2 and `linear`
  /// lr * (1 - p): with W = 0, PyTorch's CosineAnnealingLR(T_max=total) and
  /// LinearLR(1, 0, total) stepped per batch; with warmup, the schedules of
  /// Hugging Face's get_cosine_schedule_with_warmup and
  /// get_linear_schedule_with_warmup.
  double learningRate(int64_t step, int64_t total) const;
  /// The optimizer's `warmup` steps (0: none).
  int64_t warmupSteps() const;
  /// The optimizer in words: "adam (weight decay 0.01, gradient norm
  /// clipped to 1) with 100 warmup steps and cosine learning-rate decay".
  std::string optimizerDescription() const;

  /// The hyperparameters a training step reads, for step `step` (from 1)
  /// at learning rate `lr`: [lr, 1 - beta1^step, 1 - beta2^step, 0] (Adam's
  /// bias corrections; the other optimizers read only lr).
  void stepHyper(int64_t step, double lr, float out[4]) const;

  /// Whether the training loss differs from the evaluation loss on the
  /// same weights: dropout, or batch statistics in place of running ones.
  bool trainingDiffers() const {
    if (dropout)
      return true;
    for (const TensorSpec &t : params)
      if (!t.trainable)
        return true;
    return false;
  }

  int64_t inputSize() const;
  int64_t outputSize() const;
  int64_t classes() const { return output.empty() ? 0 : output.back(); }
  /// Whether targets are class numbers (labels or one-hot rows of them).
  bool classTargets() const {
    return task == Task::Classes || task == Task::OneHot;
  }
  /// Token ids run over [0, vocab): the rows of the first (embedding) table.
  int64_t vocab() const {
    return params.empty() || params[0].shape.empty() ? 0 : params[0].shape[0];
  }
};

/// Whether the runtime knows the learning-rate schedule `name` (constant,
/// cosine).
bool knownSchedule(std::string_view name);

/// Parses the text block; returns false and sets `error` when malformed.
bool parseModelInfo(const std::string &text, ModelInfo &info,
                    std::string &error);

} // namespace lathe::rt

#endif
