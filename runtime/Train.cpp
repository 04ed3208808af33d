//===- Train.cpp - The training loop and the commands around it -----------===//
#include "runtime/Train.h"
#include "runtime/BatchQueue.h"
#include "runtime/Checkpoint.h"
#include "runtime/CudaDriver.h"
#include "runtime/EarlyStopping.h"
#include "runtime/Files.h"
#include "runtime/Inspect.h"
#include "runtime/Schedules.h"
#include "runtime/Gan.h"
#include "runtime/Plot.h"
#include "runtime/PngRead.h"
#include "runtime/Text.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <numeric>
#include <random>
#include <unistd.h>

using namespace lathe::rt;

namespace {
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string metricLine(const ModelInfo &info, const Evaluation &e,
                       const char *prefix) {
  std::string s = fmt::format("{}loss {:.4f}", prefix, e.metric("loss"));
  for (const std::string &m : info.metrics)
    s += fmt::format("  {}{} {:.4f}", prefix, m, e.metric(m));
  return s;
}

/// The first metric the model asks for, shown while training.
std::string liveMetric(const ModelInfo &info, const Evaluation &e) {
  if (info.metrics.empty())
    return "";
  return fmt::format("  {} {:.4f}", info.metrics.front(),
                     e.metric(info.metrics.front()));
}

/// The confusion matrix, each row ending in its class's name where the
/// data set names its classes.
void printConfusion(const ModelInfo &info, const Evaluation &e) {
  size_t k = e.confusion.size();
  if (k == 0 || k > 20)
    return;
  std::vector<std::string> names = classNames(info);
  fmt::print("confusion matrix (rows: true class, columns: predicted):\n");
  for (size_t i = 0; i < k; ++i) {
    fmt::print("  {:>2} |", i);
    for (size_t j = 0; j < k; ++j)
      fmt::print(" {:>6}", e.confusion[i][j]);
    fmt::print("{}\n", i < names.size() ? "  " + names[i] : "");
  }
}

std::string jsonMetrics(const ModelInfo &info, const Evaluation &e) {
  std::string s = fmt::format("{{\"loss\": {}", e.metric("loss"));
  for (const std::string &m : info.metrics)
    s += fmt::format(", \"{}\": {}", m, e.metric(m));
  return s + "}";
}

/// For a model that is one dense layer on numeric targets, the test MSE of
/// the ordinary least-squares fit on the training data (normal equations
/// solved in double precision); -1 for any other model.
double leastSquaresTestMse(const ModelInfo &info, const Dataset &train,
                           const Dataset &test) {
  if (info.task != Task::Regression || info.params.size() != 2 ||
      info.params[0].shape.size() != 2 || info.params[1].shape.size() != 1 ||
      info.params[0].shape[0] != train.features || train.features > 64 ||
      info.outputSize() != train.targetWidth)
    return -1;
  int64_t f = train.features + 1, outs = train.targetWidth;
  double sq = 0;
  int64_t count = 0;
  for (int64_t o = 0; o < outs; ++o) {
    // [X 1]ᵀ[X 1] w = [X 1]ᵀ y, by Gaussian elimination with pivoting.
    std::vector<std::vector<double>> a(f, std::vector<double>(f + 1, 0));
    for (int64_t i = 0; i < train.n; ++i) {
      std::vector<double> row(f, 1.0);
      for (int64_t j = 0; j + 1 < f; ++j)
        row[j] = train.value(i, j);
      double y = train.y[i * outs + o];
      for (int64_t r = 0; r < f; ++r) {
        for (int64_t c = 0; c < f; ++c)
          a[r][c] += row[r] * row[c];
        a[r][f] += row[r] * y;
      }
    }
    for (int64_t c = 0; c < f; ++c) {
      int64_t piv = c;
      for (int64_t r = c + 1; r < f; ++r)
        if (std::fabs(a[r][c]) > std::fabs(a[piv][c]))
          piv = r;
      std::swap(a[c], a[piv]);
      if (std::fabs(a[c][c]) < 1e-12)
        return -1;
      for (int64_t r = 0; r < f; ++r) {
        if (r == c)
          continue;
        double k = a[r][c] / a[c][c];
        for (int64_t j = c; j <= f; ++j)
          a[r][j] -= k * a[c][j];
      }
    }
    for (int64_t i = 0; i < test.n; ++i) {
      double pred = a[f - 1][f] / a[f - 1][f - 1];
      for (int64_t j = 0; j + 1 < f; ++j)
        pred += a[j][f] / a[j][j] * test.value(i, j);
      double d = pred - test.y[i * outs + o];
      sq += d * d;
      ++count;
    }
  }
  return count ? sq / count : -1;
}
} // namespace

