//===- BatchQueueTest.cpp - Batches gathered ahead equal those filled in turn ===//
//
// Gathered ahead on the worker thread and in place (by two OpenMP threads,
// each its share of the rows, or by a thread a step leaves waiting: see
// offerIdleWork), for passes shorter
// than, equal to and longer than the queue's ring, with a partial last
// batch, for one-hot, class and token inputs: every batch the queue hands
// out equals the one Session::fill makes. Prints one line per
// failed expectation and a summary; exits non-zero on any failure. Run by
// batch-queue.test.
//
//===----------------------------------------------------------------------===//
#include "runtime/BatchQueue.h"
#include "runtime/Parallel.h"
#include "test/unit/Expect.h"

#include <fmt/format.h>
#include <algorithm>
#include <numeric>
#include <random>

using namespace lathe::rt;

namespace {
using lathe::test::expect;

bool same(const Buffer &a, const Buffer &b) {
  if (a.size() != b.size())
    return false;
  for (int64_t i = 0; i < a.size(); ++i)
    if (a.data()[i] != b.data()[i])
      return false;
  return true;
}

/// How the steps between the queue's batches treat lathe_idle_work: not at
/// all, or called from thread 1 (as a compiled step's waiting thread does)
/// every step or only in the first few.
enum class Idle { None, Always, FirstSteps };

/// Whether thread 1 took an offered batch.
bool step(Idle idle, int64_t s) {
  if (idle == Idle::None || (idle == Idle::FirstSteps && s >= 3) ||
      !idleWorkOffered())
    return false;
  parallelRanges(2, [](int64_t begin, int64_t) {
    if (begin == 1)
      lathe_idle_work();
  });
  return !idleWorkOffered();
}

void check(const std::string &model, int64_t n, BatchQueue::Gather how,
           Idle idle = Idle::None) {
  ModelInfo info;
  std::string error;
  if (!parseModelInfo(model, info, error)) {
    lathe::test::fail("model description: " + error);
    return;
  }
  Session session(info, EntryPoints{});
  Dataset d;
  d.n = n;
  d.features = info.inputSize();
  std::mt19937_64 rng(n);
  d.x.resize(size_t(n * d.features));
  for (float &v : d.x)
    v = float(rng() % 1000);
  d.labels.resize(size_t(n));
  for (int32_t &l : d.labels)
    l = int32_t(rng() % uint64_t(info.outputSize() > 1 ? info.outputSize() : 2));
  for (int32_t l : d.labels) // binary targets are values
    d.y.push_back(float(l));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);

  BatchQueue queue(session, d, order, how);
  Batch want = session.makeBatch();
  int64_t steps = (n + info.batch - 1) / info.batch, taken = 0;
  expect(queue.size() == steps, fmt::format("{} samples: {} batches, want {}",
                                            n, queue.size(), steps));
  for (int64_t s = 0; s < steps; ++s) {
    const Batch &got = queue.next();
    session.fill(d, order, s * info.batch, want);
    expect(got.count == want.count && same(got.x, want.x) &&
               same(got.y, want.y) && same(got.mask, want.mask) &&
               got.labels == want.labels,
           fmt::format("{} samples ({}, {}, idle work {}): batch {} differs",
                       n, info.name,
                       how == BatchQueue::Gather::Ahead ? "ahead" : "in place",
                       int(idle), s));
    taken += step(idle, s);
  }
  // Batches of 100 KB are offered (smaller ones are gathered by one thread).
  if (idle == Idle::Always && info.name == "onehot" && steps > 1)
    expect(taken == steps - 1,
           fmt::format("{} samples: thread 1 gathered {} batches, want {}", n,
                       taken, steps - 1));
}
} // namespace

int main() {
  // Two OpenMP threads: batches gathered in place are shared between them
  // (the program links LLVM's OpenMP runtime, as models do).
  setThreads(2);
  std::string onehot = "lathe-model 1\nname onehot\nbatch 32\nepochs 1\nseed 1\n"
                       "loss categorical_crossentropy\noptimizer adam lr=0.001\n"
                       "metrics accuracy\ntask onehot\ninput f32 784\n"
                       "param w glorot_uniform 784 10\noutput 10\n";
  std::string classes = "lathe-model 1\nname classes\nbatch 7\nepochs 1\nseed 1\n"
                        "loss sparse_categorical_crossentropy\noptimizer sgd lr=0.1\n"
                        "metrics accuracy\ntask classes\ninput f32 5\n"
                        "param w glorot_uniform 5 3\noutput 3\n";
  std::string tokens = "lathe-model 1\nname tokens\nbatch 4\nepochs 1\nseed 1\n"
                       "loss binary_crossentropy\noptimizer adam lr=0.001\n"
                       "metrics accuracy\ntask binary\ninput i32 9\n"
                       "param e uniform 50 8\noutput 1\n";
  for (auto how : {BatchQueue::Gather::Ahead, BatchQueue::Gather::InPlace}) {
    // One-hot rows of 3 KB: the ring holds 64 batches.
    for (int64_t n : {1, 31, 32, 33, 64 * 32, 64 * 32 + 5, 300 * 32 + 17})
      check(onehot, n, how);
    for (int64_t n : {3, 7, 8, 1000})
      check(classes, n, how);
    for (int64_t n : {4, 5, 2001})
      check(tokens, n, how);
  }
  // In place, the next batch is offered to the step's waiting threads: it
  // is the same whether they take it every step, only in the first steps
  // (then the queue gathers the rest itself), or never.
  for (Idle idle : {Idle::Always, Idle::FirstSteps}) {
    for (int64_t n : {1, 33, 64 * 32 + 5, 300 * 32 + 17})
      check(onehot, n, BatchQueue::Gather::InPlace, idle);
    for (int64_t n : {3, 1000})
      check(classes, n, BatchQueue::Gather::InPlace, idle);
  }
  // A queue destroyed before its pass ends withdraws the batch it offered:
  // no later step gathers into it.
  {
    ModelInfo info;
    std::string error;
    parseModelInfo(onehot, info, error);
    Session session(info, EntryPoints{});
    Dataset d;
    d.n = 100;
    d.features = info.inputSize();
    d.x.assign(size_t(d.n * d.features), 1.0f);
    d.labels.assign(size_t(d.n), 0);
    std::vector<int64_t> order(size_t(d.n));
    std::iota(order.begin(), order.end(), 0);
    {
      BatchQueue queue(session, d, order, BatchQueue::Gather::InPlace);
      queue.next();
      expect(idleWorkOffered(), "no batch offered to a step's waiting threads");
    }
    expect(!idleWorkOffered(), "a destroyed queue left its batch offered");
  }
  return lathe::test::summary();
}
