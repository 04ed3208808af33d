//===- Session.cpp - A compiled model's state and entry points ------------===//
#include "runtime/Session.h"
#include "runtime/Parallel.h"
#include "runtime/CudaDriver.h"
#include "runtime/BatchQueue.h"
#include "runtime/FloatMode.h"

#include <algorithm>
#include <fmt/core.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <unistd.h>
#include <random>

using namespace lathe::rt;

namespace {
void *hostAlloc(size_t bytes) { return std::aligned_alloc(64, bytes); }
void *(*bufferAlloc)(size_t) = hostAlloc;
void (*bufferRelease)(void *) = std::free;
} // namespace

void lathe::rt::setBufferMemory(void *(*alloc)(size_t), void (*release)(void *)) {
  bufferAlloc = alloc;
  bufferRelease = release;
}

Buffer::Buffer(int64_t n) : n_(n) {
  size_t bytes = ((std::max<int64_t>(n, 1) * sizeof(float) + 63) / 64) * 64;
  data_.reset(static_cast<float *>(bufferAlloc(bytes)));
  std::memset(data_.get(), 0, bytes);
}

void Buffer::Free::operator()(float *p) const { bufferRelease(p); }

double Evaluation::metric(const std::string &name) const {
  if (name == "loss")
    return n ? loss / n : 0;
  if (name == "mse")
    return values ? sqErr / values : 0;
  if (name == "mae")
    return values ? absErr / values : 0;
  size_t k = confusion.size();
  int64_t total = 0, right = 0;
  for (size_t i = 0; i < k; ++i)
    for (size_t j = 0; j < k; ++j) {
      total += confusion[i][j];
      if (i == j)
        right += confusion[i][j];
    }
  if (name == "accuracy")
    return total ? double(right) / total : 0;
  // Precision, recall and F1: of class 1 for two classes, else macro means.
  auto perClass = [&](size_t c, double &p, double &r) {
    int64_t tp = confusion[c][c], predicted = 0, actual = 0;
    for (size_t i = 0; i < k; ++i) {
      predicted += confusion[i][c];
      actual += confusion[c][i];
    }
    p = predicted ? double(tp) / predicted : 0;
    r = actual ? double(tp) / actual : 0;
  };
  double p = 0, r = 0, f = 0;
  if (k == 2) {
    perClass(1, p, r);
    f = p + r > 0 ? 2 * p * r / (p + r) : 0;
  } else {
    for (size_t c = 0; c < k; ++c) {
      double pc, rc;
      perClass(c, pc, rc);
      p += pc / k;
      r += rc / k;
      f += (pc + rc > 0 ? 2 * pc * rc / (pc + rc) : 0) / k;
    }
  }
  if (name == "precision")
    return p;
  if (name == "recall")
    return r;
  if (name == "f1")
    return f;
  return 0;
}

// From LLVM's OpenMP runtime where the program links it (compiled models
// do); weak, so the runtime library itself does not depend on it.
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace {
int computeThreadCount = 0; // 0: not set, all cores
int coreCount() { return int(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))); }
} // namespace

int lathe::rt::setThreads(int n) {
  if (n <= 0)
    n = coreCount();
  if (omp_set_num_threads)
    omp_set_num_threads(n);
  computeThreadCount = n;
  return n;
}

bool lathe::rt::spareCore() {
  return (computeThreadCount ? computeThreadCount : coreCount()) < coreCount();
}

void lathe::rt::keepAllocatorMemory() {
  // 32 MiB: glibc refuses larger thresholds (HEAP_MAX_SIZE / 2).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, -1); // never give the heap's top back
}

Session::Session(const ModelInfo &info, EntryPoints entry)
    : info_(info), entry_(entry) {
  keepAllocatorMemory();
  flushSubnormals();
  for (const TensorSpec &t : info_.params)
    params_.emplace_back(t.size());
  for (const TensorSpec &t : info_.state)
    state_.emplace_back(t.size());
  pred_ = Buffer(info_.batch * info_.outputSize());
  loss_ = Buffer(1);
  hyper_ = Buffer(4);
  seed_ = Buffer(1);
}

