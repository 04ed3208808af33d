//===- Checkpoint.cpp - Saving and restoring a training session -----------===//
#include "runtime/Checkpoint.h"
#include "runtime/Safetensors.h"

#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

using namespace lathe::rt;

namespace {
std::string shapeStr(const std::vector<int64_t> &s) {
  return fmt::format("[{}]", fmt::join(s, ", "));
}
} // namespace

namespace {
/// The names of a standardized data set's feature means and scales.
constexpr const char *kScalingMean = "data.mean", *kScalingScale = "data.scale";

/// The feature scaling saved in `f` (empty where there is none); false
/// where it is not two F32 vectors of `features` values.
bool readScaling(const TensorFile &f, const std::string &path,
                 int64_t features, Standardization &scaling,
                 std::string &error) {
  scaling = Standardization();
  const NamedTensor *mean = f.find(kScalingMean), *scale = f.find(kScalingScale);
  if (!mean && !scale)
    return true;
  for (const NamedTensor *t : {mean, scale})
    if (!t || t->dtype != "F32" || t->shape != std::vector<int64_t>{features}) {
      error = fmt::format("{}: the feature scaling ('{}', '{}') is not two "
                          "F32 vectors of {} values",
                          path, kScalingMean, kScalingScale, features);
      return false;
    }
  scaling.mean.resize(features);
  scaling.scale.resize(features);
  std::memcpy(scaling.mean.data(), mean->bytes.data(), mean->bytes.size());
  std::memcpy(scaling.scale.data(), scale->bytes.data(), scale->bytes.size());
  return true;
}

std::string slotName(const CheckpointSlot &slot) {
  return (slot.state ? "optimizer." : "") + slot.spec->name;
}

std::vector<CheckpointSlot> sessionSlots(Session &s) {
  std::vector<CheckpointSlot> slots;
  const ModelInfo &info = s.info();
  for (size_t i = 0; i < info.params.size(); ++i)
    slots.push_back({&info.params[i], &s.params()[i], false});
  for (size_t i = 0; i < info.state.size(); ++i)
    slots.push_back({&info.state[i], &s.state()[i], true});
  return slots;
}
} // namespace

bool lathe::rt::writeCheckpoint(const std::string &path, const ModelInfo &info,
                                int64_t step, int64_t epoch,
                                const std::vector<CheckpointSlot> &slots,
                                std::string &error,
                                const Standardization *scaling) {
  TensorFile f;
  f.metadata = {{"format", "lathe-checkpoint-1"},
                {"model", info.name},
                {"step", std::to_string(step)},
                {"epoch", std::to_string(epoch)},
                {"optimizer", info.optimizer}};
  for (const CheckpointSlot &slot : slots)
    f.tensors.push_back(
        f32Tensor(slotName(slot), slot.spec->shape, slot.buffer->data()));
  if (scaling && !scaling->empty()) {
    int64_t n = int64_t(scaling->mean.size());
    f.tensors.push_back(f32Tensor(kScalingMean, {n}, scaling->mean.data()));
    f.tensors.push_back(f32Tensor(kScalingScale, {n}, scaling->scale.data()));
  }
  return writeSafetensors(path, f, error);
}

