//===- Gan.cpp - Training and sampling a GAN ------------------------------===//
#include "runtime/Gan.h"
#include "runtime/Checkpoint.h"
#include "runtime/FloatMode.h"
#include "runtime/Plot.h"
#include "runtime/Safetensors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <numeric>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

using namespace lathe::rt;

namespace {
using Clock = std::chrono::steady_clock;

/// Parameters and optimizer state of one network (the steps update them in
/// place).
struct Net {
  std::vector<TensorSpec> params, state;
  std::vector<Buffer> p, s;
  Net(const std::vector<TensorSpec> &params, const std::vector<TensorSpec> &state)
      : params(params), state(state) {
    for (const TensorSpec &t : params)
      p.emplace_back(t.size());
    for (const TensorSpec &t : state)
      s.emplace_back(t.size());
  }
};

class GanSession {
public:
  GanSession(const ModelInfo &info, EntryPoints entry)
      : info(info), entry(entry), g(info.gparams, info.gstate),
        d(info.dparams, info.dstate) {
    keepAllocatorMemory();
    flushSubnormals();
    int64_t B = info.batch;
    real = Buffer(B * info.inputSize());
    fake = Buffer(B * info.inputSize());
    mask = Buffer(B);
    z = Buffer(B * info.noiseDim);
    hyper = Buffer(4);
    dLoss = Buffer(1);
    gLoss = Buffer(1);
    dReal = Buffer(B);
    dFake = Buffer(B);
  }

  void initialize(uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i < g.p.size(); ++i)
      initTensor(g.params[i], g.p[i], rng);
    for (size_t i = 0; i < d.p.size(); ++i)
      initTensor(d.params[i], d.p[i], rng);
  }

  void noise(std::mt19937_64 &rng, Buffer &out) {
    std::normal_distribution<double> normal(0, 1);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (int64_t i = 0; i < out.size(); ++i)
      out[i] = float(info.noise == "uniform" ? uniform(rng) : normal(rng));
  }

  /// The next step's hyperparameters at learning rate `lr`.
  void setHyper(double lr) { info.stepHyper(++step, lr, hyper.data()); }

  void discriminatorStep() {
    PackedCall &call = call_.clear();
    call << g.p << d.p << d.s;
    call.in(hyper).in(real).in(mask).in(z);
    call.out(dLoss).out(dReal).out(dFake);
    call.run(entry.dStep);
  }

  void generatorStep() {
    PackedCall &call = call_.clear();
    call << g.p << g.s << d.p;
    call.in(hyper).in(z);
    call.out(gLoss);
    call.run(entry.gStep);
  }

  void generate(const Buffer &noiseBatch, Buffer &images) {
    PackedCall &call = call_.clear();
    call << g.p;
    call.in(noiseBatch).out(images);
    call.run(entry.generate);
  }

  std::vector<CheckpointSlot> slots() {
    std::vector<CheckpointSlot> out;
    for (Net *n : {&g, &d}) {
      for (size_t i = 0; i < n->p.size(); ++i)
        out.push_back({&n->params[i], &n->p[i], false});
      for (size_t i = 0; i < n->s.size(); ++i)
        out.push_back({&n->state[i], &n->s[i], true});
    }
    return out;
  }

  bool save(const std::string &path, int64_t epoch, std::string &error) {
    return writeCheckpoint(path, info, step, epoch, slots(), error);
  }

  bool load(const std::string &path, int64_t &epoch, std::string &error) {
    return readCheckpoint(path, info, slots(), step, epoch, error);
  }

  const ModelInfo &info;
  EntryPoints entry;
  Net g, d;
  Buffer real, fake, mask, z, hyper, dLoss, gLoss, dReal, dFake;
  PackedCall call_; // kept between steps: packing allocates nothing
  int64_t step = 0;
};

/// Tiles up to 64 images of [h, w, c] (values in [-1, 1]) into an 8-wide
/// grid, each pixel drawn 2x2.
bool writeGrid(const ModelInfo &info, const Buffer &images, int64_t count,
               const std::string &path, std::string &error) {
  int64_t h = info.output[0], w = info.output.size() > 1 ? info.output[1] : 1;
  int64_t c = info.output.size() > 2 ? info.output[2] : 1;
  int64_t cols = std::min<int64_t>(8, count);
  int64_t rows = (count + cols - 1) / cols;
  int scale = 2, gap = 2;
  int W = int(cols * (w * scale + gap) + gap), H = int(rows * (h * scale + gap) + gap);
  std::vector<unsigned char> rgb(size_t(W) * H * 3, 40);
  for (int64_t k = 0; k < count; ++k) {
    int64_t r0 = gap + (k / cols) * (h * scale + gap);
    int64_t c0 = gap + (k % cols) * (w * scale + gap);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          float v = images[((k * h + y) * w + x) * c + std::min<int64_t>(ch, c - 1)];
          auto byte = static_cast<unsigned char>(
              std::lround(std::clamp((v + 1.0f) * 127.5f, 0.0f, 255.0f)));
          for (int a = 0; a < scale; ++a)
            for (int b = 0; b < scale; ++b)
              rgb[((size_t(r0 + y * scale + a) * W) + c0 + x * scale + b) * 3 + ch] = byte;
        }
  }
  return writePng(path, W, H, rgb, error);
}
} // namespace