void lathe::rt::initTensor(const TensorSpec &t, Buffer &b,
                           std::mt19937_64 &rng) {
  int64_t n = t.size();
  const auto &s = t.shape;
  if (t.init == "glorot_uniform" && s.size() >= 2) {
    int64_t rf = 1;
    for (size_t d = 0; d + 2 < s.size(); ++d)
      rf *= s[d];
    double fanIn = double(s[s.size() - 2] * rf);
    double fanOut = double(s[s.size() - 1] * rf);
    double limit = std::sqrt(6.0 / (fanIn + fanOut));
    std::uniform_real_distribution<double> u(-limit, limit);
    for (int64_t j = 0; j < n; ++j)
      b[j] = float(u(rng));
  } else if (t.init == "orthogonal" && s.size() >= 2) {
    // Keras's Orthogonal: rows (or columns, whichever are fewer) orthonormal,
    // from the QR decomposition of a normal matrix with sign(diag(R)) folded
    // in, which is Gram-Schmidt on its columns.
    int64_t cols = s.back(), rows = n / cols;
    int64_t tall = std::max(rows, cols), wide = std::min(rows, cols);
    std::normal_distribution<double> normal(0, 1);
    std::vector<double> a(tall * wide); // column k at a[k * tall]
    for (double &v : a)
      v = normal(rng);
    for (int64_t k = 0; k < wide; ++k) {
      double *ck = &a[k * tall];
      for (int64_t j = 0; j < k; ++j) {
        const double *cj = &a[j * tall];
        double dot = 0;
        for (int64_t i = 0; i < tall; ++i)
          dot += cj[i] * ck[i];
        for (int64_t i = 0; i < tall; ++i)
          ck[i] -= dot * cj[i];
      }
      double norm = 0;
      for (int64_t i = 0; i < tall; ++i)
        norm += ck[i] * ck[i];
      norm = std::sqrt(norm);
      for (int64_t i = 0; i < tall; ++i)
        ck[i] /= norm;
    }
    // q is tall x wide; the tensor is rows x cols (q, or its transpose).
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        b[r * cols + c] = float(rows >= cols ? a[c * tall + r] : a[r * tall + c]);
  } else if (t.init == "uniform") {
    std::uniform_real_distribution<double> u(-0.05, 0.05);
    for (int64_t j = 0; j < n; ++j)
      b[j] = float(u(rng));
  } else if (t.init == "ones") {
    std::fill(b.data(), b.data() + n, 1.0f);
  } else if (t.init == "unit_forget_bias") {
    int64_t units = n / 4; // gates i, f, c, o: the forget gate starts at 1
    for (int64_t j = 0; j < n; ++j)
      b[j] = (j >= units && j < 2 * units) ? 1.0f : 0.0f;
  } else {
    for (int64_t j = 0; j < n; ++j)
      b[j] = 0.0f;
  }
}

void Session::initialize(uint64_t seed) {
  runSeed_ = seed;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < params_.size(); ++i)
    initTensor(info_.params[i], params_[i], rng);
  for (Buffer &b : state_)
    std::fill(b.data(), b.data() + b.size(), 0.0f);
  step_ = 0;
}

Batch Session::makeBatch() const {
  Batch b;
  int64_t B = info_.batch;
  b.x = Buffer(B * info_.inputSize());
  b.mask = Buffer(B);
  if (info_.task == Task::Classes)
    b.labels.assign(B, 0);
  else
    b.y = Buffer(B * info_.outputSize());
  return b;
}