void lathe::rt::overrideData(ModelInfo &info, const std::string &binding) {
  if (binding.empty())
    return;
  std::string kind = binding, path;
  if (auto colon = binding.find(':'); colon != std::string::npos) {
    kind = binding.substr(0, colon);
    path = binding.substr(colon + 1);
  }
  if (info.data["kind"] != kind)
    info.data.clear();
  info.data["kind"] = kind;
  if (!path.empty())
    info.data["path"] = path;
}

ModelInfo lathe::rt::withOptions(const ModelInfo &modelInfo,
                                 const TrainOptions &opts) {
  ModelInfo info = modelInfo;
  overrideData(info, opts.data);
  if (opts.epochs > 0)
    info.epochs = opts.epochs;
  if (opts.seed >= 0)
    info.seed = opts.seed;
  if (opts.validationSplit >= 0)
    info.validationSplit = opts.validationSplit;
  if (opts.earlyStopping >= 0)
    info.earlyStopping = opts.earlyStopping;
  if (!opts.schedule.empty())
    info.schedule = opts.schedule;
  return info;
}

std::string lathe::rt::unwritable(const std::string &path, bool folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto writableFolder = [](const fs::path &dir) -> std::string {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      return fmt::format("there is no folder '{}'", dir.string());
    if (::access(dir.c_str(), W_OK) != 0)
      return fmt::format("cannot write into folder '{}'", dir.string());
    return "";
  };
  if (fs::exists(path, ec)) {
    if (folder != fs::is_directory(path, ec))
      return folder ? "is a file, not a folder" : "is a folder, not a file";
    if (folder)
      return writableFolder(path);
  }
  fs::path parent = fs::path(path).parent_path();
  return writableFolder(parent.empty() ? fs::path(".") : parent);
}

bool lathe::rt::outputsWritable(const TrainOptions &opts) {
  struct Output {
    const char *option;
    const std::string &path;
    bool folder;
  };
  bool ok = true;
  for (const Output &o : {Output{"--save", opts.save, false},
                          Output{"--report", opts.report, false},
                          Output{"--plot", opts.plot, false},
                          Output{"--samples", opts.samples, true}}) {
    std::string why = o.path.empty() ? "" : unwritable(o.path, o.folder);
    if (!why.empty()) {
      fmt::print(stderr, "error: {} {}: {}\n", o.option, o.path, why);
      ok = false;
    }
  }
  return ok;
}