bool lathe::rt::readCheckpoint(const std::string &path, const ModelInfo &info,
                               const std::vector<CheckpointSlot> &slots,
                               int64_t &step, int64_t &epoch,
                               std::string &error, Standardization *scaling) {
  TensorFile f;
  if (!readSafetensors(path, f, error))
    return false;
  auto model = f.metadata.find("model");
  if (model != f.metadata.end() && model->second != info.name) {
    error = fmt::format("{}: checkpoint of model '{}', not '{}'", path,
                        model->second, info.name);
    return false;
  }
  bool hasState = true;
  for (const CheckpointSlot &slot : slots)
    if (slot.state)
      hasState &= f.find(slotName(slot)) != nullptr;
  for (const CheckpointSlot &slot : slots) {
    if (slot.state && !hasState)
      continue;
    std::string name = slotName(slot);
    const NamedTensor *t = f.find(name);
    if (!t) {
      error = fmt::format("{}: no tensor '{}' (is it a checkpoint of this "
                          "model?)",
                          path, name);
      return false;
    }
    if (t->shape != slot.spec->shape || t->dtype != "F32") {
      error = fmt::format("{}: tensor '{}' is {} {}, the model needs F32 {}",
                          path, name, t->dtype, shapeStr(t->shape),
                          shapeStr(slot.spec->shape));
      return false;
    }
    std::memcpy(slot.buffer->data(), t->bytes.data(), t->bytes.size());
  }
  auto num = [&](const char *key) -> int64_t {
    auto it = f.metadata.find(key);
    return it == f.metadata.end() ? 0 : std::atoll(it->second.c_str());
  };
  step = hasState ? num("step") : 0;
  epoch = num("epoch");
  return !scaling || readScaling(f, path, info.inputSize(), *scaling, error);
}

bool lathe::rt::saveCheckpoint(Session &s, const std::string &path,
                               int64_t epoch, std::string &error,
                               const Standardization *scaling) {
  return writeCheckpoint(path, s.info(), s.step(), epoch, sessionSlots(s),
                         error, scaling);
}

bool lathe::rt::loadCheckpoint(Session &s, const std::string &path,
                               int64_t &epoch, std::string &error,
                               Standardization *scaling) {
  int64_t step = 0;
  if (!readCheckpoint(path, s.info(), sessionSlots(s), step, epoch, error,
                      scaling))
    return false;
  s.setStep(step);
  return true;
}

Batch lathe::rt::randomBatch(Session &s, std::mt19937_64 &rng) {
  const ModelInfo &info = s.info();
  Batch b = s.makeBatch();
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  int64_t B = info.batch, out = info.outputSize();
  b.count = B > 1 ? B - 1 : B;
  if (info.tokenInput) {
    // Ids over the whole table, with some padding (0) and out-of-range ones;
    // every third sample starts with a run of padding, as a short text cut
    // to length does (it may be all padding).
    auto *ids = reinterpret_cast<int32_t *>(b.x.data());
    std::uniform_int_distribution<int32_t> id(0, int32_t(info.vocab()) - 1);
    int64_t length = int64_t(b.x.size()) / B;
    std::uniform_int_distribution<int64_t> run(1, length);
    for (int64_t i = 0; i < b.x.size(); ++i) {
      double u = unit(rng);
      ids[i] = u < 0.1 ? 0 : u < 0.12 ? int32_t(info.vocab()) + 3 : id(rng);
    }
    for (int64_t r = 1; r < B; r += 3)
      std::fill_n(ids + r * length, run(rng), 0);
  } else {
    for (int64_t i = 0; i < b.x.size(); ++i)
      b.x[i] = float(normal(rng));
  }
  int64_t classes = std::max<int64_t>(info.classes(), 1);
  for (int64_t r = 0; r < B; ++r) {
    b.mask[r] = r < b.count ? 1.0f : 0.0f;
    int64_t cls = int64_t(unit(rng) * classes) % classes;
    switch (info.task) {
    case Task::Classes:
      b.labels[r] = int32_t(cls);
      break;
    case Task::OneHot:
      b.y[r * out + cls] = 1.0f;
      break;
    case Task::Binary:
      for (int64_t j = 0; j < out; ++j)
        b.y[r * out + j] = unit(rng) < 0.5 ? 0.0f : 1.0f;
      break;
    case Task::Regression:
      for (int64_t j = 0; j < out; ++j)
        b.y[r * out + j] = float(normal(rng));
      break;
    }
  }
  return b;
}