int lathe::rt::trainGan(const ModelInfo &modelInfo, EntryPoints entry,
                        const TrainOptions &opts) {
  ModelInfo info;
  Splits data;
  if (!prepareTraining(modelInfo, opts, info, data))
    return 1;
  std::string error;
  Dataset train = std::move(data.train);
  if (opts.limit > 0)
    train.truncate(opts.limit);
  int64_t gCount = 0, dCount = 0;
  for (auto &t : info.gparams)
    gCount += t.size();
  for (auto &t : info.dparams)
    dCount += t.size();
  fmt::print("data: {}\n", data.description);
  fmt::print("gan {}: generator {} parameters, discriminator {}, batch {}, {} "
             "epochs, {} on {} images, {} noise of {}\n",
             info.name, gCount, dCount, info.batch, info.epochs,
             info.optimizerDescription(), train.n, info.noise, info.noiseDim);
  GanSession s(info, entry);
  s.initialize(uint64_t(info.seed));
  int64_t first = 1;
  if (!opts.resume.empty()) {
    int64_t done = 0;
    if (!s.load(opts.resume, done, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    first = done + 1;
    fmt::print("resumed from {}: epoch {}, step {}\n", opts.resume, done, s.step);
  }
  if (!opts.samples.empty())
    mkdir(opts.samples.c_str(), 0755);
  std::mt19937_64 fixedStream(uint64_t(info.seed) + 7);
  Buffer fixedNoise(info.batch * info.noiseDim), images(info.batch * info.inputSize());
  s.noise(fixedStream, fixedNoise);
  std::vector<int64_t> order(train.n);
  std::iota(order.begin(), order.end(), 0);
  int64_t B = info.batch, f = info.inputSize();
  int64_t steps = (train.n + B - 1) / B;
  bool live = isatty(STDOUT_FILENO);
  Series dCurve{"d_loss", {}, 0x1f77b4}, gCurve{"g_loss", {}, 0xff7f0e};
  std::string epochsJson;
  // Each epoch draws its shuffle and its noise from a stream of its own, so
  // that a run resumed after epoch e draws what the whole run drew.
  auto epochStream = [&](int64_t epoch) {
    uint64_t seed = uint64_t(info.seed);
    std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32), uint32_t(epoch)};
    return std::mt19937_64(seq);
  };
  for (int64_t e = 1; e < first; ++e) {
    std::mt19937_64 replay = epochStream(e);
    std::shuffle(order.begin(), order.end(), replay);
  }
  for (int64_t epoch = first; epoch <= info.epochs; ++epoch) {
    std::mt19937_64 rng = epochStream(epoch);
    std::shuffle(order.begin(), order.end(), rng);
    auto start = Clock::now();
    double dSum = 0, gSum = 0;
    int64_t right = 0, judged = 0;
    for (int64_t st = 0; st < steps; ++st) {
      int64_t count = std::min(B, train.n - st * B);
      std::fill(s.real.data(), s.real.data() + s.real.size(), 0.0f);
      for (int64_t r = 0; r < B; ++r) {
        s.mask[r] = r < count ? 1.0f : 0.0f;
        if (r < count)
          train.row(order[st * B + r], s.real.data() + r * f);
      }
      s.setHyper(info.learningRate((epoch - 1) * steps + st,
                                   steps * info.epochs));
      s.noise(rng, s.z);
      s.discriminatorStep();
      for (int64_t r = 0; r < B; ++r) {
        if (r < count) {
          right += s.dReal[r] >= 0.5f;
          ++judged;
        }
        right += s.dFake[r] < 0.5f;
        ++judged;
      }
      s.noise(rng, s.z);
      s.generatorStep();
      dSum += s.dLoss[0];
      gSum += s.gLoss[0];
      if (!std::isfinite(s.dLoss[0]) || !std::isfinite(s.gLoss[0])) {
        fmt::print(stderr, "\nerror: the loss became non-finite at epoch {} "
                           "step {} (d_loss {}, g_loss {}); stopping\n",
                   epoch, st + 1, s.dLoss[0], s.gLoss[0]);
        return 1;
      }
      if (live && (st % 10 == 0 || st + 1 == steps)) {
        double t = std::chrono::duration<double>(Clock::now() - start).count();
        fmt::print("\repoch {}/{}  {}/{}  d_loss {:.4f}  g_loss {:.4f}  "
                   "d_accuracy {:.3f}  {:.0f} images/s ",
                   epoch, info.epochs, st + 1, steps, dSum / (st + 1),
                   gSum / (st + 1), double(right) / judged,
                   (st + 1) * B / std::max(t, 1e-9));
        std::fflush(stdout);
      }
    }
    double t = std::chrono::duration<double>(Clock::now() - start).count();
    double dMean = dSum / steps, gMean = gSum / steps,
           acc = double(right) / std::max<int64_t>(judged, 1);
    dCurve.values.push_back(dMean);
    gCurve.values.push_back(gMean);
    fmt::print("{}epoch {}/{}  {}/{}  d_loss {:.4f}  g_loss {:.4f}  d_accuracy "
               "{:.3f}  {:.0f} images/s  {:.1f}s\n",
               live ? "\r" : "", epoch, info.epochs, steps, steps, dMean, gMean,
               acc, train.n / std::max(t, 1e-9), t);
    epochsJson += fmt::format(
        "{}{{\"epoch\": {}, \"d_loss\": {}, \"g_loss\": {}, \"d_accuracy\": "
        "{}, \"seconds\": {}}}",
        epoch > first ? ", " : "", epoch, dMean, gMean, acc, t);
    if (!opts.samples.empty()) {
      s.generate(fixedNoise, images);
      std::string path =
          fmt::format("{}/epoch_{:03d}.png", opts.samples, epoch);
      if (!writeGrid(info, images, std::min<int64_t>(64, B), path, error)) {
        fmt::print(stderr, "error: {}\n", error);
        return 1;
      }
      fmt::print("samples: {}\n", path);
    }
    if (!opts.save.empty() && !s.save(opts.save, epoch, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    std::fflush(stdout);
  }
  if (!opts.plot.empty()) {
    if (!plotPng(opts.plot, info.name + " losses", {dCurve, gCurve}, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    fmt::print("loss curves: {}\n", opts.plot);
  }
  if (!opts.report.empty()) {
    FILE *out = std::fopen(opts.report.c_str(), "w");
    if (!out) {
      fmt::print(stderr, "error: cannot write report '{}'\n", opts.report);
      return 1;
    }
    fmt::print(out, "{{\"model\": \"{}\", \"epochs\": [{}], "
                    "\"compile_seconds\": {}}}\n",
               info.name, epochsJson, opts.compileSeconds);
    std::fclose(out);
  }
  return 0;
}

int lathe::rt::writeGanTrace(const ModelInfo &info, EntryPoints entry,
                             const std::string &dir, uint64_t seed) {
  mkdir(dir.c_str(), 0755);
  GanSession s(info, entry);
  s.initialize(seed);
  std::mt19937_64 rng(seed + 99);
  std::uniform_real_distribution<double> pixel(-1, 1);
  int64_t B = info.batch;
  for (int64_t i = 0; i < s.real.size(); ++i)
    s.real[i] = float(pixel(rng));
  for (int64_t r = 0; r < B; ++r)
    s.mask[r] = r + 1 < B ? 1.0f : 0.0f; // the last row is padding
  s.noise(rng, s.z);
  auto tensors = [&](TensorFile &f, Net &n) {
    for (size_t i = 0; i < n.p.size(); ++i)
      f.tensors.push_back(f32Tensor(n.params[i].name, n.params[i].shape,
                                    n.p[i].data()));
  };
  TensorFile initial, batch, dstep, gstep;
  tensors(initial, s.g);
  tensors(initial, s.d);
  std::vector<int64_t> img{B};
  img.insert(img.end(), info.input.begin(), info.input.end());
  batch.tensors.push_back(f32Tensor("real", img, s.real.data()));
  batch.tensors.push_back(f32Tensor("mask", {B}, s.mask.data()));
  batch.tensors.push_back(f32Tensor("z", {B, info.noiseDim}, s.z.data()));
  s.setHyper(info.learningRate(0, 0));
  s.discriminatorStep();
  dstep.tensors.push_back(f32Tensor("d_loss", {1}, s.dLoss.data()));
  tensors(dstep, s.d);
  tensors(dstep, s.g); // running statistics the step updated
  s.setHyper(info.learningRate(0, 0));
  s.generatorStep();
  gstep.tensors.push_back(f32Tensor("g_loss", {1}, s.gLoss.data()));
  tensors(gstep, s.g);
  tensors(gstep, s.d); // running statistics the step updated
  std::string error;
  if (!writeSafetensorsFiles(dir, {{"initial", &initial}, {"batch", &batch}, {"dstep", &dstep}, {"gstep", &gstep}}, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  fmt::print("wrote {}/{{initial,batch,dstep,gstep}}.safetensors: d_loss {}, "
             "g_loss {}\n",
             dir, s.dLoss[0], s.gLoss[0]);
  return 0;
}

int lathe::rt::generateImages(const ModelInfo &info, EntryPoints entry,
                              const std::string &checkpoint, int64_t count,
                              uint64_t seed, const std::string &out) {
  GanSession s(info, entry);
  int64_t epoch = 0;
  std::string error;
  if (!s.load(checkpoint, epoch, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  count = std::clamp<int64_t>(count, 1, info.batch);
  std::mt19937_64 rng(seed);
  Buffer noise(info.batch * info.noiseDim), images(info.batch * info.inputSize());
  s.noise(rng, noise);
  s.generate(noise, images);
  if (!writeGrid(info, images, count, out, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  fmt::print("wrote {} samples to {}\n", count, out);
  return 0;
}