bool lathe::rt::prepareTraining(const ModelInfo &modelInfo,
                                const TrainOptions &opts, ModelInfo &info,
                                Splits &data) {
  if (!outputsWritable(opts))
    return false;
  info = withOptions(modelInfo, opts);
  std::string error;
  if (!loadData(info, data, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return false;
  }
  return true;
}

int lathe::rt::train(const ModelInfo &modelInfo, EntryPoints entry,
                     const TrainOptions &opts) {
  ModelInfo info;
  Splits data;
  if (!prepareTraining(modelInfo, opts, info, data))
    return 1;
  std::string error;
  // Keras-style validation split: the last fraction of the training data.
  // The training part is the data set itself, cut short (no copy); the
  // validation part a copy of the tail.
  Dataset train = std::move(data.train), validation;
  if (info.earlyStopping > 0 && !(info.validationSplit > 0)) {
    fmt::print(stderr, "error: early stopping ({} epochs) watches the "
                       "validation loss, but there is no validation split "
                       "(--validation-split F; --early-stopping 0 turns it "
                       "off)\n",
               info.earlyStopping);
    return 1;
  }
  if (info.validationSplit > 0) {
    int64_t nVal = int64_t(std::llround(train.n * info.validationSplit));
    std::vector<int64_t> vIdx(nVal);
    std::iota(vIdx.begin(), vIdx.end(), train.n - nVal);
    validation = train.select(vIdx);
    train.truncate(train.n - nVal);
  }
  if (opts.limit > 0)
    train.truncate(opts.limit);
  fmt::print("data: {}\n", data.description);
  fmt::print(
      "model {}: {} parameters, batch {}, {} epochs, {} on {} "
      "samples{}{}\n",
      info.name,
      std::accumulate(
          info.params.begin(), info.params.end(), int64_t(0),
          [](int64_t a, const TensorSpec &t) { return a + t.size(); }),
      info.batch, info.epochs, info.optimizerDescription(),
      train.n,
      validation.n ? fmt::format(", {} for validation", validation.n) : "",
      info.earlyStopping > 0
          ? fmt::format("; stops after {} epochs without a lower "
                        "val_loss",
                        info.earlyStopping)
          : "");
  std::fflush(stdout);

  Session session(info, entry);
  session.initialize(uint64_t(info.seed));
  int64_t firstEpoch = 1;
  if (!opts.resume.empty()) {
    int64_t done = 0;
    if (!loadCheckpoint(session, opts.resume, done, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    firstEpoch = done + 1;
    fmt::print("resumed from {}: epoch {}, step {}\n", opts.resume, done,
               session.step());
  }
  bool live = isatty(STDOUT_FILENO);
  std::vector<int64_t> order(train.n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(uint64_t(info.seed) + 12345);
  int64_t steps = (train.n + info.batch - 1) / info.batch;
  int64_t totalSteps = steps * info.epochs;
  double lr = info.learningRate(0, totalSteps);
  std::string epochsJson;
  Series trainLoss{"loss", {}, 0x1f77b4}, valLoss{"val_loss", {}, 0xff7f0e};
  auto start = Clock::now();
  double samplesPerSecond = 0;
  EarlyStopping early(info.earlyStopping);
  int64_t stoppedAt = 0; // the epoch early stopping ended training after
  for (int64_t e = 1; e < firstEpoch; ++e) // the same order as unbroken
    std::shuffle(order.begin(), order.end(), rng);
  for (int64_t epoch = firstEpoch; epoch <= info.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    Evaluation stats;
    auto epochStart = Clock::now();
    BatchQueue batches(session, train, order);
    for (int64_t s = 0; s < steps; ++s) {
      lr = info.learningRate((epoch - 1) * steps + s, totalSteps);
      float loss = session.trainStep(batches.next(), lr, stats);
      if (!std::isfinite(loss)) {
        fmt::print(stderr,
                   "\nerror: the loss became {} at epoch {} step {}; "
                   "stopping (try a smaller learning rate){}\n",
                   loss, epoch, s + 1,
                   opts.save.empty() || epoch == firstEpoch
                       ? ""
                       : fmt::format("; {} holds epoch {}", opts.save,
                                     epoch - 1));
        return 1;
      }
      double t = seconds(epochStart);
      if (live && (s % 20 == 0 || s + 1 == steps)) {
        double rate = stats.n / std::max(t, 1e-9);
        double eta = (steps - s - 1) * info.batch / std::max(rate, 1e-9);
        fmt::print("\repoch {}/{}  {}/{}  loss {:.4f}{}  {:.0f} samples/s  "
                   "ETA {:.0f}s ",
                   epoch, info.epochs, s + 1, steps, stats.metric("loss"),
                   liveMetric(info, stats), rate, eta);
        std::fflush(stdout);
      }
    }
    double t = seconds(epochStart);
    samplesPerSecond = stats.n / std::max(t, 1e-9);
    std::string line = fmt::format(
        "epoch {}/{}  {}/{}  {}", epoch, info.epochs, steps, steps,
        metricLine(info, stats, ""));
    std::string valJson = "null";
    trainLoss.values.push_back(stats.metric("loss"));
    if (validation.n) {
      Evaluation v = session.evaluate(validation);
      valLoss.values.push_back(v.metric("loss"));
      line += "  " + metricLine(info, v, "val_");
      valJson = jsonMetrics(info, v);
      if (info.earlyStopping > 0 && early.stop(session, epoch, v.metric("loss")))
        stoppedAt = epoch;
    }
    if (info.schedule != "constant" || info.warmupSteps() > 0)
      line += fmt::format("  lr {:.3g}", lr);
    line += fmt::format("  {:.0f} samples/s  {:.2f}s", samplesPerSecond, t);
    // Long runs print about ten epoch lines; the live line shows the rest.
    int64_t every = std::max<int64_t>(1, (info.epochs + 9) / 10);
    if (info.epochs <= 20 || epoch == 1 || epoch % every == 0 ||
        epoch == info.epochs || stoppedAt)
      fmt::print("{}{}\n", live ? "\r" : "", line);
    std::fflush(stdout);
    // A text model's vocabulary goes beside its checkpoint, for `predict`.
    if (!opts.save.empty() && epoch == firstEpoch &&
        !data.vocabulary.empty() &&
        !Vocabulary(data.vocabulary).save(vocabularyPath(opts.save), error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    if (!opts.save.empty() &&
        !saveCheckpoint(session, opts.save, epoch, error, &data.scaling)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    epochsJson += fmt::format("{}{{\"epoch\": {}, \"train\": {}, "
                              "\"validation\": {}, \"lr\": {}, "
                              "\"seconds\": {}}}",
                              epochsJson.empty() ? "" : ", ", epoch,
                              jsonMetrics(info, stats), valJson, lr, t);
    if (stoppedAt)
      break;
  }
  double wall = seconds(start);
  std::string earlyJson;
  if (info.earlyStopping > 0) {
    if (stoppedAt)
      fmt::print("early stopping: val_loss has not fallen below {:.4f} (epoch "
                 "{}) for {} epochs\n",
                 early.bestLoss(), early.bestEpoch(), early.waited());
    // Training ends with the best epoch's state, checkpoint included.
    if (early.restoreBest(session)) {
      fmt::print("restored epoch {} (the lowest val_loss, {:.4f})\n",
                 early.bestEpoch(), early.bestLoss());
      if (!opts.save.empty() &&
          !saveCheckpoint(session, opts.save, early.bestEpoch(), error,
                          &data.scaling)) {
        fmt::print(stderr, "error: {}\n", error);
        return 1;
      }
    }
    earlyJson = fmt::format(
        ", \"early_stopping\": {{\"patience\": {}, \"best_epoch\": {}, "
        "\"best_val_loss\": {}, \"stopped_after_epoch\": {}}}",
        info.earlyStopping, early.bestEpoch(),
        std::isfinite(early.bestLoss()) ? fmt::format("{}", early.bestLoss())
                                        : "null",
        stoppedAt ? std::to_string(stoppedAt) : "null");
  }
  if (!opts.plot.empty()) {
    std::vector<Series> curves{trainLoss};
    if (!valLoss.values.empty())
      curves.push_back(valLoss);
    Mark best;
    if (info.earlyStopping > 0 && early.bestEpoch() > 0)
      best = {early.bestEpoch(), "best"};
    if (!plotPng(opts.plot, info.name + " loss", curves, error, best)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    fmt::print("loss curve: {}\n", opts.plot);
  }
  Evaluation test = session.evaluate(data.test);
  fmt::print("test ({} samples): {}\n", test.n, metricLine(info, test, ""));
  printConfusion(info, test);
  std::string extra;
  double lsMse = leastSquaresTestMse(info, train, data.test);
  if (lsMse >= 0) {
    fmt::print("closed-form least squares on the same data: test mse {:.4f} "
               "(the trained model is {:+.2f}% off)\n",
               lsMse, 100 * (test.metric("mse") - lsMse) / lsMse);
    extra = fmt::format(", \"least_squares_test_mse\": {}", lsMse);
  }
  if (!opts.report.empty()) {
    std::string json = fmt::format(
        "{{\"model\": \"{}\", \"epochs\": [{}], \"test\": {}, "
        "\"samples_per_second\": {}, \"train_seconds\": {}, "
        "\"compile_seconds\": {}{}{}}}\n",
        info.name, epochsJson, jsonMetrics(info, test), samplesPerSecond, wall,
        opts.compileSeconds, extra, earlyJson);
    if (!writeAtomically(opts.report, json)) {
      fmt::print(stderr, "error: cannot write report '{}': {}\n", opts.report,
                 std::strerror(errno));
      return 1;
    }
  }
  return 0;
}

int lathe::rt::evaluateCheckpoint(const ModelInfo &modelInfo,
                                  EntryPoints entry, const TrainOptions &opts) {
  ModelInfo info = modelInfo;
  overrideData(info, opts.data);
  Session session(info, entry);
  int64_t epoch = 0;
  std::string error;
  Splits data;
  if (!loadCheckpoint(session, opts.resume, epoch, error) ||
      !loadData(info, data, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  Evaluation test = session.evaluate(data.test);
  fmt::print("{} after epoch {}\ntest ({} samples): {}\n", opts.resume, epoch,
             test.n, metricLine(info, test, ""));
  printConfusion(info, test);
  return 0;
}

namespace {
/// One prediction as a CSV row: the class (a class or binary target's),
/// then every output, each to its last digit.
std::string predictionRow(const ModelInfo &info, const float *p) {
  int64_t w = info.outputSize();
  std::string row;
  if (info.classTargets())
    row += fmt::format("{},", std::max_element(p, p + w) - p);
  else if (info.task == Task::Binary)
    row += fmt::format("{},", p[0] >= 0.5f ? 1 : 0);
  return row + fmt::format("{}\n", fmt::join(p, p + w, ","));
}

/// Writes `text` to `output` whole, or says why it could not.
bool writeOutput(const std::string &output, const std::string &text) {
  if (writeAtomically(output, text))
    return true;
  fmt::print(stderr, "error: cannot write {}: {}\n", output,
             std::strerror(errno));
  return false;
}

/// One line per input file: its class and the class's probability, or a
/// regression's outputs. With `output`, CSV rows written there instead: the
/// file, then the row `predict --input` writes for it.
int printPerFile(const ModelInfo &info, const std::vector<float> &pred,
                 const std::vector<std::string> &files,
                 const std::string &output) {
  std::vector<std::string> names = classNames(info);
  int64_t w = info.outputSize();
  if (!output.empty() && output != "-") {
    std::string text;
    for (size_t i = 0; i < files.size(); ++i)
      text += files[i] + "," + predictionRow(info, pred.data() + i * w);
    return writeOutput(output, text) ? 0 : 1;
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const float *p = pred.data() + int64_t(i) * w;
    if (!info.classTargets() && info.task != Task::Binary) {
      fmt::print("{}: {}\n", files[i], fmt::join(p, p + w, ","));
      continue;
    }
    int64_t cls = info.task == Task::Binary ? (p[0] >= 0.5f)
                                            : std::max_element(p, p + w) - p;
    float prob = info.task == Task::Binary ? (cls ? p[0] : 1 - p[0]) : p[cls];
    std::string name = size_t(cls) < names.size() ? names[size_t(cls)]
                                                   : fmt::format("{}", cls);
    fmt::print("{}: {} ({:.3f})\n", files[i], name, prob);
  }
  return 0;
}

/// Classifies each raw text file with the vocabulary saved beside the
/// checkpoint: one line per file with the class and its probability.
int predictText(const ModelInfo &info, Session &session,
                const std::string &checkpoint,
                const std::vector<std::string> &files,
                const std::string &output) {
  if (files.empty()) {
    fmt::print(stderr, "error: predict needs text files: predict "
                       "[--checkpoint CKPT] FILE...\n");
    return 1;
  }
  Vocabulary vocab;
  std::string error;
  if (!vocab.load(vocabularyPath(checkpoint), error)) {
    fmt::print(stderr, "error: {} (it is written by `train --save`)\n",
               error);
    return 1;
  }
  Dataset d;
  d.features = info.inputSize();
  for (const std::string &f : files) {
    std::string raw;
    if (!readFile(f, raw, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    d.x.resize(size_t((d.n + 1) * d.features));
    vocab.encode(tokenize(textBody(info, raw)), d.features,
                 d.x.data() + d.n * d.features);
    ++d.n;
  }
  return printPerFile(info, session.predict(d), files, output);
}

/// Classifies PNG images as the data set's images: one line per file with
/// the class and its probability (or the model's outputs).
int predictImages(const ModelInfo &info, Session &session,
                  const ImageFormat &image,
                  const std::vector<std::string> &files,
                  const std::string &output) {
  Dataset d;
  d.features = info.inputSize();
  if (d.features != int64_t(image.height) * image.width) {
    fmt::print(stderr, "error: the model takes {} values, not {}x{} images\n",
               d.features, image.height, image.width);
    return 1;
  }
  std::string error;
  for (const std::string &f : files) {
    int w = 0, h = 0;
    std::vector<uint8_t> gray;
    if (!readPngGray(f, w, h, gray, error)) {
      fmt::print(stderr, "error: {}\n", error);
      return 1;
    }
    if (w != image.width || h != image.height) {
      fmt::print(stderr, "error: {} is {}x{} pixels; the model takes {}x{} "
                         "images\n",
                 f, w, h, image.width, image.height);
      return 1;
    }
    for (uint8_t p : gray)
      d.x.push_back(float(p) * image.scale + image.shift);
    ++d.n;
  }
  return printPerFile(info, session.predict(d), files, output);
}
} // namespace

int lathe::rt::predictFile(const ModelInfo &info, EntryPoints entry,
                           const std::string &checkpoint,
                           const std::string &input,
                           const std::string &output,
                           const std::vector<std::string> &files) {
  Session session(info, entry);
  int64_t epoch = 0;
  std::string error;
  // Rows as the data set gives them, scaled as in training.
  Standardization scaling;
  if (!loadCheckpoint(session, checkpoint, epoch, error, &scaling)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  if (info.tokenInput)
    return predictText(info, session, checkpoint, files, output);
  ImageFormat image;
  bool images = imageFormat(info, image);
  if (images && !files.empty()) {
    if (!input.empty()) {
      fmt::print(stderr, "error: predict takes image files or --input "
                         "FILE.csv, not both\n");
      return 1;
    }
    return predictImages(info, session, image, files, output);
  }
  if (input.empty()) {
    fmt::print(stderr, "error: predict needs --input FILE.csv{}\n",
               images ? " or PNG image files" : "");
    return 1;
  }
  std::vector<std::vector<std::string>> rows;
  if (!readCsv(input, rows, error)) {
    fmt::print(stderr, "error: {}\n", error);
    return 1;
  }
  Dataset d;
  d.features = info.inputSize();
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() == 1 && rows[r][0].empty())
      continue;
    if (int64_t(rows[r].size()) != d.features) {
      fmt::print(stderr, "error: {}:{}: {} values, the model takes {}\n",
                 input, r + 1, rows[r].size(), d.features);
      return 1;
    }
    for (const std::string &cell : rows[r]) {
      char *end = nullptr;
      float v = std::strtof(cell.c_str(), &end);
      if (cell.empty() || *end) {
        fmt::print(stderr, "error: {}:{}: '{}' is not a number{}\n", input,
                   r + 1, cell,
                   r == 0 ? " (predict reads rows of numbers, without a header)"
                          : "");
        return 1;
      }
      if (!scaling.empty()) {
        size_t j = d.x.size() % size_t(d.features);
        v = (v - scaling.mean[j]) / scaling.scale[j];
      }
      if (images) // pixel values as the data set's files hold them
        v = v * image.scale + image.shift;
      d.x.push_back(v);
    }
    ++d.n;
  }
  std::vector<float> pred = session.predict(d);
  int64_t w = info.outputSize();
  std::string text;
  for (int64_t i = 0; i < d.n; ++i)
    text += predictionRow(info, pred.data() + i * w);
  if (output.empty() || output == "-") {
    fmt::print("{}", text);
    return 0;
  }
  return writeOutput(output, text) ? 0 : 1;
}

namespace {
/// Each option of a built model and the commands that take it (words
/// separated by spaces; none: ""), for a supervised model and for a gan.
struct OptionCommands {
  const char *option, *supervised, *gan;
};
constexpr OptionCommands kOptionCommands[] = {
    {"--epochs", "train", "train"},
    {"--limit", "train", "train"},
    {"--validation-split", "train", "train"},
    {"--save", "train", "train"},
    {"--resume", "train", "train"},
    {"--report", "train", "train"},
    {"--plot", "train", "train"},
    {"--lr-schedule", "train", "train"},
    {"--early-stopping", "train", ""},
    {"--samples", "", "train"},
    {"--seed", "train", "train generate"},
    {"--data", "train eval", "train"},
    {"--threads", "train eval predict", "train generate"},
    {"--checkpoint", "eval predict", "generate"},
    {"--input", "predict", ""},
    {"--output", "predict", "generate"},
    {"--count", "", "generate"},
};

/// The commands of a built model (a gan or not) that take option `a`; null
/// for what is not an option.
const char *optionCommands(const std::string &a, bool gan) {
  for (const OptionCommands &o : kOptionCommands)
    if (a == o.option)
      return gan ? o.gan : o.supervised;
  return nullptr;
}

bool listed(const std::string &words, const std::string &word) {
  return (" " + words + " ").find(" " + word + " ") != std::string::npos;
}

/// "a b c" as "a, b and c".
std::string spelled(const std::string &words) {
  std::vector<std::string> w;
  for (size_t at = 0; at < words.size();) {
    size_t end = std::min(words.find(' ', at), words.size());
    w.push_back(words.substr(at, end - at));
    at = end + 1;
  }
  std::string out = w[0];
  for (size_t i = 1; i < w.size(); ++i)
    out += (i + 1 == w.size() ? " and " : ", ") + w[i];
  return out;
}
} // namespace

int lathe::rt::runExecutable(const char *modelText, EntryPoints entry,
                             int argc, char **argv) {
  ModelInfo info;
  std::string error;
  if (!parseModelInfo(modelText, info, error)) {
    fmt::print(stderr, "error: corrupt model description: {}\n", error);
    return 1;
  }
  const char *prog = argc ? argv[0] : "model";
  auto usage = [&](FILE *out) {
    fmt::print(out,
               "usage: {0} train [--epochs N] [--seed S] [--data KIND[:PATH]] "
               "[--limit N] [--threads N]\n"
               "          [--validation-split F] [--save CKPT] [--resume CKPT] "
               "[--report FILE.json]\n          [--plot LOSS.png] "
               "[--lr-schedule constant|cosine|linear] [--early-stopping N]\n"
               "       {0} eval --checkpoint CKPT [--data KIND[:PATH]]\n"
               "       {0} predict [--checkpoint CKPT] --input FILE.csv "
               "[--output FILE.csv]\n"
               "       {0} predict [--checkpoint CKPT] TEXT_FILE... "
               "[--output FILE.csv] (a text model)\n"
               "       {0} predict [--checkpoint CKPT] IMAGE.png... "
               "[--output FILE.csv] (a model of images)\n"
               "       {0} generate --checkpoint CKPT --output GRID.png "
               "[--count N] (a gan)\n"
               "       {0} inspect [--checkpoint CKPT]\n"
               "       {0} info\n"
               "A compiled Lathe model '{1}' (batch {2}).\n",
               prog, info.name, info.batch);
  };
  if (argc < 2 || !std::strcmp(argv[1], "--help") ||
      !std::strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  std::string cmd = argv[1];
  if (cmd == "info") {
    fmt::print("{}", modelText);
    return 0;
  }
  if (cmd == "inspect") {
    // Reads the file only: it works without the model's GPU.
    std::string path = info.name + ".safetensors";
    if (argc == 4 && !std::strcmp(argv[2], "--checkpoint"))
      path = argv[3];
    else if (argc != 2) {
      fmt::print(stderr, "error: inspect takes [--checkpoint CKPT]\n");
      return 1;
    }
    return inspectCheckpoint(info, path);
  }
  bool known = info.gan ? (cmd == "train" || cmd == "generate")
                        : (cmd == "train" || cmd == "eval" || cmd == "predict");
  if (!known) {
    fmt::print(stderr, "error: unknown command '{}'\n", cmd);
    usage(stderr);
    return 1;
  }
  // `info` and `--help` work anywhere; the commands that run the model
  // need the GPU it was compiled for.
  if (info.target == "nvptx" && !useCudaManagedBuffers(error)) {
    fmt::print(stderr, "error: this model runs on an NVIDIA GPU: {}\n", error);
    return 1;
  }
  TrainOptions opts;
  std::string input, output;
  std::vector<std::string> files; // predict's text or image files
  // (A model of text or of images also predicts for files named as
  // arguments.)
  ImageFormat image;
  bool takesFiles = info.tokenInput || imageFormat(info, image);
  int64_t count = 64;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    }
    // An option another command takes would otherwise be read and ignored.
    if (const char *commands = optionCommands(a, info.gan);
        commands && !listed(commands, cmd)) {
      fmt::print(stderr, "error: `{}` takes no {}{}\n", cmd, a,
                 !*commands ? ""
                 : fmt::format(" ({} {})", spelled(commands),
                               std::strchr(commands, ' ') ? "do" : "does"));
      return 1;
    }
    auto value = [&](const char *name) -> const char * {
      if (i + 1 >= argc) {
        fmt::print(stderr, "error: {} needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    auto number = [&](const char *name, int64_t &out, int64_t least = 0) {
      const char *v = value(name);
      if (!v)
        return false;
      char *end;
      out = std::strtoll(v, &end, 10);
      if (*end || out < least) {
        fmt::print(stderr, "error: {} needs a {} integer, got '{}'\n", name,
                   least > 0 ? "positive" : "non-negative", v);
        return false;
      }
      return true;
    };
    // (An epoch count of 0 would only evaluate; `eval` does that.)
    if (a == "--epochs" ? !number("--epochs", opts.epochs, 1)
        : a == "--seed" ? !number("--seed", opts.seed)
        : a == "--limit" ? !number("--limit", opts.limit)
        : a == "--threads" ? !number("--threads", opts.threads)
        : a == "--early-stopping" ? !number("--early-stopping", opts.earlyStopping)
                           : false)
      return 1;
    if (a == "--epochs" || a == "--seed" || a == "--limit" ||
        a == "--threads" || a == "--early-stopping")
      continue;
    if (a == "--validation-split") {
      const char *v = value(a.c_str());
      if (!v)
        return 1;
      char *end;
      opts.validationSplit = std::strtod(v, &end);
      if (*end || !(opts.validationSplit >= 0 && opts.validationSplit < 1)) {
        fmt::print(stderr, "error: --validation-split needs a fraction in "
                           "[0, 1), got '{}'\n",
                   v);
        return 1;
      }
      continue;
    }
    if (a == "--lr-schedule") {
      const char *v = value(a.c_str());
      if (!v)
        return 1;
      if (!knownSchedule(v)) {
        fmt::print(stderr, "error: --lr-schedule needs {}, got '{}'\n",
                   scheduleList(), v);
        return 1;
      }
      opts.schedule = v;
      continue;
    }
    if (a == "--count") {
      if (!number("--count", count))
        return 1;
      continue;
    }
    if (a == "--data" || a == "--report" || a == "--save" || a == "--plot" ||
        a == "--samples" ||
        a == "--resume" || a == "--checkpoint" || a == "--input" ||
        a == "--output") {
      const char *v = value(a.c_str());
      if (!v)
        return 1;
      (a == "--data"       ? opts.data
       : a == "--report"   ? opts.report
       : a == "--plot"     ? opts.plot
       : a == "--samples"  ? opts.samples
       : a == "--save"     ? opts.save
       : a == "--input"    ? input
       : a == "--output"   ? output
                           : opts.resume) = v;
      continue;
    }
    if (cmd == "predict" && takesFiles && a.rfind("-", 0) != 0) {
      files.push_back(a);
      continue;
    }
    if (a == "--batch") {
      fmt::print(stderr, "error: the batch size is compiled in ({}); rebuild "
                         "with `lathe build --batch N`\n",
                 info.batch);
      return 1;
    }
    fmt::print(stderr, "error: unknown option '{}'\n", a);
    usage(stderr);
    return 1;
  }
  setThreads(int(opts.threads));
  if (cmd == "train")
    return info.gan ? trainGan(info, entry, opts) : train(info, entry, opts);
  if (cmd == "generate") {
    if (opts.resume.empty() || output.empty()) {
      fmt::print(stderr, "error: generate needs --checkpoint CKPT and "
                         "--output FILE.png\n");
      return 1;
    }
    return generateImages(info, entry, opts.resume, count,
                          uint64_t(opts.seed < 0 ? 1 : opts.seed), output);
  }
  if (opts.resume.empty()) {
    // The checkpoint `train --save NAME.safetensors` wrote, where present.
    std::string fallback = info.name + ".safetensors";
    if (FILE *f = std::fopen(fallback.c_str(), "rb")) {
      std::fclose(f);
      opts.resume = fallback;
    } else {
      fmt::print(stderr, "error: {} needs --checkpoint FILE (or {} here)\n",
                 cmd, fallback);
      return 1;
    }
  }
  return cmd == "eval"
             ? evaluateCheckpoint(info, entry, opts)
             : predictFile(info, entry, opts.resume, input, output, files);
}