int lathe::rt::writeTrace(const ModelInfo &info, EntryPoints entry,
                          const std::string &dir, int steps, uint64_t seed) {
  mkdir(dir.c_str(), 0755);
  Session s(info, entry);
  s.initialize(seed);
  std::mt19937_64 rng(seed + 99);
  Batch batch = randomBatch(s, rng);
  std::string error;
  auto params = [&](TensorFile &f) {
    for (size_t i = 0; i < info.params.size(); ++i)
      f.tensors.push_back(f32Tensor(info.params[i].name, info.params[i].shape,
                                    s.params()[i].data()));
  };
  TensorFile initial;
  params(initial);
  TensorFile data;
  int64_t B = info.batch;
  std::vector<int64_t> xs{B};
  xs.insert(xs.end(), info.input.begin(), info.input.end());
  if (info.tokenInput)
    data.tensors.push_back(
        i32Tensor("x", xs, reinterpret_cast<int32_t *>(batch.x.data())));
  else
    data.tensors.push_back(f32Tensor("x", xs, batch.x.data()));
  // The dropout seeds of the gradient (step 0) and of each training step.
  std::vector<int32_t> seeds;
  for (int k = 0; k <= steps; ++k)
    seeds.push_back(s.dropoutSeed(k));
  if (info.dropout)
    data.tensors.push_back(i32Tensor("seeds", {int64_t(seeds.size())},
                                     seeds.data()));
  if (!batch.labels.empty())
    data.tensors.push_back(i32Tensor("y", {B}, batch.labels.data()));
  else
    data.tensors.push_back(
        f32Tensor("y", {B, info.outputSize()}, batch.y.data()));
  data.tensors.push_back(f32Tensor("mask", {B}, batch.mask.data()));
  std::vector<Buffer> grads, again;
  float loss = s.gradients(batch, grads);
  // The same gradients once more, bit for bit: the compiled code's sums
  // run in a fixed order on any number of threads, so a difference is a
  // race or a read of memory the code did not write. (`lathe trace` fills
  // the compiled code's allocations with NaNs, so such a read shows as a
  // NaN in the first place.)
  float loss2 = s.gradients(batch, again);
  for (size_t i = 0; i <= info.params.size(); ++i) {
    std::string name = i ? "gradient of " + info.params[i - 1].name : "loss";
    const float *a = i ? grads[i - 1].data() : &loss;
    const float *b = i ? again[i - 1].data() : &loss2;
    for (int64_t j = 0, n = i ? info.params[i - 1].size() : 1; j < n; ++j) {
      const char *why = !std::isfinite(a[j]) ? "is not finite"
                        : std::memcmp(a + j, b + j, sizeof(float))
                            ? "differs between two calls on the same weights "
                              "and batch"
                            : nullptr;
      if (why) {
        fmt::print(stderr,
                   "error: the compiled {} {} at [{}] ({} then {}): the code "
                   "reads memory it did not write, or races\n",
                   name, why, j, a[j], b[j]);
        return 1;
      }
    }
  }
  // The evaluation step on the same batch: its loss (without dropout) and
  // predictions.
  float evalLoss = s.evalBatch(batch);
  TensorFile grad;
  grad.tensors.push_back(f32Tensor("loss", {1}, &loss));
  grad.tensors.push_back(f32Tensor("eval_loss", {1}, &evalLoss));
  grad.tensors.push_back(f32Tensor("predictions", {B, info.outputSize()},
                                   s.predictions().data()));
  for (size_t i = 0; i < info.params.size(); ++i)
    grad.tensors.push_back(f32Tensor(info.params[i].name, info.params[i].shape,
                                     grads[i].data()));
  double lr = info.learningRate(0, 0);
  std::vector<float> losses;
  Evaluation stats;
  for (int k = 0; k < steps; ++k)
    losses.push_back(s.trainStep(batch, lr, stats));
  TensorFile after;
  params(after);
  after.tensors.push_back(
      f32Tensor("losses", {int64_t(losses.size())}, losses.data()));
  if (!writeSafetensorsFiles(dir, {{"initial", &initial}, {"batch", &data}, {"grad", &grad}, {"after", &after}}, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  fmt::print("wrote {}/{{initial,batch,grad,after}}.safetensors: loss {}, {} "
             "steps of {}\n",
             dir, loss, steps, info.optimizer);
  return 0;
}

bool lathe::rt::writeAtomically(const std::string &path, const std::string &text) {
  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok &= std::fclose(f) == 0;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}