void Session::fill(const Dataset &d, const std::vector<int64_t> &order,
                   int64_t begin, Batch &batch, bool parallel,
                   int64_t next) const {
  int64_t B = info_.batch, f = info_.inputSize(), out = info_.outputSize();
  batch.count = std::min<int64_t>(B, int64_t(order.size()) - begin);
  // Rows past the data are zeros; real rows are overwritten whole below.
  std::fill(batch.x.data() + batch.count * f, batch.x.data() + batch.x.size(),
            0.0f);
  if (batch.y.size())
    std::fill(batch.y.data(), batch.y.data() + batch.y.size(), 0.0f);
  // Each thread asks for its rows up front (into its own caches), and for
  // the same rows of the next batch once done.
  auto ask = [&](int64_t at, int64_t first, int64_t last) {
    for (int64_t r = at + first; r < std::min<int64_t>(at + last, order.size());
         ++r)
      d.prefetchRow(order[r]);
  };
  auto rows = [&](int64_t first, int64_t last) {
    ask(begin, first, last);
    for (int64_t r = first; r < last; ++r) {
      bool real = r < batch.count;
      batch.mask[r] = real ? 1.0f : 0.0f;
      if (!real) {
        if (!batch.labels.empty())
          batch.labels[r] = 0;
        continue;
      }
      int64_t i = order[begin + r];
      if (info_.tokenInput) {
        auto *ids = reinterpret_cast<int32_t *>(batch.x.data()) + r * f;
        for (int64_t j = 0; j < f; ++j)
          ids[j] = int32_t(d.value(i, j));
      } else {
        d.row(i, batch.x.data() + r * f);
      }
      if (d.labels.empty() && d.y.empty())
        continue; // inputs only (prediction)
      switch (info_.task) {
      case Task::Classes:
        batch.labels[r] = d.labels[i];
        break;
      case Task::OneHot:
        batch.y[r * out + d.labels[i]] = 1.0f;
        break;
      default:
        for (int64_t j = 0; j < out; ++j)
          batch.y[r * out + j] = d.y[i * d.targetWidth + j];
      }
    }
    if (next >= 0)
      ask(next, first, last);
  };
  if (parallel)
    // (Through one reference: a std::function holding `rows` itself, with
    // its many captures, would allocate on every batch.)
    parallelRanges(B, [&rows](int64_t first, int64_t last) { rows(first, last); });
  else
    rows(0, B);
}

void Session::accumulate(const Batch &batch, const Buffer &pred, float loss,
                         Evaluation &e) const {
  int64_t out = info_.outputSize();
  e.loss += double(loss) * batch.count;
  e.n += batch.count;
  if (info_.task == Task::Regression) {
    for (int64_t r = 0; r < batch.count; ++r)
      for (int64_t j = 0; j < out; ++j) {
        double d = pred[r * out + j] - batch.y[r * out + j];
        e.sqErr += d * d;
        e.absErr += std::fabs(d);
        ++e.values;
      }
    return;
  }
  size_t k = info_.task == Task::Binary ? 2 : size_t(info_.classes());
  if (e.confusion.empty())
    e.confusion.assign(k, std::vector<int64_t>(k, 0));
  for (int64_t r = 0; r < batch.count; ++r) {
    int64_t truth, guess;
    if (info_.task == Task::Binary) {
      truth = batch.y[r] >= 0.5f;
      guess = pred[r] >= 0.5f;
    } else {
      const float *p = pred.data() + r * out;
      guess = std::max_element(p, p + out) - p;
      if (info_.task == Task::Classes)
        truth = batch.labels[r];
      else
        truth = std::max_element(batch.y.data() + r * out,
                                 batch.y.data() + (r + 1) * out) -
                (batch.y.data() + r * out);
    }
    e.confusion[truth][guess]++;
  }
}

void PackedCall::run(void (*fn)(void **)) {
  // On a GPU the staged arguments are swapped for their GPU-side buffers;
  // `host_` keeps the originals for the outputs' copies back.
  bool staging = gpuStaging() && !staged_.empty();
  if (staging) {
    host_ = ptrs_;
    for (const Staged &s : staged_)
      ptrs_[s.index] = s.out ? gpuOutput(host_[s.index], size_t(s.bytes))
                             : gpuInput(host_[s.index], size_t(s.bytes));
  }
  args_.clear();
  for (void *&p : ptrs_)
    args_.push_back(&p);
  fn(args_.data());
  if (staging)
    for (const Staged &s : staged_)
      if (s.out)
        gpuFetch(host_[s.index], ptrs_[s.index], size_t(s.bytes));
}

namespace {
/// A batch's targets: class ids or values, staged as an input.
void addTargets(PackedCall &call, const Batch &b) {
  if (b.labels.empty())
    call.in(b.y);
  else
    call.in(b.labels.data(), b.labels.size() * int64_t(sizeof(int32_t)));
}
} // namespace

float Session::trainStep(const Batch &batch, double lr, Evaluation &stats) {
  info_.stepHyper(++step_, lr, hyper_.data());
  PackedCall &call = newCall();
  call << params_ << state_;
  call.in(hyper_);
  passDropoutSeed(call);
  call.in(batch.x);
  addTargets(call, batch);
  call.in(batch.mask);
  call.out(loss_).out(pred_);
  call.run(entry_.trainStep); // updates params_ and state_ in place
  accumulate(batch, pred_, loss_[0], stats);
  return loss_[0];
}

Evaluation Session::evaluate(const Dataset &d) {
  Evaluation e;
  std::vector<int64_t> order(d.n);
  for (int64_t i = 0; i < d.n; ++i)
    order[i] = i;
  BatchQueue batches(*this, d, order);
  for (int64_t s = 0; s < batches.size(); ++s) {
    const Batch &batch = batches.next();
    float loss = evalBatch(batch);
    accumulate(batch, pred_, loss, e);
  }
  return e;
}

float Session::gradients(const Batch &batch, std::vector<Buffer> &grads) {
  grads.clear();
  for (const TensorSpec &t : info_.params)
    grads.emplace_back(t.size());
  PackedCall &call = newCall();
  call << params_;
  passDropoutSeed(call);
  call.in(batch.x);
  addTargets(call, batch);
  call.in(batch.mask).out(loss_);
  for (size_t p = 0; p < grads.size(); ++p)
    if (info_.params[p].trainable)
      call << grads[p];
  call.run(entry_.grad);
  return loss_[0];
}

void Session::passDropoutSeed(PackedCall &call) {
  if (!info_.dropout)
    return;
  int32_t seed = dropoutSeed(step_);
  std::memcpy(seed_.data(), &seed, sizeof seed);
  call.in(seed_);
}

int32_t Session::dropoutSeed(int64_t step) const {
  // splitmix64 of (run seed, step), cut to 31 bits.
  uint64_t z = runSeed_ * 0x9E3779B97F4A7C15ull + uint64_t(step) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return int32_t((z ^ (z >> 31)) & 0x7fffffff);
}

float Session::loss(const Batch &batch) {
  if (info_.trainingDiffers()) {
    std::vector<Buffer> scratch;
    return gradients(batch, scratch);
  }
  return evalBatch(batch);
}

float Session::evalBatch(const Batch &batch) {
  PackedCall &call = newCall();
  call << params_;
  call.in(batch.x);
  addTargets(call, batch);
  call.in(batch.mask).out(loss_).out(pred_);
  call.run(entry_.evalStep);
  return loss_[0];
}

std::vector<float> Session::predict(const Dataset &d) {
  if (!entry_.predict) { // `lathe run` compiles none
    fmt::print(stderr, "error: this compiled model has no predict entry\n");
    std::exit(1);
  }
  std::vector<float> out;
  std::vector<int64_t> order(d.n);
  for (int64_t i = 0; i < d.n; ++i)
    order[i] = i;
  Batch batch = makeBatch();
  int64_t width = info_.outputSize();
  for (int64_t begin = 0; begin < d.n; begin += info_.batch) {
    fill(d, order, begin, batch);
    PackedCall &call = newCall();
    call << params_;
    call.in(batch.x).out(pred_);
    call.run(entry_.predict);
    out.insert(out.end(), pred_.data(), pred_.data() + batch.count * width);
  }
  return out;
}
